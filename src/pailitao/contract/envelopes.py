"""Which envelope an answer is in, for the checker and the replay alike.

The TOP router names its envelope with a key (``1688_items_search_img_response``,
``1688_upload_img_response``, ``error_response``). The 1688 Open Platform ("AOP")
names none, so its answers are told apart by shape, as the client reads them:

* ``aop_gateway_error``: a top-level ``error_code`` and ``error_message``
  (the gateway refused the call; HTTP 4xx/5xx);
* ``aop_business_error``: ``{"result": {"success": false, …}}``;
* ``aop_search`` / ``aop_upload``: any other ``{"result": {…}}``, for the API
  the recorded request names, else by what ``result.result`` holds (an
  imageId is text, a page an object).

The resellers' REST dialect (``/1688/item_search_img/``) names none either:

* ``reseller_search`` / ``reseller_upload``: a top-level ``items`` beside an
  ``error_code``, for the API the recorded request's path names
  (``/1688/upload_img/``), else by what ``items`` holds (an upload's
  ``item`` is one object with a ``name``, a page has paging numbers or a list);
* ``reseller_error``: an ``error_code`` that is no success, without ``items``
  and without AOP's ``error_message``.

The rules mirror :func:`pailitao.models.parse_error_response` and
:func:`~pailitao.models.parse_search_response`, so the checker never files an
answer under an envelope the client would read differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from ..models._aop import is_aop_answer
from ..wire import aop, reseller, top
from .schemas import (
    AOP_BUSINESS_ERROR,
    AOP_GATEWAY_ERROR,
    AOP_SEARCH,
    AOP_UPLOAD,
    ENVELOPES,
    RESELLER_ENVELOPES,
    RESELLER_ERROR,
    RESELLER_SEARCH,
    RESELLER_UPLOAD,
)

__all__ = [
    "AOP_APIS",
    "DESCRIBED",
    "ERRORS",
    "RESELLER_APIS",
    "aop_api",
    "body_of",
    "dialect_of",
    "find_envelopes",
    "reseller_api",
]

#: The AOP envelope of each image API's success.
AOP_APIS: Final[Mapping[str, str]] = {aop.SEARCH_API: AOP_SEARCH, aop.UPLOAD_API: AOP_UPLOAD}
#: The reseller envelope of each API's success, by the path's API name.
RESELLER_APIS: Final[Mapping[str, str]] = {
    reseller.SEARCH_API: RESELLER_SEARCH,
    reseller.UPLOAD_API: RESELLER_UPLOAD,
}
#: The envelopes that carry an error rather than a result.
ERRORS: Final = frozenset({"error_response", AOP_BUSINESS_ERROR, AOP_GATEWAY_ERROR, RESELLER_ERROR})
#: Every envelope as a report names it when an answer holds none of them (the legacy
#: spellings of TOP's keys are read too, and not named).
DESCRIBED: Final = (
    *(key for key in ENVELOPES if key not in top.LEGACY_RESPONSE_KEYS.values()),
    "result (AOP)",
    "error_code+error_message (AOP)",
    "items+error_code or error_code (reseller)",
)
_RESULT: Final = "result"
#: A stand-in for the app key a recording dropped from the path (pailitao cassettes do).
_DROPPED_KEY: Final = "-"


def aop_api(uri: str) -> aop.ApiPath | None:
    """The AOP API a request's URI names, with or without its app key; else ``None``.

    pailitao's cassettes store the path without the app key (it is a credential);
    plain vcrpy cassettes keep it, or a scrubbing placeholder.
    """
    path = unquote(urlsplit(uri).path).rstrip("/")
    found = aop.parse_path(path)
    if found is None:
        found = aop.parse_path(f"{path}/{_DROPPED_KEY}")
    return found


def reseller_api(uri: str) -> str | None:
    """The reseller API a request's URI names (``/1688/item_search_img/``), else ``None``."""
    parts = unquote(urlsplit(uri).path).strip("/").split("/")
    if len(parts) == 2 and parts[0] == reseller.PLATFORM and parts[1] in RESELLER_APIS:
        return parts[1]
    return None


def _reseller(payload: Mapping[str, Any], api: str | None) -> str | None:
    """The reseller envelope of an answer, by shape (and the request's API), else ``None``."""
    if aop.ERROR_CODE_KEY not in payload:
        return None
    if "items" not in payload:
        code = str(payload[aop.ERROR_CODE_KEY])
        failed = code not in reseller.SUCCESS_CODES and aop.ERROR_MESSAGE_KEY not in payload
        return RESELLER_ERROR if failed else None
    if api is not None and api in RESELLER_APIS:
        return RESELLER_APIS[api]
    items = payload["items"]
    item = items.get("item") if isinstance(items, Mapping) else None
    if isinstance(item, Mapping) and "name" in item and "page" not in items:
        return RESELLER_UPLOAD
    return RESELLER_SEARCH


def _is_gateway_error(payload: Mapping[str, Any]) -> bool:
    # As the parser reads it: the reseller's envelope has an error_code beside "items".
    keys = (aop.ERROR_CODE_KEY, aop.ERROR_MESSAGE_KEY)
    return all(key in payload for key in keys) and "items" not in payload


def _failed(success: object) -> bool:
    """Only false (or the text "false") says failure, as the parser reads ``success``."""
    if isinstance(success, str):
        return success.strip().lower() == "false"
    return success is False


def _aop_result(outcome: object, api: str | None) -> str:
    if isinstance(outcome, Mapping) and _failed(outcome.get("success")):
        return AOP_BUSINESS_ERROR
    if api is not None and api in AOP_APIS:
        return AOP_APIS[api]
    inner = outcome.get(_RESULT) if isinstance(outcome, Mapping) else None
    if isinstance(inner, str | int) and not isinstance(inner, bool):
        return AOP_UPLOAD
    return AOP_SEARCH


def find_envelopes(payload: Mapping[str, Any], api: str | None = None) -> list[str]:
    """Every envelope a JSON object holds; exactly one for a well-formed answer.

    ``api`` is the AOP API the request named (``product.search.imageQuery``),
    when known: it decides which success schema a result is checked against.
    """
    found = [key for key in ENVELOPES if key in payload]
    if _is_gateway_error(payload):
        found.append(AOP_GATEWAY_ERROR)
    if is_aop_answer(payload):
        found.append(_aop_result(payload[_RESULT], api))
    shaped = _reseller(payload, api)
    if shaped is not None:
        found.append(shaped)
    return found


def dialect_of(envelope: str) -> str:
    """``"top"``, ``"aop"`` or ``"reseller"``: which gateway answers in this envelope."""
    if envelope in ENVELOPES:
        return "top"
    return "reseller" if envelope in RESELLER_ENVELOPES else "aop"


def body_of(payload: Mapping[str, Any], envelope: str) -> Mapping[str, Any]:
    """The object inside the envelope (``{}`` if it is no object).

    ``payload[key]`` for TOP, ``payload["result"]`` for an AOP result, and the
    payload itself for an AOP gateway error and a reseller's answer, which have
    no wrapper (a reseller's page is in ``items``, as in TOP's body).
    """
    if envelope == AOP_GATEWAY_ERROR or envelope in RESELLER_ENVELOPES:
        return payload
    inner = payload.get(_RESULT if dialect_of(envelope) == "aop" else envelope)
    return inner if isinstance(inner, Mapping) else {}
