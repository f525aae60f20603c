"""Reading the gateway's answers: the exact errors, and no credential in any of them.

These tests call the reader (``pailitao.client._answers``) directly, with a
client's settings and hand-made answers, to pin its rules to exact texts.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from pailitao import PailitaoClient
from pailitao._checks import excerpt
from pailitao.client._answers import network_error, read_answer, scrub_escaping
from pailitao.client._settings import ClientSettings
from pailitao.errors import (
    ApiError,
    HTTPStatusError,
    NetworkError,
    RateLimitError,
    ResponseParseError,
    ServerError,
)
from pailitao.wire import Dialect

SECRET = "SECRET-0123456789"
TOKEN = "TOKEN-abcdef"
SIGN = "0A1B2C3D"


def settings_for(
    dialect: Dialect = "top", *, app_key: str = "12345678", app_secret: str = SECRET
) -> ClientSettings:
    """The settings a client of ``dialect`` is built with (the access token only for AOP)."""
    token = TOKEN if dialect == "aop" else None
    with PailitaoClient(
        app_key=app_key, app_secret=app_secret, dialect=dialect, access_token=token
    ) as client:
        return client._settings


def answer(status: int, body: bytes | str, **headers: str) -> httpx.Response:
    """An HTTP answer with ``body``."""
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers=headers)


def never_called(data: object) -> object:
    """A parser for answers that must be refused before they are parsed."""
    raise AssertionError(f"parsed {data!r}")


def read(
    settings: ClientSettings,
    response: httpx.Response,
    parse: Callable[[object], object] = never_called,
) -> object:
    """The answer read as the client reads it, our sign being :data:`SIGN`."""
    return read_answer(settings, response, parse, SIGN)


# --- refusals (a status other than 200) -------------------------------------


def test_a_refusal_quotes_the_first_200_characters_of_its_body_scrubbed() -> None:
    """The body is scrubbed first, then cut to 200 characters."""
    with pytest.raises(HTTPStatusError) as caught:
        read(settings_for(), answer(503, SECRET + "z" * 300))
    assert caught.value.status_code == 503
    assert caught.value.body_excerpt == "***" + "z" * 197
    assert str(caught.value) == "HTTP 503 from the gateway: ***" + "z" * 197
    assert caught.value.retryable is True


@pytest.mark.parametrize(
    "body",
    [
        "<html>502 Bad Gateway</html>",  # no JSON at all
        '{"error_code": true, "error_message": "bad gateway"}',  # an unusable error code
        '{"error_code": "gw.X", "error_message": "m", "items": []}',  # names no AOP error
    ],
)
def test_an_open_platform_refusal_naming_no_usable_error_is_reported_by_its_status(
    body: str,
) -> None:
    """Only a body that names the gateway's error turns a refusal into an ApiError."""
    with pytest.raises(HTTPStatusError) as caught:
        read(settings_for("aop"), answer(502, body))
    assert caught.value.status_code == 502
    assert caught.value.body_excerpt == body


def test_an_open_platform_refusal_is_scrubbed_before_its_message_is_cut() -> None:
    """A secret straddling the 200-character cut of a message leaves no prefix behind.

    The error is read again from the scrubbed body, so the cut falls on ``***``;
    the exception and the request id are scrubbed alike, the code is kept.
    """
    message = ["x" * 190 + SECRET + "y" * 40, f"tail {SECRET}"]
    body = {
        "error_code": "gw.Custom",
        "error_message": message,
        "exception": f"refused {SECRET}",
        "request_id": f"r-{SECRET}",
    }
    with pytest.raises(ApiError) as caught:
        read(settings_for("aop"), answer(401, json.dumps(body)))
    error = caught.value
    assert type(error) is ApiError
    assert error.code == "gw.Custom"
    assert error.msg == excerpt(["x" * 190 + "***" + "y" * 40, "tail ***"], 200)
    assert error.sub_msg == "refused ***"
    assert error.request_id == "r-***"
    assert "SECRET" not in str(error)


def test_an_open_platform_refusal_scrubs_the_access_token_and_the_sign() -> None:
    """The access token and our sign (in any case) are credentials too."""
    body = f"token {TOKEN} and sign {SIGN.lower()} refused"
    with pytest.raises(HTTPStatusError) as caught:
        read(settings_for("aop"), answer(400, body))
    assert caught.value.body_excerpt == "token *** and sign *** refused"


# --- answers that are unreadable ---------------------------------------------


def test_an_unreadable_answer_quotes_60_characters_with_bad_bytes_replaced() -> None:
    """The excerpt decodes what is no UTF-8 as U+FFFD, and the answer is retried."""
    body = b"\xff" + b"a" * 100
    with pytest.raises(ResponseParseError) as caught:
        read(settings_for(), answer(200, body))
    excerpt_ = "\ufffd" + "a" * 59
    assert str(caught.value) == f"the answer is not JSON (101 bytes: {excerpt_!r})"
    assert caught.value.retryable is True


def test_an_answer_nested_too_deeply_for_its_parser_names_its_size() -> None:
    """A parser's RecursionError is reported with the body's size, not retried."""

    def too_deep(data: object) -> object:
        raise RecursionError

    body = json.dumps({"a": "b" * 1225})
    with pytest.raises(ResponseParseError) as caught:
        read(settings_for(), answer(200, body), too_deep)
    assert str(caught.value) == "the answer is JSON nested too deeply to read (1,234 bytes)"
    assert caught.value.retryable is False


# --- errors raised from an answer: read again, scrubbed ----------------------


def test_a_parse_error_the_scrubbed_answer_does_not_repeat_is_scrubbed_and_keeps_retryable() -> (
    None
):
    """When the scrubbed answer reads fine, the error's own text is scrubbed."""

    def strict(data: object) -> object:
        assert isinstance(data, dict)
        if data["v"] != "***":
            raise ResponseParseError(f"v = {data['v']!r}: expected ***", retryable=True)
        return data

    with pytest.raises(ResponseParseError) as caught:
        read(settings_for(), answer(200, json.dumps({"v": SECRET})), strict)
    assert str(caught.value) == "v = '***': expected ***"
    assert caught.value.retryable is True


def test_an_api_error_the_scrubbed_answer_does_not_repeat_has_each_field_scrubbed() -> None:
    """msg, sub_code, sub_msg and request_id are scrubbed one by one; the code stays."""

    def strict(data: object) -> object:
        assert isinstance(data, dict)
        if data["v"] != "***":
            raise ApiError("500", f"m {SECRET}", f"isp.{SECRET}", f"s {SECRET}", f"r {SECRET}")
        return data

    with pytest.raises(ApiError) as caught:
        read(settings_for(), answer(200, json.dumps({"v": SECRET})), strict)
    error = caught.value
    assert type(error) is ServerError
    assert (error.code, error.msg, error.sub_code, error.sub_msg, error.request_id) == (
        "500",
        "m ***",
        "isp.***",
        "s ***",
        "r ***",
    )


def test_an_error_of_another_type_from_the_scrubbed_answer_is_not_taken() -> None:
    """Scrubbing that turns the error into another (same code) keeps the original's type."""

    def by_secret(data: object) -> object:
        assert isinstance(data, dict)
        if data["v"] == SECRET:
            raise ApiError("biz.Custom", f"m {SECRET}")
        raise RateLimitError("biz.Custom", "another reading")

    with pytest.raises(ApiError) as caught:
        read(settings_for(), answer(200, json.dumps({"v": SECRET})), by_secret)
    assert type(caught.value) is ApiError
    assert caught.value.msg == "m ***"


# --- transport failures --------------------------------------------------------


def test_scrubbing_an_escaping_exception_changes_only_its_text_arguments() -> None:
    """Arguments that are not text are kept as they are."""
    error = RuntimeError(f"sent {SECRET} signed {SIGN}", 42, None)
    scrub_escaping(settings_for(), error, SIGN)
    assert error.args == ("sent *** signed ***", 42, None)


@pytest.mark.parametrize(
    ("failure", "kind"),
    [
        (httpx.ConnectTimeout("proxy XXXX is slow"), "timed out: ConnectTimeout"),
        (httpx.ConnectError("proxy XXXX is down"), "failed: ConnectError"),
    ],
)
def test_a_network_error_names_the_request_and_the_failure(
    failure: httpx.TransportError, kind: str
) -> None:
    """A timeout says so; the text is kept but for credentials (no sign is scrubbed here)."""
    request = httpx.Request("POST", "https://gw.example/router/rest")
    error = network_error(settings_for(), failure, request)
    assert type(error) is NetworkError
    assert str(error) == f"POST https://gw.example/router/rest {kind}: {failure}"


def test_a_network_error_scrubs_the_access_token_from_the_url() -> None:
    """The Open Platform's access token travels in the URL."""
    request = httpx.Request("GET", "https://gw.example/openapi/x", params={"access_token": TOKEN})
    error = network_error(settings_for("aop"), httpx.ReadError("reset"), request)
    assert (
        str(error) == "GET https://gw.example/openapi/x?access_token=*** failed: ReadError: reset"
    )


def test_a_network_error_scrubs_reseller_credentials_longest_spelling_first() -> None:
    """A key inside the secret's URL spelling does not leave the rest of the secret behind."""
    app_key, secret = "zz12345", "s3cr3t zz12345"
    request = httpx.Request(
        "GET",
        "https://api.example/1688/item_search_img/",
        params={"key": app_key, "secret": secret},
    )
    settings = settings_for("reseller", app_key=app_key, app_secret=secret)
    error = network_error(settings, httpx.ConnectError("down"), request)
    assert str(error) == (
        "GET https://api.example/1688/item_search_img/?key=***&secret=*** "
        "failed: ConnectError: down"
    )
