"""How the fake answers in the resellers' REST dialect: always HTTP 200 JSON.

Every answer, success or failure, is one JSON object::

    {"items": {...},                      # a search's page or an upload's item
     "error_code": "0000", "reason": "ok", "error": "",
     "cache": 0, "api_info": "…", "execution_time": "0.000",
     "server_time": "Beijing/2026-12-03 17:09:00", "call_args": {...},
     "api_type": "1688", "translate_language": "zh-CN", "request_id": "…"}

A failure has no ``items`` (but ``2000`` no result, which carries its empty
page), its published code in ``error_code``, the code's short meaning in
``error`` and the fake's explanation (what was wrong, how to fix it, when to
retry) in ``reason``; never the secret. ``call_args`` echoes the API's own
params under the wire's redaction rule. Always HTTP 200: the SDK
``onebound-sdk`` retries any other answer against onebound's real hosts.

The shared stages (rate limits, injected faults, image checks) raise the TOP
router's :class:`~fake1688.engine.errors.GatewayError`; :func:`from_gateway_error`
gives each its reseller code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Final

from pailitao.wire import reseller as wire
from pailitao.wire.redaction import Redaction

from .errors import SUB_DAILY_QUOTA, GatewayError
from .protocol import FakeRequest, FakeResponse
from .render import dumps, json_response

__all__ = ["ResellerError", "answer", "call_args", "from_gateway_error"]

#: What ``lang`` asks for, as ``translate_language`` names it.
_LANGUAGES: Final = {"cn": "zh-CN", "en": "en", "ru": "ru"}
#: Not echoed in ``call_args``: the credentials and what every call carries.
_NOT_ECHOED: Final = frozenset({*wire.CREDENTIAL_PARAMS, *wire.COMMON_PARAMS})
#: TOP codes that are the caller's mistake in a param: reseller ``4003``.
_PARAM_ERRORS: Final = frozenset({9, 21, 22, 23, 32, 33, 34, 41, 43})
_GMT8: Final = 8 * 3600
_API_INFO: Final = "today: max:unlimited"
#: The rule without known secrets, for an answer that is told none.
_NAMES_ONLY: Final = Redaction()


class ResellerError(Exception):
    """A failure answered as ``error_code`` (a published code) with the fake's ``reason``."""

    def __init__(self, code: str, detail: str, items: bytes | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        #: The code and the explanation, for the journal (as :class:`AopError` has them).
        self.code_text, self.detail_text = code, detail
        #: The ``items`` JSON an answer still carries (``2000``: the empty page).
        self.items = items

    def scrub(self, clean: Callable[[str], str]) -> None:
        """Pass ``reason`` (the fake's explanation) through ``clean`` (a redaction)."""
        self.detail_text = clean(self.detail_text)
        self.args = (f"{self.code_text}: {self.detail_text}",)

    def response(
        self,
        request: FakeRequest,
        request_id: str,
        now: float,
        elapsed: float | None = None,
        *,
        redaction: Redaction = _NAMES_ONLY,
    ) -> FakeResponse:
        """The error answer, HTTP 200."""
        head = dumps({
            "error_code": self.code_text,
            "reason": self.detail_text,
            "error": wire.ERROR_CODES.get(self.code_text, "error"),
        })[1:-1]  # fmt: skip
        if self.items is not None:
            head = b'"items":' + self.items + b"," + head
        return answer(head, request, request_id, now, elapsed, redaction=redaction)


def from_gateway_error(error: GatewayError) -> ResellerError:
    """The reseller code for a failure the shared stages report as a TOP ``error``."""
    if error.code == 7:
        code = "4013" if error.sub_code == SUB_DAILY_QUOTA else "4008"
    elif error.code == 40:
        code = "4014"
    elif error.code in _PARAM_ERRORS:
        code = "4003"
    else:  # 10, 15, 50, ...: the platform failed
        code = "4000"
    return ResellerError(code, error.sub_msg)


def call_args(request: FakeRequest, redaction: Redaction = _NAMES_ONLY) -> dict[str, str]:
    """The API's own params as sent (first of each), an ``imgcode`` reduced to its length.

    A secret sent as a param (``password``, ``token``, a known secret) is
    ``<redacted>``: the answer may end up in a log.
    """
    shown: dict[str, str] = {}
    for key, value in (*request.query, *request.form):
        if key in _NOT_ECHOED or key in shown:
            continue
        if key == "imgcode":
            shown[key] = f"<base64 image: {len(value):,} chars>"
        else:
            shown[key] = redaction.param(key, value)[:300]
    return shown


def answer(
    head: bytes,
    request: FakeRequest,
    request_id: str,
    now: float,
    elapsed: float | None = None,
    *,
    redaction: Redaction = _NAMES_ONLY,
) -> FakeResponse:
    """``{`` + ``head`` (``"items"``, ``error_code``, ``reason``, ``error``) + the common fields."""
    lang = next((value for key, value in request.query if key == "lang"), "cn")
    tail: Mapping[str, object] = {
        "cache": 0,
        "api_info": _API_INFO,
        "execution_time": f"{elapsed or 0:.3f}",
        "server_time": "Beijing/" + time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now + _GMT8)),
        "call_args": call_args(request, redaction),
        "api_type": wire.PLATFORM,
        "translate_language": _LANGUAGES.get(lang, "zh-CN"),
        "request_id": request_id,
    }
    return json_response(b"{" + head + b"," + dumps(tail)[1:])
