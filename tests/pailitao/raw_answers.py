"""Answers as the platforms spell them: raw field values and whole answers, per dialect.

Each ``*_values`` strategy draws the raw JSON values one field may carry:
the spellings the platform sends (numbers as numbers and as text, ``"1.2万"``,
``"1000+"``, ``"¥1,290.00"``, ranges, blanks) mixed with unusable ones
(booleans, floats with a fraction, infinities, NaN, negatives, junk text, huge
numbers, lists). :data:`ABSENT` stands for a key left out. Which value is
usable is for the tests' reference functions to say; ``*_usable`` strategies
draw only values the platforms' documentation allows, for whole answers.

``test_models_raw.py`` loads this module by its path: under
``--import-mode=importlib`` a test module cannot import a sibling by name.
"""

from __future__ import annotations

from typing import Any, Final

from hypothesis import strategies as st

from pailitao.wire import reseller
from pailitao.wire.top import LEGACY_RESPONSE_KEYS, SEARCH_RESPONSE_KEY

Payload = dict[str, Any]


class _Absent:
    """A key left out of the answer."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()

LONG_MAX: Final = 2**63 - 1
TOP_KEYS: Final = (SEARCH_RESPONSE_KEY, LEGACY_RESPONSE_KEYS[SEARCH_RESPONSE_KEY])
RESELLER_OK: Final = tuple(sorted(reseller.SUCCESS_CODES))

# -- building blocks ------------------------------------------------------------

blanks = st.sampled_from(["", None])
#: Text no count or amount is spelled as: other scripts' digits, exponents, words.
junk_texts = st.sampled_from(
    ["lots", "abc", "١٢٣", "３", "12²", "1e3", "+", "万", "--", "NaN", "inf", "Infinity",
     "null", "true", "12a", " ", ".5", "5.", "0x10", "1/2", "一千"]
)  # fmt: skip
special_floats = st.sampled_from([float("inf"), float("-inf"), float("nan"), 0.5, 803.5, -1.0])
not_json_scalars = st.sampled_from([[], [1], {}, {"value": 1}])
awkward = st.one_of(st.booleans(), special_floats, st.integers(-(10**6), -1), not_json_scalars)


def digits(min_size: int = 1, max_size: int = 12) -> st.SearchStrategy[str]:
    """ASCII digits, leading zeros and all."""
    return st.text("0123456789", min_size=min_size, max_size=max_size)


def padded(texts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``texts``, sometimes with blanks around, as hand-edited answers have them."""
    pads = st.sampled_from(["", " ", "\t", "  "])
    return st.builds(lambda left, text, right: left + text + right, pads, texts, pads)


decimal_texts = st.builds(
    lambda whole, frac: whole + ("." + frac if frac else ""), digits(1, 9), digits(0, 4)
)
#: Floats without a fraction; past 2**53 (1e23) a float's repr and its exact value differ.
whole_floats = st.integers(0, 2**53).map(float) | st.sampled_from([803.0, 1e20, 1e23, 1e300, -0.0])
huge_ints = st.integers(10**18, 10**40)


# -- TOP and reseller items (the same item model) -----------------------------------

_UNITS = st.sampled_from(["", "", "万", "w", "W", "亿", " 万"])
_PREFIXES = st.sampled_from(["", "", "已售", "销量", "已售 ", "销量 "])
_SUFFIXES = st.sampled_from(["", "", "+", "件", " 件", "笔", "个", "单", "+件", "+ "])


@st.composite
def sales_texts(draw: st.DrawFn) -> str:
    """``"803"``, ``"1000+"``, ``"1.2万"``, ``"已售 3 件"``, ``"2w+"``: a count in words."""
    number = draw(decimal_texts | digits(19, 40))
    return draw(_PREFIXES) + number + draw(_UNITS) + draw(_SUFFIXES)


sales_spellings = padded(sales_texts())
sales_values = st.one_of(
    st.integers(0, 10**6),
    huge_ints,
    whole_floats,
    sales_spellings,
    blanks,
    st.just(ABSENT),
    junk_texts,
    awkward,
    st.just("9" * 5000),
)
sales_usable = st.integers(0, 10**6) | st.builds(
    lambda n, unit: f"{n}{unit}", st.integers(0, 999), st.sampled_from(["", "+", "万", "w"])
)


def _grouped(number: int) -> str:
    return f"{number:,}"


amount_texts = st.one_of(
    decimal_texts,
    st.builds(lambda n, cents: f"{n:,}.{cents:02d}", st.integers(0, 10**7), st.integers(0, 99)),
    st.builds(str.__add__, st.sampled_from(["¥", "￥", "¥ "]), decimal_texts),
    st.integers(0, 10**7).map(_grouped),
)
price_ranges = st.builds(
    lambda low, space, high: f"{low}{space}-{space}{high}",
    amount_texts,
    st.sampled_from(["", " "]),
    amount_texts,
)
#: Dashes that make no range: half a range, a minus sign, three ends, a bad end.
broken_ranges = st.sampled_from(["12-", "-12", "12.50-", "-", "1-2-3", "12-abc", "abc-12", "-0"])
price_values = st.one_of(
    padded(amount_texts),
    price_ranges,
    st.integers(0, 10**6),
    huge_ints,
    st.floats(0, 1e7, allow_nan=False),
    whole_floats,
    blanks,
    st.just(ABSENT),
    broken_ranges,
    junk_texts,
    awkward,
)
price_usable = st.integers(0, 10**6).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")

num_iid_values = st.one_of(
    padded(digits(1, 15)),
    st.integers(0, 10**15),
    huge_ints,
    st.sampled_from(["", 12.0, -5, "12 34", "x1"]),
    st.just(ABSENT),
    junk_texts,
    awkward,
)

text_values = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["义乌市小商品有限公司", "义乌", "", " "]),
    st.none(),
    st.integers(-(10**6), 10**6),
    st.just(ABSENT),
    st.booleans(),
    st.floats(allow_nan=False),
    not_json_scalars,
)

#: ``page``, ``page_size``, ``total_results``, ``pagecount``/``page_count``,
#: ``real_total_results``: numbers, or their digits as text (api-notes §2.5).
count_values = st.one_of(
    st.integers(-2, 100),
    huge_ints,
    padded(digits(1, 6)),
    st.integers(0, 1000).map(float),
    whole_floats,
    blanks,
    st.just(ABSENT),
    junk_texts,
    awkward,
)

extra_fields = st.dictionaries(
    st.sampled_from(["is_tmall", "x_tag", "promo", "shop_type"]),
    st.none() | st.booleans() | st.integers() | st.text(max_size=6) | st.lists(st.integers()),
    max_size=2,
)

# -- TOP and reseller errors ----------------------------------------------------------

top_codes = st.one_of(
    st.integers(-100, 100),
    st.integers(10**17, 10**20),
    padded(digits(1, 6)),
    padded(digits(1, 6)).map("-{}".format),
    st.sampled_from(["", "٣", "25.0", "x", "9" * 5000, 25.0, True, None]),
    st.just(ABSENT),
    not_json_scalars,
)
reseller_codes = st.one_of(
    st.sampled_from(RESELLER_OK),
    st.sampled_from([0, 200]),
    st.sampled_from(["2000", "4000", "4003", "4005", "4008", "4013", "4016", "5000"]),
    st.sampled_from([2000, 4005, "00", "0000 ", "-1", "abc", "²", "9" * 18, "9" * 19]),
    st.sampled_from([True, False, 1.5, 0.0, None]),
    digits(1, 5),
)
#: ``msg``, ``sub_code``, ``sub_msg``, ``reason``, ``error``, ``request_id``.
message_values = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["", "isv.invalid-parameter", "This ban will last for 12 more seconds"]),
    st.none(),
    st.integers(0, 5000),
    st.just(ABSENT),
)
#: Keys another TOP method's answer sits under.
other_response_keys = st.one_of(
    st.sampled_from(["other_api_response", "1688_upload_img_response", "upload_img_response",
                     "item_get_response", "items_search_response"]),
    st.from_regex(r"[a-z][a-z0-9_]{0,12}_response", fullmatch=True),
).filter(lambda key: key not in (*TOP_KEYS, "error_response"))  # fmt: skip

# -- AOP -------------------------------------------------------------------------------

long_values = st.one_of(
    st.integers(0, 10**6),
    st.integers(LONG_MAX - 2, LONG_MAX + 2),
    padded(digits(1, 21)),
    st.sampled_from(["", 803.0, 12.0, "1.2万", "1000+", "1,000", "+3", "-3"]),
    st.just(ABSENT),
    junk_texts,
    awkward,
)
count_long_values = long_values | blanks
aop_amount_values = st.one_of(
    padded(decimal_texts),
    st.integers(0, 10**6),
    huge_ints,
    st.floats(0, 1e7, allow_nan=False),
    whole_floats,
    blanks,
    st.just(ABSENT),
    price_ranges,
    st.sampled_from(["¥1.00", "1,000.00", "-1", "1.2万"]),
    junk_texts,
    awkward,
)
aop_text_values = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["浙江省一路发发商贸公司", "浙江省杭州市", "", " "]),
    st.none(),
    st.integers(-(10**6), 10**6),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.just(ABSENT),
    st.booleans(),
    not_json_scalars,
)
aop_codes = st.one_of(
    padded(st.sampled_from(["200", "500", "401", "gw.SignatureInvalid", "isv.invalid-parameter"])),
    st.sampled_from(["", 401, 200, -1]),
    st.none(),
    st.just(ABSENT),
    st.integers(LONG_MAX - 1, LONG_MAX + 1),
    st.sampled_from([True, 1.5, [], {"a": 1}]),
)
success_values = st.sampled_from([True, "true", "是否成功", False, "false", " FALSE ", 0, None])


# -- whole answers ---------------------------------------------------------------------


def present(fields: Payload) -> Payload:
    """``fields`` without the keys drawn :data:`ABSENT`."""
    return {key: value for key, value in fields.items() if value is not ABSENT}


def top_answer(items: Payload, key: str = SEARCH_RESPONSE_KEY, **outside: Any) -> Payload:
    """A TOP router answer: ``{"1688_items_search_img_response": {"items": …}}``."""
    return {key: present({"items": items, **outside})}


def reseller_answer(items: Payload, error_code: object = "0000", **outside: Any) -> Payload:
    """A reseller's answer: ``{"items": …, "error_code": "0000", "reason": "ok", …}``."""
    fields = {"items": items, "error_code": error_code, "reason": "ok", "error": "", **outside}
    return present(fields)


def aop_answer(inner: object, **outcome: Any) -> Payload:
    """An AOP answer: ``{"result": {"success": true, "code": "200", "result": inner}}``."""
    fields = {"success": True, "code": "200", "message": "", **outcome, "result": inner}
    return {"result": present(fields)}


def page_of(item: object, **counts: object) -> Payload:
    """The ``items`` object of a TOP or reseller page, with ``counts`` over the defaults."""
    fields = {"page": 1, "page_size": 20, "pagecount": 4, "total_results": 80, **counts}
    return present({**fields, "item": item})


def aop_page_of(data: object, **counts: object) -> Payload:
    """``result.result`` of an AOP search, with ``counts`` over the defaults."""
    fields = {"totalRecords": 80, "totalPage": 4, "pageSize": 20, "currentPage": 1, **counts}
    return present({**fields, "data": data})


@st.composite
def top_items(draw: st.DrawFn) -> Payload:
    """A TOP or reseller item in the spellings the platforms send, optional keys left out."""
    num_iid = draw(st.integers(1, 10**13))
    item: Payload = {
        "num_iid": draw(st.sampled_from([num_iid, str(num_iid)])),
        "title": draw(st.text(max_size=8)),
        "price": draw(price_usable | st.builds("{}-{}".format, price_usable, price_usable)),
        "promotion_price": draw(price_usable | blanks | st.just(ABSENT)),
        "sales": draw(sales_usable | blanks | st.just(ABSENT)),
        "seller_nick": draw(st.sampled_from(["义乌市小商品有限公司", "", ABSENT])),
        "area": draw(st.sampled_from(["义乌", "广州", "", ABSENT])),
        draw(st.sampled_from(["turnHead", "turn_head", "tag_percent"])): draw(
            st.sampled_from(["15%", "0%", ABSENT])
        ),
    }
    return {**present(item), **draw(extra_fields)}


@st.composite
def aop_offers(draw: st.DrawFn) -> Payload:
    """An AOP offer in the spellings the docs allow, optional keys left out."""
    offer_id = draw(st.integers(1, LONG_MAX))
    prices = {
        "price": draw(decimal_texts | st.just(ABSENT)),
        "promotionPrice": draw(decimal_texts | blanks | st.just(ABSENT)),
    }
    offer: Payload = {
        "offerId": draw(st.sampled_from([offer_id, str(offer_id)])),
        "subject": draw(st.text(max_size=8)),
        "priceInfo": present(prices),
        "monthSold": draw(st.integers(0, 10**6) | digits(1, 6) | st.just(ABSENT)),
        "companyName": draw(st.sampled_from(["浙江省一路发发商贸公司", "", ABSENT])),
        "companyAddress": draw(st.sampled_from(["浙江省杭州市", "", ABSENT])),
        "repurchaseRate": draw(st.sampled_from(["13%", "", ABSENT])),
    }
    return present(offer)
