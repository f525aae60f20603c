"""Signing, checked three ways: the platform's published examples, an independent
reference written here with hashlib/hmac, and properties that hold for all input."""

import hashlib
import hmac
import io
import re
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pailitao.wire import signing

SECRET = "test_app_secret"


def reference_sign(params: dict[str, str], secret: str, method: str) -> str:
    """Written straight from api-notes §2.1, sharing no code with pailitao.wire.signing."""
    pairs = sorted((k, v) for k, v in params.items() if k != "sign" and v != "")
    text = "".join(k + v for k, v in pairs).encode()
    key = secret.encode()
    if method == "md5":
        return hashlib.md5(key + text + key).hexdigest().upper()
    digest = hashlib.md5 if method == "hmac" else hashlib.sha256
    return hmac.new(key, text, digest).hexdigest().upper()


keys = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12
).filter(lambda k: k != "sign")
values = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
param_dicts = st.dictionaries(keys, values, min_size=1, max_size=8)
methods = st.sampled_from(signing.SIGN_METHODS)


def test_published_top_example_sorts_to_documented_string() -> None:
    params = {"foo": "1", "bar": "2", "foo_bar": "3", "foobar": "4"}
    assert signing.canonical_string(params) == "bar2foo1foo_bar3foobar4"


def test_seed_request_exact_md5() -> None:
    params = {
        "method": "1688.items.search.img",
        "app_key": "test_app_key",
        "timestamp": "1764300000000",
        "v": "2.0",
        "format": "json",
        "image": "aGVsbG8=",
    }
    expected_text = (
        "app_keytest_app_keyformatjsonimageaGVsbG8=method1688.items.search.img"
        "timestamp1764300000000v2.0"
    )
    assert signing.canonical_string(params) == expected_text
    expected = hashlib.md5(f"{SECRET}{expected_text}{SECRET}".encode()).hexdigest().upper()
    assert signing.sign(params, SECRET) == expected


@pytest.mark.parametrize("method", signing.SIGN_METHODS)
def test_each_method_matches_reference_on_chinese_values(method: str) -> None:
    params = {"method": "1688.items.search.img", "cat": "服装", "q": "连衣裙 夏季", "v": "2.0"}
    assert signing.sign(params, "秘密", method) == reference_sign(params, "秘密", method)


def test_empty_values_file_parts_and_sign_are_not_signed() -> None:
    params: dict[str, object] = {
        "a": "1",
        "empty": "",
        "none": None,
        "file": b"\xff\xd8\xff",
        "sign": "XYZ",
    }
    assert signing.signed_keys(params) == ["a"]
    assert signing.canonical_string(params) == "a1"


def test_non_text_values_render_as_the_platform_expects() -> None:
    assert signing.canonical_string({"b": True, "n": 20, "p": 1.5}) == "btruen20p1.5"
    with pytest.raises(TypeError, match="cannot sign a value of type list"):
        signing.canonical_string({"x": [1]})


def test_unknown_method_is_rejected_with_choices() -> None:
    with pytest.raises(ValueError, match="use one of md5, hmac, hmac-sha256"):
        signing.sign({"a": "1"}, SECRET, "sha1")


@given(param_dicts, methods, st.text(min_size=1, max_size=20))
def test_sign_matches_independent_reference(
    params: dict[str, str], method: str, secret: str
) -> None:
    assume("\x00" not in secret)
    assert signing.sign(params, secret, method) == reference_sign(params, secret, method)


@given(param_dicts, methods, st.randoms())
def test_sign_is_independent_of_param_order(params: dict[str, str], method: str, rnd) -> None:
    items = list(params.items())
    rnd.shuffle(items)
    assert signing.sign(dict(items), SECRET, method) == signing.sign(params, SECRET, method)


@given(param_dicts, methods, st.data())
def test_changing_a_signed_value_changes_the_sign(params, method, data) -> None:
    key = data.draw(st.sampled_from(sorted(params)))
    new_value = data.draw(values.filter(lambda v: v not in ("", params[key])))
    changed = {**params, key: new_value}
    # Concatenation without separators is ambiguous only when a key/value
    # boundary moves; that is the platform's design, not ours to fix.
    assume(signing.canonical_string(changed) != signing.canonical_string(params))
    assert signing.sign(changed, SECRET, method) != signing.sign(params, SECRET, method)


@given(param_dicts, methods, keys, st.binary(max_size=20))
def test_empty_values_and_file_parts_never_change_the_sign(params, method, key, blob) -> None:
    assume(key not in params)
    base = signing.sign(params, SECRET, method)
    assert signing.sign({**params, key: ""}, SECRET, method) == base
    assert signing.sign({**params, key: None}, SECRET, method) == base
    assert signing.sign({**params, key: blob}, SECRET, method) == base


@given(param_dicts, methods)
def test_verify_accepts_own_sign_in_any_case_and_rejects_other_secret(params, method) -> None:
    signed = {**params, "sign_method": method}
    sign = signing.sign(signed, SECRET, method)
    assert signing.verify({**signed, "sign": sign}, SECRET)
    assert signing.verify({**signed, "sign": sign.lower()}, SECRET)
    assert not signing.verify({**signed, "sign": sign}, SECRET + "x")


def test_verify_defaults_to_md5_and_refuses_missing_or_unknown() -> None:
    params = {"a": "1"}
    sign = signing.sign(params, SECRET, "md5")
    assert signing.verify({**params, "sign": sign}, SECRET)
    assert not signing.verify(params, SECRET)
    assert not signing.verify({**params, "sign": sign, "sign_method": "sha1"}, SECRET)
    assert not signing.verify({**params, "sign": "非hex"}, SECRET)


_DATETIME_LIKE = r"\A[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\Z"


def test_timestamps_in_both_formats() -> None:
    moment = datetime(2026, 11, 28, 2, 0, 0, tzinfo=UTC).timestamp()
    assert signing.format_timestamp(moment) == "2026-11-28 10:00:00"
    assert signing.format_timestamp(moment, "millis") == "1795831200000"
    expected = datetime(2026, 11, 28, 2, 0, 0, tzinfo=UTC)
    assert signing.parse_timestamp("2026-11-28 10:00:00") == expected
    assert signing.parse_timestamp("1795831200000") == expected


@pytest.mark.parametrize(
    "bad", ["", "yesterday", "2026-11-28T10:00:00", "12", "2026-13-01 00:00:00"]
)
def test_parse_timestamp_rejects_other_text(bad: str) -> None:
    with pytest.raises(ValueError, match="neither 'yyyy-MM-dd HH:mm:ss'"):
        signing.parse_timestamp(bad)


@given(st.integers(min_value=1_000_000_000, max_value=4_000_000_000))
def test_timestamp_round_trip(seconds: int) -> None:
    for style in ("datetime", "millis"):
        text = signing.format_timestamp(seconds, style)  # type: ignore[arg-type]
        assert signing.parse_timestamp(text).timestamp() == seconds


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)))
def test_datetime_timestamps_parse_like_strptime(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    expected = datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=signing.GMT8)
    assert signing.parse_timestamp(text) == expected.astimezone(UTC)


@pytest.mark.parametrize(
    "bad",
    [
        "２０２６-11-28 10:00:00",
        "2026-11-28 10:00:60",
        "2026-02-30 00:00:00",
        "0001-01-01 00:00:00",  # before UTC's year 1 once moved from GMT+8
        "²²²²²²²²²²",  # digits to str.isdigit, not to int()
        "١٧٩٥٨٣١٢٠٠٠٠٠",  # Arabic-Indic digits
    ],
)
def test_parse_timestamp_rejects_impossible_or_non_ascii_dates(bad: str) -> None:
    with pytest.raises(ValueError, match="neither"):
        signing.parse_timestamp(bad)


@given(st.one_of(st.text(), st.from_regex(r"\A[0-9]{10,14}\Z"), st.from_regex(_DATETIME_LIKE)))
def test_parse_timestamp_raises_nothing_but_value_error(text: str) -> None:
    try:
        outcome: object = signing.parse_timestamp(text)
    except ValueError as error:
        outcome = error
    if isinstance(outcome, datetime):
        assert outcome.tzinfo is UTC
    else:
        assert "neither 'yyyy-MM-dd HH:mm:ss'" in str(outcome)


def _reference_canonical(params: dict[str, object]) -> str:
    text = {bool: lambda v: "true" if v else "false", int: str, float: str, str: lambda v: v}
    return "".join(
        key + text[type(value)](value)  # type: ignore[no-untyped-call]
        for key, value in sorted(params.items())
        if key != "sign" and value is not None and value != "" and not isinstance(value, bytes)
    )


mixed_values = values | st.just("") | st.none() | st.booleans() | st.integers() | st.binary()


@given(st.dictionaries(keys | st.just("sign"), mixed_values, max_size=8))
def test_canonical_string_of_any_params(params: dict[str, object]) -> None:
    # Text-only params take a faster path than mixed ones; both must agree
    # with the definition, whether or not a sign or an empty value is present.
    assert signing.canonical_string(params) == _reference_canonical(params)
    text_only = {key: value for key, value in params.items() if isinstance(value, str)}
    assert signing.canonical_string(text_only) == _reference_canonical(text_only)


def test_file_objects_are_file_parts_and_not_signed() -> None:
    """Anything with ``read`` is a file part, left out like raw bytes."""
    params: dict[str, object] = {"a": "1", "photo": io.BytesIO(b"\xff\xd8\xff")}
    assert signing.signed_keys(params) == ["a"]
    assert signing.canonical_string(params) == "a1"
    assert signing.sign(params, SECRET) == signing.sign({"a": "1"}, SECRET)


def test_an_unknown_timestamp_style_is_refused_with_the_choices() -> None:
    """``format_timestamp`` names the style it does not know and the two it does."""
    message = "unknown timestamp style 'iso'; use 'datetime' or 'millis'"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        signing.format_timestamp(0, "iso")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1000000000", datetime(1970, 1, 12, 13, 46, 40, tzinfo=UTC)),  # 10 digits: the fewest
        ("10000000000000", datetime(2286, 11, 20, 17, 46, 40, tzinfo=UTC)),  # 14: the most
    ],
)
def test_epoch_milliseconds_take_10_to_14_digits(text: str, expected: datetime) -> None:
    """Both ends of the digit range parse as epoch milliseconds."""
    assert signing.parse_timestamp(text) == expected


@pytest.mark.parametrize("text", ["999999999", "100000000000000"])  # 9 and 15 digits
def test_epoch_milliseconds_outside_10_to_14_digits_are_refused(text: str) -> None:
    """One digit fewer or more than the range is no timestamp."""
    message = f"timestamp {text!r} is neither 'yyyy-MM-dd HH:mm:ss' (GMT+8) nor epoch milliseconds"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        signing.parse_timestamp(text)


@pytest.mark.parametrize("text", ["2026-11-28 10:00:00", "1795831200000"])
def test_parsed_timestamps_carry_the_utc_zone_itself(text: str) -> None:
    """The result is in ``datetime.UTC``, not merely an equal instant in another zone."""
    assert signing.parse_timestamp(text).tzinfo is UTC


def test_a_refused_timestamp_is_quoted_to_its_first_40_characters() -> None:
    """A long bad value is cut to 40 characters in the message."""
    text = "0123456789" * 4 + "tail beyond forty"
    message = (
        "timestamp '0123456789012345678901234567890123456789' is neither "
        "'yyyy-MM-dd HH:mm:ss' (GMT+8) nor epoch milliseconds"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        signing.parse_timestamp(text)
