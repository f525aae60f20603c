"""The resellers' REST part of the OpenAPI document: ``/1688/item_search_img/``, ``upload_img/``.

What the dialect (``fake1688.engine.reseller_api``) answers, by status::

    200      every answer, success or failure, is one JSON object: ``items`` and
             ``error_code`` "0000" when it worked; a published code otherwise
             (2000 still carries its empty page), with ``reason`` and ``error``;
             a method other than GET and POST is 4003
    500-504  only an injected http_error: a proxy's HTML page, or the envelope
             with error_code 4000

The credentials (``key``/``secret``) travel unsigned in the query string. The
envelope is the fake's own rendering of the resellers' shape, so it is closed:
a stray key is drift, and the conformance tests catch it. The page and its
items stay open, as resellers add fields to them.
"""

from __future__ import annotations

from typing import Any, Final

from pailitao.wire import DEMO_APP_KEY, DEMO_APP_SECRET
from pailitao.wire import reseller as wire

from .openapi_kit import STR, injected_responses, json_response, obj, ref

__all__ = ["reseller_paths", "reseller_schemas"]

_FORM: Final = "application/x-www-form-urlencoded"
_MULTIPART: Final = "multipart/form-data"
_ERRORS: Final = sorted(wire.ERROR_CODES)

#: ``(name, description, example)`` of every param a call may carry.
_COMMON: Final = (
    (
        "key",
        "your app key (the demo app's: test_app_key); missing: 4014, wrong: 4005",
        DEMO_APP_KEY,
    ),
    ("secret", "the app's secret, in clear; missing: 4014, wrong: 4005", DEMO_APP_SECRET),
    ("api_name", "sent by the SDK; the path names the API", None),
    ("cache", "sent by the SDK (yes/no); the fake never caches", None),
    ("result_type", "json (the default): the fake answers JSON only; anything else is 4003", None),
    ("lang", f"the titles' language: one of {', '.join(wire.LANGS)}; else 4003", None),
    ("version", "accepted, not checked", None),
)
_SEARCH_PARAMS: Final = (
    ("imgid", "a catalog pic_url, or the URL upload_img answered; missing: 4014", None),
    ("page", "1-based page number", None),
    ("page_size", "1..50, default 20", None),
    (
        "sort",
        f"one of {', '.join(wire.SORTS)} (a leading _: descending); relevance when absent",
        None,
    ),
    ("cat", "category filter", None),
    ("start_price", "lowest price, e.g. 12.50", None),
    ("end_price", "highest price", None),
)
_UPLOAD_PARAMS: Final = (
    ("imgcode", "the base64 of the image (a '+' sent raw in a query reads as a space)", None),
)


def _common(**properties: Any) -> dict[str, Any]:
    """The reseller envelope: ``properties`` first, then the fields every answer carries."""
    tail = obj(
        ["error_code", "reason", "error", "cache", "api_info", "execution_time", "server_time",
         "call_args", "api_type", "translate_language", "request_id"],
        **properties,
        reason={**STR, "description": "ok, or what was wrong, how to fix it, when to retry"},
        error={**STR, "description": "empty, or the code's short meaning"},
        cache={"type": "integer", "minimum": 0},
        api_info=STR,
        execution_time={"type": "string", "pattern": r"^[0-9]+\.[0-9]{3}$"},
        server_time={"type": "string", "pattern": r"^Beijing/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"},
        call_args={"type": "object", "additionalProperties": STR},
        api_type={"const": wire.PLATFORM},
        translate_language={"enum": ["zh-CN", "en", "ru"]},
        request_id={"type": "string", "pattern": "^[a-z2-7]{13}$"},
    )  # fmt: skip
    return {**tail, "additionalProperties": False}


def reseller_schemas() -> dict[str, Any]:
    """The reseller components, all named ``Reseller...`` (the items reuse ``Item``)."""
    page = obj(
        ["page", "page_size", "pagecount", "total_results", "real_total_results", "item"],
        page={"type": "integer", "minimum": 1},
        page_size={"type": "integer", "minimum": 1, "maximum": 50},
        pagecount={"type": "integer", "minimum": 0},
        total_results={"type": "integer", "minimum": 0},
        real_total_results={"type": "integer", "minimum": 0},
        item={"type": "array", "items": ref("Item"), "maxItems": 50},
    )
    uploaded = obj(
        ["item"],
        item=obj(
            ["name", "status"],
            name={**STR, "description": "the hosted URL: search by it as imgid"},
            status={"const": 1},
        ),
    )
    success = {"const": wire.SUCCESS_CODE}
    return {
        "ResellerPage": page,
        "ResellerSearchSuccess": _common(items=ref("ResellerPage"), error_code=success),
        "ResellerUploadSuccess": _common(items=uploaded, error_code=success),
        "ResellerFailure": _common(
            items={**ref("ResellerPage"), "description": "only with 2000: the empty page"},
            error_code={
                "enum": [code for code in _ERRORS if code != wire.SUCCESS_CODE],
                "description": "a published code: "
                + "; ".join(f"{code} {text}" for code, text in wire.ERROR_CODES.items()),
            },
        ),
    }


def _param(name: str, description: str, example: str | None) -> dict[str, Any]:
    schema: dict[str, Any] = {**STR}
    if example is not None:
        schema["examples"] = [example]
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip


def _operation(
    api: str, verb: str, summary: str, own: tuple[tuple[str, str, str | None], ...], success: str
) -> dict[str, Any]:
    failure = ref("ResellerFailure")
    operation: dict[str, Any] = {
        "summary": f"{api} ({verb}): {summary}",
        "tags": ["reseller"],
        "description": "Unsigned: key and secret in clear. Every answer is HTTP 200 JSON, "
        "error_code 0000 with items, or a published code (2000: no result, with its empty "
        "page; 4003 a param; 4005 credentials; 4008/4013 rate limits; 4014 a missing param; "
        "4000 the platform failed). Injected faults may delay, break or cut the answer, or "
        "drop the connection; those answers are deliberately outside this document.",
        "parameters": [_param(*param) for param in (*_COMMON, *own)],
        "responses": {
            "200": json_response(
                "success (error_code 0000) or a failure",
                {"anyOf": [ref(success), failure]},
            ),
            **injected_responses(failure),
        },
    }
    if verb == "post":
        fields = {name: STR for name, _, _ in (*_COMMON, *own)}
        content: dict[str, Any] = {_FORM: {"schema": {"type": "object", "properties": fields}}}
        if api == wire.UPLOAD_API:
            binary = {"type": "string", "format": "binary"}
            content[_MULTIPART] = {
                "schema": {"type": "object", "properties": {**fields, "imgcode": binary}}
            }
        operation["requestBody"] = {"required": False, "content": content}
    return operation


def reseller_paths() -> dict[str, Any]:
    """The two reseller APIs, GET and POST each."""
    apis = (
        (wire.SEARCH_API, "one page of the offers that look like the image at imgid",
         _SEARCH_PARAMS, "ResellerSearchSuccess"),
        (wire.UPLOAD_API, "keep an image (imgcode), answer its hosted URL",
         _UPLOAD_PARAMS, "ResellerUploadSuccess"),
    )  # fmt: skip
    refused = {
        "summary": "refused: only GET and POST reach an API",
        "tags": ["reseller"],
        "parameters": [_param(*param) for param in _COMMON],
        "responses": {"200": json_response("4003, in the envelope", ref("ResellerFailure"))},
    }
    return {
        wire.api_path(api): {
            "summary": f"{wire.PLATFORM}/{api}: the resellers' REST dialect",
            **{verb: _operation(api, verb, summary, own, success) for verb in ("get", "post")},
            **dict.fromkeys(("put", "patch", "delete"), refused),
        }
        for api, summary, own, success in apis
    }
