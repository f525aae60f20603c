"""The fake's Open Platform dialect: product.image.upload and product.search.imageQuery,
checked as the gateway checks them, answered in its two error shapes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway, Fault, RateLimits

from pailitao.wire import aop

NOW = 1_764_300_000.0
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"
SEARCH = "com.alibaba.fenxiao.crossborder:product.search.imageQuery"
UPLOAD = "com.alibaba.fenxiao.crossborder:product.image.upload"


def api_path(name: str, app_key: str = KEY, namespace: str = aop.NAMESPACE) -> str:
    return f"/openapi/param2/1/{namespace}/{name}/{app_key}"


def signed(path: str, params: dict[str, str], secret: str = SECRET) -> dict[str, str]:
    return {**params, "_aop_signature": aop.sign(path, params, secret)}


Send = Callable[..., httpx.Response]


@pytest.fixture
def gateway(catalog: Any) -> FakeGateway:
    return FakeGateway(catalog=catalog, clock=lambda: NOW)


@pytest.fixture
def send(gateway: FakeGateway) -> Send:
    http = httpx.Client(transport=gateway.transport(), base_url="http://fake1688.test")

    def post(
        name: str,
        param: object = None,
        *,
        token: str | None = TOKEN,
        secret: str = SECRET,
        app_key: str = KEY,
        extra: dict[str, str] | None = None,
    ) -> httpx.Response:
        path = api_path(name, app_key)
        params: dict[str, str] = dict(extra or {})
        if token is not None:
            params["access_token"] = token
        if param is not None:
            key = aop.UPLOAD_PARAM if name == aop.UPLOAD_API else aop.SEARCH_PARAM
            params[key] = param if isinstance(param, str) else json.dumps(param)
        return http.post(path, data=signed(path, params, secret))

    return post


def query(source: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**source, "beginPage": 1, "pageSize": 20, "country": "en", **fields}


def result_of(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    envelope = response.json()["result"]
    assert (envelope["success"], envelope["code"], envelope["message"]) == (True, "200", "")
    return envelope["result"]


def business_error(response: httpx.Response) -> tuple[str, str]:
    assert response.status_code == 200, response.text
    envelope = response.json()["result"]
    assert set(envelope) == {"success", "code", "message"}
    assert envelope["success"] is False
    return envelope["code"], envelope["message"]


def gateway_error(response: httpx.Response) -> tuple[int, str, str, str]:
    body = response.json()
    assert list(body) in (
        ["error_code", "error_message", "exception", "request_id"],
        ["error_code", "error_message", "request_id"],
    )
    assert len(body["request_id"]) == 13
    return (
        response.status_code,
        body["error_code"],
        body["error_message"],
        body.get("exception", ""),
    )


@pytest.fixture
def image_id(send: Send, photo: bytes) -> str:
    upload = {"imageBase64": base64.b64encode(photo).decode(), "outMemberId": "m1"}
    value = result_of(send(aop.UPLOAD_API, upload))
    assert isinstance(value, str)
    return value


# -- success ------------------------------------------------------------------------------


def test_upload_answers_an_image_id_the_same_for_the_same_photo(
    send: Send, photo: bytes, image_id: str
) -> None:
    assert image_id.isdigit()
    assert len(image_id) == 19
    again = {"imageBase64": base64.b64encode(photo).decode()}
    assert result_of(send(aop.UPLOAD_API, again)) == image_id


def test_search_by_image_id_finds_the_photo_s_own_offer_first(
    send: Send, image_id: str, catalog: Any
) -> None:
    page = result_of(send(aop.SEARCH_API, query({"imageId": image_id}, pageSize=5)))
    own = catalog.offers[0]
    assert page["data"][0]["offerId"] == int(own.num_iid)
    assert page["data"][0]["subject"] == own.title
    assert page["data"][0]["imageUrl"] == own.pic_url
    assert (page["currentPage"], page["pageSize"], len(page["data"])) == (1, 5, 5)
    assert page["totalPage"] == -(-page["totalRecords"] // 5)
    assert page["picRegionInfo"] == {"currentRegion": "", "yoloCropRegion": ""}


def test_pages_partition_the_results_and_a_price_sort_holds(send: Send, image_id: str) -> None:
    sort = json.dumps({"price": "asc"})
    first = result_of(send(aop.SEARCH_API, query({"imageId": image_id}, pageSize=50, sort=sort)))
    total, seen, prices = first["totalRecords"], [], []
    for page_number in range(1, first["totalPage"] + 1):
        fields = query({"imageId": image_id}, pageSize=50, sort=sort, beginPage=page_number)
        page = result_of(send(aop.SEARCH_API, fields))
        seen += [offer["offerId"] for offer in page["data"]]
        prices += [Decimal(offer["priceInfo"]["price"]) for offer in page["data"]]
    assert len(seen) == len(set(seen)) == total
    assert prices == sorted(prices)


def test_search_by_image_address_and_a_price_range(send: Send, catalog: Any) -> None:
    offer = catalog.offers[3]
    fields = query({"imageAddress": offer.pic_url}, priceStart="10", priceEnd="60.5")
    page = result_of(send(aop.SEARCH_API, fields))
    assert page["data"], "some offers cost between 10 and 60.50"
    for item in page["data"]:
        assert Decimal("10") <= Decimal(item["priceInfo"]["price"]) <= Decimal("60.5")


def test_the_two_dialects_share_one_upload_store(
    gateway: FakeGateway, send: Send, image_id: str
) -> None:
    upload = gateway.store.get(image_id)
    assert upload is not None
    url = gateway.store.put(upload).url  # the TOP router's name for the same photo
    by_url = result_of(send(aop.SEARCH_API, query({"imageAddress": url}, pageSize=3)))
    by_id = result_of(send(aop.SEARCH_API, query({"imageId": image_id}, pageSize=3)))
    assert by_url["data"] == by_id["data"]


def test_the_clock_answers_a_bare_number_unsigned(gateway: FakeGateway) -> None:
    http = httpx.Client(transport=gateway.transport())
    response = http.post(f"http://fake1688.test/openapi/param2/1/system/currentTimeMillis/{KEY}")
    assert (response.status_code, response.json()) == (200, int(NOW * 1000))


def test_calls_are_journaled_with_secrets_redacted(
    gateway: FakeGateway, send: Send, image_id: str
) -> None:
    send(aop.SEARCH_API, query({"imageId": image_id}), secret="wrong")
    upload, search = gateway.journal.entries()
    assert (upload.api_method, upload.code, upload.verification) == (UPLOAD, 0, "passed")
    assert (search.api_method, search.code, search.status) == (SEARCH, "gw.SignatureInvalid", 400)
    for entry in (upload, search):
        assert entry.params["access_token"] == "<redacted>"
        assert entry.params["_aop_signature"] == "<redacted>"


# -- the gateway refuses --------------------------------------------------------------------


def test_a_wrong_secret_is_explained_without_the_secret(send: Send, image_id: str) -> None:
    response = send(aop.SEARCH_API, query({"imageId": image_id}), secret="not_the_secret")
    status, code, message, detail = gateway_error(response)
    assert (status, code, message) == (400, "gw.SignatureInvalid", "Signature is invalid")
    path = api_path(aop.SEARCH_API)[len("/openapi/") :]
    assert detail.startswith(
        f"the gateway computed HMAC_SHA1 with key <secret> over '{path}access_token<redacted>"
        'offerQueryParam{"imageId": '
    )
    assert "[access_token, offerQueryParam]" in detail
    assert SECRET not in response.text
    assert TOKEN not in response.text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"app_key": "nobody"}, (400, "gw.AppKeyNotFound", "AppKey is not found")),
        ({"token": None}, (401, "401", "Request need user authorized")),
        ({"token": "stolen"}, (401, "401", "Request need user authorized")),
        (
            {"extra": {"_aop_timestamp": str(int(NOW * 1000) - 3_600_000)}},
            (400, "gw.TimestampInvalid", "Timestamp is invalid"),
        ),
        (
            {"extra": {"_aop_timestamp": "yesterday"}},
            (400, "gw.TimestampInvalid", "Timestamp is invalid"),
        ),
    ],
)
def test_the_gateway_refuses(
    send: Send, image_id: str, change: dict[str, Any], expected: tuple[int, str, str]
) -> None:
    response = send(aop.SEARCH_API, query({"imageId": image_id}), **change)
    assert gateway_error(response)[:3] == expected


def test_a_current_timestamp_is_accepted(send: Send, image_id: str) -> None:
    stamp = {"_aop_timestamp": str(int(NOW * 1000) + 5_000)}
    assert result_of(send(aop.SEARCH_API, query({"imageId": image_id}), extra=stamp))


def test_missing_signature_unknown_api_and_missing_param(gateway: FakeGateway, send: Send) -> None:
    http = httpx.Client(transport=gateway.transport(), base_url="http://fake1688.test")
    unsigned = http.post(api_path(aop.SEARCH_API), data={"access_token": TOKEN})
    assert gateway_error(unsigned)[:3] == (400, "gw.SignatureMissing", "Signature is missing")
    unknown = send("product.search.keywordQuery", {"keyword": "x"})
    status, code, _, detail = gateway_error(unknown)
    assert (status, code) == (400, "gw.APIUnsupported")
    assert "product.search.keywordQuery version 1 is not served here" in detail
    no_key = http.post(f"/openapi/param2/1/{aop.NAMESPACE}/{aop.SEARCH_API}")
    assert gateway_error(no_key)[:2] == (400, "gw.AppKeyMissing")
    missing = send(aop.SEARCH_API)
    assert gateway_error(missing)[:3] == (400, "gw.ParamMissing", "Required argument is missing")
    deleted = http.delete(api_path(aop.SEARCH_API))
    assert gateway_error(deleted)[:2] == (405, "gw.HttpMethodNotAllowed")


# -- the API refuses bad input --------------------------------------------------------------


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("{not json", "offerQueryParam is not valid JSON"),
        ("[1, 2]", "offerQueryParam must be a JSON object, not list"),
        (query({}), "needs exactly one of imageId (from product.image.upload) and imageAddress"),
        (
            query({"imageId": "1", "imageAddress": "https://x/y.jpg"}),
            "got imageId and imageAddress",
        ),
        (query({"imageBase64": "abc"}), "imageBase64 is no field of it"),
        (query({"imageId": "1"}, pageSize=0), "offerQueryParam.pageSize '0' is not a whole number"),
        (
            query({"imageId": "1"}, pageSize=51),
            "offerQueryParam.pageSize '51' is not a whole number from 1 to 50",
        ),
        (query({"imageId": "1"}, beginPage=True), "offerQueryParam.beginPage 'True'"),
        (
            query({"imageId": "1"}, country="xx"),
            "offerQueryParam.country is 'xx': it names the language",
        ),
        ({"imageId": "1", "beginPage": 1, "pageSize": 20}, "offerQueryParam.country is missing"),
        (query({"imageId": "1"}, sort="price"), "offerQueryParam.sort 'price' is unknown"),
        (query({"imageId": "1"}, sort='{"price":"up"}'), "offerQueryParam.sort"),
        (query({"imageId": "1"}, priceStart="9", priceEnd="3"), "priceStart 9 is above"),
        (query({"imageId": "1"}, priceStart="cheap"), "offerQueryParam.priceStart 'cheap'"),
        (query({"imageId": "1"}, categoryId="shoes"), "offerQueryParam.categoryId 'shoes'"),
        (query({"imageId": "1234567890123456789"}), "imageId '1234567890123456789' is unknown"),
        (
            query({"imageAddress": "https://example.com/a.jpg"}),
            "cannot be fetched: the fake never goes online",
        ),
    ],
)
def test_bad_queries_get_a_business_error_naming_the_field(
    send: Send, param: object, message: str
) -> None:
    code, text = business_error(send(aop.SEARCH_API, param))
    assert code == "400"
    assert message in text


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ({"outMemberId": "m"}, "uploadImageParam.imageBase64 is required"),
        ({"imageBase64": "%%%"}, "uploadImageParam.imageBase64 is not valid base64"),
        (
            {"imageBase64": base64.b64encode(b"not an image").decode()},
            "the image cannot be decoded",
        ),
        ({"imageBase64": "A" * 7_200_000}, "5,400,000 bytes, over the 5,242,880-byte limit"),
    ],
)
def test_bad_uploads_get_a_business_error(send: Send, param: object, message: str) -> None:
    code, text = business_error(send(aop.UPLOAD_API, param))
    assert code == "400"
    assert message in text


def test_a_body_past_any_image_limit_is_refused_by_the_gateway(send: Send) -> None:
    response = send(aop.UPLOAD_API, {"imageBase64": "A" * 9_000_000})
    status, code, _, detail = gateway_error(response)
    assert (status, code) == (400, "gw.ParamInvalid")
    assert detail == (
        "the request body is over 8,039,082 bytes; the request's params cannot be read"
    )


# -- shared gates: rate limits and faults ------------------------------------------------------


def test_rate_limits_answer_the_platform_s_codes(
    gateway: FakeGateway, send: Send, image_id: str
) -> None:
    gateway.limits.set(RateLimits(qps=1))
    fields = query({"imageId": image_id})
    assert result_of(send(aop.SEARCH_API, fields))
    status, code, message, detail = gateway_error(send(aop.SEARCH_API, fields))
    assert (status, code, message) == (
        400,
        "gw.QosAppFrequencyLimit",
        "App call exceeds limited frequency",
    )
    assert detail.startswith("This ban will last for 1 more seconds")
    gateway.limits.set(RateLimits(daily_quota=1))
    assert result_of(send(aop.SEARCH_API, fields))
    status, code, message, _ = gateway_error(send(aop.SEARCH_API, fields))
    assert (status, code, message) == (400, "gw.NoUsageLeftError", "SLA bill has no usage left")


def test_faults_answer_in_the_dialect(gateway: FakeGateway, send: Send, image_id: str) -> None:
    fields = query({"imageId": image_id})
    gateway.faults.add(Fault(kind="platform_error", code=15, method=SEARCH, times=1))
    code, message = business_error(send(aop.SEARCH_API, fields))
    assert (code, message) == (
        "500",
        "an injected fault: platform_error 15",
    )
    gateway.faults.next(1, "http_error", status=503, body="envelope")
    status, code, _, _ = gateway_error(send(aop.SEARCH_API, fields))
    assert (status, code) == (503, "gw.InternalServerError")
    gateway.faults.next(1, "platform_error", code=7)
    assert gateway_error(send(aop.SEARCH_API, fields))[1] == "gw.QosAppFrequencyLimit"


def test_a_category_id_of_any_level_and_a_keyword_narrow_the_results(
    send: Send, image_id: str
) -> None:
    everything = result_of(send(aop.SEARCH_API, query({"imageId": image_id}, pageSize=50)))
    first = everything["data"][0]
    for level in ("topCategoryId", "secondCategoryId", "thirdCategoryId"):
        fields = query({"imageId": image_id}, pageSize=50, categoryId=first[level])
        page = result_of(send(aop.SEARCH_API, fields))
        assert first["offerId"] in [offer["offerId"] for offer in page["data"]]
        assert all(offer[level] == first[level] for offer in page["data"])
        assert page["totalRecords"] < everything["totalRecords"]
    word = first["subjectTrans"].split()[-1]
    page = result_of(send(aop.SEARCH_API, query({"imageId": image_id}, keyword=word.upper())))
    assert page["data"]
    assert all(word.casefold() in offer["subjectTrans"].casefold() for offer in page["data"])
