"""The resellers' REST dialect: ``/1688/item_search_img/`` and ``/1688/upload_img/``.

Every answer is HTTP 200 JSON (but injected HTTP errors): the SDK onebound-sdk
fails over to onebound's real hosts on anything else.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from fake1688.engine.ratelimits import RateLimits

from ..conftest import NOW

ROOT = "http://fake1688.test"
SEARCH, UPLOAD = "/1688/item_search_img/", "/1688/upload_img/"
CREDENTIALS = {"key": "test_app_key", "secret": "test_app_secret"}
#: What onebound-sdk sends with every call.
COMMON = {"api_name": "item_search_img", "cache": "yes", "result_type": "json", "lang": "cn"}
#: The fields after ``items``/``error_code``/``reason``/``error``, in order.
TAIL = [
    "cache",
    "api_info",
    "execution_time",
    "server_time",
    "call_args",
    "api_type",
    "translate_language",
    "request_id",
]


@pytest.fixture
def http(gateway: FakeGateway) -> Iterator[httpx.Client]:
    with httpx.Client(transport=gateway.transport(), base_url=ROOT) as client:
        yield client


def get(http: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    response = http.get(path, params={**CREDENTIALS, **COMMON, **params})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def code_of(body: dict[str, Any]) -> tuple[str, str]:
    return body["error_code"], body["error"]


def test_a_search_answers_the_exact_envelope(
    http: httpx.Client, gateway: FakeGateway, catalog: Any
) -> None:
    offer = catalog.offers[0]
    body = get(http, SEARCH, imgid=offer.pic_url, page=2, page_size=5, sort="_bid2")
    assert list(body) == ["items", "error_code", "reason", "error", *TAIL]
    items = body.pop("items")
    assert body == {
        "error_code": "0000",
        "reason": "ok",
        "error": "",
        "cache": 0,
        "api_info": "today: max:unlimited",
        "execution_time": "0.000",
        "server_time": "Beijing/2025-11-28 11:20:00",
        "call_args": {"imgid": offer.pic_url, "page": "2", "page_size": "5", "sort": "_bid2"},
        "api_type": "1688",
        "translate_language": "zh-CN",
        "request_id": body["request_id"],
    }
    assert len(body["request_id"]) == 13
    total = items["total_results"]
    assert items == {
        "page": 2,
        "real_total_results": total,
        "total_results": total,
        "page_size": 5,
        "pagecount": -(-total // 5),
        "item": items["item"],
    }
    assert len(items["item"]) == 5
    fields = [
        "title",
        "pic_url",
        "price",
        "promotion_price",
        "sales",
        "num_iid",
        "turnHead",
        "seller_nick",
        "area",
        "detail_url",
    ]
    for item in items["item"]:  # the reseller spelling (promotion_price only when there is one)
        assert list(item) == [f for f in fields if f != "promotion_price" or f in item] + ["cat"]
    first_page = get(http, SEARCH, imgid=offer.pic_url, page=1, page_size=5, sort="_bid2")
    prices = [Decimal(i["price"].split("-")[0]) for i in first_page["items"]["item"]]
    prices += [Decimal(i["price"].split("-")[0]) for i in items["item"]]
    assert prices == sorted(prices, reverse=True)
    entry = gateway.journal.last()
    assert entry is not None
    assert (entry.api_method, entry.code, str(entry.verification)) == (
        "reseller:item_search_img",
        0,
        "passed",
    )


def test_a_search_by_the_catalog_photo_finds_its_offer(http: httpx.Client, catalog: Any) -> None:
    offer = catalog.offers[0]
    body = get(http, SEARCH.rstrip("/"), imgid=offer.pic_url)  # the trailing slash is optional
    assert body["error_code"] == "0000"
    assert body["items"]["item"][0]["num_iid"] == offer.num_iid
    assert body["items"]["page_size"] == 20


def test_an_upload_answers_the_hosted_url_and_a_search_by_it_works(
    http: httpx.Client, gateway: FakeGateway, photo: bytes
) -> None:
    imgcode = base64.b64encode(photo).decode()
    body = get(http, UPLOAD, imgcode=imgcode)
    url = body["items"]["item"]["name"]
    assert body == {
        "items": {"item": {"name": url, "status": 1}},
        "error_code": "0000",
        "reason": "ok",
        "error": "",
        "cache": 0,
        "api_info": "today: max:unlimited",
        "execution_time": "0.000",
        "server_time": "Beijing/2025-11-28 11:20:00",
        "call_args": {"imgcode": f"<base64 image: {len(imgcode):,} chars>"},
        "api_type": "1688",
        "translate_language": "zh-CN",
        "request_id": body["request_id"],
    }
    assert url.startswith("https://cbu01.alicdn.com/img/ibank/O1CN01")
    found = get(http, SEARCH, imgid=url)
    assert found["error_code"] == "0000"
    assert found["items"]["item"]
    entry = gateway.journal.entries()[0]
    assert entry.api_method == "reseller:upload_img"
    assert entry.params["imgcode"] == f"<base64 image: {len(imgcode):,} chars>"


def test_an_upload_as_a_post_form_or_a_file_part(http: httpx.Client, photo: bytes) -> None:
    form = {**CREDENTIALS, "imgcode": base64.b64encode(photo).decode()}
    by_form = http.post(UPLOAD, data=form).json()
    by_file = http.post(UPLOAD, data=CREDENTIALS, files={"imgcode": ("a.jpg", photo)}).json()
    assert by_form["error_code"] == by_file["error_code"] == "0000"
    assert by_form["items"] == by_file["items"]


@pytest.mark.parametrize(
    ("path", "params", "code", "reason"),
    [
        (SEARCH, {"key": None}, "4014", "the key param is missing from the url"),
        (SEARCH, {"secret": None}, "4014", "the secret param is missing from the url"),
        (SEARCH, {"key": ""}, "4005", "key is empty"),
        (SEARCH, {"key": "nobody"}, "4005", "key is not registered"),
        (SEARCH, {"secret": "wrong"}, "4005", "secret is not this key's secret"),
        (SEARCH, {}, "4014", "the imgid param is missing from the url"),
        (SEARCH, {"imgid": "https://example.com/a.jpg"}, "4003", "imgid 'https://example.com"),
        (SEARCH, {"imgid": "x", "page": "0"}, "4003", "page '0' is not a whole number"),
        (SEARCH, {"imgid": "x", "sort": "cheap"}, "4003", "sort 'cheap' is unknown"),
        (SEARCH, {"imgid": "x", "lang": "fr"}, "4003", "lang 'fr' is unknown"),
        (UPLOAD, {}, "4014", "the imgcode param is missing"),
        (UPLOAD, {"imgcode": "not base64!"}, "4003", "imgcode is not valid base64"),
        (UPLOAD, {"imgcode": "aGVsbG8="}, "4003", "the image cannot be decoded"),
        ("/1688/item_get/", {}, "4003", "api_name 'item_get' is not served here"),
        ("/taobao/item_search_img/", {}, "4003", "platform 'taobao' is not served here"),
    ],
)
def test_each_error_is_a_published_code_in_http_200_json(
    gateway: FakeGateway, path: str, params: dict[str, str | None], code: str, reason: str
) -> None:
    sent = {**CREDENTIALS, **COMMON, **params}
    with httpx.Client(transport=gateway.transport(), base_url=ROOT) as http:
        response = http.get(path, params={k: v for k, v in sent.items() if v is not None})
    assert response.status_code == 200
    body = response.json()
    assert "items" not in body
    assert list(body) == ["error_code", "reason", "error", *TAIL]
    assert body["error_code"] == code
    assert body["reason"].startswith(reason)
    assert body["error"] != ""
    assert "test_app_secret" not in response.text
    entry = gateway.journal.last()
    assert entry is not None
    assert (entry.code, entry.status) == (code, 200)


def test_a_put_is_4003(http: httpx.Client) -> None:
    response = http.put(SEARCH, params=CREDENTIALS)
    assert (response.status_code, response.json()["error_code"]) == (200, "4003")


def test_a_search_that_finds_nothing_is_2000_with_its_empty_page(
    http: httpx.Client, catalog: Any
) -> None:
    body = get(http, SEARCH, imgid=catalog.offers[0].pic_url, start_price="999999")
    assert code_of(body) == ("2000", "no result")
    assert body["items"]["item"] == []
    assert body["items"]["total_results"] == 0


def test_a_page_past_the_end_is_empty_and_ok(http: httpx.Client, catalog: Any) -> None:
    body = get(http, SEARCH, imgid=catalog.offers[0].pic_url, page=100000)
    assert body["error_code"] == "0000"
    assert body["items"]["item"] == []


def test_the_rate_limit_is_4008_and_says_when_to_retry(
    http: httpx.Client, gateway: FakeGateway, catalog: Any
) -> None:
    gateway.limits.set(RateLimits(qps=1))
    url = catalog.offers[0].pic_url
    assert get(http, SEARCH, imgid=url)["error_code"] == "0000"
    body = get(http, SEARCH, imgid=url)
    assert code_of(body) == ("4008", "rate limit")
    assert body["reason"].startswith("This ban will last for 1 more seconds")
    gateway.limits.set(RateLimits(daily_quota=1), app_key="test_app_key")
    gateway.limits.storage.reset()
    assert get(http, UPLOAD, imgcode="aGVsbG8=")["error_code"] == "4003"  # counted
    assert code_of(get(http, SEARCH, imgid=url)) == ("4013", "calls exceeded")


def test_injected_faults(http: httpx.Client, gateway: FakeGateway, catalog: Any) -> None:
    url = catalog.offers[0].pic_url
    gateway.faults.next(1, "platform_error", code=15, method="reseller:item_search_img")
    assert code_of(get(http, SEARCH, imgid=url)) == ("4000", "server error")
    gateway.faults.next(1, "platform_error", code=7)
    assert get(http, SEARCH, imgid=url)["error_code"] == "4008"
    gateway.faults.next(1, "http_error", status=503, body="envelope")
    response = http.get(SEARCH, params={**CREDENTIALS, "imgid": url})
    assert (response.status_code, response.json()["error_code"]) == (503, "4000")
    gateway.faults.next(1, "http_error", status=502, body="html")
    response = http.get(SEARCH, params={**CREDENTIALS, "imgid": url})
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")


def test_an_internal_failure_is_5000(
    http: httpx.Client, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(
        gateway.engine.reseller_api.handlers,  # type: ignore[arg-type]
        "reseller:item_search_img",
        explode,
    )
    body = get(http, SEARCH, imgid="x")
    assert code_of(body) == ("5000", "unknown error")
    assert "boom" not in str(body)
    entry = gateway.journal.last()
    assert entry is not None
    assert entry.error is not None
    assert "ZeroDivisionError: boom" in entry.error


def test_the_secret_is_never_journalled_and_the_key_is_masked(
    http: httpx.Client, gateway: FakeGateway, catalog: Any
) -> None:
    get(http, SEARCH, imgid=catalog.offers[0].pic_url)
    get(http, SEARCH, secret="test_app_secret_wrong")
    get(http, UPLOAD, key="test_app_key", imgcode="aGVsbG8=")
    for entry in gateway.journal.entries():
        text = str(entry.to_dict())
        assert "test_app_secret" not in text
        assert "test_app_key" not in text
        assert entry.params["secret"] == "<redacted>"
        assert entry.params["key"] == "test***key"
    assert [str(e.verification) for e in gateway.journal] == ["passed", "failed", "passed"]


def test_other_paths_are_not_the_reseller_dialect(http: httpx.Client) -> None:
    response = http.get("/a/b/")
    assert response.status_code == 404
    assert "error_response" in response.json()
    assert NOW  # the gateway's clock is the suite's fixed NOW
