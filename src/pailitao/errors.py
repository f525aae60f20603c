"""The errors the client raises, one tree under :class:`PailitaoError`::

    PailitaoError
    ├── UsageError (ValueError)         the call or the configuration is wrong
    ├── ImageError (ValueError)         empty, unreadable, not an image, too large
    ├── TransportError                  no usable HTTP answer
    │   ├── NetworkError                connect/read failure or timeout   [retried]
    │   └── HTTPStatusError             non-200 status          [5xx, 429 retried]
    ├── ResponseParseError (ValueError) the answer is not the documented JSON
    │                                   [retried when the body is not JSON at all
    │                                    or does not match its Content-Encoding]
    └── ApiError                        the platform's error envelope
        ├── SignatureError              24 Missing / 25 Invalid Signature
        ├── AppKeyError                 28 Missing / 29 Invalid App Key
        ├── TimestampError              30 Missing / 31 Invalid Timestamp
        ├── RateLimitError              4, 5, 7, 8 call limits  [retried, retry_after]
        ├── InvalidArgumentsError       40, 41, 43
        └── ServerError                 10, 15, 50 and any isp.* sub_code [retried]

Messages say what was wrong and how to fix it. They never contain the app
secret or a sign: the client scrubs both from anything the server echoes.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

__all__ = [
    "ApiError",
    "AppKeyError",
    "HTTPStatusError",
    "ImageError",
    "InvalidArgumentsError",
    "NetworkError",
    "PailitaoError",
    "RateLimitError",
    "ResponseParseError",
    "ServerError",
    "SignatureError",
    "TimestampError",
    "TransportError",
    "UsageError",
    "api_error",
]


class PailitaoError(Exception):
    """Root of every error this package raises."""

    #: Whether the same request may succeed when sent again.
    retryable: bool = False


class UsageError(PailitaoError, ValueError):
    """The call or the client configuration is wrong; fix the code."""


class ImageError(PailitaoError, ValueError):
    """The image cannot be sent: empty, unreadable, not an image, or too large."""


class TransportError(PailitaoError):
    """No usable HTTP answer was received."""


class NetworkError(TransportError):
    """Connecting, sending or reading failed, or timed out."""

    retryable = True


class HTTPStatusError(TransportError):
    """The gateway answered with a status other than 200."""

    def __init__(self, status_code: int, body_excerpt: str = "") -> None:
        self.status_code = status_code
        self.body_excerpt = body_excerpt
        self.retryable = status_code >= 500 or status_code == 429
        detail = f": {body_excerpt}" if body_excerpt else ""
        super().__init__(f"HTTP {status_code} from the gateway{detail}")


class ResponseParseError(PailitaoError, ValueError):
    """The answer is not the documented JSON; names the field and the value."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class ApiError(PailitaoError):
    """The platform answered with its error envelope.

    ``code`` and ``msg`` are the platform's; ``sub_code``/``sub_msg`` carry the
    detail (``isv.*``: the caller's fault, ``isp.*``: the platform's).
    """

    codes: ClassVar[frozenset[int]] = frozenset()
    hint: ClassVar[str] = ""

    def __init__(
        self,
        code: int,
        msg: str,
        sub_code: str | None = None,
        sub_msg: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.code = code
        self.msg = msg
        self.sub_code = sub_code
        self.sub_msg = sub_msg
        self.request_id = request_id
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [f"{self.code} {self.msg}"]
        if self.sub_code:
            parts.append(f"[{self.sub_code}]")
        if self.sub_msg:
            parts.append(f"- {self.sub_msg}")
        if self.hint:
            parts.append(f"(hint: {self.hint})")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " ".join(parts)

    def __reduce__(self) -> tuple[object, ...]:
        args = (self.code, self.msg, self.sub_code, self.sub_msg, self.request_id)
        return (type(self), args)


class SignatureError(ApiError):
    """24 Missing / 25 Invalid Signature."""

    codes = frozenset({24, 25})
    hint = "compare your canonical string with the server's; `pailitao sign` prints yours"


class AppKeyError(ApiError):
    """28 Missing / 29 Invalid App Key."""

    codes = frozenset({28, 29})
    hint = "check app_key; it must belong to the secret you sign with"


class TimestampError(ApiError):
    """30 Missing / 31 Invalid Timestamp."""

    codes = frozenset({30, 31})
    hint = "send 'yyyy-MM-dd HH:mm:ss' in GMT+8 or epoch ms within 10 minutes of the server"


class InvalidArgumentsError(ApiError):
    """40 Missing Required Arguments, 41 Invalid Arguments, 43 Parameter Error."""

    codes = frozenset({40, 41, 43})


class ServerError(ApiError):
    """10, 15, 50 and any ``isp.*`` sub_code: the platform's fault, retried."""

    codes = frozenset({10, 15, 50})
    retryable = True


_BAN_SECONDS: Final = re.compile(r"ban will last for (\d+) more seconds", re.IGNORECASE)


class RateLimitError(ApiError):
    """4, 5, 7, 8: a call limit; ``retry_after`` comes from the ban message."""

    codes = frozenset({4, 5, 7, 8})
    retryable = True

    def __init__(
        self,
        code: int,
        msg: str,
        sub_code: str | None = None,
        sub_msg: str | None = None,
        request_id: str | None = None,
    ) -> None:
        match = _BAN_SECONDS.search(sub_msg or "")
        #: Seconds the platform asks us to wait, when it says.
        self.retry_after: float | None = float(match.group(1)) if match else None
        super().__init__(code, msg, sub_code, sub_msg, request_id)


_FAMILIES: Final[tuple[type[ApiError], ...]] = (
    SignatureError,
    AppKeyError,
    TimestampError,
    RateLimitError,
    InvalidArgumentsError,
    ServerError,
)


def api_error(
    code: int,
    msg: str,
    sub_code: str | None = None,
    sub_msg: str | None = None,
    request_id: str | None = None,
) -> ApiError:
    """The :class:`ApiError` subclass for a platform code and sub_code."""
    for family in _FAMILIES:
        if code in family.codes:
            return family(code, msg, sub_code, sub_msg, request_id)
    if sub_code and sub_code.startswith("isp."):
        return ServerError(code, msg, sub_code, sub_msg, request_id)
    return ApiError(code, msg, sub_code, sub_msg, request_id)
