"""The client in the resellers' REST dialect: what it sends (a GET with the key and
secret in the query string) and what it makes of the fake gateway's answers."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from fake1688 import Catalog, FakeGateway, RateLimits

from pailitao import (
    AppKeyError,
    AsyncPailitaoClient,
    InvalidArgumentsError,
    NetworkError,
    PailitaoClient,
    RateLimitError,
    RetryPolicy,
    ServerError,
    UsageError,
)
from pailitao.wire import default_base_url, in_process_url

NOW = 1_764_300_000.0
KEY, SECRET = "test_app_key", "test_app_secret"
BASE = "http://fake1688.test"
SEARCH_PATH, UPLOAD_PATH = "/1688/item_search_img/", "/1688/upload_img/"


class Seen(httpx.BaseTransport):
    """Passes requests to the fake and keeps each one's method, path, query and form."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.requests: list[tuple[str, str, list[tuple[str, str]], dict[str, str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        query = parse_qsl(request.url.query.decode(), keep_blank_values=True)
        form = dict(parse_qsl(request.read().decode(), keep_blank_values=True))
        self.requests.append((request.method, request.url.path, query, form))
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
        "app_key": KEY, "app_secret": SECRET, "dialect": "reseller", "base_url": BASE,
        "clock": lambda: NOW, "transport": transport, "retry": RetryPolicy(max_attempts=1),
    }  # fmt: skip
    return PailitaoClient(**{**settings, **options})


@pytest.fixture
def client(seen: Seen) -> Iterator[PailitaoClient]:
    with make(seen) as reseller_client:
        yield reseller_client


@pytest.fixture
def photo(catalog: Any) -> bytes:
    return bytes(catalog.image_bytes(catalog.offers[0]))


def test_every_search_argument_has_its_reseller_name_in_order(
    client: PailitaoClient, seen: Seen, catalog: Any
) -> None:
    offer = catalog.offers[1]
    page = client.search_image(
        image_url=offer.pic_url, cat=offer.cat, sort="price_desc", page=2, page_size=10,
        start_price="1.5", end_price=80, country="ru",
    )  # fmt: skip
    ((method, path, query, form),) = seen.requests
    assert (method, path, form) == ("GET", SEARCH_PATH, {})
    assert query == [
        ("key", KEY), ("secret", SECRET), ("imgid", offer.pic_url), ("page", "2"),
        ("page_size", "10"), ("sort", "_bid2"), ("cat", str(offer.cat)),
        ("start_price", "1.5"), ("end_price", "80"), ("lang", "ru"),
    ]  # fmt: skip
    assert page.page == 2


@pytest.mark.parametrize(
    ("sort", "sent"),
    [
        ("price_asc", "bid2"),
        ("price_desc", "_bid2"),
        ("sales_asc", "sale"),
        ("sales_desc", "_sale"),
        ("_sale", "_sale"),
        ("relevance", None),
    ],
)
def test_a_search_by_url_in_each_order(
    client: PailitaoClient, seen: Seen, catalog: Any, sort: str, sent: str | None
) -> None:
    url = catalog.offers[0].pic_url
    page = client.search_image(image_url=url, sort=sort, page_size=5)
    assert len(page.items) == 5
    query = dict(seen.requests[-1][2])
    assert query.get("sort") == sent
    assert query["imgid"] == url
    assert "lang" not in query
    prices = [item.price for item in page.items]
    if sort == "price_asc":
        assert prices == sorted(prices)
    if sort == "price_desc":
        assert prices == sorted(prices, reverse=True)


def test_a_photo_is_uploaded_then_searched_by_its_url(
    client: PailitaoClient, seen: Seen, photo: bytes, catalog: Any
) -> None:
    page = client.search_image(file=photo, page_size=5)
    (up_method, up_path, up_query, upload), (method, path, query, _) = seen.requests
    assert (up_method, up_path) == ("POST", UPLOAD_PATH)
    assert up_query == [("key", KEY), ("secret", SECRET)]
    assert upload == {"imgcode": base64.b64encode(photo).decode()}
    assert (method, path) == ("GET", SEARCH_PATH)
    hosted = dict(query)["imgid"]
    assert hosted.startswith("http")
    own = catalog.offers[0]
    assert page.items[0].num_iid == own.num_iid
    assert client.upload_image(photo).startswith("http")


def test_iter_search_uploads_once(client: PailitaoClient, seen: Seen, photo: bytes) -> None:
    items = list(client.iter_search(file=photo, page_size=50, max_pages=3))
    assert [path for _, path, _, _ in seen.requests] == [UPLOAD_PATH] + [SEARCH_PATH] * 3
    assert [dict(query)["page"] for _, _, query, _ in seen.requests[1:]] == ["1", "2", "3"]
    assert len(items) == len({item.num_iid for item in items}) == 107  # 50 + 50 + the last 7


def test_a_multipart_upload_sends_the_imgcode_part(gateway: FakeGateway, photo: bytes) -> None:
    bodies: list[bytes] = []
    inner = gateway.transport()

    def keep(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return inner.handle_request(request)

    with make(httpx.MockTransport(keep), image_encoding="multipart") as client:
        assert client.upload_image(photo).startswith("http")
    assert b'name="imgcode"' in bodies[0]
    assert photo in bodies[0]


def test_nothing_found_is_an_empty_page(client: PailitaoClient, catalog: Any) -> None:
    page = client.search_image(image_url=catalog.offers[0].pic_url, start_price=999999)
    assert (page.items, page.total_results) == ([], 0)


@pytest.mark.parametrize("options", [{"app_secret": "not_the_secret"}, {"app_key": "nobody_key"}])
def test_a_wrong_credential_is_an_app_key_error_4005_that_shows_neither(
    seen: Seen, catalog: Any, options: dict[str, str]
) -> None:
    with make(seen, **options) as client, pytest.raises(AppKeyError) as raised:
        client.search_image(image_url=catalog.offers[0].pic_url)
    error = raised.value
    assert error.code == 4005
    shown = str(error) + repr(error)
    sent = {"app_key": KEY, "app_secret": SECRET, **options}
    assert sent["app_key"] not in shown  # (the fake's reason names its demo key: not sent here)
    assert sent["app_secret"] not in shown


def test_a_missing_image_url_is_an_invalid_arguments_error(client: PailitaoClient) -> None:
    with pytest.raises(InvalidArgumentsError) as raised:
        client.search_image(imgid="https://nowhere.example/unknown.jpg")
    assert raised.value.code in (4003, 4014)


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
    assert raised.value.code == 4008
    assert raised.value.retry_after == 1.0
    assert waits == [1.0]


def test_a_platform_fault_is_a_retried_server_error(
    gateway: FakeGateway, seen: Seen, catalog: Any
) -> None:
    gateway.faults.next(1, "platform_error", code=15, method="reseller:item_search_img")
    waits: list[float] = []
    with make(seen, retry=RetryPolicy(max_attempts=2), sleep=waits.append) as client:
        assert client.search_image(image_url=catalog.offers[0].pic_url).items
    assert len(waits) == 1
    gateway.faults.next(1, "platform_error", code=15, method="reseller:item_search_img")
    with make(seen) as client, pytest.raises(ServerError) as raised:
        client.search_image(image_url=catalog.offers[0].pic_url)
    assert raised.value.code == 4000


def test_network_errors_show_neither_key_nor_secret() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"connection to {request.url} refused")

    secret = "s3cr+t/&=x"
    with make(httpx.MockTransport(refuse), app_secret=secret) as client:
        with pytest.raises(NetworkError) as raised:
            client.search_image(image_url="https://img.example/a.jpg")
    shown = str(raised.value)
    assert shown.startswith("GET http://fake1688.test/1688/item_search_img/?key=***&secret=***&")
    for value in (KEY, secret, "s3cr"):
        assert value not in shown


@pytest.mark.asyncio
async def test_the_async_client_speaks_it_too(gateway: FakeGateway, photo: bytes) -> None:
    async with AsyncPailitaoClient(
        app_key=KEY, app_secret=SECRET, dialect="reseller", base_url=BASE,
        clock=lambda: NOW, transport=gateway.async_transport(),
    ) as client:  # fmt: skip
        page = await client.search_image(file=photo, page_size=3)
        items = [item async for item in client.iter_search(file=photo, max_items=25)]
    assert len(page.items) == 3
    assert len(items) == 25
    assert gateway.journal.calls("reseller:upload_img")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"access_token": "t"}, "access_token is sent to the Open Platform only"),
        ({"dialect": "soap"}, "dialect must be one of top, aop, reseller, not 'soap'"),
    ],
)
def test_bad_dialect_settings_are_usage_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        make(httpx.MockTransport(lambda request: httpx.Response(500)), **options)


def test_country_is_the_reseller_s_lang(client: PailitaoClient, catalog: Any) -> None:
    with pytest.raises(UsageError, match="country must be one of cn, en, ru"):
        client.search_image(imgid="https://img.example/a.jpg", country="de")
    assert client.search_image(image_url=catalog.offers[0].pic_url, country="en").items


def test_defaults_and_repr_hide_the_secret() -> None:
    client = PailitaoClient(app_key=KEY, app_secret=SECRET, dialect="reseller")
    assert client.base_url == default_base_url("reseller") == "https://api-gw.onebound.cn"
    assert in_process_url("reseller") == BASE
    assert repr(client) == (
        "PailitaoClient(app_key='tes***', base_url='https://api-gw.onebound.cn', "
        "dialect='reseller')"
    )
    assert SECRET not in repr(client)
