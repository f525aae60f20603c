"""Every kind of answer the Open Platform gateway gives conforms to the OpenAPI document.

Each case sends its requests through the ``client`` fixture, whose transport
checks status, content type and body against the document, and names the
outcome it expects, so that the case cannot drift into answering something
else. Together the cases cover every gateway ``error_code`` the fake knows,
business failures of both codes, successes of both APIs and the clock, by GET
and POST, rate limits and injected faults.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway, Fault, RateLimits

from pailitao.wire import aop

NOW = 1_764_300_000.0  # the gateway fixture's clock
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"
CLOCK = f"/openapi/param2/1/{aop.TIME_NAMESPACE}/{aop.TIME_API}/{KEY}"


def api_path(name: str, app_key: str = KEY, namespace: str = aop.NAMESPACE) -> str:
    return f"/openapi/param2/1/{namespace}/{name}/{app_key}"


def signed(path: str, params: dict[str, str], secret: str = SECRET) -> dict[str, str]:
    return {**params, aop.SIGNATURE: aop.sign(path, params, secret)}


class Aop:
    """Calls of the Open Platform's image APIs on an HTTP client, signed as a client signs them."""

    def __init__(self, http: httpx.Client, gateway: FakeGateway, catalog: Any) -> None:
        self.http, self.gateway = http, gateway
        self.offer = catalog.offers[0]
        self.photo = bytes(catalog.image_bytes(self.offer))

    def call(
        self,
        name: str,
        param: object = None,
        *,
        verb: str = "POST",
        token: str | None = TOKEN,
        secret: str = SECRET,
        app_key: str = KEY,
        extra: dict[str, str] | None = None,
    ) -> httpx.Response:
        """``param`` (an object, or text sent as it is) under the API's own param name."""
        path = api_path(name, app_key)
        params = dict(extra or {})
        if token is not None:
            params[aop.ACCESS_TOKEN] = token
        if param is not None:
            key = aop.UPLOAD_PARAM if name == aop.UPLOAD_API else aop.SEARCH_PARAM
            params[key] = param if isinstance(param, str) else json.dumps(param)
        if verb == "GET":
            return self.http.get(path, params=signed(path, params, secret))
        return self.http.post(path, data=signed(path, params, secret))

    def search(self, **fields: Any) -> httpx.Response:
        """A search of the first offer's photo by its catalog address, and ``fields``."""
        query = {"imageAddress": self.offer.pic_url, "beginPage": 1, "pageSize": 5}
        return self.call(aop.SEARCH_API, {**query, "country": "en", **fields})

    def upload(self, **extra: Any) -> httpx.Response:
        param = {"imageBase64": base64.b64encode(self.photo).decode("ascii")}
        return self.call(aop.UPLOAD_API, param, **extra)


def outcome(response: httpx.Response) -> tuple[int, str]:
    """HTTP status and what the body says: error_code, result.code, "html" or "clock"."""
    if response.headers["content-type"].startswith("text/html"):
        return response.status_code, "html"
    body = response.json()
    if isinstance(body, int):
        assert body == int(NOW * 1000)
        return response.status_code, "clock"
    if aop.ERROR_CODE_KEY in body:
        return response.status_code, body[aop.ERROR_CODE_KEY]
    return response.status_code, body["result"]["code"]


Case = Callable[[Aop], httpx.Response]


def _call(name: str, param: object = None, **options: Any) -> Case:
    return lambda client: client.call(name, param, **options)


def _search(**fields: Any) -> Case:
    return lambda client: client.search(**fields)


def _upload(**options: Any) -> Case:
    return lambda client: client.upload(**options)


def _raw(verb: str, path: str, **options: Any) -> Case:
    return lambda client: client.http.request(verb, path, **options)


def _uploaded_then_searched(client: Aop) -> httpx.Response:
    image_id = client.upload().json()["result"]["result"]
    query = {"imageId": image_id, "beginPage": 2, "pageSize": 3, "country": "ja"}
    return client.call(aop.SEARCH_API, {**query, "sort": json.dumps({"price": "desc"})})


def _limited(limits: RateLimits) -> Case:
    def send(client: Aop) -> httpx.Response:
        client.gateway.limits.set(limits)
        assert outcome(client.search()) == (200, "200")
        return client.search()

    return send


def _faulted(**fault: Any) -> Case:
    def send(client: Aop) -> httpx.Response:
        client.gateway.faults.add(Fault(**fault, times=1))
        return client.search()

    return send


SEARCH_PATH = api_path(aop.SEARCH_API)
OTHER_API = api_path("alibaba.product.get", namespace="com.alibaba.product")
STALE = {aop.TIMESTAMP: str(int(NOW * 1000) - 3_600_000)}
FORM = {"content-type": "application/x-www-form-urlencoded"}
CASES: dict[str, tuple[Case, tuple[int, str]]] = {
    # success: both APIs, by POST and GET, and the clock
    "upload": (_upload(), (200, "200")),
    "upload by GET": (_upload(verb="GET"), (200, "200")),
    "search by address": (_search(), (200, "200")),
    "search, filtered to nothing": (_search(keyword="no such word"), (200, "200")),
    "search by GET": (
        lambda client: client.call(
            aop.SEARCH_API, {"imageAddress": client.offer.pic_url, "country": "en"}, verb="GET"
        ),
        (200, "200"),
    ),
    "search by an uploaded imageId": (_uploaded_then_searched, (200, "200")),
    "clock by POST": (_raw("POST", CLOCK), (200, "clock")),
    "clock by GET": (_raw("GET", CLOCK), (200, "clock")),
    # business failures
    "param not JSON": (_call(aop.SEARCH_API, "{not json"), (200, "400")),
    "param a list": (_call(aop.SEARCH_API, "[1, 2]"), (200, "400")),
    "no image named": (_call(aop.SEARCH_API, {"country": "en"}), (200, "400")),
    "pageSize 51": (_search(pageSize=51), (200, "400")),
    "unknown country": (_search(country="xx"), (200, "400")),
    "unknown sort": (_search(sort="price"), (200, "400")),
    "prices swapped": (_search(priceStart="9", priceEnd="3"), (200, "400")),
    "unknown imageId": (
        _call(aop.SEARCH_API, {"imageId": "1234567890123456789", "country": "en"}),
        (200, "400"),
    ),
    "image offline": (_search(imageAddress="https://example.com/a.jpg"), (200, "400")),
    "upload, no image": (_call(aop.UPLOAD_API, {"outMemberId": "m"}), (200, "400")),
    "upload, not base64": (_call(aop.UPLOAD_API, {"imageBase64": "%%%"}), (200, "400")),
    "upload, not an image": (
        _call(aop.UPLOAD_API, {"imageBase64": base64.b64encode(b"text").decode()}),
        (200, "400"),
    ),
    "service failure (fault 15)": (_faulted(kind="platform_error", code=15), (200, "500")),
    # the gateway refuses
    "no app key": (_raw("POST", SEARCH_PATH.removesuffix(f"/{KEY}")), (400, "gw.AppKeyMissing")),
    "empty app key on the clock": (_raw("GET", CLOCK.removesuffix(KEY)), (400, "gw.AppKeyMissing")),
    "unknown app key": (_call(aop.SEARCH_API, "{}", app_key="nobody"), (400, "gw.AppKeyNotFound")),
    "unknown API": (_call("product.search.keywordQuery", "{}"), (400, "gw.APIUnsupported")),
    "unknown namespace": (_raw("GET", OTHER_API), (400, "gw.APIUnsupported")),
    "version 2": (
        _raw("POST", SEARCH_PATH.replace("/param2/1/", "/param2/2/")),
        (400, "gw.APIUnsupported"),
    ),
    "no signature": (
        _raw("POST", SEARCH_PATH, data={aop.ACCESS_TOKEN: TOKEN}),
        (400, "gw.SignatureMissing"),
    ),
    "wrong secret": (_call(aop.SEARCH_API, "{}", secret="x"), (400, "gw.SignatureInvalid")),
    "stale timestamp": (_call(aop.SEARCH_API, "{}", extra=STALE), (400, "gw.TimestampInvalid")),
    "timestamp not a number": (
        _call(aop.SEARCH_API, "{}", extra={aop.TIMESTAMP: "yesterday"}),
        (400, "gw.TimestampInvalid"),
    ),
    "no app param": (_call(aop.SEARCH_API), (400, "gw.ParamMissing")),
    "params in conflict": (
        _raw("POST", f"{SEARCH_PATH}?access_token=a", data={aop.ACCESS_TOKEN: "b"}),
        (400, "gw.ParamInvalid"),
    ),
    "body not UTF-8": (
        _raw("POST", SEARCH_PATH, content=b"\xff=1", headers=FORM),
        (400, "gw.ParamInvalid"),
    ),
    "body too large": (
        _call(aop.UPLOAD_API, {"imageBase64": "A" * 9_000_000}),
        (400, "gw.ParamInvalid"),
    ),
    "no access token": (_call(aop.SEARCH_API, "{}", token=None), (401, "401")),
    "a stranger's token": (_call(aop.SEARCH_API, "{}", token="stolen"), (401, "401")),
    "DELETE": (_raw("DELETE", SEARCH_PATH), (405, "gw.HttpMethodNotAllowed")),
    "PUT on the clock": (_raw("PUT", CLOCK), (405, "gw.HttpMethodNotAllowed")),
    "PATCH on another API": (_raw("PATCH", OTHER_API), (405, "gw.HttpMethodNotAllowed")),
    "OPTIONS (undocumented)": (_raw("OPTIONS", SEARCH_PATH), (405, "gw.HttpMethodNotAllowed")),
    # rate limits
    "over the QPS": (_limited(RateLimits(qps=1)), (400, "gw.QosAppFrequencyLimit")),
    "over the daily quota": (_limited(RateLimits(daily_quota=1)), (400, "gw.NoUsageLeftError")),
    # injected faults
    "fault 7": (_faulted(kind="platform_error", code=7), (400, "gw.QosAppFrequencyLimit")),
    "fault 10": (_faulted(kind="platform_error", code=10), (500, "gw.InternalServerError")),
    "fault 11": (_faulted(kind="platform_error", code=11), (400, "gw.APIACLDecline")),
    "fault 27": (_faulted(kind="platform_error", code=27), (401, "401")),
    **{
        f"HTTP {status} {body}": (
            _faulted(kind="http_error", status=status, body=body),
            (status, "html" if body == "html" else "gw.InternalServerError"),
        )
        for status in (500, 502, 503, 504)
        for body in ("html", "envelope")
    },
}


@pytest.fixture
def platform(client: httpx.Client, gateway: FakeGateway, catalog: Any) -> Aop:
    """Open Platform calls through the checking ``client``."""
    return Aop(client, gateway, catalog)


@pytest.mark.parametrize(("case", "expected"), CASES.values(), ids=list(CASES))
def test_the_answer_conforms(
    platform: Aop, conforming: Any, case: Case, expected: tuple[int, str]
) -> None:
    response = case(platform)
    assert outcome(response) == expected, response.text[:300]
    # Every request of the case went through the checking transport.
    assert conforming.checked == len(platform.gateway.journal.entries()) >= 1
    # The journal of Open Platform calls (string codes) is an answer too.
    assert platform.http.get("/__fake__/requests").status_code == 200


def test_the_cases_cover_every_gateway_code() -> None:
    codes = {code for _, (_, code) in CASES.values()}
    assert set(aop.GATEWAY_CODES) <= codes
    assert {
        aop.SUCCESS_CODE,
        aop.BAD_REQUEST_CODE,
        aop.SERVICE_ERROR_CODE,
        "clock",
        "html",
    } <= codes


def test_the_document_s_examples_are_calls_that_succeed(
    client: httpx.Client, openapi_checker: Any
) -> None:
    """The signed form examples replay against the fake: upload the pixel, then search it."""
    paths = openapi_checker.document["paths"]
    for name in (aop.UPLOAD_API, aop.SEARCH_API):
        path = f"/openapi/param2/1/{aop.NAMESPACE}/{name}/{{appKey}}"
        form = paths[path]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]
        response = client.post(path.replace("{appKey}", KEY), data=form["example"])
        assert outcome(response) == (200, "200"), response.text


@pytest.mark.asyncio
async def test_answers_over_asgi_conform(
    gateway: FakeGateway, openapi_checker: Any, photo: bytes
) -> None:
    """The Starlette adapter answers as the direct transport does: checked the same way."""
    path = api_path(aop.UPLOAD_API)
    image = json.dumps({"imageBase64": base64.b64encode(photo).decode("ascii")})
    upload = signed(path, {aop.ACCESS_TOKEN: TOKEN, aop.UPLOAD_PARAM: image})
    gateway.faults.next(1, "http_error", status=502)
    transport = httpx.ASGITransport(app=gateway.asgi_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake1688.test") as http:
        answers = [
            await http.post(path, data=upload),  # injected 502, HTML
            await http.post(path, data=upload),
            await http.get(path, params=upload),
            await http.get(CLOCK),
            await http.delete(path),
            await http.post(path, data={aop.ACCESS_TOKEN: TOKEN}),
        ]
    outcomes = [outcome(answer) for answer in answers]
    assert outcomes == [
        (502, "html"),
        (200, "200"),
        (200, "200"),
        (200, "clock"),
        (405, "gw.HttpMethodNotAllowed"),
        (400, "gw.SignatureMissing"),
    ]
    for answer in answers:
        openapi_checker.check(
            answer.request.method,
            answer.request.url.path,
            answer.status_code,
            answer.headers["content-type"],
            answer.content,
        )
