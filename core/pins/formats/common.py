"""What several format writers share: checking a pin value before it is written, and the
comment that says where a pin comes from."""

from __future__ import annotations

import base64
import binascii

from pinscope.core.pins.model import BACKUP, PinSet, SPKIPin

__all__ = ["checked_value", "describe"]

DEFAULT_CONSEQUENCE = "expected a SHA-256 of 32 bytes as 44 characters of base64"


def checked_value(pin: SPKIPin, consequence: str = DEFAULT_CONSEQUENCE) -> str:
    """The pin value, once it is 44 characters of padded base64 for 32 bytes.

    Raises:
        ValueError: naming the value, where it came from and `consequence` (what the platform
            does with such a value).
    """
    try:
        digest = base64.b64decode(pin.value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(f"pin {pin.value!r} ({pin.source}) is not base64: {error}") from error
    if len(digest) != 32 or len(pin.value) != 44:
        raise ValueError(
            f"pin {pin.value!r} ({pin.source}) decodes to {len(digest)} bytes; {consequence}"
        )
    return pin.value


def describe(pin: SPKIPin, pin_set: PinSet) -> str:
    """One line for a comment above the pin: its role, what was hashed, when its certificate
    expires."""
    role = pin.role or ("backup" if pin in pin_set.backups else "pin")
    if role == BACKUP:
        role = "backup key, not in the current chain"
    text = f"{role}: {pin.source}"
    if pin.not_after is not None:
        text += f" (certificate expires {pin.not_after:%Y-%m-%d})"
    return text
