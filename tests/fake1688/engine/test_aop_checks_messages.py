"""The Open Platform gateway's checks, to the letter: each refusal's exact status and body.

Every answer goes through the ``client`` fixture, so it also conforms to the
OpenAPI document. Each ``exception`` quotes at most a fixed number of
characters of what was sent; the cases send longer values, so that the cut is
pinned too.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway

from pailitao.wire import aop

NOW_MS = 1_764_300_000_000  # the gateway fixture's clock, in ms
KEY, SECRET, TOKEN = "test_app_key", "test_app_secret", "test_access_token"
QUERY = json.dumps({"imageId": "1", "beginPage": 1, "pageSize": 20, "country": "en"})
_SERVED = (
    "the fake serves com.alibaba.fenxiao.crossborder:product.image.upload, "
    "com.alibaba.fenxiao.crossborder:product.search.imageQuery in version 1"
)
_NOT_AUTHORISED = (
    "the access_token is not one this app's users authorised (or it expired); the default fake "
    "accepts the demo app's token (pailitao.wire.DEMO_ACCESS_TOKEN, printed by fake1688 serve "
    "on loopback), others come from --apps FILE"
)


def _path(name: str = aop.SEARCH_API, app_key: str = KEY, version: str = "1") -> str:
    return f"/openapi/param2/{version}/{aop.NAMESPACE}/{name}/{app_key}"


def _search(
    http: httpx.Client,
    extra: dict[str, str] | None = None,
    *,
    path: str | None = None,
    secret: str = SECRET,
    token: str | None = TOKEN,
    query: str | None = QUERY,
) -> httpx.Response:
    """A search signed with ``secret``, with ``extra`` params."""
    path = path or _path()
    params = dict(extra or {})
    if token is not None:
        params[aop.ACCESS_TOKEN] = token
    if query is not None:
        params[aop.SEARCH_PARAM] = query
    return http.post(path, data={**params, aop.SIGNATURE: aop.sign(path, params, secret)})


def _refusal(response: httpx.Response) -> tuple[int, str, str, str | None]:
    """HTTP status, ``error_code``, ``error_message`` and ``exception`` (``None`` if absent)."""
    body = response.json()
    return (
        response.status_code,
        body[aop.ERROR_CODE_KEY],
        body[aop.ERROR_MESSAGE_KEY],
        body.get("exception"),
    )


def test_an_http_method_other_than_get_or_post_is_405_and_named(client: httpx.Client) -> None:
    """The method is named, cut at 20 characters."""
    deleted = client.delete(_path())
    assert _refusal(deleted) == (
        405,
        "gw.HttpMethodNotAllowed",
        "Http method not allowed",
        "HTTP DELETE is not allowed; send a form-encoded POST",
    )
    long_verb = client.request("PROPFIND" * 3, _path())
    assert _refusal(long_verb)[3] == (
        "HTTP PROPFINDPROPFINDPROP is not allowed; send a form-encoded POST"
    )


@pytest.mark.parametrize(
    ("path", "exception"),
    [
        pytest.param(
            _path("product.search.keywordQuery"),
            f"{aop.NAMESPACE}:product.search.keywordQuery version 1 is not served here; {_SERVED}",
            id="unknown-name",
        ),
        pytest.param(
            _path(version="2" * 30),
            f"{aop.NAMESPACE}:{aop.SEARCH_API} version {'2' * 20} is not served here; {_SERVED}",
            id="unknown-version",
        ),
    ],
)
def test_an_api_not_served_names_the_served_ones(
    client: httpx.Client, path: str, exception: str
) -> None:
    """gw.APIUnsupported names the APIs and the version served (a version cut at 20)."""
    assert _refusal(_search(client, path=path)) == (
        400,
        "gw.APIUnsupported",
        "API unsupported",
        exception,
    )


def test_an_unknown_app_key_is_quoted_and_explained(client: httpx.Client) -> None:
    """gw.AppKeyNotFound quotes the key in the path, cut at 80 characters."""
    response = _search(client, path=_path(app_key="k" * 90))
    assert _refusal(response) == (
        400,
        "gw.AppKeyNotFound",
        "AppKey is not found",
        f"app key {'k' * 80!r} (the last segment of the URL path) is not registered with this "
        "gateway; the default fake knows test_app_key, others come from --apps FILE",
    )


def test_a_missing_signature_shows_the_recipe(client: httpx.Client) -> None:
    """gw.SignatureMissing spells out how the signature is computed."""
    response = client.post(_path(), data={aop.ACCESS_TOKEN: TOKEN, aop.SEARCH_PARAM: QUERY})
    assert _refusal(response) == (
        400,
        "gw.SignatureMissing",
        "Signature is missing",
        "the _aop_signature param is required; _aop_signature = UPPER(HEX(HMAC_SHA1(key=secret, "
        "urlPath + s))), where urlPath is the URL path from param2/ on and s joins key+value of "
        "every param but _aop_signature, the joined strings sorted",
    )


def test_a_wrong_signature_explains_the_signed_string(client: httpx.Client) -> None:
    """gw.SignatureInvalid shows the string signed (token redacted), its length and digest."""
    signed_path = _path()[len("/openapi/") :]
    exact = f"{signed_path}access_token{TOKEN}offerQueryParam{QUERY}".encode()
    response = _search(client, secret="not_the_secret")
    assert _refusal(response) == (
        400,
        "gw.SignatureInvalid",
        "Signature is invalid",
        f"the gateway computed HMAC_SHA1 with key <secret> over '{signed_path}access_token"
        f"<redacted>offerQueryParam{QUERY}'; that string is {len(exact)} bytes of UTF-8, sha256 "
        f"{hashlib.sha256(exact).hexdigest()[:16]}, from the path and the params [access_token, "
        "offerQueryParam], each key joined to its value and the joined strings sorted. Build the "
        "same string, sign it with your app secret, send upper-case hex",
    )


def test_a_long_access_token_is_redacted_not_shortened(client: httpx.Client) -> None:
    """A token too long for the answer's own redaction is still hidden by the explanation."""
    token = "T0k3n" * 60
    exception = _refusal(_search(client, secret="not_the_secret", token=token))[3]
    assert exception is not None
    assert "access_token<redacted>offerQueryParam" in exception
    assert token[:16] not in exception
    assert token[-16:] not in exception


@pytest.mark.parametrize(
    ("timestamp", "exception"),
    [
        pytest.param(
            "t" * 50,
            f"_aop_timestamp {'t' * 40!r} is not epoch milliseconds; send the current time in "
            "ms, or leave it out",
            id="not-digits",
        ),
        pytest.param(
            "1" * 16,
            f"_aop_timestamp {'1' * 16!r} is not epoch milliseconds; send the current time in "
            "ms, or leave it out",
            id="16-digits",
        ),
        pytest.param(
            "9" * 15,
            f"_aop_timestamp {'9' * 15} is 998235699999 s ahead of the gateway clock "
            f"({NOW_MS} ms); allowed ±600 s",
            id="15-digits",
        ),
        pytest.param(
            str(NOW_MS + 600_001),
            f"_aop_timestamp {NOW_MS + 600_001} is 600 s ahead of the gateway clock ({NOW_MS} ms); "
            "allowed ±600 s",
            id="ahead",
        ),
        pytest.param(
            str(NOW_MS - 600_001),
            f"_aop_timestamp {NOW_MS - 600_001} is 600 s behind the gateway clock ({NOW_MS} ms); "
            "allowed ±600 s",
            id="behind",
        ),
    ],
)
def test_a_timestamp_that_is_no_current_epoch_ms_is_refused(
    client: httpx.Client, timestamp: str, exception: str
) -> None:
    """gw.TimestampInvalid: up to 15 digits, within the skew, else says how far and which way."""
    response = _search(client, {aop.TIMESTAMP: timestamp})
    assert _refusal(response) == (400, "gw.TimestampInvalid", "Timestamp is invalid", exception)


@pytest.mark.parametrize("offset_ms", [-600_000, 600_000])
def test_a_timestamp_exactly_the_skew_off_is_accepted(client: httpx.Client, offset_ms: int) -> None:
    """The skew is inclusive: 600 s either way passes the gateway."""
    response = _search(client, {aop.TIMESTAMP: str(NOW_MS + offset_ms)})
    assert response.status_code == 200
    assert response.json()["result"]["code"] == "400"  # past the gateway: imageId 1 is unknown


def test_with_no_skew_half_a_second_ahead_is_ahead(catalog: Any) -> None:
    """A gateway allowing no skew refuses a timestamp 0.5 s ahead as 0 s ahead of its clock."""
    strict = FakeGateway(catalog=catalog, clock=lambda: NOW_MS / 1000, timestamp_skew=timedelta())
    with httpx.Client(transport=strict.transport(), base_url="http://fake1688.test") as http:
        response = _search(http, {aop.TIMESTAMP: str(NOW_MS + 500)})
    assert _refusal(response)[3] == (
        f"_aop_timestamp {NOW_MS + 500} is 0 s ahead of the gateway clock ({NOW_MS} ms); "
        "allowed ±0 s"
    )


@pytest.mark.parametrize(
    ("token", "exception"),
    [
        pytest.param(
            None,
            "the access_token param is required: the image APIs act for an authorised user",
            id="missing",
        ),
        pytest.param("stolen", _NOT_AUTHORISED, id="unknown"),
    ],
)
def test_an_access_token_must_be_one_the_app_s_user_authorised(
    client: httpx.Client, token: str | None, exception: str
) -> None:
    """401 says whether the token is missing or not one of the app's users'."""
    assert _refusal(_search(client, token=token)) == (
        401,
        "401",
        "Request need user authorized",
        exception,
    )


def test_a_missing_app_param_is_named(client: httpx.Client) -> None:
    """gw.ParamMissing names the API's own param."""
    assert _refusal(_search(client, query=None)) == (
        400,
        "gw.ParamMissing",
        "Required argument is missing",
        "Required argument offerQueryParam: send it as a JSON object",
    )
