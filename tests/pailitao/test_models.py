"""Parsing both envelopes: exact real-world variants, and properties for all input."""

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pailitao import (
    ApiError,
    Item,
    RateLimitError,
    ResponseParseError,
    SearchPage,
    SignatureError,
    parse_search_response,
    parse_upload_response,
)

ITEM = {
    "title": "2024新款韩版宽松纯棉短袖T恤女",
    "pic_url": "https://cbu01.alicdn.com/img/ibank/O1CN01abc_!!2206-0-cib.jpg",
    "price": "90.00",
    "promotion_price": "85.50",
    "sales": 803,
    "num_iid": "610947572360",
    "turnHead": "15%",
    "seller_nick": "义乌市小商品有限公司",
    "area": "义乌",
    "detail_url": "https://detail.1688.com/offer/610947572360.html",
}


def top(items: dict[str, Any], request_id: str = "13yki55kbv7ug") -> dict[str, Any]:
    return {"1688_items_search_img_response": {"items": items, "request_id": request_id}}


def page_fields(item: list[Any], **extra: Any) -> dict[str, Any]:
    return {"page": 1, "page_size": 20, "pagecount": 4, "total_results": 80, **extra, "item": item}


def test_top_envelope_exact() -> None:
    page = parse_search_response(top(page_fields([ITEM], real_total_results=80)))
    assert page.page == 1
    assert page.page_size == 20
    assert page.page_count == 4
    assert page.total_results == 80
    assert page.real_total_results == 80
    assert page.request_id == "13yki55kbv7ug"
    assert page.has_next is True
    (item,) = page.items
    assert item.num_iid == "610947572360"
    assert item.price == Decimal("90.00")
    assert item.price_max is None
    assert item.promotion_price == Decimal("85.50")
    assert item.sales == 803
    assert item.turn_head == "15%"
    assert item.seller_nick == "义乌市小商品有限公司"
    assert item.cat is None


def test_reseller_envelope_exact() -> None:
    data = {
        "items": {
            "page": "2",
            "real_total_results": 50,
            "total_results": 50,
            "page_size": 20,
            "pagecount": 3,
            "item": [ITEM],
        },
        "error_code": "0000",
        "reason": "ok",
        "request_id": "abc",
    }
    page = parse_search_response(data)
    assert (page.page, page.page_count, page.request_id) == (2, 3, "abc")
    assert page.items[0].title == ITEM["title"]


@pytest.mark.parametrize(
    ("raw", "low", "high"),
    [
        ("12.50-18.00", Decimal("12.50"), Decimal("18.00")),
        ("¥1,290.00", Decimal("1290.00"), None),
        (90, Decimal(90), None),
        (90.5, Decimal("90.5"), None),
        ("", None, None),
    ],
)
def test_price_spellings(raw: object, low: Decimal | None, high: Decimal | None) -> None:
    item = Item.model_validate({**ITEM, "price": raw})
    assert (item.price, item.price_max) == (low, high)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(803, 803), ("803", 803), ("1000+", 1000), ("1.2万", 12000), ("已售 3 件", 3), ("", None)],
)
def test_sales_spellings(raw: object, expected: int | None) -> None:
    assert Item.model_validate({**ITEM, "sales": raw}).sales == expected


def test_num_iid_int_becomes_string_and_relative_urls_get_https() -> None:
    item = Item.model_validate(
        {**ITEM, "num_iid": 610947572360, "pic_url": "//cbu01.alicdn.com/x.jpg"}
    )
    assert item.num_iid == "610947572360"
    assert item.pic_url == "https://cbu01.alicdn.com/x.jpg"


@pytest.mark.parametrize("num_iid", ["١٢٣", "12²", "１２", True, -5, "12a"])
def test_num_iid_is_ascii_digits_as_the_schema_says(num_iid: object) -> None:
    # str.isdigit() is true for Arabic-Indic, superscript and full-width digits.
    with pytest.raises(ResponseParseError, match="num_iid"):
        parse_search_response(top(page_fields([{**ITEM, "num_iid": num_iid}])))


@pytest.mark.parametrize("field", ["page", "page_size", "pagecount", "total_results"])
def test_a_boolean_is_not_a_count(field: str) -> None:
    # pydantic's lax mode reads true as 1; the schema's integers do not.
    with pytest.raises(ResponseParseError, match=field):
        parse_search_response(top(page_fields([ITEM], **{field: True})))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", True, "a price cannot be a boolean"),
        ("price", float("nan"), "a price must be a finite number"),
        ("price", [1], "a price cannot be a list"),
        ("price", -1, "a price must be a non-negative number"),
        ("sales", False, "sales cannot be a boolean"),
        ("sales", float("inf"), "sales must be a finite number"),
        ("sales", Decimal(3), "sales cannot be a Decimal"),
        ("sales", 1.5, "sales must be a whole, non-negative number"),
    ],
)
def test_an_unusable_number_is_named_with_its_field(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(
        ResponseParseError, match=rf"item\[0\]\.{field} = .*: Value error, {message}$"
    ):
        parse_search_response(top(page_fields([{**ITEM, field: value}])))


@pytest.mark.parametrize(("field", "blank"), [("price", ""), ("sales", ""), ("sales", None)])
def test_a_blank_number_is_absent(field: str, blank: object) -> None:
    assert getattr(Item.model_validate({**ITEM, field: blank}), field) is None


def test_missing_optional_fields_are_none_and_unknown_fields_kept() -> None:
    item = Item.model_validate({"num_iid": "1", "title": "t", "is_tmall": False})
    assert item.price is None
    assert item.sales is None
    assert item.model_extra == {"is_tmall": False}
    assert item.to_payload() == {"num_iid": "1", "title": "t", "is_tmall": False}


@pytest.mark.parametrize("spelling", ["turnHead", "turn_head", "tag_percent"])
def test_every_spelling_of_the_repurchase_rate_is_turn_head(spelling: str) -> None:
    item = Item.model_validate({"num_iid": "1", "title": "t", spelling: "23%"})
    assert item.turn_head == "23%"
    assert item.model_extra == {}
    assert item.to_payload() == {"num_iid": "1", "title": "t", "turnHead": "23%"}


def test_price_range_renders_back_as_range() -> None:
    item = Item.model_validate({**ITEM, "price": "12.50-18.00"})
    assert item.to_payload()["price"] == "12.50-18.00"
    assert "price_max" not in item.to_payload()


def test_single_item_object_and_missing_item_list() -> None:
    assert len(parse_search_response(top(page_fields(ITEM))).items) == 1  # type: ignore[arg-type]
    empty = parse_search_response(top({"page": 5, "page_size": 20, "total_results": 80}))
    assert empty.items == []
    assert empty.page_count == 4
    assert empty.has_next is False


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "answer = list: expected a JSON object"),
        ({"foo": 1}, "expected '1688_items_search_img_response' or 'items'; got keys: foo"),
        (top(page_fields([{**ITEM, "price": "abc"}])), "items.item[0].price = 'abc': Value error"),
        (top(page_fields([{**ITEM, "num_iid": "x1"}])), "items.item[0].num_iid = 'x1'"),
        (top(page_fields([{**ITEM, "sales": "lots"}])), "items.item[0].sales = 'lots'"),
        (top({**page_fields([]), "page": 0}), "items.page = 0: Input should be greater"),
        (top("nope"), "items = 'nope': expected an object"),  # type: ignore[arg-type]
        ({"error_response": {"code": "x"}}, "error_response.code = 'x'"),
    ],
)
def test_unusable_answers_name_field_and_value(data: object, message: str) -> None:
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(data)
    assert message in str(caught.value)


def test_error_envelopes_raise_their_family() -> None:
    body = {
        "error_response": {
            "code": 25,
            "msg": "Invalid signature",
            "sub_code": "isv.signature-invalid",
            "sub_msg": "the sign does not match",
            "request_id": "r1",
        }
    }
    with pytest.raises(SignatureError) as caught:
        parse_search_response(body)
    assert (caught.value.code, caught.value.request_id) == (25, "r1")
    limited = {
        "error_response": {
            "code": 7,
            "msg": "App Call Limited",
            "sub_code": "accesscontrol.limited-by-api-access-count",
            "sub_msg": "This ban will last for 12 more seconds",
        }
    }
    with pytest.raises(RateLimitError) as rate:
        parse_search_response(limited)
    assert rate.value.retry_after == 12.0
    with pytest.raises(ApiError) as reseller:
        parse_search_response({"error_code": "4005", "reason": "授权失败", "error": "no auth"})
    assert (reseller.value.code, reseller.value.sub_code) == (4005, "4005")


def test_an_error_response_code_in_other_digits_is_a_parse_error() -> None:
    with pytest.raises(ResponseParseError, match="expected an integer platform code"):
        parse_search_response({"error_response": {"code": "٣", "msg": "x"}})


def test_a_reseller_error_code_in_other_digits_is_still_an_api_error() -> None:
    # '²'.isdigit() is true, and int('²') raised a bare ValueError.
    with pytest.raises(ApiError) as caught:
        parse_search_response({"error_code": "²", "reason": "bad"})
    assert (caught.value.code, caught.value.sub_code) == (-1, "²")


@pytest.mark.parametrize(
    ("field", "value"), [("price", "٩٠.٠٠"), ("sales", "٣"), ("sales", "１万")]
)
def test_prices_and_sales_are_read_in_digits_0_to_9(field: str, value: str) -> None:
    with pytest.raises(ResponseParseError, match=field):
        parse_search_response(top(page_fields([{**ITEM, field: value}])))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"error_code": "9" * 5000},
            f"error_code = '{'9' * 76}...: expected a platform code of at most 18 digits",
        ),
        (
            {"error_response": {"code": "9" * 5000}},
            f"error_response.code = '{'9' * 76}...: expected an integer platform code",
        ),
    ],
)
def test_an_absurd_error_code_is_a_parse_error(data: object, message: str) -> None:
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(data)
    assert str(caught.value) == message


def test_upload_answers_in_both_envelopes() -> None:
    name = "https://cbu01.alicdn.com/img/ibank/O1CN01x_!!0-0-cib.jpg"
    item = {"name": name, "status": 1}
    assert parse_upload_response({"1688_upload_img_response": {"items": {"item": item}}}) == name
    assert parse_upload_response({"items": {"item": [item]}, "error_code": "0000"}) == name
    with pytest.raises(ResponseParseError, match=r"items\.item\.name = None"):
        parse_upload_response({"1688_upload_img_response": {"items": {}}})


# -- properties --------------------------------------------------------------

money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
text = st.text(max_size=20)
extra_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def items(draw: st.DrawFn) -> Item:
    low = draw(st.none() | money)
    high = draw(st.none() | money) if low is not None else None
    fields = {
        "num_iid": str(draw(st.integers(min_value=0, max_value=10**15))),
        "title": draw(text),
        "price": low,
        "price_max": high,
        "promotion_price": draw(st.none() | money),
        "pic_url": draw(st.none() | st.just("https://cbu01.alicdn.com/img/ibank/a.jpg")),
        "detail_url": draw(st.none() | st.just("https://detail.1688.com/offer/1.html")),
        "sales": draw(st.none() | st.integers(min_value=0, max_value=10**9)),
        "seller_nick": draw(st.none() | text.filter(bool)),
        "area": draw(st.none() | st.sampled_from(["义乌", "广州", "深圳"])),
        "turnHead": draw(st.none() | st.sampled_from(["15%", "0%"])),
        "cat": draw(st.none() | st.from_regex(r"\A[0-9]{1,6}\Z")),
    }
    extras = draw(
        st.dictionaries(st.sampled_from(["tag", "promo", "x_y"]), extra_values, max_size=2)
    )
    return Item.model_validate({**fields, **extras})


@st.composite
def pages(draw: st.DrawFn) -> SearchPage:
    page_items = draw(st.lists(items(), max_size=5))
    page_size = draw(st.integers(min_value=1, max_value=50))
    total = draw(st.integers(min_value=0, max_value=10_000))
    return SearchPage.model_validate(
        {
            "item": [i.to_payload() for i in page_items],
            "page": draw(st.integers(min_value=1, max_value=100)),
            "page_size": page_size,
            "total_results": total,
            "pagecount": -(-total // page_size),
            "request_id": draw(st.none() | st.text(min_size=1, max_size=12)),
        }
    )


@given(items())
def test_item_render_then_parse_is_identity(item: Item) -> None:
    payload = json.loads(json.dumps(item.to_payload(), ensure_ascii=False))
    assert Item.model_validate(payload) == item


@given(pages())
def test_page_render_then_parse_is_identity(page: SearchPage) -> None:
    envelope = {
        "1688_items_search_img_response": {
            "items": page.to_payload(),
            "request_id": page.request_id,
        }
    }
    assert parse_search_response(json.loads(json.dumps(envelope))) == page


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
#: A count as the platforms spell it (20, "20", 20.0).
count_spellings = st.integers(0, 100).flatmap(lambda n: st.sampled_from([n, str(n), float(n)]))
mostly_counts = st.one_of(count_spellings, count_spellings, count_spellings, json_values)
item_like = st.fixed_dictionaries(
    {},
    optional={
        key: json_values | st.text(max_size=8)
        for key in ("num_iid", "title", "price", "sales", "pic_url", "turnHead", "cat")
    },
)
#: An item whose every field is mostly usable: some answers then parse.
item_mostly_usable = st.fixed_dictionaries(
    {
        "num_iid": st.one_of(st.integers(0, 10**6), st.integers(0, 10**6).map(str), json_values),
        "title": st.one_of(st.text(max_size=8), st.text(max_size=8), json_values),
    },
    optional={"price": count_spellings | json_values, "sales": count_spellings | json_values},
)
answer_like = st.one_of(
    json_values,
    st.builds(
        lambda fields, item: top({**fields, "item": item}),
        st.dictionaries(
            st.sampled_from(["page", "page_size", "total_results", "pagecount"]), json_values
        ),
        st.lists(item_like, max_size=3) | json_values,
    ),
    st.builds(
        lambda fields, item: top({**fields, "item": item}),
        st.fixed_dictionaries(
            dict.fromkeys(("page", "page_size", "total_results"), mostly_counts),
            optional={"pagecount": mostly_counts},
        ),
        st.lists(item_mostly_usable, max_size=3),
    ),
)


def _count_of(value: object) -> int:
    """The number a count spelled ``20``, ``"20"`` or ``20.0`` stands for."""
    assert isinstance(value, int | float | str)
    return int(value.strip()) if isinstance(value, str) else int(value)


@given(answer_like)
def test_any_json_gives_a_page_or_a_typed_error(data: object) -> None:
    try:
        page = parse_search_response(data)
    except (ResponseParseError, ApiError):
        return
    # Only a TOP answer parses here, and its page holds what the answer says.
    assert isinstance(data, dict)
    sent = data["1688_items_search_img_response"]["items"]
    size, total = _count_of(sent["page_size"]), _count_of(sent["total_results"])
    assert (page.page, page.page_size, page.total_results) == (
        _count_of(sent["page"]),
        size,
        total,
    )
    assert page.page_count == _count_of(sent.get("pagecount", -(-total // size)))
    assert page.request_id == "13yki55kbv7ug"
    entries = sent["item"] if isinstance(sent["item"], list) else [sent["item"]]
    entries = [] if sent["item"] is None else entries
    assert [(item.num_iid, item.title) for item in page.items] == [
        (str(entry["num_iid"]).strip(), entry["title"]) for entry in entries
    ]


def test_answers_under_the_legacy_keys_still_parse() -> None:
    item = {"num_iid": "1", "title": "t"}
    page = {"page": 1, "page_size": 20, "pagecount": 1, "total_results": 1, "item": [item]}
    assert (
        parse_search_response({"items_search_img_response": {"items": page}}).items[0].num_iid
        == "1"
    )
    upload = {"items": {"item": {"name": "https://x/y.jpg", "status": 1}}}
    assert parse_upload_response({"upload_img_response": upload}) == "https://x/y.jpg"


def test_another_api_s_answer_is_not_a_search_answer() -> None:
    with pytest.raises(ResponseParseError, match="expected '1688_items_search_img_response'"):
        parse_search_response({"other_api_response": {"items": {}}})
