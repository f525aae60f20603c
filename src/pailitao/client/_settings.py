"""What a client is built with: the settings, checked once, and the secret that never shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from .._checks import check_utf8, is_count, is_http_url
from ..errors import UsageError
from ..retry import RetryPolicy
from ..wire import DIALECTS, Dialect, signing

__all__ = ["DEFAULT_TIMEOUT", "ClientSettings", "Secret", "mask_key", "reveal"]


#: Seconds to wait for the gateway (connect, read, write, pool) unless told otherwise.
DEFAULT_TIMEOUT: Final = 10.0


class Secret:
    """Holds the app secret; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


def reveal(secret: Secret | None) -> str:
    return "" if secret is None else secret.reveal()


def mask_key(app_key: str) -> str:
    return app_key[:3] + "***" if len(app_key) > 6 else "***"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """What a client is built with, checked once; both clients read it, neither changes it."""

    app_key: str
    app_secret: Secret
    base_url: str
    dialect: Dialect
    access_token: Secret | None
    sign_method: signing.SignMethod
    timestamp_format: Literal["datetime", "millis"]
    image_encoding: Literal["base64", "multipart"]
    max_image_bytes: int
    downscale_images: bool
    retry: RetryPolicy
    clock: signing.Clock

    def __post_init__(self) -> None:
        app_key, app_secret = self.app_key, self.app_secret.reveal()
        if not isinstance(app_key, str) or not app_key.strip():
            raise UsageError("app_key must be a non-empty string")
        check_utf8(app_key, "app_key")
        if not isinstance(app_secret, str) or not app_secret:
            raise UsageError("app_secret must be a non-empty string")
        check_utf8(app_secret, "app_secret", show=False)
        if self.dialect not in DIALECTS:
            raise UsageError(f"dialect must be one of {', '.join(DIALECTS)}, not {self.dialect!r}")
        _check_access_token(self.dialect, self.access_token)
        if self.sign_method not in signing.SIGN_METHODS:
            known = ", ".join(signing.SIGN_METHODS)
            raise UsageError(f"sign_method must be one of {known}, not {self.sign_method!r}")
        if not is_http_url(self.base_url):
            raise UsageError(f"base_url must be an http(s) URL, not {self.base_url!r}")
        if self.timestamp_format not in ("datetime", "millis"):
            raise UsageError("timestamp_format must be 'datetime' or 'millis'")
        if self.image_encoding not in ("base64", "multipart"):
            raise UsageError("image_encoding must be 'base64' or 'multipart'")
        if not is_count(limit := self.max_image_bytes):
            raise UsageError(f"max_image_bytes must be a whole number of bytes >= 1, not {limit!r}")


def _check_access_token(dialect: str, secret: Secret | None) -> None:
    token = None if secret is None else secret.reveal()
    if dialect == "aop":
        if not isinstance(token, str) or not token:
            raise UsageError(
                "access_token is required with dialect='aop': the Open Platform's image APIs "
                "act for a user who authorised your app"
            )
        check_utf8(token, "access_token", show=False)
    elif token is not None:
        raise UsageError("access_token is sent to the Open Platform only: pass dialect='aop'")
