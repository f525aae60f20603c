"""The OpenAPI 3.1 document of the fake's whole surface, served at ``GET /openapi.json``.

It lists what the fake can actually answer, so a fuzzer driven by it finds no
undocumented status or content type (schemathesis runs from it in
``tests/fake1688/admin/test_openapi_fuzz.py``): the TOP router answers HTTP 200 with
one of three envelopes (search, upload, error) whatever it is sent, the first
two without their wrapper key for ``simplify=true``, and any of them as
``text/xml`` for ``format=xml`` (listed without a schema: it holds the JSON's
data); HTTP 5xx only when an ``http_error`` fault is injected (an HTML page or a
15 envelope); image paths answer the photo or a 404 envelope; the Open Platform's paths
(``/openapi/param2/1/...``, documented in :mod:`fake1688.admin.openapi_aop`) answer
its result envelope or a gateway refusal; the resellers' REST paths
(``/1688/item_search_img/``, ``/1688/upload_img/``, documented in
:mod:`fake1688.admin.openapi_reseller`) answer HTTP 200 JSON in their envelope; admin
endpoints answer JSON, 400/404/405 with ``{"error": ...}`` (500 only for a bug
in the fake, so it is not listed). ``malformed_json``, ``truncated_json`` and ``connection_reset``
faults break the answer on purpose and cannot be described by a schema; the
router's description says so.
"""

from __future__ import annotations

from typing import Any, Final

from fake1688.engine.faults import HTTP_STATUSES, KINDS
from fake1688.engine.render_xml import XML_TYPE
from pailitao.wire.top import SEARCH_RESPONSE_KEY, UPLOAD_RESPONSE_KEY

from .openapi_aop import aop_paths, aop_schemas
from .openapi_kit import INT, JSON, STR, injected_responses, json_response, obj, ref
from .openapi_reseller import reseller_paths, reseller_schemas

__all__ = ["openapi_document"]

_TEXT_PARAMS: Final = (
    ("method", "API method: 1688.items.search.img or 1688.upload.img"),
    ("app_key", "your app key"),
    ("timestamp", "yyyy-MM-dd HH:mm:ss (GMT+8) or epoch milliseconds, within 10 minutes"),
    ("v", "2.0"),
    ("format", "json (the default) or xml; anything else is answered with 23"),
    ("sign_method", "md5 (default), hmac or hmac-sha256"),
    ("sign", "upper-case hex signature over the sorted params"),
    ("session", "signed, not checked"),
    ("partner_id", "signed, not checked"),
    ("target_app_key", "signed, not checked"),
    ("simplify", "true: the JSON answer without its wrapper key; true or false, any case"),
    ("image", "the image as base64 text"),
    ("imgid", "an imgid from 1688.upload.img, or a catalog pic_url"),
    ("imageUrl", "a catalog pic_url or an issued imgid (the fake never goes online)"),
    ("cat", "category filter"),
    ("sort", "relevance, price_asc, price_desc, sales_asc, sales_desc, bid2, _bid2, sale, _sale"),
    ("page", "1-based page number"),
    ("page_size", "1..50, default 20"),
    ("start_price", "lowest price, e.g. 12.50"),
    ("end_price", "highest price"),
)
_IMAGE_TYPES: Final = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "application/octet-stream",
)


_NULLABLE_STR: Final = {"type": ["string", "null"]}
_NULLABLE_INT: Final = {"type": ["integer", "null"], "minimum": 1}


def _schemas() -> dict[str, Any]:
    item = obj(
        ["title", "pic_url", "price", "sales", "num_iid"],
        title=STR,
        pic_url=STR,
        price=STR,
        promotion_price=STR,
        sales=INT,
        num_iid=STR,
        turnHead=STR,
        seller_nick=STR,
        area=STR,
        detail_url=STR,
        cat=STR,
    )
    items = obj(
        ["page", "page_size", "pagecount", "total_results", "real_total_results", "item"],
        page=INT,
        page_size=INT,
        pagecount=INT,
        total_results=INT,
        real_total_results=INT,
        item={"type": "array", "items": ref("Item")},
    )
    error = obj(
        ["code", "msg", "sub_code", "sub_msg", "request_id"],
        code=INT,
        msg=STR,
        sub_code=STR,
        sub_msg=STR,
        request_id=STR,
    )
    upload_item = obj(["name", "status"], name=STR, status=INT)
    upload = obj(["items", "request_id"], items=obj(["item"], item=upload_item), request_id=STR)
    limits = obj([], qps=_NULLABLE_INT, daily_quota=_NULLABLE_INT)
    fault_settings: dict[str, Any] = {
        "kind": {"enum": list(KINDS)},
        "method": _NULLABLE_STR,
        "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "times": _NULLABLE_INT,
        "code": INT,
        "sub_code": _NULLABLE_STR,
        "sub_msg": _NULLABLE_STR,
        "status": {"enum": list(HTTP_STATUSES)},
        "body": {"enum": ["html", "envelope"]},
        "delay": {"type": "number"},
        "delay_max": {"type": ["number", "null"]},
        "sigma": {"type": ["number", "null"]},
    }
    fault = {**obj(["kind"], **fault_settings), "additionalProperties": False}
    rule = obj(["kind", "remaining"], **fault_settings, remaining={"type": ["integer", "null"]})
    entry = obj(
        ["seq", "path", "verification", "status", "code", "request_id"],
        seq=INT,
        received_at={"type": "number"},
        http_method=STR,
        path=STR,
        api_method=_NULLABLE_STR,
        params={"type": "object"},
        files={"type": "object"},
        verification={"enum": ["not reached", "passed", "failed"]},
        status=INT,
        code={
            "type": ["integer", "string"],
            "description": "the TOP code (0: success), or the Open Platform's error_code or "
            "business code",
        },
        sub_code=_NULLABLE_STR,
        sub_msg=_NULLABLE_STR,
        request_id=STR,
        duration_ms={"type": "number"},
        error=_NULLABLE_STR,
        fault=_NULLABLE_STR,
        image={
            "type": ["string", "null"],
            "description": "the sha256 (hex) of the photo a search or an upload worked on",
        },
        offers={
            "type": "array",
            "items": STR,
            "description": "a search's page: its offers' num_iids in rank order",
        },
        total={"type": ["integer", "null"], "description": "how many offers a search matched"},
    )
    return {
        "Item": item,
        "SearchEnvelope": obj(
            [SEARCH_RESPONSE_KEY],
            **{SEARCH_RESPONSE_KEY: obj(["items", "request_id"], items=items, request_id=STR)},
        ),
        "UploadEnvelope": obj([UPLOAD_RESPONSE_KEY], **{UPLOAD_RESPONSE_KEY: upload}),
        # simplify=true: the same answers without the wrapper key.
        "SimplifiedSearch": obj(["items", "request_id"], items=items, request_id=STR),
        "SimplifiedUpload": upload,
        "ErrorEnvelope": obj(["error_response"], error_response=error),
        "RouterAnswer": {
            "anyOf": [
                ref(name)
                for name in (
                    "SearchEnvelope",
                    "UploadEnvelope",
                    "SimplifiedSearch",
                    "SimplifiedUpload",
                    "ErrorEnvelope",
                )
            ]
        },
        "AdminError": obj(["error"], error=STR),
        "RateLimits": limits,
        "Fault": fault,
        "FaultRule": rule,
        "FaultState": obj(
            ["seed", "faults"], seed=INT, faults={"type": "array", "items": ref("FaultRule")}
        ),
        "LimitState": obj(
            ["default", "apps"],
            default=ref("RateLimits"),
            apps={"type": "object", "additionalProperties": ref("RateLimits")},
        ),
        "JournalEntry": entry,
        **aop_schemas(),
        **reseller_schemas(),
    }


def _router_operation(verb: str) -> dict[str, Any]:
    in_query = [
        {"name": name, "in": "query", "required": False, "schema": STR, "description": text}
        for name, text in _TEXT_PARAMS
    ]
    operation: dict[str, Any] = {
        "summary": f"the TOP router ({verb}): image search and upload",
        "description": "Every answer is HTTP 200 with an envelope; errors carry the platform's "
        "code. format=xml answers the same data as XML (text/xml), errors included. Injected "
        "faults may delay the answer, break or cut its body, or drop the connection; those "
        "answers are deliberately outside this document.",
        "parameters": in_query,
        "responses": {
            "200": _with_xml(json_response("a success or error envelope", ref("RouterAnswer"))),
            **{
                status: _with_xml(response)
                for status, response in injected_responses(ref("ErrorEnvelope")).items()
            },
        },
    }
    if verb == "post":
        form = {"type": "object", "properties": {name: STR for name, _ in _TEXT_PARAMS}}
        multipart = {
            "type": "object",
            "properties": {
                **{name: STR for name, _ in _TEXT_PARAMS},
                "file": {"type": "string", "format": "binary"},
            },
        }
        operation["requestBody"] = {
            "required": False,
            "content": {
                "application/x-www-form-urlencoded": {"schema": form},
                "multipart/form-data": {"schema": multipart},
            },
        }
    return operation


def _with_xml(response: dict[str, Any]) -> dict[str, Any]:
    """``response`` also as ``text/xml`` (``format=xml``): the JSON's data, no schema."""
    media = XML_TYPE.split(";", maxsplit=1)[0]
    return {**response, "content": {**response["content"], media: {}}}


#: Why a served fake refuses an admin call (``fake1688.admin.endpoints.AdminAccess``).
_REFUSED: Final = (
    "refused, nothing changed: a Host that is not the served address, a foreign Origin, "
    "a missing or wrong admin token, or a state change without Content-Type: application/json"
)


def _admin(
    summary: str,
    schema: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    query: list[dict[str, Any]] | None = None,
    guarded: bool = True,
) -> dict[str, Any]:
    responses = {"200": json_response(summary, schema)}
    if body is not None or query:
        responses["400"] = json_response("the request cannot be carried out", ref("AdminError"))
    if guarded:
        responses["403"] = json_response(_REFUSED, ref("AdminError"))
    responses["503"] = json_response(
        "the shared state (fake1688 serve --state) cannot be reached; try again",
        ref("AdminError"),
    )
    operation: dict[str, Any] = {"summary": summary, "tags": ["admin"], "responses": responses}
    if guarded:  # the token is needed off loopback, or wherever serve was given one
        operation["security"] = [{}, {"adminToken": []}]
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if query:
        operation["parameters"] = query
    return operation


def _paths() -> dict[str, Any]:
    router = {"get": _router_operation("get"), "post": _router_operation("post")}
    image = {
        "get": {
            "summary": "a catalog photo or an uploaded image, at its pic_url / imgid path",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": STR}],
            "responses": {
                "200": {
                    "description": "the image",
                    "content": {
                        kind: {"schema": {"type": "string", "format": "binary"}}
                        for kind in _IMAGE_TYPES
                    },
                },
                "404": _with_xml(json_response("no such image", ref("ErrorEnvelope"))),
            },
        }
    }
    limit = [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^0*[1-9][0-9]*$"},
            "description": "keep the last N entries (a positive whole number)",
        }
    ]
    health = obj(["status"], status={"const": "ok"})
    requests = obj(["requests"], requests={"type": "array", "items": ref("JournalEntry")})
    fault_body = {
        "anyOf": [
            ref("Fault"),
            {"type": "array", "items": ref("Fault")},
            {
                **obj([], seed=INT, faults={"type": "array", "items": ref("Fault")}),
                "additionalProperties": False,
            },
        ]
    }
    limit_body = {**ref("RateLimits"), "properties": {"app_key": STR}}
    return {
        "/router/rest": router,
        "/openapi/router/rest": router,
        "/img/ibank/{name}": image,
        **aop_paths(),
        **reseller_paths(),
        "/__fake__/health": {"get": _admin("the fake is up", health)},
        "/__fake__/requests": {"get": _admin("the journal, newest last", requests, query=limit)},
        "/__fake__/reset": {"post": _admin("reset as Engine.reset()", obj(["status"]))},
        "/__fake__/faults": {
            "get": _admin("the active faults", ref("FaultState")),
            "post": _admin("add faults", ref("FaultState"), body=fault_body),
            "delete": _admin("remove every fault", ref("FaultState")),
        },
        "/__fake__/limits": {
            "get": _admin("the rate limits", ref("LimitState")),
            "put": _admin(
                "set limits (all apps, or app_key's)", ref("LimitState"), body=limit_body
            ),
            "delete": _admin("lift every limit", ref("LimitState")),
        },
        "/openapi.json": {"get": _admin("this document", {"type": "object"}, guarded=False)},
    }


def openapi_document() -> dict[str, Any]:
    """The document as a dict (serve it as JSON)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "fake1688",
            "version": "3",
            "description": "An offline, strict fake of 1688's TOP router and Open Platform "
            "gateway for 拍立淘 image search, with an admin surface for faults, rate limits "
            "and the journal.",
        },
        "servers": [{"url": "http://127.0.0.1:8688"}],
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "fake1688 serve --admin-token (or $FAKE1688_ADMIN_TOKEN)",
                }
            },
        },
    }
