"""The platform errors the fake answers with, one class per TOP error code::

    GatewayError                       rendered as the HTTP 200 error envelope
    ├── AppCallLimited           7     a rate limit: QPS or daily quota (``accesscontrol.*``)
    ├── HttpActionNotAllowed     9     HTTP method other than GET/POST on the router
    ├── ServiceUnavailable      10     busy: too many images waiting to be decoded
    ├── RemoteServiceError      15     the fake itself failed (journalled)
    ├── MissingMethod           21     no ``method``
    ├── InvalidMethod           22     an API the fake does not serve
    │   └── PathNotFound        22     no API at that URL path (HTTP 404)
    ├── InvalidFormat           23     ``format`` other than ``json`` or ``xml``
    ├── MissingSignature        24     no ``sign``
    ├── InvalidSignature        25     wrong ``sign`` or unknown ``sign_method``
    ├── MissingAppKey           28     no ``app_key``
    ├── InvalidAppKey           29     unknown ``app_key``
    ├── MissingTimestamp        30     no ``timestamp``
    ├── InvalidTimestamp        31     unparsable or outside the allowed skew
    ├── MissingVersion          32     no ``v``
    ├── InvalidVersion          33     ``v`` other than ``2.0``
    ├── MissingArguments        40     a required API argument is missing
    ├── InvalidArguments        41     a malformed argument, or unreadable/ambiguous params
    └── PlatformError          any     an error a fault injects, with any platform code

Codes and ``msg`` texts are the platform's (lower-case where live answers are);
``sub_code`` follows the platform's pattern (``isv.missing-parameter`` and
``isv.invalid-parameter`` for the caller's mistakes, ``isp.*`` for ours). Every
``sub_msg`` says what was wrong and how to fix it, and never holds a secret
(the engine passes it through the wire's redaction rule, :meth:`GatewayError.scrub`,
before anyone sees it).
Rate limits use the platform's own sub_codes and its "This ban will last for N
more seconds" sub_msg, which clients parse to know how long to wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Final

from pailitao.wire.top import LIVE_SPELLINGS, PLATFORM_CODES, SUB_INVALID, SUB_MISSING

__all__ = [
    "PLATFORM_MESSAGES",
    "SUB_APPKEY_NOT_EXISTS",
    "SUB_DAILY_QUOTA",
    "SUB_HTTP_ACTION",
    "SUB_INVALID",
    "SUB_MISSING",
    "SUB_PATH_NOT_FOUND",
    "SUB_QPS",
    "SUB_REMOTE_ERROR",
    "SUB_SERVICE_UNAVAILABLE",
    "AppCallLimited",
    "GatewayError",
    "HttpActionNotAllowed",
    "InvalidAppKey",
    "InvalidArguments",
    "InvalidFormat",
    "InvalidMethod",
    "InvalidSignature",
    "InvalidTimestamp",
    "InvalidVersion",
    "MissingAppKey",
    "MissingArguments",
    "MissingMethod",
    "MissingSignature",
    "MissingTimestamp",
    "MissingVersion",
    "PathNotFound",
    "PlatformError",
    "RemoteServiceError",
    "ServiceUnavailable",
    "StateUnavailable",
    "ban_message",
]

#: Seen on live answers for an unknown app key.
SUB_APPKEY_NOT_EXISTS: Final = "isv.appkey-not-exists"
#: The server failed; the platform's retryable family.
SUB_REMOTE_ERROR: Final = "isp.remote-service-error"
#: The server is busy or down for a moment: retry.
SUB_SERVICE_UNAVAILABLE: Final = "isp.service-unavailable"
#: The fake's own choice: the platform documents no sub_code for these.
SUB_HTTP_ACTION: Final = "isv.http-action-not-allowed"
SUB_PATH_NOT_FOUND: Final = "isv.path-not-found"
#: The platform's rate-limit sub_codes: the app's daily quota, and an API's call frequency.
SUB_DAILY_QUOTA: Final = "accesscontrol.limited-by-app-access-count"
SUB_QPS: Final = "accesscontrol.limited-by-api-access-count"

#: The platform's ``msg`` per code, as live answers spell it, for injected errors.
PLATFORM_MESSAGES: Final[dict[int, str]] = {**PLATFORM_CODES, **LIVE_SPELLINGS}


class StateUnavailable(Exception):
    """The shared state (Redis) cannot be reached; the message names its URL, never a
    password. The engine answers the call with its dialect's internal error (15)."""


class GatewayError(Exception):
    """An error the gateway answers with: ``{"error_response": {...}}``."""

    # Class defaults, not ClassVars: an injected fault or a rate limit sets its own.
    code: int = 15
    msg: str = "Remote Service Error"
    sub_code: str = SUB_REMOTE_ERROR
    #: HTTP status of the envelope; the platform answers errors with 200.
    status: ClassVar[int] = 200

    def __init__(self, sub_msg: str) -> None:
        super().__init__(sub_msg)
        self.sub_msg = sub_msg

    def scrub(self, clean: Callable[[str], str]) -> None:
        """Pass the text the caller and the journal see through ``clean`` (a redaction)."""
        self.sub_msg = clean(self.sub_msg)
        self.args = (self.sub_msg,)


class AppCallLimited(GatewayError):
    """7: a rate limit; ``sub_code`` says which, ``sub_msg`` how long the ban lasts."""

    code = 7
    msg = "App Call Limited"

    def __init__(self, sub_code: str, ban_seconds: int, reason: str) -> None:
        super().__init__(f"{ban_message(ban_seconds)} ({reason})")
        self.sub_code = sub_code
        self.ban_seconds = ban_seconds


def ban_message(seconds: int) -> str:
    """The platform's ban text, which clients parse; ``seconds`` is at least 1."""
    return f"This ban will last for {max(1, seconds)} more seconds"


class HttpActionNotAllowed(GatewayError):
    """9: the router takes GET and POST only."""

    code = 9
    msg = "Http Action Not Allowed"
    sub_code = SUB_HTTP_ACTION


class ServiceUnavailable(GatewayError):
    """10: the fake is busy (images queued for decoding); the client retries."""

    code = 10
    msg = "Service Currently Unavailable"
    sub_code = SUB_SERVICE_UNAVAILABLE


class RemoteServiceError(GatewayError):
    """15: the fake failed while answering; the journal holds the traceback."""

    code = 15
    msg = "Remote Service Error"
    sub_code = SUB_REMOTE_ERROR


class MissingMethod(GatewayError):
    """21: no ``method`` parameter."""

    code = 21
    msg = "Missing Method"
    sub_code = SUB_MISSING


class InvalidMethod(GatewayError):
    """22: ``method`` names an API the fake does not serve."""

    code = 22
    msg = "Invalid Method"
    sub_code = SUB_INVALID


class PathNotFound(InvalidMethod):
    """22 with HTTP 404: nothing is served at the URL path."""

    sub_code = SUB_PATH_NOT_FOUND
    status = 404


class InvalidFormat(GatewayError):
    """23: ``format`` other than ``json`` or ``xml`` (the formats the fake renders)."""

    code = 23
    msg = "Invalid Format"
    sub_code = SUB_INVALID


class MissingSignature(GatewayError):
    """24: no ``sign`` parameter."""

    code = 24
    msg = "Missing Signature"
    sub_code = SUB_MISSING


class InvalidSignature(GatewayError):
    """25: the sign does not match, or ``sign_method`` is not one the platform knows."""

    code = 25
    msg = "Invalid signature"
    sub_code = SUB_INVALID


class MissingAppKey(GatewayError):
    """28: no ``app_key`` parameter."""

    code = 28
    msg = "Missing App Key"
    sub_code = SUB_MISSING


class InvalidAppKey(GatewayError):
    """29: the app key is not registered."""

    code = 29
    msg = "Invalid app Key"
    sub_code = SUB_APPKEY_NOT_EXISTS


class MissingTimestamp(GatewayError):
    """30: no ``timestamp`` parameter."""

    code = 30
    msg = "Missing Timestamp"
    sub_code = SUB_MISSING


class InvalidTimestamp(GatewayError):
    """31: the timestamp is unparsable or too far from the gateway's clock."""

    code = 31
    msg = "Invalid timestamp"
    sub_code = SUB_INVALID


class MissingVersion(GatewayError):
    """32: no ``v`` parameter."""

    code = 32
    msg = "Missing Version"
    sub_code = SUB_MISSING


class InvalidVersion(GatewayError):
    """33: ``v`` is not ``2.0``."""

    code = 33
    msg = "Invalid Version"
    sub_code = SUB_INVALID


class MissingArguments(GatewayError):
    """40: a required API argument is missing."""

    code = 40
    msg = "Missing Required Arguments"
    sub_code = SUB_MISSING


class InvalidArguments(GatewayError):
    """41: an API argument is malformed, or the request's params are ambiguous."""

    code = 41
    msg = "Invalid Arguments"
    sub_code = SUB_INVALID


class PlatformError(GatewayError):
    """Any platform code, answered because a fault asked for it."""

    def __init__(self, code: int, sub_code: str, sub_msg: str) -> None:
        if code not in PLATFORM_MESSAGES:
            known = ", ".join(str(known) for known in sorted(PLATFORM_MESSAGES))
            raise ValueError(f"code {code} is not a platform error code; use one of {known}")
        super().__init__(sub_msg)
        self.code, self.msg, self.sub_code = code, PLATFORM_MESSAGES[code], sub_code
