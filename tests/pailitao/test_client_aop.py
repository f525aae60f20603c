"""The client in the Open Platform dialect: what it sends (checked by an independent
HMAC-SHA1 reference) and what it makes of the fake gateway's answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fake1688 import Catalog, FakeGateway, RateLimits

from pailitao import (
    AccessTokenError,
    AsyncPailitaoClient,
    InvalidArgumentsError,
    PailitaoClient,
    RateLimitError,
    RetryPolicy,
    SignatureError,
    UsageError,
)

NOW = 1_764_300_000.0
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"
BASE = "http://fake1688.test/openapi"
SEARCH_PATH = "/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.imageQuery/"
UPLOAD_PATH = "/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.image.upload/"


def reference_signature(path: str, params: dict[str, str], secret: str) -> str:
    """The platform's recipe, written here without pailitao's code."""
    signed = path.removeprefix("/openapi/")
    joined = sorted(key + value for key, value in params.items() if key != "_aop_signature")
    message = (signed + "".join(joined)).encode()
    return hmac.new(secret.encode(), message, hashlib.sha1).hexdigest().upper()


class Seen(httpx.BaseTransport):
    """Passes requests to the fake and keeps each one's path and form."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, dict[str, str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        form = dict(parse_qsl(request.read().decode(), keep_blank_values=True))
        self.requests.append((request.url.path, form))
        return self.inner.handle_request(request)


@pytest.fixture(scope="module")
def catalog() -> Any:
    return Catalog.default(0)


@pytest.fixture
def gateway(catalog: Any) -> FakeGateway:
    return FakeGateway(catalog=catalog, clock=lambda: NOW)


@pytest.fixture
def seen(gateway: FakeGateway) -> Seen:
    return Seen(gateway.transport())


def make(transport: httpx.BaseTransport, **options: Any) -> PailitaoClient:
    settings: dict[str, Any] = {
        "app_key": KEY, "app_secret": SECRET, "dialect": "aop", "access_token": TOKEN,
        "base_url": BASE, "clock": lambda: NOW, "transport": transport,
        "retry": RetryPolicy(max_attempts=1),
    }  # fmt: skip
    return PailitaoClient(**{**settings, **options})


@pytest.fixture
def client(seen: Seen) -> Iterator[PailitaoClient]:
    with make(seen) as aop_client:
        yield aop_client


@pytest.fixture
def photo(catalog: Any) -> bytes:
    return bytes(catalog.image_bytes(catalog.offers[0]))


def test_a_photo_is_uploaded_then_searched_by_its_image_id(
    client: PailitaoClient, seen: Seen, photo: bytes, catalog: Any
) -> None:
    page = client.search_image(file=photo, page_size=5)
    (upload_path, upload), (search_path, search) = seen.requests
    assert upload_path == UPLOAD_PATH + KEY
    assert set(upload) == {"access_token", "_aop_timestamp", "uploadImageParam", "_aop_signature"}
    assert upload["_aop_timestamp"] == str(int(NOW * 1000))
    assert json.loads(upload["uploadImageParam"]) == {
        "imageBase64": base64.b64encode(photo).decode()
    }
    assert upload["_aop_signature"] == reference_signature(upload_path, upload, SECRET)
    assert search_path == SEARCH_PATH + KEY
    image_id = json.loads(search["offerQueryParam"])["imageId"]
    assert json.loads(search["offerQueryParam"]) == {
        "imageId": image_id, "beginPage": 1, "pageSize": 5, "country": "en",
    }  # fmt: skip
    assert search["_aop_signature"] == reference_signature(search_path, search, SECRET)
    own = catalog.offers[0]
    first = page.items[0]
    assert (first.num_iid, first.title, first.pic_url) == (own.num_iid, own.title, own.pic_url)
    assert first.aop is not None
    assert first.aop.subject_trans.isascii()
    assert (page.page, page.page_size, len(page.items)) == (1, 5, 5)


def test_every_search_argument_has_its_open_platform_name(
    client: PailitaoClient, seen: Seen, catalog: Any
) -> None:
    offer = catalog.offers[1]
    client.search_image(
        image_url=offer.pic_url, cat=offer.cat, sort="price_desc", page=2, page_size=10,
        start_price="1.5", end_price=80, country="ru",
    )  # fmt: skip
    ((_, form),) = seen.requests
    assert json.loads(form["offerQueryParam"]) == {
        "imageAddress": offer.pic_url, "beginPage": 2, "pageSize": 10, "country": "ru",
        "priceStart": "1.5", "priceEnd": "80", "sort": '{"price":"desc"}',
        "categoryId": int(offer.cat),
    }  # fmt: skip
    client.search_image(image_url=offer.pic_url, sort="_sale")
    assert json.loads(seen.requests[-1][1]["offerQueryParam"])["sort"] == '{"monthSold":"desc"}'


def test_iter_search_uploads_once_and_pages_by_image_id(
    client: PailitaoClient, seen: Seen, photo: bytes
) -> None:
    items = list(client.iter_search(file=photo, page_size=50, max_pages=3))
    paths = [path for path, _ in seen.requests]
    assert paths == [UPLOAD_PATH + KEY] + [SEARCH_PATH + KEY] * 3
    pages = [json.loads(form["offerQueryParam"])["beginPage"] for _, form in seen.requests[1:]]
    assert pages == [1, 2, 3]
    assert len(items) == len({item.num_iid for item in items}) == 107  # 50 + 50 + the last 7


def test_upload_image_answers_the_image_id(client: PailitaoClient, photo: bytes) -> None:
    image_id = client.upload_image(photo)
    assert image_id.isdigit()
    page = client.search_image(imgid=image_id)
    assert page.items


@pytest.mark.asyncio
async def test_the_async_client_speaks_it_too(gateway: FakeGateway, photo: bytes) -> None:
    async with AsyncPailitaoClient(
        app_key=KEY, app_secret=SECRET, dialect="aop", access_token=TOKEN, base_url=BASE,
        clock=lambda: NOW, transport=gateway.async_transport(),
    ) as client:  # fmt: skip
        page = await client.search_image(file=photo, page_size=3)
        items = [item async for item in client.iter_search(file=photo, max_items=25)]
    assert len(page.items) == 3
    assert len(items) == 25
    assert gateway.journal.calls("com.alibaba.fenxiao.crossborder:product.image.upload")


def test_a_wrong_secret_is_a_signature_error_with_the_gateway_s_explanation(
    seen: Seen, photo: bytes
) -> None:
    with make(seen, app_secret="not_the_secret") as client, pytest.raises(SignatureError) as raised:
        client.upload_image(photo)
    error = raised.value
    assert (error.code, error.msg) == ("gw.SignatureInvalid", "Signature is invalid")
    assert error.sub_msg is not None
    assert error.sub_msg.startswith("the gateway computed HMAC_SHA1 with key <secret> over ")
    assert "not_the_secret" not in str(error)
    assert TOKEN not in str(error)


def test_an_unknown_token_is_an_access_token_error(seen: Seen) -> None:
    with make(seen, access_token="t0ken-gone") as client:
        with pytest.raises(AccessTokenError) as raised:
            client.search_image(imgid="1")
    assert (raised.value.code, raised.value.msg) == ("401", "Request need user authorized")
    assert "t0ken-gone" not in str(raised.value)


def test_an_unknown_image_id_is_the_business_error_400(client: PailitaoClient) -> None:
    with pytest.raises(InvalidArgumentsError) as raised:
        client.search_image(imgid="1234567890123456789")
    assert raised.value.code == "400"
    assert "imageId '1234567890123456789' is unknown" in raised.value.msg


def test_a_rate_limit_is_retried_after_the_ban(
    gateway: FakeGateway, seen: Seen, catalog: Any
) -> None:
    gateway.limits.set(RateLimits(qps=1))
    waits: list[float] = []
    retry = RetryPolicy(max_attempts=2, max_total=30)
    url = catalog.offers[0].pic_url
    with make(seen, retry=retry, sleep=waits.append) as client:
        assert client.search_image(image_url=url).items
        with pytest.raises(RateLimitError) as raised:  # the fake's clock stands still
            client.search_image(image_url=url)
    assert raised.value.code == "gw.QosAppFrequencyLimit"
    assert raised.value.retry_after == 1.0
    assert waits == [1.0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"access_token": None}, "access_token is required with dialect='aop'"),
        ({"access_token": ""}, "access_token is required with dialect='aop'"),
        ({"dialect": "top"}, "access_token is sent to the Open Platform only"),
        ({"dialect": "soap"}, "dialect must be one of top, aop, reseller, not 'soap'"),
    ],
)
def test_bad_dialect_settings_are_usage_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        make(httpx.MockTransport(lambda request: httpx.Response(500)), **options)


def test_country_is_checked_and_belongs_to_the_open_platform(client: PailitaoClient) -> None:
    with pytest.raises(UsageError, match="country must be one of ar, de, en"):
        client.search_image(imgid="1", country="xx")
    top = PailitaoClient(app_key=KEY, app_secret=SECRET)
    with pytest.raises(UsageError, match="country names the language of an Open Platform answer"):
        top.search_image(imgid="1", country="en")


def test_defaults_and_repr_hide_the_token() -> None:
    client = PailitaoClient(app_key=KEY, app_secret=SECRET, dialect="aop", access_token=TOKEN)
    assert client.base_url == "https://gw.open.1688.com/openapi"
    assert repr(client) == (
        "PailitaoClient(app_key='tes***', base_url='https://gw.open.1688.com/openapi', "
        "dialect='aop')"
    )
    assert TOKEN not in repr(client)
    assert PailitaoClient(app_key=KEY, app_secret=SECRET).base_url == (
        "https://api.1688.com/openapi/router/rest"
    )
