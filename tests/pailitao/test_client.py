"""The clients over httpx.MockTransport: exact request shape, error mapping,
retries and their bounds, pagination, and secret hygiene."""

import base64
import logging
from decimal import Decimal

import httpx
import pytest

from pailitao import (
    ApiError,
    AppKeyError,
    HTTPStatusError,
    InvalidArgumentsError,
    NetworkError,
    PailitaoClient,
    RateLimitError,
    ResponseParseError,
    RetryPolicy,
    ServerError,
    SignatureError,
    Sort,
    TimestampError,
    UsageError,
)


def test_search_sends_the_seed_shape_and_a_valid_sign(gateway, make_client, jpeg) -> None:
    gateway.script = [gateway.search_body(["1", "2"])]
    page = make_client().search_image(file=jpeg)
    (fields, files), request = gateway.seen[0], gateway.requests[0]
    assert request.method == "POST"
    assert str(request.url) == gateway.base_url
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert files == {}
    assert fields == {
        "method": "1688.items.search.img",
        "app_key": "test_app_key",
        "timestamp": "2026-11-28 10:00:01",
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
        "page": "1",
        "page_size": "20",
        "image": base64.b64encode(jpeg).decode(),
        "sign": gateway.reference_md5(fields, gateway.secret),
    }
    assert [item.num_iid for item in page.items] == ["1", "2"]


def test_multipart_upload_leaves_the_file_part_unsigned(gateway, make_client, jpeg) -> None:
    gateway.script = [gateway.search_body(["1"])]
    make_client(image_encoding="multipart").search_image(file=jpeg, cat=10166)
    fields, files = gateway.seen[0]
    assert files == {"image": jpeg}
    assert "image" not in fields
    assert fields["cat"] == "10166"
    assert fields["sign"] == gateway.reference_md5(fields, gateway.secret)


def test_optional_params_and_millisecond_timestamps(gateway, make_client) -> None:
    gateway.script = [gateway.search_body([])]
    client = make_client(timestamp_format="millis", sign_method="hmac-sha256")
    client.search_image(
        imgid="https://cbu01.alicdn.com/img/ibank/x.jpg", sort="_sale", page=2, page_size=50,
        start_price=Decimal("1.50"), end_price=20,
    )  # fmt: skip
    fields, _ = gateway.seen[0]
    assert fields["timestamp"] == "1795831201000"
    assert fields["sign_method"] == "hmac-sha256"
    assert (fields["sort"], fields["page"], fields["page_size"]) == ("sales_desc", "2", "50")
    assert (fields["start_price"], fields["end_price"]) == ("1.50", "20")
    assert fields["imgid"] == "https://cbu01.alicdn.com/img/ibank/x.jpg"
    assert "image" not in fields
    assert "imageUrl" not in fields


def test_sort_enum_values_and_aliases() -> None:
    assert [s.value for s in Sort] == [
        "relevance", "price_asc", "price_desc", "sales_desc", "sales_asc",
    ]  # fmt: skip
    assert (Sort("bid2"), Sort("_bid2"), Sort("sale"), Sort("_sale")) == (
        Sort.PRICE_ASC, Sort.PRICE_DESC, Sort.SALES_ASC, Sort.SALES_DESC,
    )  # fmt: skip


def test_upload_returns_the_imgid(gateway, make_client, jpeg) -> None:
    name = "https://cbu01.alicdn.com/img/ibank/O1CN01x.jpg"
    gateway.script = [{"upload_img_response": {"items": {"item": {"name": name, "status": 1}}}}]
    assert make_client().upload_image(jpeg) == name
    assert gateway.seen[0][0]["method"] == "1688.upload.img"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({}, "pass exactly one image source: file=, image_url= or imgid= (got none)"),
        ({"imgid": "a", "image_url": "b"}, "(got image_url, imgid)"),
        ({"imgid": "a", "page": 0}, "page must be an integer >= 1, not 0"),
        ({"imgid": "a", "page_size": 51}, "page_size must be an integer from 1 to 50"),
        ({"imgid": "a", "sort": "cheapest"}, "sort must be one of relevance, price_asc"),
        ({"imgid": "a", "start_price": 5, "end_price": 1}, "start_price 5 is above end_price 1"),
        ({"imgid": "a", "start_price": "-1"}, "start_price must be a non-negative number"),
        ({"imgid": "a", "end_price": "abc"}, "end_price must be a number, not 'abc'"),
    ],
)
def test_bad_calls_raise_usage_error_before_sending(gateway, make_client, call, message) -> None:
    with pytest.raises(UsageError) as caught:
        make_client().search_image(**call)
    assert message in str(caught.value)
    assert gateway.calls == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"app_key": ""}, "app_key must be a non-empty string"),
        ({"app_secret": ""}, "app_secret must be a non-empty string"),
        ({"sign_method": "sha1"}, "sign_method must be one of md5, hmac, hmac-sha256"),
        ({"base_url": "api.1688.com"}, "base_url must be an http(s) URL"),
        ({"image_encoding": "raw"}, "image_encoding must be 'base64' or 'multipart'"),
    ],
)
def test_bad_configuration_raises_usage_error(options, message) -> None:
    settings = {"app_key": "k", "app_secret": "s", **options}
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        PailitaoClient(**settings)


@pytest.mark.parametrize(
    ("code", "sub_code", "family"),
    [
        (24, None, SignatureError),
        (25, None, SignatureError),
        (28, None, AppKeyError),
        (29, "isv.appkey-not-exists", AppKeyError),
        (30, None, TimestampError),
        (31, None, TimestampError),
        (40, "isv.missing-parameter", InvalidArgumentsError),
        (41, "isv.invalid-parameter", InvalidArgumentsError),
        (43, None, InvalidArgumentsError),
        (11, None, ApiError),
        (22, None, ApiError),
    ],
)
def test_each_code_maps_to_its_class_and_is_not_retried(
    gateway, make_client, code, sub_code, family
) -> None:
    gateway.script = [gateway.error_body(code, "msg", sub_code)]
    with pytest.raises(family) as caught:
        make_client().search_image(imgid="a")
    assert type(caught.value) is family
    assert (caught.value.code, caught.value.sub_code) == (code, sub_code)
    assert gateway.calls == 1


@pytest.mark.parametrize(
    ("answer", "family"),
    [
        (
            {
                "error_response": {
                    "code": 15,
                    "msg": "Remote service error",
                    "sub_code": "isp.remote-service-error",
                }
            },
            ServerError,
        ),
        ({"error_response": {"code": 10, "msg": "Service Currently Unavailable"}}, ServerError),
        ({"error_response": {"code": 50, "msg": "Remote service error"}}, ServerError),
        (
            {
                "error_response": {
                    "code": 99,
                    "msg": "x",
                    "sub_code": "isp.top-remote-connection-timeout",
                }
            },
            ServerError,
        ),
        ({"error_response": {"code": 7, "msg": "App Call Limited"}}, RateLimitError),
        (
            {"error_response": {"code": 8, "msg": "App Call Exceeds Limited Frequency"}},
            RateLimitError,
        ),
        (httpx.Response(502, text="bad gateway"), HTTPStatusError),
        (httpx.Response(429, text="slow down"), HTTPStatusError),
        (httpx.Response(200, content=b'{"items_search_img_response": {"ite'), ResponseParseError),
        (httpx.ConnectError("refused"), NetworkError),
        (httpx.ReadTimeout("slow"), NetworkError),
    ],
)
def test_transient_failures_are_retried_then_succeed(
    gateway, make_client, sleeps, answer, family
) -> None:
    gateway.script = [answer, answer, gateway.search_body(["1"])]
    page = make_client().search_image(imgid="a")
    assert [item.num_iid for item in page.items] == ["1"]
    assert gateway.calls == 3
    assert sleeps == [0.1, 0.2]
    # every attempt is signed afresh, with a new timestamp
    assert len({fields["timestamp"] for fields, _ in gateway.seen}) == 3
    assert len({fields["sign"] for fields, _ in gateway.seen}) == 3


def test_gives_up_after_max_attempts_with_the_last_error(gateway, make_client, sleeps) -> None:
    gateway.responder = lambda _: gateway.error_body(
        15, "Remote service error", "isp.remote-service-error"
    )
    with pytest.raises(ServerError) as caught:
        make_client(retry=RetryPolicy(max_attempts=3, backoff=1, jitter=0)).search_image(imgid="a")
    assert gateway.calls == 3
    assert sleeps == [1, 2]
    assert caught.value.__notes__ == ["pailitao: gave up after 3 attempts"]


def test_http_4xx_is_not_retried(gateway, make_client) -> None:
    gateway.script = [httpx.Response(403, text="forbidden")]
    with pytest.raises(HTTPStatusError, match="HTTP 403 from the gateway: forbidden"):
        make_client().search_image(imgid="a")
    assert gateway.calls == 1


def test_backoff_is_exponential_and_capped(gateway, make_client, sleeps) -> None:
    gateway.responder = lambda _: httpx.Response(503)
    policy = RetryPolicy(max_attempts=6, backoff=1, max_backoff=5, jitter=0, max_total=100)
    with pytest.raises(HTTPStatusError):
        make_client(retry=policy).search_image(imgid="a")
    assert sleeps == [1, 2, 4, 5, 5]


def test_rate_limit_waits_as_long_as_the_ban(gateway, make_client, sleeps) -> None:
    ban = gateway.error_body(7, "App Call Limited", "accesscontrol.limited-by-api-access-count",
                             "This ban will last for 3 more seconds")  # fmt: skip
    gateway.script = [ban, gateway.search_body(["1"])]
    make_client().search_image(imgid="a")
    assert sleeps == [3.0]


def test_a_ban_longer_than_the_budget_is_not_slept_through(gateway, make_client, sleeps) -> None:
    ban = gateway.error_body(7, "App Call Limited", "accesscontrol.limited-by-app-access-count",
                             "This ban will last for 7200 more seconds")  # fmt: skip
    gateway.script = [ban]
    with pytest.raises(RateLimitError) as caught:
        make_client().search_image(imgid="a")
    assert caught.value.retry_after == 7200
    assert sleeps == []
    assert "the next wait would pass the retry budget of 30s" in caught.value.__notes__[0]


def test_disabled_retries_send_once(gateway, make_client) -> None:
    gateway.script = [httpx.Response(500)]
    with pytest.raises(HTTPStatusError):
        make_client(retry=RetryPolicy.disabled()).search_image(imgid="a")
    assert gateway.calls == 1


def test_retry_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="must be >= 0"):
        RetryPolicy(backoff=-1)


def paged(gateway, per_page: dict[int, list[str]], pagecount: int | None = None):
    total = sum(len(v) for v in per_page.values())

    def respond(fields: dict[str, str]):
        page = int(fields["page"])
        return gateway.search_body(per_page.get(page, []), page, pagecount or len(per_page), total)

    return respond


def test_iter_search_walks_every_page_once(gateway, make_client) -> None:
    gateway.responder = paged(gateway, {1: ["1", "2"], 2: ["3", "4"], 3: ["5"]})
    items = list(make_client().iter_search(imgid="a"))
    assert [item.num_iid for item in items] == ["1", "2", "3", "4", "5"]
    assert [fields["page"] for fields, _ in gateway.seen] == ["1", "2", "3"]


def test_iter_search_drops_items_that_shifted_to_the_next_page(gateway, make_client) -> None:
    gateway.responder = paged(gateway, {1: ["1", "2"], 2: ["2", "3"], 3: ["3", "4"]})
    assert [i.num_iid for i in make_client().iter_search(imgid="a")] == ["1", "2", "3", "4"]


def test_iter_search_bounds(gateway, make_client) -> None:
    gateway.responder = paged(gateway, {p: [f"{p}{i}" for i in range(3)] for p in range(1, 11)})
    assert len(list(make_client().iter_search(imgid="a", max_pages=2))) == 6
    assert gateway.calls == 2
    assert len(list(make_client().iter_search(imgid="a", max_items=4))) == 4
    assert gateway.calls == 4
    with pytest.raises(UsageError, match="max_items must be at least 1, not 0"):
        list(make_client().iter_search(imgid="a", max_items=0))


def test_iter_search_stops_on_an_empty_page_even_if_more_are_announced(
    gateway, make_client
) -> None:
    gateway.responder = paged(gateway, {1: ["1"]}, pagecount=99)
    assert [i.num_iid for i in make_client().iter_search(imgid="a")] == ["1"]
    assert gateway.calls == 2


def test_iter_search_survives_a_retried_page(gateway, make_client) -> None:
    respond = paged(gateway, {1: ["1", "2"], 2: ["3", "4"], 3: ["5"]})
    failures = {"2": 2}

    def flaky(fields: dict[str, str]):
        if failures.get(fields["page"], 0):
            failures[fields["page"]] -= 1
            return httpx.Response(502)
        return respond(fields)

    gateway.responder = flaky
    items = [item.num_iid for item in make_client().iter_search(imgid="a")]
    assert items == ["1", "2", "3", "4", "5"]
    assert gateway.calls == 5


def test_the_image_is_read_and_checked_once_for_all_pages(
    gateway, make_client, tmp_path, jpeg
) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg)
    gateway.responder = paged(gateway, {1: ["1"], 2: ["2"]})
    assert len(list(make_client().iter_search(file=path))) == 2
    assert {fields["image"] for fields, _ in gateway.seen} == {base64.b64encode(jpeg).decode()}


# -- secrets -------------------------------------------------------------------


def test_repr_hides_secret_and_most_of_the_key(make_client) -> None:
    client = make_client()
    assert repr(client) == (
        "PailitaoClient(app_key='tes***', base_url='https://gw.example.test/openapi/router/rest', "
        "sign_method='md5')"
    )
    assert "test_app_secret" not in repr(vars(client))


def test_echoed_secret_and_sign_are_scrubbed_from_errors_and_logs(
    gateway, make_client, caplog
) -> None:
    def echo(fields: dict[str, str]):
        text = f"secret was {gateway.secret}, sign was {fields['sign'].lower()}"
        return gateway.error_body(15, text, "isp.remote-service-error", text)

    gateway.responder = echo
    with caplog.at_level(logging.WARNING, logger="pailitao"), pytest.raises(ServerError) as caught:
        make_client().search_image(imgid="a")
    signs = [fields["sign"] for fields, _ in gateway.seen]
    shown = str(caught.value) + repr(caught.value) + caplog.text
    assert "attempt 1 failed (ServerError: 15 secret was ***, sign was ***" in caplog.text
    assert gateway.secret not in shown
    assert not any(sign.lower() in shown.lower() for sign in signs)


def test_network_errors_name_the_request_without_secrets(gateway, make_client) -> None:
    gateway.responder = lambda _: httpx.ConnectError("connection refused")
    with pytest.raises(NetworkError) as caught:
        make_client(retry=RetryPolicy.disabled()).search_image(imgid="a")
    assert str(caught.value) == (
        "POST https://gw.example.test/openapi/router/rest failed: ConnectError: connection refused"
    )


# -- async twin ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_search_retry_and_iteration(gateway, make_async_client, sleeps, jpeg) -> None:
    respond = paged(gateway, {1: ["1", "2"], 2: ["3"]})
    failures = [httpx.Response(503)]
    gateway.responder = lambda fields: failures.pop() if failures else respond(fields)
    async with make_async_client(image_encoding="multipart") as client:
        first = await client.search_image(file=jpeg)
        items = [item.num_iid async for item in client.iter_search(file=jpeg)]
    assert [item.num_iid for item in first.items] == ["1", "2"]
    assert items == ["1", "2", "3"]
    assert sleeps == [0.1]
    assert all(files == {"image": jpeg} for _, files in gateway.seen)


@pytest.mark.asyncio
async def test_async_errors_and_upload(gateway, make_async_client, jpeg) -> None:
    gateway.script = [
        gateway.error_body(25, "Invalid signature"),
        {"upload_img_response": {"items": {"item": {"name": "img-1", "status": 1}}}},
    ]
    async with make_async_client() as client:
        with pytest.raises(SignatureError, match="compare your canonical string"):
            await client.search_image(imgid="a")
        assert await client.upload_image(jpeg) == "img-1"
    assert gateway.calls == 2


def test_foreign_exceptions_from_the_transport_keep_their_type_but_lose_the_sign(
    gateway, make_client
) -> None:
    class CassetteMiss(Exception):
        pass

    def describe(fields: dict[str, str]):
        raise CassetteMiss(f"no match for body sign={fields['sign']}&app_secret={gateway.secret}")

    gateway.responder = describe
    with pytest.raises(CassetteMiss) as caught:
        make_client().search_image(imgid="a")
    assert str(caught.value) == "no match for body sign=***&app_secret=***"
