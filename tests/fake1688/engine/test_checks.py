"""The router's system checks: each code, msg and sub_code, in the platform's order."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import pytest
from fake1688 import FakeGateway, Verification

from pailitao.wire import signing


def _search(helpers: Any, **extra: str) -> dict[str, str]:
    return helpers.system_params(imgid="//nowhere.example/none.jpg", **extra)


# -- the order of the checks ---------------------------------------------------------


def test_missing_parameters_are_reported_in_the_platform_order(call: Any, helpers: Any) -> None:
    steps = [
        ({}, (21, "Missing Method", "isv.missing-parameter")),
        ({"method": "1688.items.search.img"}, (28, "Missing App Key", "isv.missing-parameter")),
        ({"app_key": helpers.key}, (30, "Missing Timestamp", "isv.missing-parameter")),
        (
            {"timestamp": str(int(helpers.now * 1000))},
            (32, "Missing Version", "isv.missing-parameter"),
        ),
        ({"v": "2.0"}, (24, "Missing Signature", "isv.missing-parameter")),
    ]
    params: dict[str, str] = {}
    for added, expected in steps:
        params.update(added)
        assert helpers.error_of(call(params, sign=False)) == expected
    answer = call(params)  # now signed: the API's own argument check comes next
    assert helpers.error_of(answer) == (40, "Missing Required Arguments", "isv.missing-parameter")


def test_invalid_parameters_are_reported_in_the_platform_order(call: Any, helpers: Any) -> None:
    params = {
        "method": "1688.items.search.imgs",
        "app_key": "nobody",
        "timestamp": "yesterday",
        "v": "1.0",
        "format": "yaml",
        "sign_method": "sha1",
        "sign": "0" * 32,
        "page_size": "500",
    }
    fixes = [
        ("method", "1688.items.search.img", (22, "Invalid Method", "isv.invalid-parameter")),
        ("app_key", helpers.key, (29, "Invalid app Key", "isv.appkey-not-exists")),
        ("timestamp", "2025-11-28 11:20:00", (31, "Invalid timestamp", "isv.invalid-parameter")),
        ("v", "2.0", (33, "Invalid Version", "isv.invalid-parameter")),
        ("format", "json", (23, "Invalid Format", "isv.invalid-parameter")),
        ("sign_method", "hmac", (25, "Invalid signature", "isv.invalid-parameter")),
    ]
    for key, fixed, expected in fixes:
        assert helpers.error_of(call(params, sign=False)) == expected, key
        params[key] = fixed
    assert helpers.error_of(call(params, sign=False))[0] == 25  # the sign itself is wrong
    params["imgid"] = "x"
    assert helpers.error_of(call(params))[0] == 41  # signed: page_size is next


# -- method, app key, version, format -------------------------------------------------


def test_unknown_method_names_the_served_ones(call: Any, helpers: Any) -> None:
    error = call(helpers.system_params("taobao.item.get"))["error_response"]
    assert error["sub_msg"] == (
        "method 'taobao.item.get' is not served here; use 1688.items.search.img or 1688.upload.img"
    )


def test_unknown_app_key(call: Any, helpers: Any) -> None:
    params = helpers.system_params(app_key="someone_else")
    error = call(helpers.signed(params, "their_secret"), sign=False)["error_response"]
    assert (error["code"], error["msg"], error["sub_code"]) == (
        29,
        "Invalid app Key",
        "isv.appkey-not-exists",
    )
    assert "'someone_else' is not registered" in error["sub_msg"]


@pytest.mark.parametrize("version", ["1.0", "2", "2.0 ", "3.0"])
def test_version_must_be_2_0(call: Any, helpers: Any, version: str) -> None:
    answer = call(_search(helpers, v=version))
    assert helpers.error_of(answer) == (33, "Invalid Version", "isv.invalid-parameter")


@pytest.mark.parametrize(
    ("answer_format", "hint"),
    [("yaml", "format 'yaml' is unknown"), ("JSON", "format 'JSON' is unknown")],
)
def test_format_other_than_json_or_xml(
    call: Any, helpers: Any, answer_format: str, hint: str
) -> None:
    error = call(_search(helpers, format=answer_format))["error_response"]
    assert (error["code"], error["msg"]) == (23, "Invalid Format")
    assert hint in error["sub_msg"]


def test_format_may_be_left_out(call: Any, helpers: Any) -> None:
    params = _search(helpers)
    del params["format"]
    assert helpers.error_of(call(params))[0] == 41  # past the system checks: unknown imgid


# -- timestamps ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp",
    ["2025-11-28 11:20:00", "1764300000000", "2025-11-28 11:10:00", "2025-11-28 11:30:00"],
)
def test_both_timestamp_formats_within_the_skew(call: Any, helpers: Any, timestamp: str) -> None:
    assert helpers.error_of(call(_search(helpers, timestamp=timestamp)))[0] == 41


@pytest.mark.parametrize(
    ("timestamp", "detail"),
    [
        ("2025-11-28 11:09:59", "601 s behind the gateway clock"),
        ("2025-11-28 11:30:01", "601 s ahead of the gateway clock"),
        ("1764299399999", "600 s behind"),
        ("1764300000", "looks like epoch seconds: send milliseconds"),
    ],
)
def test_timestamp_outside_the_skew(call: Any, helpers: Any, timestamp: str, detail: str) -> None:
    error = call(_search(helpers, timestamp=timestamp))["error_response"]
    assert (error["code"], error["msg"], error["sub_code"]) == (
        31,
        "Invalid timestamp",
        "isv.invalid-parameter",
    )
    assert detail in error["sub_msg"]
    assert "(2025-11-28 11:20:00 GMT+8); allowed ±600 s" in error["sub_msg"]


@pytest.mark.parametrize("timestamp", ["yesterday", "2025/11/28 11:20:00", "17643000000000000"])
def test_unparsable_timestamp(call: Any, helpers: Any, timestamp: str) -> None:
    error = call(_search(helpers, timestamp=timestamp))["error_response"]
    assert error["code"] == 31
    assert "neither 'yyyy-MM-dd HH:mm:ss' (GMT+8) nor epoch milliseconds" in error["sub_msg"]


def test_skew_is_configurable(catalog: Any, helpers: Any) -> None:
    from datetime import timedelta

    strict = FakeGateway(
        catalog=catalog, clock=lambda: helpers.now, timestamp_skew=timedelta(seconds=5)
    )
    with httpx.Client(transport=strict.transport()) as http:
        late = helpers.signed(_search(helpers, timestamp="2025-11-28 11:20:06"))
        answer = http.post(helpers.url, data=late).json()
    assert answer["error_response"]["code"] == 31
    assert "allowed ±5 s" in answer["error_response"]["sub_msg"]


# -- signing ---------------------------------------------------------------------------


@pytest.mark.parametrize("sign_method", ["md5", "hmac", "hmac-sha256"])
def test_every_sign_method_verifies(call: Any, helpers: Any, sign_method: str) -> None:
    answer = call(_search(helpers, sign_method=sign_method))
    assert helpers.error_of(answer)[0] == 41  # past the signature


def test_sign_is_compared_case_insensitively(call: Any, helpers: Any) -> None:
    params = helpers.signed(_search(helpers))
    params["sign"] = params["sign"].lower()
    assert helpers.error_of(call(params, sign=False))[0] == 41


def test_independent_md5_reference(call: Any, helpers: Any) -> None:
    params = _search(helpers)
    text = "".join(k + params[k] for k in sorted(params))
    secret = helpers.secret
    params["sign"] = hashlib.md5((secret + text + secret).encode()).hexdigest().upper()
    assert helpers.error_of(call(params, sign=False))[0] == 41


def test_independent_hmac_sha256_reference(call: Any, helpers: Any) -> None:
    params = _search(helpers, sign_method="hmac-sha256")
    text = "".join(k + params[k] for k in sorted(params))
    params["sign"] = hmac.new(helpers.secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    assert helpers.error_of(call(params, sign=False))[0] == 41


@pytest.mark.parametrize("sign_method", ["sha1", "MD5", "hmac_sha256"])
def test_unknown_sign_method_is_25(call: Any, helpers: Any, sign_method: str) -> None:
    error = call(_search(helpers, sign_method=sign_method), sign=False)["error_response"]
    assert (error["code"], error["msg"]) == (25, "Invalid signature")
    assert error["sub_msg"] == (
        f"sign_method {sign_method!r} is unknown; use one of md5, hmac, hmac-sha256 "
        "(lower-case; md5 when left out)"
    )


def test_empty_values_are_not_signed(call: Any, helpers: Any) -> None:
    params = _search(helpers)
    sent = {**helpers.signed(params), "cat": "", "sort": ""}
    assert helpers.error_of(call(sent, sign=False))[0] == 41


def test_a_wrong_sign_explains_what_was_signed(
    call: Any, helpers: Any, gateway: FakeGateway
) -> None:
    params = {
        "method": "1688.items.search.img",
        "app_key": helpers.key,
        "timestamp": "2025-11-28 11:20:00",
        "v": "2.0",
        "imgid": "abc",
        "sign": "D41D8CD98F00B204E9800998ECF8427E",
    }
    error = call(params, sign=False)["error_response"]
    text = "app_keytest_app_keyimgidabcmethod1688.items.search.imgtimestamp2025-11-28 11:20:00v2.0"
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    assert error["sub_msg"] == (
        f"the gateway computed MD5 over '<secret>{text}<secret>'; s = {len(text)} bytes of "
        f"UTF-8, sha256 {digest}, from the params [app_key, imgid, method, timestamp, v] sorted "
        "by name (sign, empty values and file parts left out). Build the same s, sign it with "
        "your app secret (sign_method=md5), send upper-case hex"
    )
    expected_sign = signing.sign(params, helpers.secret)
    assert helpers.secret not in error["sub_msg"]
    assert expected_sign not in error["sub_msg"].upper()
    entry = gateway.journal.last()
    assert entry is not None
    assert entry.verification is Verification.FAILED
    assert entry.sub_msg == error["sub_msg"].replace("test_app_key", "test***key")
    assert entry.params["sign"] == "<redacted>"


def test_the_explanation_hides_session_tokens(call: Any, helpers: Any, gateway: Any) -> None:
    tokens = {"session": "user-session-token", "access_token": "user-access-token"}
    params = {**_search(helpers, **tokens), "sign": "00"}
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert "access_token<redacted>app_key" in sub_msg
    assert "session<redacted>timestamp" in sub_msg
    exact = signing.canonical_string({k: v for k, v in params.items() if k != "sign"}).encode()
    assert f"s = {len(exact)} bytes of UTF-8, sha256 {hashlib.sha256(exact).hexdigest()[:16]}" in (
        sub_msg
    )
    entry = gateway.journal.last()
    for token in tokens.values():
        assert token not in sub_msg
        assert token not in repr(entry)


def test_hmac_explanation_names_the_key_not_the_secret(call: Any, helpers: Any) -> None:
    params = {**_search(helpers, sign_method="hmac-sha256"), "sign": "00"}
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert sub_msg.startswith("the gateway computed HMAC_SHA256 with key <secret> over 'app_key")
    assert helpers.secret not in sub_msg


def test_long_values_are_shortened_in_the_explanation(call: Any, helpers: Any) -> None:
    params = {**helpers.system_params(image="A" * 5000), "sign": "00"}
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert "image" + "A" * 32 + "…(5,000 chars)…" + "A" * 16 + "method" in sub_msg
    assert len(sub_msg) < 1000


def test_missing_sign_shows_the_recipe(call: Any, helpers: Any) -> None:
    error = call(_search(helpers, sign_method="hmac"), sign=False)["error_response"]
    assert error["sub_msg"] == (
        "the 'sign' parameter is required; sign = UPPER(HEX(HMAC_MD5(key=secret, s))), where s "
        "joins every parameter but sign and file parts, sorted by name, as k1v1k2v2"
    )


# -- request shapes --------------------------------------------------------------------


def test_seed_shape_everything_in_the_body(
    client: httpx.Client, helpers: Any, photo: bytes
) -> None:
    params = helpers.signed(helpers.system_params(image=helpers.b64(photo)))
    answer = client.post("/openapi/router/rest", data=params).json()
    assert answer["1688_items_search_img_response"]["items"]["page"] == 1


def test_sdk_shape_system_params_in_the_query(
    client: httpx.Client, helpers: Any, photo: bytes
) -> None:
    system = {
        "method": "1688.items.search.img",
        "app_key": helpers.key,
        "timestamp": str(int(helpers.now * 1000)),
        "v": "2.0",
        "format": "json",
        "sign_method": "md5",
        "partner_id": "top-sdk-python-20250101",
    }
    app = {"image": helpers.b64(photo), "page_size": "10"}
    system["sign"] = signing.sign({**system, **app}, helpers.secret)
    answer = client.post("/router/rest", params=system, data=app).json()
    assert answer["1688_items_search_img_response"]["items"]["page_size"] == 10


def test_get_with_everything_in_the_query(client: httpx.Client, helpers: Any) -> None:
    params = helpers.signed(_search(helpers))
    answer = client.get("/router/rest", params=params).json()
    assert answer["error_response"]["code"] == 41  # past the signature


def test_multipart_text_parts_are_signed_file_parts_are_not(
    call: Any, helpers: Any, photo: bytes
) -> None:
    params = helpers.system_params(page_size="5")
    answer = call(params, files={"file": photo})
    assert answer["1688_items_search_img_response"]["items"]["page_size"] == 5
    tampered = {**helpers.signed(params), "page_size": "6"}
    assert helpers.error_of(call(tampered, files={"file": photo}, sign=False))[0] == 25


def test_a_key_twice_with_the_same_value_is_fine(client: httpx.Client, helpers: Any) -> None:
    params = helpers.signed(_search(helpers))
    answer = client.post("/router/rest", params={"v": "2.0"}, data=params).json()
    assert answer["error_response"]["code"] == 41
    assert "imgid" in answer["error_response"]["sub_msg"]


def test_a_key_twice_with_different_values_is_41(client: httpx.Client, helpers: Any) -> None:
    params = helpers.signed(_search(helpers))
    answer = client.post("/router/rest", params={"v": "3.0"}, data=params).json()
    error = answer["error_response"]
    assert (error["code"], error["sub_code"]) == (41, "isv.invalid-parameter")
    assert error["sub_msg"] == (
        "'v' is given twice with different values (query string and body are merged); send "
        "each parameter once"
    )


def test_a_non_form_body_is_ignored_and_the_error_says_so(
    client: httpx.Client, helpers: Any
) -> None:
    answer = client.post("/router/rest", json=helpers.signed(_search(helpers))).json()
    error = answer["error_response"]
    assert (error["code"], error["msg"]) == (21, "Missing Method")
    assert error["sub_msg"] == (
        "the 'method' parameter is required; the body was ignored because its Content-Type is "
        "'application/json': send application/x-www-form-urlencoded or multipart/form-data"
    )


def test_http_methods_other_than_get_and_post(client: httpx.Client) -> None:
    for action in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        answer = client.request(action, "/router/rest")
        assert answer.status_code == 200
        error = answer.json()["error_response"]
        assert (error["code"], error["msg"], error["sub_code"]) == (
            9,
            "Http Action Not Allowed",
            "isv.http-action-not-allowed",
        )


def test_a_wrong_sign_with_an_empty_param_says_empty_values_are_not_signed(
    call: Any, helpers: Any
) -> None:
    params = {**_search(helpers), "cat": "", "sort": ""}
    params["sign"] = signing.sign({**params, "cat": "x", "sort": "y"}, helpers.secret)
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert sub_msg.endswith(
        "; cat and sort were sent empty: the gateway leaves empty values out of the signed "
        "string, so sign without them (or do not send them)"
    )


def test_a_wrong_sign_without_empty_params_has_no_such_hint(call: Any, helpers: Any) -> None:
    params = {**_search(helpers), "sign": "00"}
    assert "sent empty" not in call(params, sign=False)["error_response"]["sub_msg"]


@pytest.mark.parametrize(
    ("timestamp", "hint"),
    [
        ("2025-11-28 03:20:00", "exactly 8 h behind"),  # UTC local time read as GMT+8
        ("2025-11-28 03:21:30", "exactly 8 h behind"),  # ... sent 90 s late
        ("2025-11-28 12:20:00", "exactly 1 h ahead"),  # Tokyo
    ],
)
def test_a_datetime_off_by_whole_hours_names_the_time_zone(
    call: Any, helpers: Any, timestamp: str, hint: str
) -> None:
    sub_msg = call(_search(helpers, timestamp=timestamp))["error_response"]["sub_msg"]
    assert (
        f"; it is {hint} (within the allowed skew): the gateway reads 'yyyy-MM-dd HH:mm:ss' as "
        "GMT+8 (Asia/Shanghai), so format the time in that zone (a TOP SDK that formats local "
        "time needs TZ=Asia/Shanghai), or send epoch milliseconds"
    ) in sub_msg


@pytest.mark.parametrize("timestamp", ["2025-11-28 09:50:00", "1764271200000"])
def test_no_time_zone_hint_off_whole_hours_or_for_epoch_ms(
    call: Any, helpers: Any, timestamp: str
) -> None:
    sub_msg = call(_search(helpers, timestamp=timestamp))["error_response"]["sub_msg"]
    assert sub_msg.startswith(f"timestamp '{timestamp}' is")
    assert "Asia/Shanghai" not in sub_msg


def test_many_empty_params_are_counted_not_listed(call: Any, helpers: Any) -> None:
    empty = {f"p{n}": "" for n in range(8)}
    params = {**_search(helpers), **empty, "sign": "00"}
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert sub_msg.endswith(
        "; p0, p1, p2, p3, p4 and 3 more were sent empty: the gateway leaves empty values out "
        "of the signed string, so sign without them (or do not send them)"
    )
