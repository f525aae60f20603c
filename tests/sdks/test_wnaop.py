"""The 1688 Open Platform's Python SDK ``wnaop``, unmodified, against ``fake1688 serve``.

Configured only as its users configure it: ``aop.set_default_server`` (host
and port), ``aop.set_default_appinfo`` (app key and secret) and the request's
``access_token``; object params are JSON text, as the SDK expects its callers
to send them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import aop
import aop.api
import pytest
import requests

from .conftest import Served

TOKEN = "test_access_token"


@pytest.fixture
def sdk(served: Served) -> Iterator[None]:
    aop.set_default_server(f"{served.host}:{served.port}")
    aop.set_default_appinfo("test_app_key", "test_app_secret")
    yield
    aop.set_default_appinfo("test_app_key", "test_app_secret")


def upload(photo: bytes) -> Any:
    request = aop.api.ProductImageUploadParam()
    request.access_token = TOKEN
    request.uploadImageParam = json.dumps(
        {"imageBase64": base64.b64encode(photo).decode(), "outMemberId": "member-1"}
    )
    return request.get_response(timeout=10)


def image_query(**fields: Any) -> Any:
    request = aop.api.ProductSearchImageQueryParam()
    request.access_token = TOKEN
    request.offerQueryParam = json.dumps(
        {"beginPage": 1, "pageSize": 10, "country": "en", **fields}
    )
    return request.get_response(timeout=10)


@pytest.fixture
def photo(served: Served) -> bytes:
    return requests.get(served.photo_url, timeout=10).content


def test_upload_then_query_by_image_id_pages_and_sorts_by_price(sdk: None, photo: bytes) -> None:
    answer = upload(photo)
    assert answer["result"]["success"] is True
    image_id = answer["result"]["result"]
    assert image_id.isdigit()
    first = image_query(imageId=image_id)["result"]["result"]
    assert first["data"][0]["imageUrl"].endswith(photo_name(first))
    sort = json.dumps({"price": "asc"})
    pages = [
        image_query(imageId=image_id, beginPage=n, pageSize=10, sort=sort)["result"]["result"]
        for n in (1, 2)
    ]
    prices = [Decimal(o["priceInfo"]["price"]) for page in pages for o in page["data"]]
    assert len(prices) == 20
    assert prices == sorted(prices)
    ids = [o["offerId"] for page in pages for o in page["data"]]
    assert len(set(ids)) == 20
    assert pages[1]["currentPage"] == 2


def photo_name(page: dict[str, Any]) -> str:
    return page["data"][0]["imageUrl"].rsplit("/", 1)[-1]


def test_query_by_image_address(sdk: None, served: Served) -> None:
    address = "https://cbu01.alicdn.com" + served.photo_url.split(str(served.port), 1)[1]
    page = image_query(imageAddress=address, pageSize=5)["result"]["result"]
    assert page["data"][0]["imageUrl"] == address
    assert page["pageSize"] == 5
    assert len(page["data"]) == 5
    assert all(offer["subjectTrans"].isascii() for offer in page["data"])


def test_a_wrong_secret_raises_the_sdk_s_api_error(sdk: None, photo: bytes) -> None:
    aop.set_default_appinfo("test_app_key", "not_the_secret")
    with pytest.raises(aop.ApiError) as raised:
        upload(photo)
    error = raised.value
    assert error.error_code == "gw.SignatureInvalid"
    assert error.error_message == "Signature is invalid"
    assert error.exception.startswith("the gateway computed HMAC_SHA1 with key <secret> over ")
    assert len(error.request_id) == 13
    assert "not_the_secret" not in str(error)


def test_the_sdk_s_clock_sync(sdk: None, served: Served) -> None:
    difference = aop.get_timestamp_diff("test_app_key", "test_app_secret", served.root[7:])
    assert abs(difference) < 60_000
