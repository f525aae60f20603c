"""Every kind of reseller answer, sent through the OpenAPI-checking client.

The ``client`` fixture checks each answer against the fake's OpenAPI document
(status, content type, body schema), so the reseller part of the document
cannot drift from what ``/1688/item_search_img/`` and ``/1688/upload_img/``
answer: successes, each error code the fake answers, rate limits and injected
HTTP errors.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway
from fake1688.engine.ratelimits import RateLimits
from jsonschema import ValidationError
from openapi_schema_validator import OAS31Validator

from pailitao.wire import reseller

SEARCH, UPLOAD = reseller.api_path(reseller.SEARCH_API), reseller.api_path(reseller.UPLOAD_API)
CREDENTIALS = {"key": "test_app_key", "secret": "test_app_secret"}
#: What onebound-sdk sends with every call.
COMMON = {"api_name": "item_search_img", "cache": "yes", "result_type": "json", "lang": "cn"}


def get(client: httpx.Client, path: str, **params: str | None) -> dict[str, Any]:
    sent = {**CREDENTIALS, **COMMON, **params}
    response = client.get(path, params={k: v for k, v in sent.items() if v is not None})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_search_and_an_upload_conform(
    client: httpx.Client, conforming: Any, catalog: Any, photo: bytes
) -> None:
    url = catalog.offers[0].pic_url
    body = get(client, SEARCH, imgid=url, page="2", page_size="5", sort="_bid2", lang="en")
    assert body["error_code"] == "0000"
    assert len(body["items"]["item"]) == 5
    imgcode = base64.b64encode(photo).decode()
    uploaded = get(client, UPLOAD, imgcode=imgcode)
    assert uploaded["items"]["item"]["status"] == 1
    by_form = client.post(UPLOAD, data={**CREDENTIALS, "imgcode": imgcode}).json()
    parts = {"imgcode": ("a.jpg", photo, "image/jpeg")}
    by_file = client.post(UPLOAD, data=CREDENTIALS, files=parts).json()
    assert by_form["error_code"] == by_file["error_code"] == "0000"
    found = client.post(SEARCH, data={**CREDENTIALS, "imgid": by_file["items"]["item"]["name"]})
    assert found.json()["error_code"] == "0000"
    past_the_end = get(client, SEARCH, imgid=url, page="100000")
    assert (past_the_end["error_code"], past_the_end["items"]["item"]) == ("0000", [])
    assert conforming.checked == 6


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        (SEARCH, {"key": None}, "4014"),
        (SEARCH, {"secret": None}, "4014"),
        (SEARCH, {"key": ""}, "4005"),
        (SEARCH, {"key": "nobody"}, "4005"),
        (SEARCH, {"secret": "wrong"}, "4005"),
        (SEARCH, {}, "4014"),
        (SEARCH, {"imgid": "https://example.com/a.jpg"}, "4003"),
        (SEARCH, {"imgid": "x", "page": "0"}, "4003"),
        (SEARCH, {"imgid": "x", "sort": "cheap"}, "4003"),
        (SEARCH, {"imgid": "x", "lang": "fr"}, "4003"),
        (SEARCH, {"imgid": "x", "result_type": "xml"}, "4003"),
        (UPLOAD, {}, "4014"),
        (UPLOAD, {"imgcode": "not base64!"}, "4003"),
        (UPLOAD, {"imgcode": "aGVsbG8="}, "4003"),
    ],
)
def test_each_error_conforms(
    client: httpx.Client, conforming: Any, path: str, params: dict[str, str | None], code: str
) -> None:
    body = get(client, path, **params)
    assert body["error_code"] == code
    assert "items" not in body
    assert conforming.checked == 1


def test_no_result_put_and_a_file_part_misnamed_conform(
    client: httpx.Client, conforming: Any, catalog: Any, photo: bytes
) -> None:
    body = get(client, SEARCH, imgid=catalog.offers[0].pic_url, start_price="999999")
    assert (body["error_code"], body["items"]["item"]) == ("2000", [])
    for verb in ("PUT", "PATCH", "DELETE"):
        refused = client.request(verb, SEARCH, params=CREDENTIALS)
        assert (refused.status_code, refused.json()["error_code"]) == (200, "4003")
    misnamed = client.post(UPLOAD, data=CREDENTIALS, files={"image": ("a.jpg", photo)})
    assert misnamed.json()["error_code"] == "4003"
    assert conforming.checked == 5


def test_rate_limits_conform(
    client: httpx.Client, conforming: Any, gateway: FakeGateway, catalog: Any
) -> None:
    url = catalog.offers[0].pic_url
    gateway.limits.set(RateLimits(qps=1))
    assert get(client, SEARCH, imgid=url)["error_code"] == "0000"
    assert get(client, SEARCH, imgid=url)["error_code"] == "4008"
    gateway.limits.set(RateLimits(daily_quota=1), app_key="test_app_key")
    gateway.limits.storage.reset()
    assert get(client, UPLOAD, imgcode="aGVsbG8=")["error_code"] == "4003"
    assert get(client, SEARCH, imgid=url)["error_code"] == "4013"
    assert conforming.checked == 4


def test_injected_faults_conform(
    client: httpx.Client, conforming: Any, gateway: FakeGateway, catalog: Any
) -> None:
    url = catalog.offers[0].pic_url
    gateway.faults.next(1, "platform_error", code=15, method="reseller:item_search_img")
    assert get(client, SEARCH, imgid=url)["error_code"] == "4000"
    gateway.faults.next(1, "platform_error", code=7)
    assert get(client, SEARCH, imgid=url)["error_code"] == "4008"
    gateway.faults.next(1, "http_error", status=503, body="envelope")
    response = client.get(SEARCH, params={**CREDENTIALS, "imgid": url})
    assert (response.status_code, response.json()["error_code"]) == (503, "4000")
    gateway.faults.next(1, "http_error", status=502, body="html")
    response = client.get(UPLOAD, params={**CREDENTIALS, "imgcode": "aGVsbG8="})
    assert response.status_code == 502
    assert conforming.checked == 4


def test_the_schemas_refuse_an_answer_that_drifts(
    client: httpx.Client, openapi_checker: Any, catalog: Any
) -> None:
    body = get(client, SEARCH, imgid=catalog.offers[0].pic_url)
    document = openapi_checker.document

    def valid(data: Any, name: str) -> bool:
        root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        try:
            OAS31Validator(root).validate(data)
        except ValidationError:
            return False
        return True

    assert valid(body, "ResellerSearchSuccess")
    assert not valid(body, "ResellerFailure")
    assert not valid({**body, "stray": 1}, "ResellerSearchSuccess")
    assert not valid({**body, "error_code": "0"}, "ResellerSearchSuccess")
    assert not valid({**body, "api_type": "taobao"}, "ResellerSearchSuccess")
    failure = {k: v for k, v in body.items() if k != "items"}
    assert valid({**failure, "error_code": "4003"}, "ResellerFailure")
    assert not valid({**failure, "error_code": "4999"}, "ResellerFailure")
    assert not valid({**failure, "error_code": "4003", "secret": "x"}, "ResellerFailure")
