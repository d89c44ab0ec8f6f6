"""Distinguished names: RFC 4514 strings and attributes, read fast and shared across a bundle.

cryptography builds Python objects for every name it parses, which dominates the cost of large
bundles. Names are read here straight from DER when they hold only ordinary strings (printed
exactly as cryptography prints them), cached by encoding, and left to cryptography otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from pinscope.core import der, oids


@dataclass(frozen=True)
class NameAttribute:
    """One attribute of a distinguished name, value as text with UTF-8 intact."""

    name: str
    oid: str
    value: str


def lenient_name(raw: bytes) -> tuple[str, tuple[NameAttribute, ...]]:
    """A malformed name shown as well as it can be: bad text replaced, other types as #hex."""
    attributes = []
    parts = []
    try:
        for rdn in der.parse_exact(raw).children():
            for pair in rdn.children():
                oid_element, value_element = pair.children()[:2]
                oid = oid_element.oid()
                codec = _PLAIN_STRING_CODECS.get(value_element.number)
                if codec and not value_element.constructed:
                    value = value_element.content.decode(codec, errors="replace")
                    shown = _escape_value(value)
                else:  # RFC 4514 writes values of other types as # and their DER in hex
                    value = shown = "#" + value_element.raw.hex()
                attributes.append(
                    NameAttribute(oids.name_of(oid, oids.NAME_ATTRIBUTES), oid, value)
                )
                parts.append(f"{_RFC4514_NAMES.get(oid, oid)}={shown}")
    except (der.DERError, ValueError):
        pass
    return ",".join(reversed(parts)), tuple(attributes)


_name_cache: dict[bytes, tuple[str, tuple[NameAttribute, ...]]] = {}
_NAME_CACHE_LIMIT = 50_000


def describe_name(
    raw: bytes, parsed: x509.Certificate, which: str
) -> tuple[str, tuple[NameAttribute, ...]]:
    """A name's RFC 4514 string and attributes, shared between certificates with the same name.

    Issuer names repeat across a bundle; decoding each distinct encoding once keeps large files
    fast. `which` is "subject" or "issuer" of `parsed`, whose encoding is `raw`.
    """
    cached = _name_cache.get(raw)
    if cached is None:
        cached = _decode_plain_name(raw)
    if cached is None:
        name = parsed.subject if which == "subject" else parsed.issuer
        cached = (name.rfc4514_string(), name_attributes(name))
    if raw not in _name_cache:
        if len(_name_cache) >= _NAME_CACHE_LIMIT:
            _name_cache.clear()
        _name_cache[raw] = cached
    return cached


# Short names cryptography's rfc4514_string uses; every other attribute shows as its dotted OID.
_RFC4514_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
_PLAIN_STRING_CODECS = {
    der.UTF8_STRING: "utf-8",
    der.PRINTABLE_STRING: "ascii",
    der.IA5_STRING: "ascii",
    0x12: "ascii",  # NumericString
    0x1A: "ascii",  # VisibleString
    der.BMP_STRING: "utf-16-be",
}
_RFC4514_SPECIALS = str.maketrans(
    {
        "\\": "\\\\",
        '"': '\\"',
        "+": "\\+",
        ",": "\\,",
        ";": "\\;",
        "<": "\\<",
        ">": "\\>",
        "\0": "\\00",
    }
)


def _decode_plain_name(raw: bytes) -> tuple[str, tuple[NameAttribute, ...]] | None:
    """Decode a Name made only of ordinary string attributes, as cryptography would print it.

    Building cryptography's Name objects dominates the cost of large bundles; this reads the
    common case straight from DER and returns None for anything unusual, which then goes the
    slow, exact way.
    """
    try:
        rdns = []
        attributes = []
        for rdn in der.parse_exact(raw).children():
            parts = []
            for pair in rdn.children():
                oid_element, value_element = pair.children()
                codec = _PLAIN_STRING_CODECS.get(value_element.number)
                if codec is None or value_element.tag_class != der.CLASS_UNIVERSAL:
                    return None
                oid = oid_element.oid()
                value = value_element.content.decode(codec)
                attributes.append(
                    NameAttribute(oids.name_of(oid, oids.NAME_ATTRIBUTES), oid, value)
                )
                parts.append(f"{_RFC4514_NAMES.get(oid, oid)}={_escape_value(value)}")
            rdns.append("+".join(parts))
    except (der.DERError, ValueError):
        return None
    return ",".join(reversed(rdns)), tuple(attributes)


def _escape_value(value: str) -> str:
    if not value:
        return ""
    value = value.translate(_RFC4514_SPECIALS)
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


def name_attributes(name: x509.Name) -> tuple[NameAttribute, ...]:
    """The attributes of a name in the order they were encoded."""
    result = []
    for rdn in name.rdns:
        for attribute in rdn:
            oid = attribute.oid.dotted_string
            value = attribute.value
            text = value if isinstance(value, str) else value.hex()
            result.append(NameAttribute(oids.name_of(oid, oids.NAME_ATTRIBUTES), oid, text))
    return tuple(result)
