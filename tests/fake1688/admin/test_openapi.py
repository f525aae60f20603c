"""The OpenAPI document: valid OpenAPI 3.1, and every answer of the fake conforms to it.

(The ``client`` fixture of this folder checks every answer of the other tests too;
``test_aop_conformance.py`` sends every kind of Open Platform answer through it.)
The Open Platform's offer carries every key of the platform's own output example,
and the document is tight enough that an answer drifting from it is refused.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from jsonschema import ValidationError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from pailitao.wire import aop

SEARCH = "1688.items.search.img"
#: The platform's own output example of product.search.imageQuery.
OUTPUT_EXAMPLE = (
    Path(__file__).parents[2]
    / "data/payloads/aop_1688_product.search.imageQuery_doc_output_example.json"
)
AOP = f"/openapi/param2/1/{aop.NAMESPACE}"
UPLOAD_PATH = f"{AOP}/{aop.UPLOAD_API}/{{appKey}}"
SEARCH_PATH = f"{AOP}/{aop.SEARCH_API}/{{appKey}}"
CLOCK_PATH = f"/openapi/param2/1/{aop.TIME_NAMESPACE}/{aop.TIME_API}/{{appKey}}"
OTHER_PATH = "/openapi/param2/1/{namespace}/{name}/{appKey}"


def test_the_document_is_valid_openapi_3_1(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert {"/router/rest", "/openapi/router/rest", "/img/ibank/{name}"} <= set(document["paths"])
    assert {path for path in document["paths"] if path.startswith("/__fake__/")} == {
        "/__fake__/health",
        "/__fake__/requests",
        "/__fake__/reset",
        "/__fake__/faults",
        "/__fake__/limits",
    }
    router = document["paths"]["/router/rest"]["post"]
    assert set(router["responses"]) == {"200", "500", "502", "503", "504"}
    assert set(router["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }


def test_every_admin_call_documents_its_refusal_and_the_token(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    admin = {
        (path, verb): operation
        for path, operations in document["paths"].items()
        if path.startswith("/__fake__/")
        for verb, operation in operations.items()
    }
    # health, requests, reset; GET, POST and DELETE faults; GET, PUT and DELETE limits
    assert len(admin) == 9
    for operation in admin.values():
        refused = operation["responses"]["403"]["content"]["application/json"]["schema"]
        assert refused == {"$ref": "#/components/schemas/AdminError"}
        assert operation["security"] == [{}, {"adminToken": []}]
    assert document["components"]["securitySchemes"]["adminToken"]["scheme"] == "bearer"
    assert "403" not in document["paths"]["/openapi.json"]["get"]["responses"]


def test_a_served_refusal_is_the_documented_admin_error() -> None:
    from fake1688.server import ThreadedServer

    with ThreadedServer(FakeGateway()) as server:
        root = f"http://{server.host}:{server.port}"
        answer = httpx.post(root + "/__fake__/reset", headers={"Origin": "https://evil.example"})
        spec = httpx.get(root + "/openapi.json").json()
    assert answer.status_code == 403
    OAS31Validator(spec["components"]["schemas"]["AdminError"]).validate(answer.json())


def test_the_open_platform_paths_list_every_status(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {p for p in paths if p.startswith("/openapi/param2/")} == {
        UPLOAD_PATH,
        SEARCH_PATH,
        CLOCK_PATH,
        OTHER_PATH,
    }
    injected = {"500", "502", "503", "504"}
    for path in (UPLOAD_PATH, SEARCH_PATH):
        for verb in ("get", "post"):
            assert set(paths[path][verb]["responses"]) == {"200", "400", "401", *injected}
        form = paths[path]["post"]["requestBody"]["content"]
        assert set(form) == {"application/x-www-form-urlencoded"}
        assert set(form["application/x-www-form-urlencoded"]["schema"]["required"]) == {
            aop.ACCESS_TOKEN,
            aop.SIGNATURE,
            aop.UPLOAD_PARAM if aop.UPLOAD_API in path else aop.SEARCH_PARAM,
        }
    assert set(paths[CLOCK_PATH]["get"]["responses"]) == {"200", "400"}
    assert set(paths[OTHER_PATH]["post"]["responses"]) == {"400"}
    for path in (UPLOAD_PATH, SEARCH_PATH, CLOCK_PATH, OTHER_PATH):
        for verb in ("put", "patch", "delete"):
            assert set(paths[path][verb]["responses"]) == {"400", "405"}


def test_the_reseller_paths_list_every_status(client: httpx.Client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    search, upload = "/1688/item_search_img/", "/1688/upload_img/"
    assert {p for p in paths if p.startswith("/1688/")} == {search, upload}
    for path in (search, upload):
        for verb in ("get", "post"):
            operation = paths[path][verb]
            assert set(operation["responses"]) == {"200", "500", "502", "503", "504"}
            names = {param["name"] for param in operation["parameters"]}
            assert {"key", "secret", "api_name", "cache", "result_type", "lang"} <= names
        for verb in ("put", "patch", "delete"):
            assert set(paths[path][verb]["responses"]) == {"200"}
    search_params = {param["name"] for param in paths[search]["get"]["parameters"]}
    assert {"imgid", "page", "page_size", "sort", "cat", "start_price", "end_price"} <= (
        search_params
    )
    assert "imgcode" in {param["name"] for param in paths[upload]["get"]["parameters"]}
    assert set(paths[upload]["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    assert set(paths[search]["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded"
    }


@pytest.mark.asyncio
async def test_asgi_answers_conform_including_injected_errors(
    gateway: FakeGateway, openapi_checker: Any, helpers: Any, catalog: Any, photo: bytes
) -> None:
    """Over the Starlette app: every kind of answer that stays well-formed."""
    offer = catalog.offers[0]
    search = helpers.signed(helpers.system_params(imgid=offer.pic_url))
    upload = helpers.signed(helpers.system_params("1688.upload.img", image=helpers.b64(photo)))
    image_path = offer.pic_url.split("alicdn.com", 1)[1]
    gateway.faults.next(1, "http_error", status=500)
    gateway.faults.next(1, "http_error", status=504, body="envelope")
    transport = httpx.ASGITransport(app=gateway.asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake1688.test") as http:
        answers = [
            await http.post("/router/rest", data=search),  # injected 500, HTML
            await http.post("/router/rest", data=search),  # injected 504, envelope
            await http.post("/router/rest", data=search),
            await http.get("/openapi/router/rest", params=search),
            await http.post("/openapi/router/rest", data=upload),
            await http.post("/router/rest", files={"image": ("a.jpg", photo)}, data=search),
            await http.get("/router/rest"),
            await http.get(image_path),
            await http.get("/img/ibank/unknown.jpg"),
            await http.get("/__fake__/health"),
            await http.get("/__fake__/requests", params={"limit": "3"}),
            await http.get("/__fake__/faults"),
            await http.get("/__fake__/limits"),
            await http.get("/openapi.json"),
        ]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [500, 504, 200, 200, 200, 200, 200, 200, 404, 200, 200, 200, 200, 200]
    for answer in answers:
        openapi_checker.check(
            answer.request.method,
            answer.request.url.path,
            answer.status_code,
            answer.headers["content-type"],
            answer.content,
        )
    assert answers[7].headers["content-type"] == "image/jpeg"


# -- the Open Platform's shapes, against the platform's example and the fake -------------


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _schema(document, schema["$ref"].rsplit("/", 1)[1])
    return schema


_JSON_TYPES = {bool: "boolean", int: "integer", str: "string", list: "array", dict: "object"}


def _same_keys_and_types(document: dict[str, Any], schema: dict[str, Any], value: Any) -> None:
    """Every key of ``value`` is required and typed alike in ``schema``, and no other."""
    schema = _resolved(document, schema)
    assert schema.get("type", _JSON_TYPES[type(value)]) == _JSON_TYPES[type(value)], schema
    if isinstance(value, dict):
        assert schema["required"] == list(value), schema["required"]
        assert list(schema["properties"]) == list(value)
        for key, item in value.items():
            _same_keys_and_types(document, schema["properties"][key], item)
    elif isinstance(value, list):
        for item in value:
            _same_keys_and_types(document, schema["items"], item)


def test_the_offer_has_every_key_of_the_platform_s_example_with_its_type(
    openapi_checker: Any,
) -> None:
    document = openapi_checker.document
    page = json.loads(OUTPUT_EXAMPLE.read_text(encoding="utf-8"))["result"]["result"]
    _same_keys_and_types(document, _schema(document, "AopSearchPage"), page)
    root = {"$ref": "#/components/schemas/AopSearchPage", "components": document["components"]}
    OAS31Validator(root).validate(page)  # the placeholders' values fit too


def _search_answer(client: httpx.Client, catalog: Any) -> dict[str, Any]:
    path = SEARCH_PATH.replace("{appKey}", "test_app_key")
    query = {"imageAddress": catalog.offers[0].pic_url, "pageSize": 2, "country": "en"}
    params = {aop.ACCESS_TOKEN: "test_access_token", aop.SEARCH_PARAM: json.dumps(query)}
    params[aop.SIGNATURE] = aop.sign(path, params, "test_app_secret")
    answer: dict[str, Any] = client.post(path, data=params).json()
    assert answer["result"]["success"] is True
    return answer


def _gateway_error(code: str = "gw.SignatureInvalid", **more: str) -> dict[str, str]:
    return {"error_code": code, "error_message": "x", "request_id": "abcdefghijklm", **more}


def _without_invoice(answer: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(answer)
    del changed["result"]["result"]["data"][0]["invoiceInfo"]
    return changed


def _page_size(answer: dict[str, Any], size: object) -> dict[str, Any]:
    changed = copy.deepcopy(answer)
    changed["result"]["result"]["pageSize"] = size
    return changed


Answer = tuple[str, str, int, str, object]  # method, path, status, content type, body
_SEARCH_URL = SEARCH_PATH.replace("{appKey}", "k")
_JSON_TYPE = "application/json;charset=UTF-8"
_V2 = "/openapi/param2/2/a/b/k"
_UPLOADED = {"result": {"success": True, "code": "200", "message": "", "result": "42"}}


def _at(
    status: int,
    body: object,
    *,
    method: str = "POST",
    path: str = _SEARCH_URL,
    content_type: str = _JSON_TYPE,
) -> Answer:
    return method, path, status, content_type, body


_CLOCK_URL = CLOCK_PATH.replace("{appKey}", "k")
#: Answers the fake must never give, each made from a real search answer.
DRIFTS: dict[str, Callable[[dict[str, Any]], Answer]] = {
    "an offer without a key": lambda answer: _at(200, _without_invoice(answer)),
    "a page past 50": lambda answer: _at(200, _page_size(answer, 51)),
    "the upload's result from the search": lambda _: _at(200, _UPLOADED),
    "a business code of neither kind": lambda _: _at(
        200, {"result": {"success": False, "code": "404", "message": ""}}
    ),
    "a business failure with a stray key": lambda _: _at(
        200, {"result": {"success": False, "code": "400", "message": "", "x": 1}}
    ),
    "a gateway error with a stray key": lambda _: _at(400, _gateway_error(extra="stray")),
    "the token's code at 400": lambda _: _at(400, _gateway_error("401")),
    "a signature error at 401": lambda _: _at(401, _gateway_error()),
    "a signature error at 500": lambda _: _at(500, _gateway_error()),
    "HTTP 404": lambda _: _at(404, _gateway_error()),
    "a plain-text 503": lambda _: _at(503, "down", content_type="text/plain"),
    "the clock as text": lambda _: _at(200, "1764300000000", method="GET", path=_CLOCK_URL),
    "a TOP envelope at 405": lambda _: _at(405, {"error_response": {"code": 9}}, method="DELETE"),
    "an undocumented path at 200": lambda _: _at(
        200, _gateway_error("gw.APIUnsupported"), path=_V2
    ),
    "a TOP envelope on an undocumented path": lambda _: _at(
        400, {"error_response": {"code": 22}}, path=_V2
    ),
}


@pytest.mark.parametrize("drift", DRIFTS.values(), ids=list(DRIFTS))
def test_the_checker_refuses_an_answer_that_drifts(
    drift: Callable[[dict[str, Any]], Answer],
    client: httpx.Client,
    catalog: Any,
    openapi_checker: Any,
) -> None:
    """The document is tight enough to catch a changed shape, status or code."""
    method, path, status, content_type, body = drift(_search_answer(client, catalog))
    with pytest.raises((AssertionError, ValidationError)):
        openapi_checker.check(method, path, status, content_type, json.dumps(body).encode())
