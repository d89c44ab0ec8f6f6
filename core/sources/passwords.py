"""Where loaders get passwords from: what the user gave, or a question asked only when needed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pinscope.core.errors import PasswordRequired

# Asks a person for a password; the argument names what needs it. None means they declined.
PasswordPrompt = Callable[[str], str | None]


@dataclass
class Passwords:
    """The passwords one load may use. Never printed: every field is left out of repr.

    Attributes:
        password: the store or file password the user gave; None when they gave none.
        key_password: a separate password for keys inside a keystore, when it differs.
        alias_passwords: the passwords of single keys inside a keystore, by alias, for stores
            whose keys each have their own (the window asks for them one entry at a time).
        prompt: asks interactively when a password is needed and none was given; None when no
            one can be asked (a script, CI), in which case the load fails with PasswordRequired.
    """

    password: str | None = field(default=None, repr=False)
    key_password: str | None = field(default=None, repr=False)
    alias_passwords: dict[str, str] = field(default_factory=dict, repr=False)
    prompt: PasswordPrompt | None = field(default=None, repr=False)
    _answer: str | None = field(default=None, repr=False)
    """The password a person typed for this load, asked once."""

    @property
    def given(self) -> bool:
        return self.password is not None

    def for_source(self, name: str) -> Passwords:
        """A copy for loading `name`: its own answer, and questions that name the input."""
        prompt = self.prompt
        if prompt is None:
            return replace(self, _answer=None)
        return replace(self, _answer=None, prompt=lambda what: prompt(f"{what} ({name})"))

    def require(self, what: str) -> str:
        """The password for `what`: the one given, else one asked for once, else an error.

        Raises:
            PasswordRequired: none was given and no one can be asked (or they declined).
        """
        if self.password is not None:
            return self.password
        if self._answer is None:
            self._answer = self.prompt(what) if self.prompt is not None else None
        if self._answer is None:
            raise PasswordRequired(what)
        return self._answer

    def known(self) -> str | None:
        """The password given or already asked for, without asking."""
        return self.password if self.password is not None else self._answer

    def ask(self, what: str) -> str | None:
        """Ask a person for a password used once (a key's own); None if no one can answer."""
        return self.prompt(what) if self.prompt is not None else None

    def key_candidates(self, alias: str | None = None) -> list[str]:
        """Passwords worth trying on a key inside a store, most likely first."""
        own = self.alias_passwords.get(alias) if alias is not None else None
        candidates = [p for p in (own, self.key_password, self.known()) if p is not None]
        return list(dict.fromkeys(candidates))
