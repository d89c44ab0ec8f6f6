"""A small, strict-enough DER/BER reader for the structures cryptography does not expose.

Used to take a certificate's SubjectPublicKeyInfo bytes exactly as they were signed, to walk
PKCS#12 and PKCS#7 containers, and to sniff what a blob of bytes is. It reads definite and
indefinite lengths and constructed strings (some PKCS#12 writers use BER), and never recurses
without bound: every error is a `DERError` saying where the data stopped making sense.
"""

from __future__ import annotations

# Universal tags used by callers.
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OID = 0x06
UTF8_STRING = 0x0C
SEQUENCE = 0x10
SET = 0x11
PRINTABLE_STRING = 0x13
T61_STRING = 0x14
IA5_STRING = 0x16
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
UNIVERSAL_STRING = 0x1C
BMP_STRING = 0x1E

CLASS_UNIVERSAL = 0
CLASS_CONTEXT = 2

_MAX_DEPTH = 64


class DERError(ValueError):
    """The bytes are not the ASN.1 structure that was expected."""


class Element:
    """One tag-length-value inside a buffer; offsets index into `buffer`."""

    __slots__ = (
        "buffer",
        "constructed",
        "content_end",
        "content_start",
        "end",
        "number",
        "start",
        "tag_class",
    )

    def __init__(
        self,
        buffer: bytes,
        tag_class: int,
        constructed: bool,
        number: int,
        start: int,
        content_start: int,
        content_end: int,
        end: int,
    ) -> None:
        self.buffer = buffer
        self.tag_class = tag_class
        self.constructed = constructed
        self.number = number
        self.start = start
        self.content_start = content_start
        self.content_end = content_end
        self.end = end

    @property
    def raw(self) -> bytes:
        """The whole encoding, tag and length included."""
        return self.buffer[self.start : self.end]

    @property
    def content(self) -> bytes:
        return self.buffer[self.content_start : self.content_end]

    def is_universal(self, number: int) -> bool:
        return self.tag_class == CLASS_UNIVERSAL and self.number == number

    def is_context(self, number: int) -> bool:
        return self.tag_class == CLASS_CONTEXT and self.number == number

    def children(self) -> list[Element]:
        """The elements inside a constructed element, in order."""
        if not self.constructed:
            raise DERError(f"expected a constructed element at offset {self.start}")
        return _read_children(self.buffer, self.content_start, self.content_end, 1)

    def expect(self, number: int, what: str) -> Element:
        """Return self if it is the universal type `number`, else raise naming `what`."""
        if not self.is_universal(number):
            raise DERError(
                f"expected {what} at offset {self.start}, found tag {self.describe_tag()}"
            )
        return self

    def describe_tag(self) -> str:
        names = {0: "universal", 1: "application", 2: "context", 3: "private"}
        return f"[{names[self.tag_class]} {self.number}]"

    def octets(self) -> bytes:
        """The value of an OCTET STRING (or implicitly tagged one), joining BER pieces."""
        if not self.constructed:
            return self.content
        return b"".join(child.octets() for child in self.children())

    def integer(self) -> int:
        if self.constructed or not self.content:
            raise DERError(f"malformed INTEGER at offset {self.start}")
        return int.from_bytes(self.content, "big", signed=True)

    def oid(self) -> str:
        self.expect(OID, "an OBJECT IDENTIFIER")
        return decode_oid(self.content)

    def text(self) -> str:
        """Decode any ASN.1 character string type."""
        raw = self.octets()
        if self.number == BMP_STRING:
            return raw.decode("utf-16-be", errors="replace")
        if self.number == UNIVERSAL_STRING:
            return raw.decode("utf-32-be", errors="replace")
        if self.number == T61_STRING:
            return raw.decode("latin-1")
        return raw.decode("utf-8", errors="replace")


def parse(buffer: bytes, offset: int = 0) -> Element:
    """Read the element that starts at `offset`."""
    return _read_element(buffer, offset, len(buffer), 0)


def parse_exact(buffer: bytes) -> Element:
    """Read one element that must fill the whole buffer."""
    element = parse(buffer)
    if element.end != len(buffer):
        raise DERError(f"{len(buffer) - element.end} unexpected bytes after the structure")
    return element


def decode_oid(content: bytes) -> str:
    if not content or content[-1] & 0x80:
        raise DERError("malformed OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(arc) for arc in head + arcs[1:])


def encode_oid(dotted: str) -> bytes:
    """The content octets of an OBJECT IDENTIFIER (no tag or length)."""
    arcs = [int(part) for part in dotted.split(".")]
    values = [arcs[0] * 40 + arcs[1], *arcs[2:]]
    out = bytearray()
    for value in values:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


def encode(first_byte: int, content: bytes) -> bytes:
    """Encode one element with a low tag number (`first_byte` holds class, form and number)."""
    length = len(content)
    if length < 0x80:
        return bytes([first_byte, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([first_byte, 0x80 | size]) + length.to_bytes(size, "big") + content


def _read_children(buffer: bytes, start: int, end: int, depth: int) -> list[Element]:
    children = []
    offset = start
    while offset < end:
        child = _read_element(buffer, offset, end, depth)
        children.append(child)
        offset = child.end
    return children


def _read_element(buffer: bytes, offset: int, limit: int, depth: int) -> Element:
    if depth > _MAX_DEPTH:
        raise DERError("structure nested too deeply")
    if offset >= limit:
        raise DERError(f"data ends at offset {offset} where an element should start")

    first = buffer[offset]
    tag_class = first >> 6
    constructed = bool(first & 0x20)
    number = first & 0x1F
    position = offset + 1
    if number == 0x1F:
        number = 0
        while True:
            if position >= limit:
                raise DERError(f"data ends inside a tag at offset {offset}")
            byte = buffer[position]
            position += 1
            number = (number << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
            if number > 1 << 24:
                raise DERError(f"tag number too large at offset {offset}")

    if position >= limit:
        raise DERError(f"data ends at offset {position}, inside the length of an element")
    length_byte = buffer[position]
    position += 1

    if length_byte == 0x80:
        return _read_indefinite(buffer, offset, position, limit, depth, tag_class, number)
    if length_byte & 0x80:
        count = length_byte & 0x7F
        if count > 8 or position + count > limit:
            raise DERError(f"bad length at offset {offset}")
        length = int.from_bytes(buffer[position : position + count], "big")
        position += count
    else:
        length = length_byte

    end = position + length
    if end > limit:
        raise DERError(
            f"element at offset {offset} claims {length} bytes, but only {limit - position} remain"
        )
    return Element(buffer, tag_class, constructed, number, offset, position, end, end)


def _read_indefinite(
    buffer: bytes, offset: int, position: int, limit: int, depth: int, tag_class: int, number: int
) -> Element:
    """BER indefinite length: children until an end-of-contents marker."""
    cursor = position
    while True:
        if cursor + 2 > limit:
            raise DERError(f"indefinite-length element at offset {offset} has no end marker")
        if buffer[cursor] == 0 and buffer[cursor + 1] == 0:
            return Element(buffer, tag_class, True, number, offset, position, cursor, cursor + 2)
        cursor = _read_element(buffer, cursor, limit, depth + 1).end
