"""The clients over httpx.MockTransport: exact request shape, error mapping,
retries and their bounds, pagination, and secret hygiene."""

import base64
import logging
import re
from decimal import Decimal

import httpx
import pytest
from fake1688.engine import args as fake_args
from hypothesis import given
from hypothesis import strategies as st

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
from pailitao.client._requests import search_params

BASE = "https://gw.example.test/openapi/router/rest"


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
    with pytest.raises(ValueError, match="max_attempts must be an integer >= 1, not 0"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="backoff must be a finite number >= 0, not -1"):
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
    with pytest.raises(UsageError, match="max_items must be an integer >= 1, not 0"):
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


# -- secrets in every kind of error ------------------------------------------------


def _echoing(gateway, template: str, status: int = 200):
    """An answer that quotes the secret ({S}) and the request's sign ({SIGN}) in its body."""

    def respond(fields: dict[str, str]) -> httpx.Response:
        body = template.replace("{S}", gateway.secret).replace("{SIGN}", fields["sign"])
        return httpx.Response(status, content=body.encode())

    return respond


@pytest.mark.parametrize(
    ("template", "status", "family", "message"),
    [
        (
            '{"error_response": {"code": 41, "msg": "m", "request_id": "{S}/{SIGN}"}}',
            200,
            InvalidArgumentsError,
            "41 m request_id=***/***",
        ),
        (
            '{"error_response": {"code": "{S} {SIGN}"}}',
            200,
            ResponseParseError,
            "error_response.code = '*** ***': expected an integer platform code",
        ),
        (
            '{"items_search_img_response": {"items": "echo {S}"}}',
            200,
            ResponseParseError,
            "items = 'echo ***': expected an object",
        ),
        (
            '{"{S}": 1, "{SIGN}": 2}',
            200,
            ResponseParseError,
            "answer: expected '1688_items_search_img_response' or 'items'; got keys: ***",
        ),
        (
            "x" * 195 + "{S}",
            503,
            HTTPStatusError,
            "HTTP 503 from the gateway: " + "x" * 195 + "***",
        ),
        (
            "<" + "x" * 54 + "{S}",
            200,
            ResponseParseError,
            "the answer is not JSON (70 bytes: '<" + "x" * 54 + "***')",
        ),
    ],
)
def test_the_secret_and_sign_are_scrubbed_before_any_cut(  # noqa: PLR0917 - parametrized
    gateway, make_client, caplog, template, status, family, message
) -> None:
    gateway.responder = _echoing(gateway, template, status)
    retry = RetryPolicy(max_attempts=2, backoff=0, jitter=0)
    with caplog.at_level(logging.WARNING, logger="pailitao"), pytest.raises(family) as caught:
        make_client(retry=retry).search_image(imgid="a")
    assert str(caught.value) == message
    signs = [fields["sign"] for fields, _ in gateway.seen]
    shown, error = caplog.text, caught.value
    while error is not None:  # nor in an exception it was raised during
        shown += str(error) + repr(error) + repr(vars(error))
        error = error.__context__
    for secret in (gateway.secret, *signs):
        assert secret[:5].lower() not in shown.lower()


def test_an_echoed_prefix_cut_inside_a_field_is_scrubbed_first(gateway, make_client) -> None:
    # the parse error quotes 80 characters of the value: the secret straddles the cut
    value = "x" * 70 + "{S}"
    gateway.responder = _echoing(
        gateway, '{"items_search_img_response": {"items": "' + value + '"}}'
    )
    with pytest.raises(ResponseParseError) as caught:
        make_client(retry=RetryPolicy.disabled()).search_image(imgid="a")
    assert str(caught.value) == f"items = '{'x' * 70}***': expected an object"


def test_a_one_character_secret_is_scrubbed_and_the_error_keeps_its_class(gateway) -> None:
    answer = {"error_response": {"code": 7, "msg": "App Call Limited", "request_id": "r-e"}}
    client = PailitaoClient(
        app_key="k", app_secret="e", base_url=BASE, retry=RetryPolicy.disabled(),
        transport=httpx.MockTransport(lambda _: httpx.Response(200, json=answer)),
    )  # fmt: skip
    with pytest.raises(RateLimitError) as caught:
        client.search_image(imgid="a")
    assert str(caught.value) == "7 App Call Limit***d request_id=r-***"


# -- malformed answers -------------------------------------------------------------


def test_json_nested_too_deeply_is_a_parse_error(gateway, make_client) -> None:
    gateway.script = [httpx.Response(200, content=b"[" * 100_000)]
    with pytest.raises(ResponseParseError) as caught:
        make_client(retry=RetryPolicy.disabled()).search_image(imgid="a")
    assert str(caught.value) == "the answer is JSON nested too deeply to read (100,000 bytes)"
    assert not caught.value.retryable


def test_a_deep_but_loadable_answer_is_a_parse_error_or_a_page(gateway, make_client) -> None:
    deep = "[" * 900 + "]" * 900
    body = (
        '{"items_search_img_response": {"items": {"page": 1, "page_size": 1, '
        '"total_results": 1, "item": [{"num_iid": "1", "title": ' + deep + "}]}}}"
    )
    gateway.script = [httpx.Response(200, content=body.encode())]
    with pytest.raises(ResponseParseError):
        make_client(retry=RetryPolicy.disabled()).search_image(imgid="a")


def test_a_body_that_does_not_match_its_content_encoding_is_a_parse_error(
    gateway, make_client
) -> None:
    gateway.responder = lambda _: httpx.Response(
        200, stream=httpx.ByteStream(b"junk"), headers={"content-encoding": "gzip"}
    )  # as from the wire: decoded when the client reads it
    with pytest.raises(ResponseParseError) as caught:
        make_client(retry=RetryPolicy(max_attempts=2, backoff=0, jitter=0)).search_image(imgid="a")
    assert str(caught.value) == (
        "the answer cannot be decoded as its Content-Encoding says "
        "(DecodingError: Error -3 while decompressing data: incorrect header check); "
        "the gateway or a proxy sent a damaged or mislabelled body"
    )
    assert caught.value.retryable
    assert gateway.calls == 2


# -- pagination that does not advance ----------------------------------------------


def test_iter_search_refuses_an_answer_for_another_page(gateway, make_client) -> None:
    # a server that ignores `page`: page 1 again and again, with a huge total
    gateway.responder = lambda _: gateway.search_body(["1"], 1, 10**9, 10**9)
    items = make_client().iter_search(imgid="a", max_items=5)
    assert next(items).num_iid == "1"
    with pytest.raises(ResponseParseError) as caught:
        next(items)
    assert str(caught.value) == (
        "items.page = 1: asked for page 2; the gateway ignored the page parameter"
    )
    assert gateway.calls == 2


def test_iter_search_stops_after_a_page_with_nothing_new(gateway, make_client) -> None:
    gateway.responder = paged(gateway, {1: ["1", "2"], 2: ["2", "1"], 3: ["3"]})
    assert [i.num_iid for i in make_client().iter_search(imgid="a")] == ["1", "2"]
    assert gateway.calls == 2


@pytest.mark.asyncio
async def test_async_iter_search_refuses_an_answer_for_another_page(
    gateway, make_async_client
) -> None:
    gateway.responder = lambda _: gateway.search_body(["1"], 1, 10**9, 10**9)
    async with make_async_client() as client:
        with pytest.raises(ResponseParseError, match="asked for page 2"):
            _ = [item async for item in client.iter_search(imgid="a", max_items=5)]
    assert gateway.calls == 2


# -- argument types and values -----------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"imgid": b"abc"}, "imgid must be a string (the name upload_image returned), not bytes"),
        ({"imgid": ["a"]}, "imgid must be a string (the name upload_image returned), not list"),
        ({"image_url": {"a": 1}}, "image_url must be a string (an http(s) URL), not dict"),
        ({"imgid": "a", "cat": b"1"}, "cat must be a string or an integer, not bytes"),
        ({"imgid": "a", "cat": True}, "cat must be a string or an integer, not bool"),
        ({"imgid": "a", "sort": 3}, "sort must be a Sort or a string, not int"),
        ({"imgid": "a", "start_price": [1]}, "start_price must be a number or a string, not list"),
        ({"imgid": "a", "end_price": b"5"}, "end_price must be a number or a string, not bytes"),
    ],
)
def test_arguments_of_the_wrong_type_raise_type_error_before_sending(
    gateway, make_client, call, message
) -> None:
    with pytest.raises(TypeError) as caught:
        make_client().search_image(**call)
    assert str(caught.value) == message
    assert gateway.calls == 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"imgid": "a", "cat": "\ud800"}, "cat must be text that UTF-8 can encode, not '\\ud800'"),
        ({"imgid": "a", "cat": 2**64}, "cat must be a category id that fits in 64 bits"),
        (
            {"image_url": "http://x.test/\udcff"},
            "image_url must be text that UTF-8 can encode, not 'http://x.test/\\udcff'",
        ),
        (
            {"imgid": "a", "start_price": 10**5000},
            "start_price must be below 1,000,000,000, not a number too long to show",
        ),
        (
            {"imgid": "a", "end_price": 10**9},
            "end_price must be below 1,000,000,000, not 1000000000",
        ),
        (
            {"imgid": "a", "start_price": 0.1 + 0.2},
            "start_price must have at most 2 decimal places, not 0.30000000000000004",
        ),
        (
            {"imgid": "a", "start_price": "1.005"},
            "start_price must have at most 2 decimal places, not '1.005'",
        ),
    ],
)
def test_bad_argument_values_raise_usage_error_before_sending(
    gateway, make_client, call, message
) -> None:
    with pytest.raises(UsageError) as caught:
        make_client().search_image(**call)
    assert str(caught.value) == message
    assert gateway.calls == 0


@pytest.mark.parametrize(
    ("price", "sent"),
    [
        ("1e2", "100"),
        ("-0", "0"),
        ("-0.00", "0.00"),
        (Decimal("12.500"), "12.50"),
        ("7.10", "7.10"),
        (0.5, "0.5"),
        (20, "20"),
        ("999999999.99", "999999999.99"),
        (" 3 ", "3"),
    ],
)
def test_prices_are_sent_as_plain_decimals(gateway, make_client, price, sent) -> None:
    gateway.script = [gateway.search_body([])]
    make_client().search_image(imgid="a", start_price=price)
    assert gateway.seen[0][0]["start_price"] == sent


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"base_url": "http://[::1/r"}, "base_url must be an http(s) URL, not 'http://[::1/r'"),
        ({"base_url": b"http://x.test/"}, "base_url must be an http(s) URL, not b'http://x.test/'"),
        ({"max_image_bytes": "5"}, "max_image_bytes must be a whole number of bytes >= 1, not '5'"),
        ({"max_image_bytes": True}, "max_image_bytes must be a whole number of bytes >= 1"),
        ({"max_image_bytes": 0}, "max_image_bytes must be a whole number of bytes >= 1, not 0"),
        ({"app_secret": "\udcff"}, "app_secret must be text that UTF-8 can encode"),
        ({"app_key": "k\udcff"}, "app_key must be text that UTF-8 can encode, not 'k\\udcff'"),
    ],
)
def test_more_bad_configuration_raises_usage_error(options, message) -> None:
    settings = {"app_key": "k", "app_secret": "s", **options}
    with pytest.raises(UsageError) as caught:
        PailitaoClient(**settings)
    assert str(caught.value).startswith(message)
    assert "\udcff" not in str(caught.value) or "app_secret" not in options


@pytest.mark.parametrize("bound", ["max_pages", "max_items"])
@pytest.mark.parametrize("value", [True, 1.5, "2"])
def test_page_and_item_bounds_must_be_integers(gateway, make_client, bound, value) -> None:
    with pytest.raises(UsageError) as caught:
        list(make_client().iter_search(imgid="a", **{bound: value}))
    assert str(caught.value) == f"{bound} must be an integer >= 1, not {value!r}"
    assert gateway.calls == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("backoff", float("nan"), "backoff must be a finite number >= 0, not nan"),
        ("max_backoff", float("inf"), "max_backoff must be a finite number >= 0, not inf"),
        ("jitter", float("-inf"), "jitter must be a finite number >= 0, not -inf"),
        ("max_total", float("nan"), "max_total must be a finite number >= 0, not nan"),
        ("backoff", "1", "backoff must be a finite number >= 0, not '1'"),
        ("jitter", True, "jitter must be a finite number >= 0, not True"),
        ("max_attempts", True, "max_attempts must be an integer >= 1, not True"),
        ("max_attempts", 2.0, "max_attempts must be an integer >= 1, not 2.0"),
    ],
)
def test_retry_policy_rejects_non_finite_and_wrongly_typed_timings(field, value, message) -> None:
    with pytest.raises((ValueError, TypeError)) as caught:
        RetryPolicy(**{field: value})
    assert str(caught.value) == message


_FAKE_PRICE = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,2})?")
prices = st.one_of(
    st.decimals(),
    st.integers(),
    st.floats(),
    st.from_regex(r"\s?-?[0-9]{0,11}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,2})?\s?", fullmatch=True),
    st.text(max_size=12),
)


@given(low=prices, high=prices | st.none())
def test_every_price_the_client_accepts_is_one_the_fake_accepts(low, high) -> None:
    client = PailitaoClient(app_key="k", app_secret="s")
    try:
        params = search_params(
            client._settings, image=None, image_url=None, imgid="a", cat=None, sort=None, page=1, page_size=20,
            start_price=low, end_price=high,
        )  # fmt: skip
    except UsageError:
        return
    for name, price in (("start_price", low), ("end_price", high)):
        if price is None:
            continue
        sent = params[name]
        assert _FAKE_PRICE.fullmatch(sent), sent
        assert Decimal(sent) == Decimal(str(price).strip())
    fake_args.search_query(params)  # the fake's own check: raises InvalidArguments if not
