"""The resellers' SDK ``onebound-sdk``, unmodified, against ``fake1688 serve``.

Configured only through its own settings: ``OneBoundClient("1688", key=,
secret=, api_url=)``. It has no image-search or upload method, so the calls go
through its generic ``_request(api_name, params)``, which builds
``GET <api_url>/1688/<api_name>/?key&secret&api_name&cache&result_type&lang&…``
and returns the whole parsed answer.
"""

from __future__ import annotations

import base64
import io
from decimal import Decimal
from typing import Any

import pytest
import requests
from onebound import OneBoundClient
from PIL import Image

from .conftest import Served


def client(served: Served, secret: str) -> Any:
    sdk = OneBoundClient("1688", key="test_app_key", secret=secret, api_url=served.root)
    # On a non-2xx or non-JSON answer the SDK retries against onebound's real
    # hosts (API_URLS[1:]), credentials included. The fake answers 200 JSON on
    # the reseller paths, errors too; pinning the list keeps any failover on
    # the fake should that ever break (an instance attribute: the class's stays).
    sdk.API_URLS = [served.root]
    return sdk


def low(item: dict[str, Any]) -> Decimal:
    return Decimal(str(item["price"]).split("-")[0])


@pytest.fixture
def photo(served: Served) -> bytes:
    """A small JPEG of the served catalog photo: a GET upload fits in the request line."""
    data = requests.get(served.photo_url, timeout=10).content
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(out, "JPEG", quality=85)
    assert len(out.getvalue()) < 40_000
    return out.getvalue()


def test_search_by_the_catalog_photo_url_pages_and_sorts(served: Served) -> None:
    sdk = client(served, "test_app_secret")
    first = sdk._request("item_search_img", {"imgid": served.photo_url, "page": 1, "sort": "_bid2"})
    second = sdk._request(
        "item_search_img", {"imgid": served.photo_url, "page": 2, "sort": "_bid2"}
    )
    assert (first["error_code"], first["reason"]) == ("0000", "ok")
    assert second["error_code"] == "0000"
    page = second["items"]
    assert (page["page"], page["page_size"]) == (2, 20)
    assert page["total_results"] > 20
    assert page["pagecount"] == -(-page["total_results"] // 20)
    assert page["item"]
    prices = [low(item) for item in first["items"]["item"] + page["item"]]
    assert prices == sorted(prices, reverse=True)
    seen = {item["num_iid"] for item in first["items"]["item"]}
    assert seen.isdisjoint(item["num_iid"] for item in page["item"])
    assert second["call_args"] == {"imgid": served.photo_url, "page": "2", "sort": "_bid2"}
    assert sdk.api_url == served.root  # no failover happened


def test_upload_then_search_by_the_returned_url(served: Served, photo: bytes) -> None:
    sdk = client(served, "test_app_secret")
    answer = sdk._request("upload_img", {"imgcode": base64.b64encode(photo).decode()})
    assert answer["error_code"] == "0000"
    item = answer["items"]["item"]
    assert item["status"] == 1
    url = item["name"]
    assert url.startswith("https://cbu01.alicdn.com/img/ibank/")
    found = sdk._request("item_search_img", {"imgid": url, "sort": "bid2"})
    assert found["error_code"] == "0000"
    prices = [low(offer) for offer in found["items"]["item"]]
    assert prices
    assert prices == sorted(prices)


def test_a_wrong_secret_is_4005_and_stays_on_the_fake(served: Served) -> None:
    sdk = client(served, "not_the_secret")
    answer = sdk._request("item_search_img", {"imgid": served.photo_url})
    assert answer["error_code"] == "4005"
    assert answer["error"] == "bad credentials (key or secret)"
    assert "items" not in answer
    assert "not_the_secret" not in str(answer)
    assert sdk.api_url == served.root
