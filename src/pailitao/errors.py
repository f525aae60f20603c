"""The errors pailitao raises, one tree under :class:`PailitaoError`::

    PailitaoError
    ├── UsageError (ValueError)         the call or the configuration is wrong
    ├── ImageError (ValueError)         empty, unreadable, not an image, too large
    ├── CassetteError (AssertionError)  a cassette is not what vcrpy and pailitao store:
    │                                   the test's recording is wrong, not the API
    ├── TransportError                  no usable HTTP answer
    │   ├── NetworkError                connect/read failure or timeout   [retried]
    │   └── HTTPStatusError             non-200 status          [5xx, 429 retried]
    ├── ResponseParseError (ValueError) the answer is not the documented JSON (or XML)
    │                                   [retried when the body is not JSON or XML at
    │                                    all or does not match its Content-Encoding,
    │                                    unless a cassette played it back]
    └── ApiError                        the platform's error envelope
        ├── SignatureError              24, 25; gw.SignatureInvalid, gw.SignatureMissing
        ├── AppKeyError                 28, 29; gw.AppKeyNotFound, gw.AppKeyMissing,
        │                               gw.APIACLDecline; reseller 4005
        ├── AccessTokenError            26 Missing / 27 Invalid Session; AOP "401"
        ├── TimestampError              30, 31; gw.TimestampInvalid
        ├── RateLimitError              4, 5, 7, 8; gw.QosAppFrequencyLimit,
        │                               gw.NoUsageLeftError; reseller 4008, 4013
        │                                                       [retried, retry_after]
        ├── InvalidArgumentsError       40, 41, 43; gw.ParamMissing, gw.ParamInvalid,
        │                               gw.APIUnsupported; AOP business "400";
        │                               reseller 4003, 4014
        └── ServerError                 10, 15, 50, any isp.* sub_code; gw.InternalServerError;
                                        AOP business "500"; reseller 4000, 5000
                                                                            [retried]

TOP and reseller codes are ints; the 1688 Open Platform's (AOP) are strings, both
the gateway's (``gw.…``, ``"401"``) and the business ``result.code`` (``"400"``).
The reseller's codes are four digits (``4005``), TOP's at most two: they never clash.

Messages say what was wrong and how to fix it. They never contain the app
secret or a sign: the client scrubs both from anything the server echoes.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

__all__ = [
    "AccessTokenError",
    "ApiError",
    "AppKeyError",
    "CassetteError",
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


class CassetteError(PailitaoError, AssertionError):
    """A cassette is broken: the recording the test relies on is wrong, not the API.

    An ``AssertionError``, as a broken fixture is: the test fails, whatever the
    client would have done. The message names the file, the line when known, and
    the interaction and field at fault::

        x.yaml:23: interaction 3: response.status.code must be an integer, got 'two hundred'

    ``problem`` is that message without the file and line, for tools that name
    the file themselves.
    """

    def __init__(self, problem: str, source: str, line: int | None = None) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        where = source if line is None else f"{source}:{line}"
        super().__init__(f"{where}: {problem}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.problem, self.source, self.line))


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
    detail (``isv.*``: the caller's fault, ``isp.*``: the platform's). ``code`` is
    an int for TOP and the reseller API and a string for AOP (``"gw.SignatureInvalid"``,
    ``"401"``, ``"400"``): each platform's own spelling, so AOP's ``"401"`` never
    meets a TOP code by accident.
    """

    #: The codes of this family: TOP ints and AOP strings side by side.
    codes: ClassVar[frozenset[int | str]] = frozenset()
    hint: ClassVar[str] = ""

    def __init__(
        self,
        code: int | str,
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
        # An AOP business failure may come without a code: no leading blank then.
        parts = [f"{self.code} {self.msg}".strip()]
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
    """24 Missing / 25 Invalid Signature; AOP gw.SignatureInvalid / gw.SignatureMissing."""

    codes = frozenset({24, 25, "gw.SignatureInvalid", "gw.SignatureMissing"})
    hint = "compare your canonical string with the server's; `pailitao sign` prints yours"


class AppKeyError(ApiError):
    """28 Missing / 29 Invalid App Key; AOP gw.AppKeyNotFound, gw.AppKeyMissing, gw.APIACLDecline.

    The ACL refusal belongs here: the app key itself lacks the API, and only its
    owner can ask for it. The reseller's 4005 (a wrong key or secret) too.
    """

    codes = frozenset({28, 29, "gw.AppKeyNotFound", "gw.AppKeyMissing", "gw.APIACLDecline", 4005})
    hint = "check app_key; it must belong to the secret you sign with and be granted the API"


class AccessTokenError(ApiError):
    """26 Missing / 27 Invalid Session; AOP "401" (Request need user authorized)."""

    codes = frozenset({26, 27, "401"})
    hint = (
        "check access_token: the app's user must authorise it; an expired token must be refreshed"
    )


class TimestampError(ApiError):
    """30 Missing / 31 Invalid Timestamp; AOP gw.TimestampInvalid."""

    codes = frozenset({30, 31, "gw.TimestampInvalid"})
    hint = "send 'yyyy-MM-dd HH:mm:ss' in GMT+8 or epoch ms within 10 minutes of the server"


class InvalidArgumentsError(ApiError):
    """40, 41, 43; AOP gw.ParamMissing, gw.ParamInvalid, gw.APIUnsupported, business "400";
    the reseller's 4003 (a bad param) and 4014 (a missing one)."""

    codes = frozenset(
        {40, 41, 43, "gw.ParamMissing", "gw.ParamInvalid", "gw.APIUnsupported", "400", 4003, 4014}
    )


class ServerError(ApiError):
    """The platform's fault, retried: 10, 15, 50 and any ``isp.*`` sub_code.

    AOP's gw.InternalServerError and business "500", and the reseller's 4000
    and 5000, join them.
    """

    codes = frozenset({10, 15, 50, "gw.InternalServerError", "500", 4000, 5000})
    retryable = True


_BAN_SECONDS: Final = re.compile(r"ban will last for (\d+) more seconds", re.IGNORECASE | re.ASCII)


class RateLimitError(ApiError):
    """A call limit: 4, 5, 7, 8, AOP's gw.QosAppFrequencyLimit and gw.NoUsageLeftError,
    and the reseller's 4008 (rate) and 4013 (calls exceeded).

    ``retry_after`` comes from the ban message in ``sub_msg``, which holds TOP's
    sub_msg or the AOP gateway's ``exception`` detail, or else in ``msg`` (the
    reseller's ``reason``).
    """

    codes = frozenset({4, 5, 7, 8, "gw.QosAppFrequencyLimit", "gw.NoUsageLeftError", 4008, 4013})
    retryable = True

    @property
    def retry_after(self) -> float | None:
        """Seconds the platform asks us to wait, when it says."""
        # The reseller's ban message is its ``reason``, the error's msg.
        match = _BAN_SECONDS.search(self.sub_msg or "") or _BAN_SECONDS.search(self.msg)
        return float(match.group(1)) if match else None


_FAMILIES: Final[tuple[type[ApiError], ...]] = (
    SignatureError,
    AppKeyError,
    AccessTokenError,
    TimestampError,
    RateLimitError,
    InvalidArgumentsError,
    ServerError,
)


def api_error(
    code: int | str,
    msg: str,
    sub_code: str | None = None,
    sub_msg: str | None = None,
    request_id: str | None = None,
) -> ApiError:
    """The :class:`ApiError` subclass for a platform code (an int, or AOP's string)."""
    for family in _FAMILIES:
        if code in family.codes:
            return family(code, msg, sub_code, sub_msg, request_id)
    if sub_code and sub_code.startswith("isp."):
        return ServerError(code, msg, sub_code, sub_msg, request_id)
    return ApiError(code, msg, sub_code, sub_msg, request_id)
