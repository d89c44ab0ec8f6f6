"""The data every pin module shares: one SPKI pin with where it came from, and a pin set to
write in some platform's configuration format."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field

from pinscope.core.certificate import Certificate
from pinscope.core.keys import PublicKeyDetails
from pinscope.core.model import Finding

__all__ = ["BACKUP", "INTERMEDIATE", "LEAF", "LEVELS", "ROOT", "PinSet", "Rendered", "SPKIPin"]

LEAF = "leaf"
INTERMEDIATE = "intermediate"
ROOT = "root"
BACKUP = "backup"
LEVELS = (LEAF, INTERMEDIATE, ROOT, "all")
"""The values of `--level`."""


@dataclass(frozen=True)
class SPKIPin:
    """A SHA-256 over a DER SubjectPublicKeyInfo, standard base64 with padding (44 characters)."""

    value: str
    source: str
    """What was hashed, for people: "certificate CN=api.example.com", "private key backup.key",
    "certificate request CN=…", "pasted value"."""
    role: str | None = None
    """LEAF, INTERMEDIATE, ROOT or BACKUP; None when unknown (a pasted pin)."""
    certificate: Certificate | None = None
    """The certificate whose key this is; None for keys, CSRs and pasted pins."""
    public_key: PublicKeyDetails | None = None
    """Type and size of the key (TrustKit hashes only some); None when unknown."""

    @property
    def digest(self) -> bytes:
        return base64.b64decode(self.value)

    @property
    def hex(self) -> str:
        return self.digest.hex()

    @property
    def prefixed(self) -> str:
        """`sha256/…`, as OkHttp writes it."""
        return f"sha256/{self.value}"

    @property
    def not_after(self) -> dt.datetime | None:
        """When the certificate behind the pin expires; None without a certificate."""
        return self.certificate.details.not_after if self.certificate is not None else None


@dataclass(frozen=True)
class PinSet:
    """What to write: domains, the pins of the chosen chain level, backups and policy."""

    domains: tuple[str, ...]
    pins: tuple[SPKIPin, ...]
    """The pins taken from the chain at the chosen level(s), most specific first."""
    backups: tuple[SPKIPin, ...] = ()
    """Pins of keys not in the current chain (a spare key, another CA)."""
    include_subdomains: bool = False
    expires: dt.date | None = None
    """`--expires`: after this date platforms that support it stop pinning; None for none."""
    report_uri: str | None = None
    chain: tuple[Certificate, ...] = ()
    """The chain the pins were taken from, leaf first, root included when built against a
    trust store; empty when the pins were given directly."""
    level: str = INTERMEDIATE

    @property
    def all_pins(self) -> tuple[SPKIPin, ...]:
        """Pins then backups, each value once."""
        seen: dict[str, SPKIPin] = {}
        for pin in (*self.pins, *self.backups):
            seen.setdefault(pin.value, pin)
        return tuple(seen.values())

    @property
    def leaf(self) -> Certificate | None:
        return self.chain[0] if self.chain else None


@dataclass(frozen=True)
class Rendered:
    """One format's output for a pin set."""

    text: str
    """What is printed or written to `--out FILE` (a snippet, a whole file)."""
    filename: str
    """A conventional file name for it ("network_security_config.xml", "pins.json")."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Extra files to write into `--out DIR` (Alamofire's .cer files); empty for most."""
    findings: tuple[Finding, ...] = ()
    """The `pin.*` warnings specific to this format (leaf-only consumer, key types…)."""
