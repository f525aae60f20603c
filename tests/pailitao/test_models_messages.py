"""Parsing, to the letter: each refusal's exact words, each bound at its edge, each rendering.

A refusal quotes at most 80 characters of the value it names; the cases send
longer values (81 characters of repr where the cut matters), so the cut is pinned.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from pailitao import (
    AopOffer,
    ApiError,
    ResponseParseError,
    SearchPage,
    parse_error_response,
    parse_search_response,
    parse_upload_response,
)
from pailitao.models import _aop
from pailitao.models._aop import AopInvoiceInfo, is_aop_answer

_WHOLE = "Value error, a count must be a whole number like 20 or '20'"
_LONG = list(range(30))  # its repr is 110 characters
_LONG_CUT = repr(_LONG)[:77] + "..."
_81 = "a" * 79  # its repr, quotes included, is 81 characters


def _items(**fields: Any) -> dict[str, Any]:
    return {"items": {"page": 1, "page_size": 20, "total_results": 1, **fields}}


def _aop_success(inner: object) -> dict[str, Any]:
    return {"result": {"success": True, "code": "200", "result": inner}}


def _refusal(data: object, parse: Any = parse_search_response) -> str:
    with pytest.raises(ResponseParseError) as caught:
        parse(data)
    return str(caught.value)


# -- a field's problem, named ---------------------------------------------------


def test_one_problem_is_named_alone() -> None:
    assert _refusal(_items(page="x")) == f"items.page = 'x': {_WHOLE}"


def test_further_problems_are_counted_in_the_singular_and_the_plural() -> None:
    assert _refusal(_items(page="x", real_total_results="y")) == (
        f"items.page = 'x': {_WHOLE} (and 1 more problem)"
    )
    assert _refusal(_items(page="x", real_total_results="y", pagecount="z")) == (
        f"items.page = 'x': {_WHOLE} (and 2 more problems)"
    )


def test_a_named_value_is_cut_at_80_characters() -> None:
    assert _refusal(_items(page=_81)) == f"items.page = {repr(_81)[:77]}...: {_WHOLE}"
    assert _refusal(_items(page=_81[:-1])) == f"items.page = {_81[:-1]!r}: {_WHOLE}"


def test_a_price_keeps_only_its_currency_sign_and_commas_off() -> None:
    item = {"num_iid": "1", "title": "t", "price": "X12"}
    assert _refusal(_items(item=[item])) == (
        "items.item[0].price = 'X12': Value error, expected a price like '90.00' or '12.50-18.00'"
    )


def test_the_page_info_a_rendered_page_carries_is_named_as_aop() -> None:
    # ``aop`` inside ``items`` is what SearchPage.to_payload writes for an AOP page.
    assert _refusal(_items(aop=5)) == (
        "items.aop = 5: Input should be a valid dictionary or instance of AopSearchInfo"
    )
    assert _refusal(_items(aop={"success": "maybe"})) == (
        "items.aop.success = 'maybe': Input should be a valid boolean, unable to interpret input"
    )


def test_an_aop_page_names_its_inner_fields() -> None:
    inner = {"totalRecords": 1, "pageSize": 0, "currentPage": 1}
    assert _refusal(_aop_success(inner)) == (
        "result.result.pageSize = 0: Input should be greater than or equal to 1"
    )


# -- the envelope ----------------------------------------------------------------


def test_an_answer_with_no_keys_says_so() -> None:
    assert _refusal({}) == (
        "answer: expected '1688_items_search_img_response' or 'items'; got keys: none"
    )


def test_text_that_cannot_be_utf_8_is_no_json_object() -> None:
    # A lone surrogate: encoded to look for XML, never an encoding error.
    assert _refusal("\ud800") == "answer = str: expected a JSON object"


def test_a_request_id_inside_items_wins_over_the_envelopes() -> None:
    page = parse_search_response({**_items(request_id="inner"), "request_id": "outer"})
    assert page.request_id == "inner"
    page = parse_search_response({**_items(), "request_id": "outer"})
    assert page.request_id == "outer"


def test_a_reseller_code_of_the_longest_length_is_an_api_error() -> None:
    longest = "9" * 18
    error = parse_error_response({"error_code": longest, "reason": "r"})
    assert isinstance(error, ApiError)
    assert error.code == int(longest)
    assert _refusal({"error_code": longest + "9"}, parse_error_response) == (
        f"error_code = '{longest}9': expected a platform code of at most 18 digits"
    )


def test_an_upload_name_must_be_non_empty_text() -> None:
    for name, shown in (("", "''"), (5, "5")):
        answer = {"items": {"item": {"name": name}}}
        assert _refusal(answer, parse_upload_response) == (
            f"items.item.name = {shown}: expected the imgid string"
        )


# -- the Open Platform's envelope ------------------------------------------------


def test_aop_refusals_cut_what_they_quote_at_80_characters() -> None:
    assert _refusal({"result": _LONG}) == f"result = {_LONG_CUT}: expected an object"
    assert _refusal(_aop_success(_LONG)) == f"result.result = {_LONG_CUT}: expected an object"
    assert _refusal(_aop_success(_LONG), parse_upload_response) == (
        f"result.result = {_LONG_CUT}: expected the imageId string"
    )
    failure = {"result": {"success": False, "code": _LONG}}
    assert _refusal(failure) == f"result.code = {_LONG_CUT}: expected the code as text"


def test_an_image_id_sent_as_a_number_is_read_from_0_to_2_63_minus_1() -> None:
    for number in (0, _aop._LONG_MAX):
        assert parse_upload_response(_aop_success(number)) == str(number)
    for number in (-1, _aop._LONG_MAX + 1):
        assert _refusal(_aop_success(number), parse_upload_response) == (
            f"result.result = {number}: expected the imageId string"
        )


def test_an_answer_with_items_beside_result_is_not_the_open_platforms() -> None:
    assert is_aop_answer({"result": {}})
    assert not is_aop_answer({"result": {}, "items": {}})
    assert not is_aop_answer({"result": {}, "items_search_img_response": {}})


# -- the Open Platform's models --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("subject", "subject"),
        ("offer_id", "offerId"),
        ("pickup_within_24h_rate_30d", "pickupWithin24hRate30d"),
        ("is_jxhy_offer", "isJxhyOffer"),
    ],
)
def test_attribute_names_become_the_platforms_camel_case_keys(name: str, key: str) -> None:
    assert _aop._camel(name) == key


def test_invoice_types_holding_a_json_list_of_names_are_opened_up() -> None:
    info = AopInvoiceInfo.model_validate(
        {"invoiceTypes": [' ["普票", "专票"]', '["a", 1]', "[not json", "电子发票"]}
    )
    # Blanks before the list are allowed; a list with anything but text is one name.
    assert info.invoice_type_names == ("普票", "专票", '["a", 1]', "[not json", "电子发票")


def test_an_offer_renders_as_it_came_with_amounts_as_text() -> None:
    raw = {"offerId": 7, "subject": "t", "priceInfo": {"price": "2.50"}, "sales7d": "3"}
    offer = AopOffer.model_validate(raw)
    assert offer.price_info is not None
    assert offer.price_info.price == Decimal("2.50")
    # Only the keys it came with; amounts as text, counts as numbers.
    assert offer.to_payload() == {**raw, "sales7d": 3}


# -- rendering a page --------------------------------------------------------------


def test_a_rendered_page_leaves_the_request_id_to_its_envelope() -> None:
    page = parse_search_response({**_items(), "request_id": "r"})
    assert page.request_id == "r"
    assert page.to_payload() == {
        "item": [],
        "page": 1,
        "page_size": 20,
        "total_results": 1,
        "pagecount": 1,
    }


def test_a_rendered_page_keeps_real_total_results_only_when_sent() -> None:
    page = parse_search_response(_items(real_total_results=3))
    assert page.to_payload()["real_total_results"] == 3
    assert "real_total_results" not in SearchPage.model_validate(_items()["items"]).to_payload()


def test_a_rendered_page_holds_json_types_only() -> None:
    # Page info made in Python may hold a tuple; the rendering is what JSON reads back.
    page = SearchPage.model_validate({**_items()["items"], "aop": {"seen": ("a", "b")}})
    payload = page.to_payload()
    assert payload["aop"]["seen"] == ["a", "b"]
    assert json.loads(json.dumps(payload)) == payload
