"""The TOP router's system checks, to the letter: each refusal's exact envelope and sub_msg.

Each sub_msg quotes at most a fixed number of characters of what was sent; the
cases send longer values, so that the cut is pinned too.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fake1688.engine import checks

_MISSING = "isv.missing-parameter"
_INVALID = "isv.invalid-parameter"
_CLOCK = "(2025-11-28 11:20:00 GMT+8); allowed ±600 s"
_SEND_NOW = ". Send the current time as 'yyyy-MM-dd HH:mm:ss' (GMT+8) or epoch ms"
_ZONE = (
    " (within the allowed skew): the gateway reads 'yyyy-MM-dd HH:mm:ss' as GMT+8 "
    "(Asia/Shanghai), so format the time in that zone (a TOP SDK that formats local time needs "
    "TZ=Asia/Shanghai), or send epoch milliseconds"
)
_EMPTY = (
    "sent empty: the gateway leaves empty values out of the signed string, so sign without "
    "them (or do not send them)"
)
_PADDED = " " * 30 + "2025-11-28 09:50:00"  # 49 characters; the gateway strips the spaces


def _params(helpers: Any, change: dict[str, str | None]) -> dict[str, str]:
    """A search's system params with ``change`` applied (``None`` leaves a param out)."""
    params: dict[str, str] = helpers.system_params(imgid="abc")
    for key, value in change.items():
        if value is None:
            del params[key]
        else:
            params[key] = value
    return params


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            {"method": None},
            (21, "Missing Method", _MISSING, "the 'method' parameter is required"),
            id="no-method",
        ),
        pytest.param(
            {"method": "m" * 90},
            (
                22,
                "Invalid Method",
                _INVALID,
                f"method {'m' * 80!r} is not served here; use 1688.items.search.img or "
                "1688.upload.img",
            ),
            id="unknown-method",
        ),
        pytest.param(
            {"app_key": None},
            (28, "Missing App Key", _MISSING, "the 'app_key' parameter is required"),
            id="no-app-key",
        ),
        pytest.param(
            {"app_key": "k" * 90},
            (
                29,
                "Invalid app Key",
                "isv.appkey-not-exists",
                f"app_key {'k' * 80!r} is not registered with this gateway; the default fake "
                "knows test_app_key, others come from --apps FILE",
            ),
            id="unknown-app-key",
        ),
        pytest.param(
            {"timestamp": None},
            (30, "Missing Timestamp", _MISSING, "the 'timestamp' parameter is required"),
            id="no-timestamp",
        ),
        pytest.param(
            {"v": None},
            (32, "Missing Version", _MISSING, "the 'v' parameter is required: v=2.0"),
            id="no-version",
        ),
        pytest.param(
            {"v": "9" * 50},
            (
                33,
                "Invalid Version",
                _INVALID,
                f"v={'9' * 40!r} is not supported; send v=2.0",
            ),
            id="wrong-version",
        ),
        pytest.param(
            {"format": "f" * 50},
            (
                23,
                "Invalid Format",
                _INVALID,
                f"format {'f' * 40!r} is unknown; send format=json or xml",
            ),
            id="unknown-format",
        ),
        pytest.param(
            {"simplify": "s" * 50},
            (
                41,
                "Invalid Arguments",
                _INVALID,
                f"simplify={'s' * 40!r} is not a boolean; send simplify=true, simplify=false "
                "or leave it out",
            ),
            id="non-boolean-simplify",
        ),
        pytest.param(
            {"sign_method": "h" * 50},
            (
                25,
                "Invalid signature",
                _INVALID,
                f"sign_method {'h' * 40!r} is unknown; use one of md5, hmac, hmac-sha256 "
                "(lower-case; md5 when left out)",
            ),
            id="unknown-sign-method",
        ),
    ],
)
def test_each_system_check_answers_its_exact_error(
    call: Any,
    helpers: Any,
    change: dict[str, str | None],
    expected: tuple[int, str, str, str],
) -> None:
    """A missing or wrong system param gets its code, msg, sub_code and sub_msg (unsigned:
    each check comes before the signature's)."""
    error = call(_params(helpers, change), sign=False)["error_response"]
    assert (error["code"], error["msg"], error["sub_code"], error["sub_msg"]) == expected


@pytest.mark.parametrize(
    ("timestamp", "sub_msg"),
    [
        pytest.param(
            "1764300000",
            f"timestamp '1764300000' is 1762535700 s behind the gateway clock {_CLOCK}; it looks "
            f"like epoch seconds: send milliseconds{_SEND_NOW}",
            id="epoch-seconds",
        ),
        pytest.param(
            _PADDED,
            f"timestamp {_PADDED[:40]!r} is 5400 s behind the gateway clock {_CLOCK}{_SEND_NOW}",
            id="off-by-no-whole-hours",
        ),
        pytest.param(
            "2025-11-28 12:10:00",
            f"timestamp '2025-11-28 12:10:00' is 3000 s ahead of the gateway clock {_CLOCK}; it is "
            f"exactly 1 h ahead{_ZONE}{_SEND_NOW}",
            id="one-hour-less-the-skew-ahead",
        ),
        pytest.param(
            "2025-09-14 10:20:00",
            f"timestamp '2025-09-14 10:20:00' is 6483600 s behind the gateway clock {_CLOCK}; it "
            f"is exactly 1801 h behind{_ZONE}{_SEND_NOW}",
            id="1801-hours-behind",
        ),
    ],
)
def test_a_timestamp_outside_the_skew_says_how_far_which_way_and_why(
    call: Any, helpers: Any, timestamp: str, sub_msg: str
) -> None:
    """Code 31 names the offset and its direction, and hints at seconds or a time zone."""
    error = call(_params(helpers, {"timestamp": timestamp}))["error_response"]
    assert (error["code"], error["msg"], error["sub_code"], error["sub_msg"]) == (
        31,
        "Invalid timestamp",
        _INVALID,
        sub_msg,
    )


@pytest.mark.parametrize(
    ("sign_method", "recipe"),
    [
        ("md5", "sign = UPPER(HEX(MD5(secret + s + secret)))"),
        ("hmac-sha256", "sign = UPPER(HEX(HMAC_SHA256(key=secret, s)))"),
    ],
)
def test_a_missing_sign_shows_the_recipe_of_its_sign_method(
    call: Any, helpers: Any, sign_method: str, recipe: str
) -> None:
    """Code 24 spells out how the sign is computed with the sign_method sent."""
    params = _params(helpers, {"sign_method": sign_method})
    error = call(params, sign=False)["error_response"]
    assert (error["code"], error["msg"], error["sub_code"], error["sub_msg"]) == (
        24,
        "Missing Signature",
        _MISSING,
        f"the 'sign' parameter is required; {recipe}, where s joins every parameter but sign "
        "and file parts, sorted by name, as k1v1k2v2",
    )


@pytest.mark.parametrize(
    ("sign_method", "name"), [("hmac", "HMAC_MD5"), ("hmac-sha256", "HMAC_SHA256")]
)
def test_a_wrong_hmac_sign_names_the_hmac_it_was_checked_with(
    call: Any, helpers: Any, sign_method: str, name: str
) -> None:
    """Code 25 for an HMAC sign names the HMAC, the signed string, its length and digest."""
    params = {**_params(helpers, {"sign_method": sign_method}), "sign": "00"}
    keys = sorted(key for key in params if key != "sign")
    text = "".join(key + params[key] for key in keys)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    error = call(params, sign=False)["error_response"]
    assert (error["code"], error["sub_msg"]) == (
        25,
        f"the gateway computed {name} with key <secret> over '{text}'; s = {len(text)} bytes of "
        f"UTF-8, sha256 {digest}, from the params [{', '.join(keys)}] sorted by name (sign, "
        "empty values and file parts left out). Build the same s, sign it with your app secret "
        f"(sign_method={sign_method}), send upper-case hex",
    )


@pytest.mark.parametrize(
    ("empty", "hint"),
    [
        pytest.param(["cat"], f"; cat was {_EMPTY}", id="one"),
        pytest.param(
            [f"p{n}" for n in range(5)], f"; p0, p1, p2, p3 and p4 were {_EMPTY}", id="five"
        ),
        pytest.param(["n" * 45], f"; {'n' * 40} was {_EMPTY}", id="long-name"),
    ],
)
def test_a_wrong_sign_names_the_params_sent_empty(
    call: Any, helpers: Any, empty: list[str], hint: str
) -> None:
    """Up to five empty params are listed by name (each cut at 40 characters)."""
    params = {**_params(helpers, {}), **dict.fromkeys(empty, ""), "sign": "00"}
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert sub_msg.endswith(f"send upper-case hex{hint}")


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        pytest.param(256, "A" * 256, id="256-whole"),
        pytest.param(257, "A" * 32 + "…(257 chars)…" + "A" * 16, id="257-cut"),
    ],
)
def test_a_value_is_shortened_in_the_explanation_past_256_characters(
    call: Any, helpers: Any, length: int, shown: str
) -> None:
    """Values of up to 256 characters are shown whole, longer ones cut in the middle."""
    params = {**_params(helpers, {"image": "A" * length}), "sign": "00"}
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert f"formatjsonimage{shown}imgidabc" in sub_msg


def test_a_long_access_token_is_redacted_not_shortened(call: Any, helpers: Any) -> None:
    """A token too long for the answer's own redaction is still hidden by the explanation."""
    token = "T0k3n" * 60
    params = {**_params(helpers, {"access_token": token}), "sign": "00"}
    sub_msg = call(params, sign=False)["error_response"]["sub_msg"]
    assert "'<secret>access_token<redacted>app_key" in sub_msg
    assert token[:16] not in sub_msg
    assert token[-16:] not in sub_msg


def test_an_empty_sign_is_not_listed_among_the_empty_params() -> None:
    """The explanation leaves the sign out of the empty values, as it is never signed."""
    params = {"method": "m", "sign": "", "cat": ""}
    assert checks.explain_signature(params, "md5").endswith(f"; cat was {_EMPTY}")


@pytest.mark.parametrize("params", [{}, {"simplify": ""}])
def test_simplify_is_false_when_absent_or_empty(params: dict[str, str]) -> None:
    """Leaving simplify out, or sending it empty, means false."""
    assert checks.check_simplify(params) is False
