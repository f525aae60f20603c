"""Parsing the platforms' raw spellings, field by field, against reference readings.

Each property draws one field's raw value as a platform may send it (see
``raw_answers.py``), puts it in an otherwise valid answer of one dialect, and
compares the parsed value with what a reference function here reads from the
same value, written without the parser's helpers. Where the reference finds
the value unusable, parsing raises :class:`ResponseParseError` whose message
starts with the field's path, and never any other exception.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pailitao import (
    ApiError,
    ResponseParseError,
    SearchPage,
    parse_error_response,
    parse_search_response,
)

_SPEC = importlib.util.spec_from_file_location(
    "raw_answers", Path(__file__).with_name("raw_answers.py")
)
assert _SPEC is not None
assert _SPEC.loader is not None
raw = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(raw)

ABSENT: Final = raw.ABSENT
LONG_MAX: Final = 2**63 - 1
ITEM: Final = {"num_iid": "610947572360", "title": "纯棉短袖T恤"}
OFFER: Final = {"offerId": 620201390233, "subject": "硅胶防摔手机壳"}


# -- the reference readings --------------------------------------------------------


class Unusable(Exception):
    """The reference reads no value from the raw spelling."""


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _float_value(value: float) -> Fraction:
    """A JSON number's value as its text says it: ``1e+20`` is ten to the twentieth."""
    if not math.isfinite(value):
        raise Unusable
    return Fraction(repr(value))


def _decimal_text(text: str) -> Fraction:
    """``"12"`` or ``"12.50"`` in digits 0-9, exactly."""
    whole, dot, fraction = text.partition(".")
    if not _digits(whole) or (dot and not _digits(fraction)):
        raise Unusable
    return Fraction(int(whole + fraction), 10 ** len(fraction))


_UNITS: Final = {"万": 10**4, "w": 10**4, "W": 10**4, "亿": 10**8}


def reference_sales(value: object) -> int | None:
    """TOP's ``sales``: ``803``, ``803.0``, ``"1000+"``, ``"1.2万"``, ``"已售 3 件"``, up to a long."""
    if value is None or value is ABSENT or value == "":
        return None
    if isinstance(value, bool):
        raise Unusable
    if isinstance(value, int):
        count = Fraction(value)
    elif isinstance(value, float):
        count = _float_value(value)
    elif isinstance(value, str):
        text = value.strip()
        for label in ("已售", "销量"):
            if text.startswith(label):
                text = text[len(label) :].strip()
        while text[-1:] in ("+", "件", "笔", "个", "单", " "):
            text = text[:-1]
        unit = 1
        if text[-1:] in _UNITS:
            unit, text = _UNITS[text[-1]], text[:-1].rstrip(" ")
        if len(text) > 40:  # no count: and past 4,300 digits int() refuses the text
            raise Unusable
        count = _decimal_text(text) * unit
    else:
        raise Unusable
    if count < 0 or count.denominator != 1 or count > LONG_MAX:
        raise Unusable
    return int(count)


def _decimal(amount: Fraction | int, text: str) -> Decimal:
    """The amount as the ``Decimal`` of its text, which keeps its places: ``"90.00"``."""
    result = Decimal(text).copy_abs()
    assert result == amount
    return result


def reference_amount(value: object, *, symbols: bool) -> Decimal | None:
    """A non-negative amount; with ``symbols``, TOP's ``"¥1,290.00"`` spelling too."""
    if value is None or value is ABSENT or value == "":
        return None
    if isinstance(value, bool):
        raise Unusable
    if isinstance(value, int):
        if value < 0:
            raise Unusable
        return Decimal(value)
    if isinstance(value, float):
        if _float_value(value) < 0:
            raise Unusable
        return _decimal(_float_value(value), repr(value))
    if not isinstance(value, str):
        raise Unusable
    text = value.strip()
    if symbols:
        text = text.removeprefix("¥").removeprefix("￥").replace(",", "").strip()
    return _decimal(_decimal_text(text), text)


def reference_top_price(value: object) -> tuple[Decimal | None, Decimal | None]:
    """TOP's ``price``: an amount, or a range ``"12.50-18.00"`` of two: (low, high)."""
    if isinstance(value, str) and value.count("-") == 1:
        low, high = value.split("-")
        if low.strip() and high.strip():
            try:
                return reference_amount(low, symbols=True), reference_amount(high, symbols=True)
            except Unusable:
                pass  # not a range: read as one amount, which it is not either
    return reference_amount(value, symbols=True), None


def reference_num_iid(value: object) -> str:
    """A number's digits, or digit text (blanks around dropped); never a float or a sign."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and _digits(value.strip()):
        return value.strip()
    raise Unusable


def reference_text(value: object) -> str | None:
    """TOP's optional text (``seller_nick``, ``area``): ``""`` is absent, a whole number its digits."""
    if value is None or value is ABSENT or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value
    raise Unusable


def reference_count(value: object, *, least: int) -> int:
    """A page number or total: ``20``, ``20.0`` or ``"20"`` (digits 0-9), at least ``least``."""
    if isinstance(value, bool):
        raise Unusable
    if isinstance(value, int):
        count = Fraction(value)
    elif isinstance(value, float):
        count = _float_value(value)
    elif isinstance(value, str) and _digits(value.strip()):
        count = Fraction(int(value.strip()))
    else:
        raise Unusable
    if count.denominator != 1 or count < least:
        raise Unusable
    return int(count)


def reference_long(value: object, *, least: int = 0) -> int:
    """AOP's ``long``: ``12`` or ``"12"`` (digits 0-9) from ``least`` to 2**63-1; no float.

    Text has at most a long's 19 digits, leading zeros counted.
    """
    if isinstance(value, str) and _digits(value.strip()) and len(value.strip()) <= 19:
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= LONG_MAX:
        raise Unusable
    return value


def reference_aop_count(value: object) -> int | None:
    if value is None or value is ABSENT or value == "":
        return None
    return reference_long(value)


def reference_aop_text(value: object) -> str | None:
    """AOP's text: as sent, a number as its text; the item reads ``""`` as absent."""
    if value is None or value is ABSENT:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value or None
    raise Unusable


def reference_aop_code(value: object) -> str:
    """An AOP outcome's code as text: a string stripped, a long's digits, nothing as ``""``."""
    if value is None or value is ABSENT:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= LONG_MAX:
        return str(value)
    raise Unusable


def reference_top_code(value: object) -> int:
    """``error_response.code``: an integer, or its digits 0-9 as text with an optional minus."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _digits(text.removeprefix("-")) and len(text) < 100:
            return int(text)
    raise Unusable


def reference_note(value: object) -> str | None:
    """``sub_code``, ``sub_msg``, ``request_id``: absent, ``None`` and ``""`` are ``None``."""
    if value is None or value is ABSENT or value == "":
        return None
    return str(value)


RESELLER_SUCCESS: Final = ("0000", "0", "200", "")  # api-notes §2.5 and wire.reseller


def reference_reseller_code(value: object) -> int | None:
    """A reseller's ``error_code``: ``None`` for success, else the code (``-1``: not digits)."""
    text = "" if value is None or value is ABSENT else str(value)
    if text in RESELLER_SUCCESS:
        return None
    if _digits(text):
        if len(text) > 18:
            raise Unusable
        return int(text)
    return -1


# -- checking the parser against a reference ----------------------------------------


def read(reference: Callable[..., Any], value: object, **options: Any) -> object:
    """What ``reference`` reads from ``value``, or :class:`Unusable` itself."""
    try:
        return reference(value, **options)
    except Unusable:
        return Unusable


def assert_same(actual: object, expected: object) -> None:
    """Equal and of one type (``True == 1``), a ``Decimal`` with its places (``"90.00"``)."""
    assert (type(actual), actual) == (type(expected), expected)
    if isinstance(expected, Decimal):
        assert str(actual) == str(expected)


def assert_refused(answer: object, field: str) -> None:
    """Parsing raises ResponseParseError naming ``field`` first, and nothing else."""
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(answer)
    message = str(caught.value)
    assert message.startswith((f"{field} = ", f"{field}: ")), message


def with_field(base: dict[str, Any], key: str, value: object) -> dict[str, Any]:
    """``base`` with ``key`` set to ``value``, or left out for ABSENT."""
    return raw.present({**base, key: value})


def top_item(key: str, value: object) -> dict[str, Any]:
    return raw.top_answer(raw.page_of([with_field(ITEM, key, value)]))


def reseller_item(key: str, value: object) -> dict[str, Any]:
    return raw.reseller_answer(raw.page_of([with_field(ITEM, key, value)]))


def aop_offer(key: str, value: object) -> dict[str, Any]:
    return raw.aop_answer(raw.aop_page_of([with_field(OFFER, key, value)]))


def aop_price(key: str, value: object) -> dict[str, Any]:
    offer = {**OFFER, "priceInfo": raw.present({key: value})}
    return raw.aop_answer(raw.aop_page_of([offer]))


TOP_DIALECTS: Final = pytest.mark.parametrize(
    "envelope", [top_item, reseller_item], ids=["top", "reseller"]
)
ITEM_PATH: Final = "items.item[0]"
OFFER_PATH: Final = "result.result.data[0]"


# -- TOP and reseller: item fields --------------------------------------------------


def check_sales(envelope: Callable[[str, object], dict[str, Any]], value: object) -> None:
    expected = read(reference_sales, value)
    if expected is Unusable:
        assert_refused(envelope("sales", value), f"{ITEM_PATH}.sales")
    else:
        assert_same(parse_search_response(envelope("sales", value)).items[0].sales, expected)


@TOP_DIALECTS
@given(value=raw.sales_spellings)
def test_sales_spelled_in_words_are_read_as_the_reference_reads_them(
    envelope: Callable[[str, object], dict[str, Any]], value: str
) -> None:
    check_sales(envelope, value)


@TOP_DIALECTS
@given(value=raw.sales_values)
@example(value="2万")
@example(value=803.0)
@example(value=float("inf"))
@example(value="12345678901234567890123456789")
def test_sales_in_any_spelling_are_read_as_the_reference_reads_them(
    envelope: Callable[[str, object], dict[str, Any]], value: object
) -> None:
    check_sales(envelope, value)


@TOP_DIALECTS
@given(value=raw.price_values)
@example(value="12.50-18.00")
@example(value=True)
@example(value="12-")
@example(value="12.5-abc")
@example(value=-0.0)
def test_a_price_or_price_range_is_read_as_the_reference_reads_it(
    envelope: Callable[[str, object], dict[str, Any]], value: object
) -> None:
    expected = read(reference_top_price, value)
    if expected is Unusable:
        assert_refused(envelope("price", value), f"{ITEM_PATH}.price")
    else:
        item = parse_search_response(envelope("price", value)).items[0]
        low, high = expected  # type: ignore[misc]
        assert_same(item.price, low)
        assert_same(item.price_max, high)


@TOP_DIALECTS
@given(value=raw.price_values)
def test_a_promotion_price_is_one_amount_never_a_range(
    envelope: Callable[[str, object], dict[str, Any]], value: object
) -> None:
    expected = read(reference_amount, value, symbols=True)
    if expected is Unusable:
        assert_refused(envelope("promotion_price", value), f"{ITEM_PATH}.promotion_price")
    else:
        item = parse_search_response(envelope("promotion_price", value)).items[0]
        assert_same(item.promotion_price, expected)


@TOP_DIALECTS
@given(value=raw.num_iid_values)
def test_num_iid_is_digits_from_a_number_or_text(
    envelope: Callable[[str, object], dict[str, Any]], value: object
) -> None:
    expected = read(reference_num_iid, value)
    if expected is Unusable:
        assert_refused(envelope("num_iid", value), f"{ITEM_PATH}.num_iid")
    else:
        assert_same(parse_search_response(envelope("num_iid", value)).items[0].num_iid, expected)


@TOP_DIALECTS
@pytest.mark.parametrize("field", ["seller_nick", "area"])
@given(value=raw.text_values)
def test_seller_nick_and_area_are_text_with_a_blank_absent(
    envelope: Callable[[str, object], dict[str, Any]], field: str, value: object
) -> None:
    expected = read(reference_text, value)
    if expected is Unusable:
        assert_refused(envelope(field, value), f"{ITEM_PATH}.{field}")
    else:
        assert_same(
            getattr(parse_search_response(envelope(field, value)).items[0], field), expected
        )


# -- TOP and reseller: page fields ---------------------------------------------------

PAGE_FIELDS: Final = {  # the wire key, the attribute, the least value
    "page": ("page", 1),
    "page_size": ("page_size", 1),
    "total_results": ("total_results", 0),
    "pagecount": ("page_count", 0),
    "page_count": ("page_count", 0),
}


def _page_answer(envelope: str, items: dict[str, Any]) -> dict[str, Any]:
    return raw.top_answer(items) if envelope == "top" else raw.reseller_answer(items)


@pytest.mark.parametrize("envelope", ["top", "reseller"])
@pytest.mark.parametrize("key", list(PAGE_FIELDS))
@given(value=raw.count_values | st.just(10**400))
def test_each_page_count_is_a_whole_number_at_least_its_least(
    envelope: str, key: str, value: object
) -> None:
    name, least = PAGE_FIELDS[key]
    counts = {"page": 1, "page_size": 20, "total_results": 80, "pagecount": 4, key: value}
    if key == "page_count":
        counts["pagecount"] = ABSENT
    answer = _page_answer(envelope, raw.page_of([], **counts))
    if name == "page_count" and value is ABSENT:
        expected: object = 4  # computed: 80 results, 20 a page
    else:
        expected = read(reference_count, value, least=least)
    if expected is Unusable:
        assert_refused(answer, f"items.{key}")
    else:
        assert_same(getattr(parse_search_response(answer), name), expected)


@pytest.mark.parametrize("envelope", ["top", "reseller"])
@given(
    total=raw.count_values | st.integers(0, 10**30) | st.just(10**400),
    size=raw.count_values,
)
@example(total=10**400, size=1)
@example(total=10**17 + 1, size=1)
@example(total=20, size=1.0)
def test_a_missing_page_count_is_the_total_over_the_size_rounded_up(
    envelope: str, total: object, size: object
) -> None:
    answer = _page_answer(
        envelope, raw.page_of([], pagecount=ABSENT, total_results=total, page_size=size)
    )
    size_read = read(reference_count, size, least=1)
    total_read = read(reference_count, total, least=0)
    if size_read is Unusable:
        assert_refused(answer, "items.page_size")
    elif total_read is Unusable:
        assert_refused(answer, "items.total_results")
    else:
        assert isinstance(size_read, int)
        assert isinstance(total_read, int)
        assert_same(parse_search_response(answer).page_count, -(-total_read // size_read))


@pytest.mark.parametrize("envelope", ["top", "reseller"])
@given(value=raw.count_values)
def test_a_missing_total_is_the_real_total(envelope: str, value: object) -> None:
    answer = _page_answer(envelope, raw.page_of([], total_results=ABSENT, real_total_results=value))
    expected = read(reference_count, value, least=0)
    if expected is Unusable:  # absent and null too: there is no total then
        assert_refused(answer, "items.total_results")
    else:
        page = parse_search_response(answer)
        assert_same(page.total_results, expected)
        assert_same(page.real_total_results, expected)


# -- TOP and reseller: errors and the envelope ----------------------------------------


@given(
    code=raw.top_codes,
    msg=raw.message_values,
    sub_code=raw.message_values,
    sub_msg=raw.message_values,
    request_id=raw.message_values,
)
@example(code=25, msg=None, sub_code="", sub_msg="", request_id="")
def test_a_top_error_envelope_is_read_as_the_reference_reads_it(
    code: object, msg: object, sub_code: object, sub_msg: object, request_id: object
) -> None:
    fields = {
        "code": code,
        "msg": msg,
        "sub_code": sub_code,
        "sub_msg": sub_msg,
        "request_id": request_id,
    }
    answer = {"error_response": raw.present(fields)}
    expected = read(reference_top_code, code)
    if expected is Unusable:
        assert_refused(answer, "error_response.code")
        return
    error = parse_error_response(answer)
    assert error is not None
    assert_same(error.code, expected)
    assert_same(error.msg, reference_note(msg) or "")
    assert_same(error.sub_code, reference_note(sub_code))
    assert_same(error.sub_msg, reference_note(sub_msg))
    assert_same(error.request_id, reference_note(request_id))
    with pytest.raises(ApiError) as caught:
        parse_search_response(answer)
    assert caught.value.code == expected


@given(code=raw.reseller_codes, reason=raw.message_values, error=raw.message_values)
@example(code="0", reason="ok", error="")
@example(code=None, reason="ok", error="")
def test_a_reseller_error_code_is_success_or_the_error_it_names(
    code: object, reason: object, error: object
) -> None:
    items = raw.page_of([ITEM], page_size=20, total_results=1, pagecount=1)
    answer = raw.reseller_answer(
        items, error_code=code, reason=reason, error=error, request_id="r1"
    )
    expected = read(reference_reseller_code, code)
    if expected is Unusable:
        assert_refused(answer, "error_code")
    elif expected is None:
        assert parse_error_response(answer) is None
        assert [item.num_iid for item in parse_search_response(answer).items] == [ITEM["num_iid"]]
    else:
        found = parse_error_response(answer)
        assert found is not None
        assert_same(found.code, expected)
        assert_same(found.sub_code, str(code))
        reason, error = (None if v is ABSENT else v for v in (reason, error))
        assert_same(found.msg, str(reason or error or "error"))
        assert_same(found.sub_msg, reference_note(error))
        assert_same(found.request_id, "r1")
        with pytest.raises(ApiError):
            parse_search_response(answer)


@given(key=raw.other_response_keys)
@example(key="other_api_response")
def test_another_method_s_answer_is_refused_naming_the_key_expected(key: str) -> None:
    answer = raw.top_answer(raw.page_of([ITEM]), key=key)
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(answer)
    assert str(caught.value) == (
        f"answer: expected '1688_items_search_img_response' or 'items'; got keys: {key}"
    )


@pytest.mark.parametrize("key", raw.TOP_KEYS)
def test_the_search_answer_is_read_under_its_key_and_its_legacy_key(key: str) -> None:
    page = parse_search_response(raw.top_answer(raw.page_of([ITEM]), key=key, request_id="r9"))
    assert (page.request_id, [item.num_iid for item in page.items]) == ("r9", [ITEM["num_iid"]])


# -- whole TOP and reseller answers ---------------------------------------------------


@st.composite
def top_pages(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(1, 50))
    total = draw(st.integers(0, 10**6))
    number = draw(st.integers(1, 100))
    counts = {
        "page": draw(st.sampled_from([number, str(number)])),
        "page_size": draw(st.sampled_from([size, str(size)])),
        "total_results": draw(st.sampled_from([total, str(total)])),
        "pagecount": draw(st.sampled_from([-(-total // size), ABSENT])),
    }
    return raw.page_of(draw(st.lists(raw.top_items(), max_size=4)), **counts)


@given(body=top_pages(), envelope=st.sampled_from(["top", "reseller"]))
def test_a_whole_answer_reads_every_item_as_the_references_do(
    body: dict[str, Any], envelope: str
) -> None:
    page = parse_search_response(_page_answer(envelope, body))
    assert_same(page.page, reference_count(body["page"], least=1))
    assert_same(page.page_size, reference_count(body["page_size"], least=1))
    assert_same(page.total_results, reference_count(body["total_results"], least=0))
    assert len(page.items) == len(body["item"])
    known = {"num_iid", "title", "price", "promotion_price", "sales", "seller_nick", "area"}
    for item, sent in zip(page.items, body["item"], strict=True):
        assert_same(item.num_iid, reference_num_iid(sent["num_iid"]))
        assert_same(item.title, sent["title"])
        low, high = reference_top_price(sent["price"])
        assert_same(item.price, low)
        assert_same(item.price_max, high)
        assert_same(
            item.promotion_price, reference_amount(sent.get("promotion_price"), symbols=True)
        )
        assert_same(item.sales, reference_sales(sent.get("sales")))
        assert_same(item.seller_nick, reference_text(sent.get("seller_nick")))
        assert_same(item.area, reference_text(sent.get("area")))
        rate = next((sent[k] for k in ("turnHead", "turn_head", "tag_percent") if k in sent), None)
        assert_same(item.turn_head, reference_text(rate))
        unknown = {
            k: v
            for k, v in sent.items()
            if k not in known | {"turnHead", "turn_head", "tag_percent"}
        }
        assert item.model_extra == unknown


# -- AOP: offer fields ---------------------------------------------------------------


@given(value=raw.count_long_values)
@example(value=803.0)
@example(value="1.2万")
def test_an_aop_month_sold_is_a_long_in_digits_and_becomes_sales(value: object) -> None:
    answer = aop_offer("monthSold", value)
    expected = read(reference_aop_count, value)
    if expected is Unusable:
        assert_refused(answer, f"{OFFER_PATH}.monthSold")
    else:
        item = parse_search_response(answer).items[0]
        assert_same(item.sales, expected)
        assert item.aop is not None
        assert_same(item.aop.month_sold, expected)


@given(value=raw.long_values)
def test_an_aop_offer_id_is_a_long_and_becomes_num_iid(value: object) -> None:
    answer = aop_offer("offerId", value)
    expected = read(reference_long, value)
    if value is ABSENT or expected is Unusable:
        assert_refused(answer, f"{OFFER_PATH}.offerId")
    else:
        assert_same(parse_search_response(answer).items[0].num_iid, str(expected))


@pytest.mark.parametrize(
    ("key", "field"), [("price", "price"), ("promotionPrice", "promotion_price")]
)
@given(value=raw.aop_amount_values)
@example(value=True)
@example(value=float("nan"))
@example(value="12.50-18.00")
def test_an_aop_price_is_an_amount_in_digits_never_a_range(
    key: str, field: str, value: object
) -> None:
    answer = aop_price(key, value)
    expected = read(reference_amount, value, symbols=False)
    if expected is Unusable:
        assert_refused(answer, f"{OFFER_PATH}.priceInfo.{key}")
    else:
        item = parse_search_response(answer).items[0]
        assert_same(getattr(item, field), expected)
        assert_same(item.price_max, None)


@pytest.mark.parametrize(
    ("key", "field"), [("companyName", "seller_nick"), ("companyAddress", "area")]
)
@given(value=raw.aop_text_values)
@example(value="")
def test_an_aop_company_is_the_seller_and_its_address_the_area(
    key: str, field: str, value: object
) -> None:
    answer = aop_offer(key, value)
    expected = read(reference_aop_text, value)
    if expected is Unusable:
        assert_refused(answer, f"{OFFER_PATH}.{key}")
    else:
        assert_same(getattr(parse_search_response(answer).items[0], field), expected)


# -- AOP: page fields, outcome, envelope -----------------------------------------------

AOP_PAGE_FIELDS: Final = {  # the wire key, the attribute, the least value
    "totalRecords": ("total_results", 0),
    "pageSize": ("page_size", 1),
    "currentPage": ("page", 1),
    "totalPage": ("page_count", 0),
}


@pytest.mark.parametrize("key", list(AOP_PAGE_FIELDS))
@given(value=raw.count_long_values)
def test_each_aop_page_count_is_a_long_at_least_its_least(key: str, value: object) -> None:
    name, least = AOP_PAGE_FIELDS[key]
    answer = raw.aop_answer(raw.aop_page_of([], **{key: value}))
    if key == "totalPage" and (value is None or value is ABSENT or value == ""):
        expected: object = 4  # computed: 80 records, 20 a page
    else:
        expected = read(reference_long, value, least=least)
    if expected is Unusable:
        assert_refused(answer, f"result.result.{key}")
    else:
        assert_same(getattr(parse_search_response(answer), name), expected)


@given(total=st.integers(0, LONG_MAX), size=st.integers(1, LONG_MAX) | st.integers(1, 50))
@example(total=LONG_MAX, size=1)
def test_a_missing_aop_total_page_is_the_records_over_the_size_rounded_up(
    total: int, size: int
) -> None:
    answer = raw.aop_answer(
        raw.aop_page_of([], totalRecords=str(total), pageSize=size, totalPage=ABSENT)
    )
    assert_same(parse_search_response(answer).page_count, -(-total // size))


@given(success=raw.success_values, code=raw.aop_codes, message=st.sampled_from(["", "失败", None]))
def test_an_aop_outcome_is_a_page_or_the_error_its_code_names(
    success: object, code: object, message: object
) -> None:
    answer = raw.aop_answer(raw.aop_page_of([OFFER]), success=success, code=code, message=message)
    failed = success is False or (isinstance(success, str) and success.strip().lower() == "false")
    expected = read(reference_aop_code, code)
    if expected is Unusable:
        assert_refused(answer, "result.code")
    elif failed:
        with pytest.raises(ApiError) as caught:
            parse_search_response(answer)
        assert_same(caught.value.code, expected)
        assert_same(caught.value.msg, message or "result.success is false")
    else:
        page = parse_search_response(answer)
        assert page.aop is not None
        assert_same(page.aop.code, expected or None)
        assert_same(page.aop.message, message or None)


@given(
    code=raw.aop_codes.filter(lambda c: c is not ABSENT),
    exception=raw.message_values,
    request_id=raw.message_values,
)
def test_an_aop_gateway_refusal_is_read_with_blanks_absent(
    code: object, exception: object, request_id: object
) -> None:
    fields = {
        "error_code": code,
        "error_message": "m",
        "exception": exception,
        "request_id": request_id,
    }
    answer = raw.present(fields)
    expected = read(reference_aop_code, code)
    if expected is Unusable:
        assert_refused(answer, "error_code")
        return
    error = parse_error_response(answer)
    assert error is not None
    assert_same(error.code, expected)
    assert_same(error.sub_msg, reference_note(exception))
    assert_same(error.request_id, reference_note(request_id))


@given(key=raw.other_response_keys)
def test_an_aop_answer_beside_another_method_s_key_is_refused(key: str) -> None:
    answer = {**raw.aop_answer(raw.aop_page_of([OFFER])), key: {}}
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(answer)
    keys = ", ".join(sorted([key, "result"]))
    assert str(caught.value) == (
        f"answer: expected '1688_items_search_img_response' or 'items'; got keys: {keys}"
    )


@given(offers=st.lists(raw.aop_offers(), max_size=4))
def test_a_whole_aop_answer_reads_every_offer_as_the_references_do(
    offers: list[dict[str, Any]],
) -> None:
    page = parse_search_response(raw.aop_answer(raw.aop_page_of(offers)))
    assert isinstance(page, SearchPage)
    assert len(page.items) == len(offers)
    for item, sent in zip(page.items, offers, strict=True):
        prices = sent["priceInfo"]
        assert_same(item.num_iid, str(reference_long(sent["offerId"])))
        assert_same(item.title, sent["subject"])
        assert_same(item.price, reference_amount(prices.get("price"), symbols=False))
        assert_same(
            item.promotion_price, reference_amount(prices.get("promotionPrice"), symbols=False)
        )
        assert_same(item.sales, reference_aop_count(sent.get("monthSold")))
        assert_same(item.seller_nick, reference_aop_text(sent.get("companyName")))
        assert_same(item.area, reference_aop_text(sent.get("companyAddress")))
        assert_same(item.turn_head, reference_aop_text(sent.get("repurchaseRate")))


# -- the exact values the issue names ------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "count"),
    [("2万", 20_000), ("1.2万", 12_000), ("1000+", 1000), ("2w+", 20_000), ("已售 3 件", 3),
     (803.0, 803), (803, 803), ("", None), (None, None)],
)  # fmt: skip
def test_top_sales_spellings(spelling: object, count: int | None) -> None:
    assert_same(parse_search_response(top_item("sales", spelling)).items[0].sales, count)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (float("inf"), "sales must be a finite number"),
        (float("nan"), "sales must be a finite number"),
        ("1.23456万", "sales must be a whole, non-negative number"),
        (2**63, "sales must be at most 2**63-1"),
        ("9" * 5000, "sales must be at most 2**63-1"),
        (1e300, "sales must be at most 2**63-1"),
    ],
)
def test_unusable_sales_are_refused_naming_sales(value: object, message: str) -> None:
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(top_item("sales", value))
    assert str(caught.value).startswith(f"{ITEM_PATH}.sales = ")
    assert str(caught.value).endswith(f": Value error, {message}")


def test_a_count_past_28_digits_of_precision_is_exact() -> None:
    # Decimal's default context rounds a product to 28 digits: 1.00…01 became whole.
    assert_refused(top_item("sales", "1.0000000000000000000000000001"), f"{ITEM_PATH}.sales")
    assert_same(
        parse_search_response(top_item("sales", "9223372036854775807")).items[0].sales, LONG_MAX
    )


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize("field", ["price", "promotion_price"])
def test_a_boolean_price_is_refused(field: str, value: bool) -> None:
    assert_refused(top_item(field, value), f"{ITEM_PATH}.{field}")
    key = "promotionPrice" if field == "promotion_price" else field
    assert_refused(aop_price(key, value), f"{OFFER_PATH}.priceInfo.{key}")


@pytest.mark.parametrize("value", ["12-", "12.50-", "1-2-3", "12-abc"])
def test_a_dash_that_makes_no_range_is_refused_naming_price(value: str) -> None:
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(top_item("price", value))
    assert str(caught.value) == (
        f"{ITEM_PATH}.price = {value!r}: Value error, expected a price like '90.00' or '12.50-18.00'"
    )


def test_a_negative_zero_price_reads_and_renders_as_zero() -> None:
    item = parse_search_response(top_item("price", -0.0)).items[0]
    assert_same(item.price, Decimal("0.0"))
    assert item.to_payload()["price"] == "0.0"


@pytest.mark.parametrize("code", ["0", "0000", "200", "", 0, 200, None])
def test_every_reseller_spelling_of_success_gives_the_page(code: object) -> None:
    answer = raw.reseller_answer(raw.page_of([ITEM], total_results=1, pagecount=1), error_code=code)
    assert parse_error_response(answer) is None
    assert parse_search_response(answer).items[0].num_iid == ITEM["num_iid"]


@pytest.mark.parametrize(("code", "number"), [("4005", 4005), ("00", 0), ("0000 ", -1), ("x", -1)])
def test_any_other_reseller_code_is_an_api_error(code: str, number: int) -> None:
    with pytest.raises(ApiError) as caught:
        parse_search_response(raw.reseller_answer(raw.page_of([ITEM]), error_code=code))
    assert (caught.value.code, caught.value.sub_code) == (number, code)


def test_an_empty_seller_nick_is_absent_in_both_dialects() -> None:
    assert parse_search_response(top_item("seller_nick", "")).items[0].seller_nick is None
    item = parse_search_response(aop_offer("companyName", "")).items[0]
    assert item.seller_nick is None
    assert item.aop is not None
    assert item.aop.company_name == ""  # the offer keeps what was sent


def test_an_empty_sub_code_and_sub_msg_are_absent_and_a_null_msg_is_empty() -> None:
    error = parse_error_response(
        {
            "error_response": {
                "code": 15,
                "msg": None,
                "sub_code": "",
                "sub_msg": "",
                "request_id": "",
            }
        }
    )
    assert error is not None
    assert (error.msg, error.sub_code, error.sub_msg, error.request_id) == ("", None, None, None)


def test_another_api_s_answer_is_refused_naming_what_was_expected() -> None:
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response({"other_api_response": {"items": raw.page_of([ITEM])}})
    assert str(caught.value) == (
        "answer: expected '1688_items_search_img_response' or 'items'; got keys: other_api_response"
    )
