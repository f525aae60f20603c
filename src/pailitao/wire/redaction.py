"""One rule for what no log line, journal entry or error text shows.

Both sides use it: the fake's journal, access log and error texts, and the
client's recordings and error messages::

    param (name compared without case)          shown as
    sign, _aop_signature                        <redacted>    signatures
    session, access_token, token                <redacted>    user tokens
    app_secret, secret, password                <redacted>    secrets (``secret``: the resellers')
    any param whose value is a known secret     <redacted>    an app secret sent as ``note=…``
    app_key, key (the resellers' app key)       test***key    enough to recognise, not to reuse
    an Open Platform path's last segment        test***key    the app key it carries

A :class:`Redaction` carries the secrets its side knows (the apps' secrets and
access tokens, an admin token); :meth:`Redaction.text` takes them, and the
values the rule hides in a request, out of free text such as an error message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import unquote_plus

from . import aop

__all__ = [
    "APP_KEY_PARAMS",
    "REDACTED",
    "SECRET_PARAMS",
    "Redaction",
    "mask_app_key",
]

#: What a hidden value is shown as.
REDACTED: Final = "<redacted>"
#: Params whose values are never shown (lower case; names compare without case).
SECRET_PARAMS: Final = frozenset({
    "sign", "_aop_signature", "session", "access_token", "token", "app_secret", "secret",
    "password",
})  # fmt: skip
#: Params that hold an app key: shown masked, so a journal can still be read by app.
APP_KEY_PARAMS: Final = frozenset({"app_key", "key"})
#: Shorter values are taken out of free text only where their param's name leads
#: them (``token<value>``, as signing strings join them): two letters occur in
#: ordinary words, and replacing them there would garble a message and hide nothing.
_SHORTEST_IN_TEXT: Final = 4


def mask_app_key(app_key: str) -> str:
    """Enough of an app key to recognise it, not enough to reuse it."""
    if len(app_key) >= 10:
        return f"{app_key[:4]}***{app_key[-3:]}"
    return f"{app_key[:2]}***" if len(app_key) > 4 else "***"


@dataclass(frozen=True, slots=True)
class Redaction:
    """The rule, with the secrets this side knows (never shown, not even by ``repr``)."""

    secrets: frozenset[str] = field(default=frozenset(), repr=False)
    # A longer value is no known secret, and is not hashed to find out: a base64
    # image of 10 KB costs microseconds to hash, on every request the journal keeps.
    _longest: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_longest", max(map(len, self.secrets), default=0))

    def with_secrets(self, *secrets: str | None) -> Redaction:
        """The same rule, knowing these secrets too (``None`` and empty ones are skipped)."""
        more = {secret for secret in secrets if secret}
        return self if more <= self.secrets else Redaction(self.secrets | more)

    def hides(self, name: str, value: str) -> bool:
        """Whether the value of this param is never shown."""
        if name.lower() in SECRET_PARAMS:
            return True
        return 0 < len(value) <= self._longest and value in self.secrets

    def param(self, name: str, value: str) -> str:
        """The value as it may be shown."""
        if self.hides(name, value):
            return REDACTED
        if name.lower() in APP_KEY_PARAMS:
            return mask_app_key(value)
        return value

    def params(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Each ``(name, value)`` as it may be shown, in order."""
        return [(name, self.param(name, value)) for name, value in pairs]

    def path(self, path: str) -> str:
        """A URL path as it may be shown: an Open Platform API path's app key masked."""
        api = aop.parse_path(path)
        if api is None:
            return path
        bare = path.rstrip("/")
        return f"{bare.removesuffix(api.app_key)}{mask_app_key(api.app_key)}{path[len(bare) :]}"

    def query(self, query: str) -> str:
        """A raw query string with each value shown as the rule allows, the rest as sent.

        Names and values are percent-decoded to be judged (``%73ession`` is a
        ``session``); a changed value is written plainly (``key=test***key``).
        """
        if not query:
            return query
        shown = []
        for part in query.split("&"):
            raw_name, sep, raw_value = part.partition("=")
            value = unquote_plus(raw_value, errors="replace")
            visible = self.param(unquote_plus(raw_name, errors="replace"), value)
            shown.append(part if not sep or visible == value else f"{raw_name}={visible}")
        return "&".join(shown)

    def text(self, text: str, pairs: Iterable[tuple[str, str]] = ()) -> str:
        """``text`` without the known secrets, nor the values of ``pairs`` the rule hides.

        A value is also found as ``repr`` quotes it (escapes and all), and led
        by its name (``app_secret<value>``), as signing strings show params.
        """
        hidden = [(name, value) for name, value in pairs if value and self.hides(name, value)]
        for name, value in hidden:
            text = text.replace(name + value, name + REDACTED)
        values = {value for _, value in hidden} | self.secrets
        for value in sorted(values, key=len, reverse=True):  # a longer secret may hold a shorter
            for form in {value, repr(value)[1:-1]}:
                if len(form) >= _SHORTEST_IN_TEXT and form in text:
                    text = text.replace(form, REDACTED)
        return text
