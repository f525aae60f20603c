"""How the fake fails in the Open Platform dialect, in the platform's two shapes::

    AopError
    ├── AopGatewayError   the gateway refuses the call: HTTP 4xx/5xx and
    │                     {"error_code", "error_message", "exception", "request_id"}
    └── AopBusinessError  the API ran and failed: HTTP 200 and
                          {"result": {"success": false, "code", "message"}}

The shared parts of the fake (rate limits, injected faults, image checks)
raise the TOP router's :class:`~fake1688.engine.errors.GatewayError`;
:func:`from_gateway_error` turns each into what the Open Platform answers for
the same failure. ``error_message`` is the platform's short text; ``exception``
carries the fake's explanation (what was wrong and how to fix it), never a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from pailitao.wire import aop

from .errors import SUB_DAILY_QUOTA, GatewayError
from .protocol import FakeResponse
from .render import dumps, json_response

__all__ = ["AopBusinessError", "AopError", "AopGatewayError", "from_gateway_error"]


class AopError(Exception):
    """A failure the fake answers in the Open Platform's shape."""

    #: The ``error_code`` or business ``code``, and what the caller is told (for the journal).
    code_text: str
    detail_text: str

    def response(self, request_id: str) -> FakeResponse:
        """The answer for this failure."""
        raise NotImplementedError

    def scrub(self, clean: Callable[[str], str]) -> None:
        """Pass the texts the caller and the journal see through ``clean`` (a redaction)."""
        raise NotImplementedError


class AopGatewayError(AopError):
    """The gateway refuses the call before the API runs."""

    def __init__(self, code: aop.GatewayCode, detail: str = "") -> None:
        super().__init__(f"{code.error_code}: {detail or code.error_message}")
        self.code = code
        self.detail = detail
        self.code_text, self.detail_text = code.error_code, detail or code.error_message

    def scrub(self, clean: Callable[[str], str]) -> None:
        """Pass ``exception`` (the fake's explanation) through ``clean``."""
        self.detail, self.detail_text = clean(self.detail), clean(self.detail_text)
        self.args = (f"{self.code.error_code}: {self.detail_text}",)

    def response(self, request_id: str) -> FakeResponse:
        body: dict[str, str] = {
            aop.ERROR_CODE_KEY: self.code.error_code,
            aop.ERROR_MESSAGE_KEY: self.code.error_message,
        }
        if self.detail:
            body["exception"] = self.detail
        body["request_id"] = request_id
        return json_response(dumps(body), self.code.status)


class AopBusinessError(AopError):
    """The API ran and failed: ``result.success`` is false."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.code_text, self.detail_text = code, message

    def scrub(self, clean: Callable[[str], str]) -> None:
        """Pass ``message`` through ``clean``."""
        self.message = self.detail_text = clean(self.message)
        self.args = (f"{self.code}: {self.message}",)

    def response(self, request_id: str) -> FakeResponse:
        result = {"success": False, "code": self.code, "message": self.message}
        return json_response(dumps({"result": result}))


#: The Open Platform's counterpart of a TOP router code, where it is the gateway's.
_GATEWAY: Final[dict[int, aop.GatewayCode]] = {
    4: aop.FREQUENCY_LIMIT, 5: aop.FREQUENCY_LIMIT, 7: aop.FREQUENCY_LIMIT,
    8: aop.FREQUENCY_LIMIT, 9: aop.HTTP_METHOD, 10: aop.INTERNAL_ERROR,
    11: aop.ACL_DECLINED, 22: aop.API_UNSUPPORTED, 24: aop.SIGNATURE_MISSING,
    25: aop.SIGNATURE_INVALID, 26: aop.UNAUTHORIZED, 27: aop.UNAUTHORIZED,
    28: aop.APP_KEY_MISSING, 29: aop.APP_KEY_NOT_FOUND, 30: aop.TIMESTAMP_INVALID,
    31: aop.TIMESTAMP_INVALID, 42: aop.ACL_DECLINED,
}  # fmt: skip
#: TOP codes that are the caller's mistake inside the API's own params.
_BAD_REQUEST: Final = frozenset({21, 23, 32, 33, 34, 40, 41, 43})


def from_gateway_error(error: GatewayError) -> AopError:
    """What the Open Platform answers for a failure the TOP router reports as ``error``."""
    if error.code == 7 and error.sub_code == SUB_DAILY_QUOTA:
        return AopGatewayError(aop.NO_USAGE_LEFT, error.sub_msg)
    gateway = _GATEWAY.get(error.code)
    if gateway is not None:
        return AopGatewayError(gateway, error.sub_msg)
    code = aop.BAD_REQUEST_CODE if error.code in _BAD_REQUEST else aop.SERVICE_ERROR_CODE
    return AopBusinessError(code, error.sub_msg)
