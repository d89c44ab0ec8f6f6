"""The exceptions core raises; each message is written for the person using Pinscope."""

from __future__ import annotations


class PinscopeError(Exception):
    """Base of every error Pinscope reports to a user."""


class LoadError(PinscopeError):
    """An input could not be read as any supported format."""


class EmptyInput(LoadError):
    """The input holds no bytes (or only whitespace)."""


class UnsupportedFormat(LoadError):
    """The bytes are not a format Pinscope reads; the message says what was found."""


class DamagedInput(LoadError):
    """The format was recognised but the content is truncated or corrupt."""


class UnsupportedAlgorithm(LoadError):
    """The input is protected or encoded with an algorithm Pinscope cannot use."""


class PasswordRequired(LoadError):
    """The input is encrypted and no password was given.

    `what` names the thing that needs it, so a front end can ask or name its own option.
    """

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is protected by a password and none was given")
        self.what = what


class WrongPassword(LoadError):
    """The password does not open the input."""

    def __init__(self, message: str = "wrong password") -> None:
        super().__init__(message)


class EndpointError(PinscopeError):
    """An endpoint could not be tested: the name, the network, a proxy or a STARTTLS prelude
    failed before a TLS handshake could say anything about the server.

    `code` is the finding code that explains it (`net.dns`, `net.refused`, `net.timeout`,
    `net.reset`, `tls.not-tls`, `tls.starttls-refused`, `net.proxy`...); None when no finding
    fits better than the message.
    """

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code
