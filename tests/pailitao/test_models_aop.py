"""Reading the 1688 Open Platform (AOP) answers: the docs' example, real shapes, errors, properties."""

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pailitao import (
    AccessTokenError,
    AopOffer,
    AopSearchInfo,
    ApiError,
    AppKeyError,
    InvalidArgumentsError,
    Item,
    RateLimitError,
    ResponseParseError,
    SearchPage,
    ServerError,
    SignatureError,
    TimestampError,
    parse_error_response,
    parse_search_response,
    parse_upload_response,
)
from pailitao.models import AopPicRegion, AopPriceInfo, parse_aop_error
from pailitao.wire.aop import (
    BAD_REQUEST_CODE,
    ERROR_CODE_KEY,
    ERROR_MESSAGE_KEY,
    GATEWAY_CODES,
    SERVICE_ERROR_CODE,
    SUCCESS_CODE,
)

EXAMPLE_PATH = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "payloads"
    / "aop_1688_product.search.imageQuery_doc_output_example.json"
)


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE_PATH.read_text("utf-8"))


def aop(inner: object, success: object = True, code: object = "200") -> dict[str, Any]:
    return {"result": {"success": success, "code": code, "message": "", "result": inner}}


def page_of(data: object, **counts: Any) -> dict[str, Any]:
    fields = {"totalRecords": 80, "totalPage": 4, "pageSize": 20, "currentPage": 1}
    return {**fields, **counts, "data": data}


# Two offers as the live API sends them: the first complete, the second sparse.
FULL_OFFER: dict[str, Any] = {
    "imageUrl": "https://cbu01.alicdn.com/img/ibank/O1CN01aLFQ9l1Bs2a4Xk7pC_!!2206-0-cib.jpg",
    "subject": "2024新款韩版宽松纯棉短袖T恤女",
    "subjectTrans": "2024 new Korean loose cotton short-sleeved T-shirt for women",
    "priceInfo": {
        "price": "12.50",
        "jxhyPrice": "11.80",
        "pfJxhyPrice": "11.20",
        "consignPrice": "13.90",
        "promotionPrice": "11.00",
    },
    "offerId": 710891050473,
    "isJxhy": False,
    "repurchaseRate": "27%",
    "monthSold": 3521,
    "traceInfo": "object_id@710891050473^object_type@offer",
    "isOnePsale": True,
    "sellerIdentities": ["tp_member"],
    "offerIdentities": [],
    "tradeScore": "4.5",
    "promotionModel": {"hasPromotion": False, "promotionType": ""},
    "topCategoryId": 10166,
    "secondCategoryId": 1038378,
    "thirdCategoryId": 127496001,
    "isPatentProduct": False,
    "createDate": "2023-03-11 10:21:07",
    "modifyDate": "2024-05-02 18:40:55",
    "isSelect": False,
    "sellerDataInfo": {
        "tradeMedalLevel": "4",
        "compositeServiceScore": "4.5",
        "logisticsExperienceScore": "4.0",
        "disputeComplaintScore": "5.0",
        "offerExperienceScore": "4.0",
        "afterSalesExperienceScore": "4.5",
        "consultingExperienceScore": "3.5",
        "repeatPurchasePercent": "0.27",
        "tpYear": 6,
    },
    "productSimpleShippingInfo": {
        "shippingTimeGuarantee": "shipIn48Hours",
        "perfectFulfillmentRate30d": "97.30%",
        "pickupWithin24hRate30d": "88%",
        "qualityReturnRate30d": "0.41%",
        "perfectFulfillmentRate7d": "98.00%",
        "pickupWithin24hRate7d": "90%",
        "delayedShippingRate7d": "0.00%",
    },
    "minOrderQuantity": 2,
    "token": "5L9Z3683O2iVIvwFxNdqnUlMVbKYHWGWcjs",
    "promotionURL": "https://detail.1688.com/offer/710891050473.html?fromkv=refer:X",
    "companyName": "义乌市小商品有限公司",
    "companyAddress": "浙江省金华市义乌市",
    "offerDataInfo": {
        "offerApplauseRate": "98.7%",
        "kjFeaturedServices": "",
        "qualityRfdRate30d": "0.2%",
        "repurchaseRate30d": "27.0%",
        "pickupRate24h30d": "88%",
    },
    "sales7d": "412",
    "productTradeInfo": {
        "addCartCount7d": "96",
        "payBuyerCount7d": "57",
        "addCartCount30d": "388",
        "payBuyerCount30d": "231",
    },
    "invoiceInfo": {
        "supportOnlineInvoice": True,
        "supportFastInvoice": False,
        "invoiceTypes": ["普票", "专票"],
        "taxpayerType": "一般纳税人",
    },
}
SPARSE_OFFER: dict[str, Any] = {
    "imageUrl": "//cbu01.alicdn.com/img/ibank/O1CN01b_!!0-0-cib.jpg",
    "subject": "硅胶防摔手机壳",
    "priceInfo": {"price": "3.80"},
    "offerId": 620201390233,
    "monthSold": 0,
    "repurchaseRate": "",
    "companyName": "深圳市恒源科技有限公司",
    "topCategoryId": 7,
    "newKeyFromTheFuture": {"x": 1},
}
REALISTIC = {
    "result": {
        "success": "true",
        "code": "200",
        "message": "",
        "result": {
            "totalRecords": 43,
            "totalPage": 3,
            "pageSize": 20,
            "currentPage": 2,
            "data": [FULL_OFFER, SPARSE_OFFER],
            "picRegionInfo": {"currentRegion": "110,52,489,611", "yoloCropRegion": "0,0,640,640"},
        },
    }
}


# -- the docs' example ---------------------------------------------------------


def test_the_official_example_parses_with_every_field_reachable() -> None:
    page = parse_search_response(example())
    assert (page.page, page.page_size, page.total_results, page.page_count) == (1, 1, 1, 1)
    assert page.has_next is False
    assert page.request_id is None
    assert page.aop is not None
    assert (page.aop.success, page.aop.code, page.aop.message) == (True, "code", "message")
    assert page.aop.pic_region_info == AopPicRegion(current_region="", yolo_crop_region="")
    (item,) = page.items
    assert item.num_iid == "123"
    assert item.title == "标题"
    assert item.price == Decimal("1")
    assert item.promotion_price == Decimal("1")
    assert item.price_max is None
    assert item.pic_url == "图片url"
    assert item.detail_url is not None
    assert item.detail_url.startswith("https://detail.1688.com/offer/710891050473.html?")
    assert (item.sales, item.turn_head, item.cat) == (1234, "13%", "1")
    assert (item.seller_nick, item.area) == ("浙江省一路发发商贸公司", "浙江省杭州市")


def test_every_key_of_the_official_offer_is_typed() -> None:
    (item,) = parse_search_response(example()).items
    offer = item.aop
    assert offer is not None
    assert offer.subject_trans == "多语言标题"
    assert offer.offer_id == 123
    assert offer.image_url == "图片url"
    assert offer.price_info == AopPriceInfo(
        price=Decimal(1),
        jxhy_price=Decimal(1),
        pf_jxhy_price=Decimal(1),
        consign_price=Decimal(1),
        promotion_price=Decimal(1),
    )
    assert offer.price_info.consign_price == Decimal("1")
    assert (offer.is_jxhy, offer.is_one_psale, offer.is_patent_product, offer.is_select) == (
        True,
        True,
        True,
        True,
    )
    assert offer.repurchase_rate == "13%"
    assert offer.month_sold == 1234
    assert offer.trace_info == "object_id@620201390233^object_type@offer"
    assert offer.seller_identities == (
        "super_factory-超级工厂 powerful_merchants-实力商家 tp_member-诚信通会员",
    )
    assert offer.offer_identities == ("yx-严选",)
    assert offer.trade_score == "5.0"
    assert offer.promotion_model is not None
    assert (offer.promotion_model.has_promotion, offer.promotion_model.promotion_type) == (
        True,
        "plus",
    )
    assert (offer.top_category_id, offer.second_category_id, offer.third_category_id) == (1, 2, 3)
    assert (offer.create_date, offer.modify_date) == ("2024-04-20 08:00:00",) * 2
    assert offer.seller_data_info is not None
    assert offer.seller_data_info.tp_year == 1
    assert offer.seller_data_info.repeat_purchase_percent == "11"
    assert offer.seller_data_info.trade_medal_level == "1"
    shipping = offer.product_simple_shipping_info
    assert shipping is not None
    assert shipping.shipping_time_guarantee == "shipIn24Hours"
    assert shipping.pickup_within_24h_rate_30d == "100%"
    assert shipping.delayed_shipping_rate_7d == "12.34%"
    assert offer.min_order_quantity == 1
    assert offer.token == "5L9Z3683O2iVIvwFxNdqnUlMVbKYHWGWcjs"
    assert offer.promotion_url == item.detail_url
    assert (offer.company_name, offer.company_address) == ("浙江省一路发发商贸公司", "浙江省杭州市")
    assert offer.offer_data_info is not None
    assert offer.offer_data_info.kj_featured_services == "C"
    assert offer.offer_data_info.pickup_rate_24h_30d == "98%"
    assert offer.sales_7d == 1  # a string "1" in the example
    assert offer.product_trade_info is not None
    assert offer.product_trade_info.pay_buyer_count_30d == 4
    invoice = offer.invoice_info
    assert invoice is not None
    assert (invoice.support_online_invoice, invoice.support_fast_invoice) == (True, False)
    assert invoice.invoice_types == ('["普票","专票"]',)
    assert invoice.invoice_type_names == ("普票", "专票")
    assert invoice.taxpayer_type == "一般纳税人 |  小规模纳税人"


def _untyped(model: Any, where: str = "offer") -> list[str]:
    """Every key, at any depth, that no attribute of the models declares."""
    found = [f"{where}.{key}" for key in model.model_extra or {}]
    for name in type(model).model_fields:
        value = getattr(model, name)
        if hasattr(value, "model_extra"):
            found += _untyped(value, f"{where}.{name}")
    return found


def test_no_key_of_the_official_offer_is_left_in_model_extra() -> None:
    (item,) = parse_search_response(example()).items
    assert _untyped(item.aop) == []
    assert parse_search_response(example()).aop.model_extra == {}  # type: ignore[union-attr]


def test_an_aop_item_renders_as_its_offer_and_reads_back_equal() -> None:
    raw = example()["result"]["result"]["data"][0]
    (item,) = parse_search_response(example()).items
    payload = item.to_payload()
    # Counts are typed: the example's text counts come back as numbers, all else as sent.
    assert payload == {
        **raw,
        "sales7d": 1,
        "productTradeInfo": {
            "addCartCount7d": 1,
            "payBuyerCount7d": 2,
            "addCartCount30d": 3,
            "payBuyerCount30d": 4,
        },
    }
    again = Item.model_validate(json.loads(json.dumps(payload)))
    assert again == item
    assert again.aop == item.aop
    assert Item.from_aop(AopOffer.model_validate(raw)) == item


def test_an_aop_page_survives_the_contract_round_trip() -> None:
    # What pailitao.contract.check does: render the page, read it back.
    page = parse_search_response(REALISTIC)
    rendered = {"items_search_img_response": {"items": page.to_payload()}}
    again = parse_search_response(json.loads(json.dumps(rendered)))
    assert again == page
    assert again.aop == page.aop
    assert [i.aop for i in again.items] == [i.aop for i in page.items]


def test_a_top_item_has_no_offer_and_renders_as_before() -> None:
    item = Item.model_validate({"num_iid": "1", "title": "t", "price": "2.00"})
    assert item.aop is None
    assert item.to_payload() == {"num_iid": "1", "title": "t", "price": "2.00"}
    assert (
        "aop"
        not in SearchPage.model_validate(
            {"page": 1, "page_size": 1, "total_results": 0}
        ).to_payload()
    )


# -- a realistic answer ----------------------------------------------------------


def test_a_realistic_answer_with_two_offers() -> None:
    page = parse_search_response(REALISTIC)
    assert (page.page, page.page_size, page.total_results, page.page_count) == (2, 20, 43, 3)
    assert page.has_next is True
    assert page.aop is not None
    assert (page.aop.success, page.aop.code, page.aop.message) == (True, "200", None)
    assert page.aop.pic_region_info == AopPicRegion(
        current_region="110,52,489,611", yolo_crop_region="0,0,640,640"
    )
    full, sparse = page.items
    assert full.model_dump(mode="python", exclude=set()) == FULL_OFFER | {
        "priceInfo": {k: Decimal(v) for k, v in FULL_OFFER["priceInfo"].items()},
        "sellerIdentities": ("tp_member",),
        "offerIdentities": (),
        "sales7d": 412,
        "productTradeInfo": {k: int(v) for k, v in FULL_OFFER["productTradeInfo"].items()},
        "invoiceInfo": {**FULL_OFFER["invoiceInfo"], "invoiceTypes": ("普票", "专票")},
    }
    assert (full.num_iid, full.title) == ("710891050473", FULL_OFFER["subject"])
    assert (full.price, full.promotion_price) == (Decimal("12.50"), Decimal("11.00"))
    assert full.pic_url == FULL_OFFER["imageUrl"]
    assert full.detail_url == "https://detail.1688.com/offer/710891050473.html?fromkv=refer:X"
    assert (full.sales, full.turn_head, full.cat) == (3521, "27%", "10166")
    assert (full.seller_nick, full.area) == ("义乌市小商品有限公司", "浙江省金华市义乌市")
    assert full.aop is not None
    assert full.aop.price_info == AopPriceInfo(
        price=Decimal("12.50"),
        jxhy_price=Decimal("11.80"),
        pf_jxhy_price=Decimal("11.20"),
        consign_price=Decimal("13.90"),
        promotion_price=Decimal("11.00"),
    )
    assert full.aop.subject_trans == FULL_OFFER["subjectTrans"]
    assert full.aop.sales_7d == 412
    assert full.aop.invoice_info is not None
    assert full.aop.invoice_info.invoice_type_names == ("普票", "专票")
    assert (sparse.num_iid, sparse.title, sparse.price) == (
        "620201390233",
        "硅胶防摔手机壳",
        Decimal("3.80"),
    )
    assert sparse.pic_url == "https://cbu01.alicdn.com/img/ibank/O1CN01b_!!0-0-cib.jpg"
    assert sparse.aop is not None
    assert sparse.aop.image_url == SPARSE_OFFER["imageUrl"]  # the offer keeps what came
    assert (sparse.promotion_price, sparse.detail_url, sparse.area) == (None, None, None)
    assert (sparse.sales, sparse.turn_head, sparse.cat) == (0, None, "7")
    assert sparse.aop.subject_trans is None
    assert sparse.aop.invoice_info is None
    assert sparse.aop.seller_identities == ()
    assert sparse.aop.model_extra == {"newKeyFromTheFuture": {"x": 1}}
    assert sparse.to_payload() == SPARSE_OFFER


@pytest.mark.parametrize("success", [True, "true", "TRUE", " true ", "是否成功", None, 1, {}])
def test_only_false_says_failure(success: object) -> None:
    answer = copy.deepcopy(REALISTIC)
    answer["result"]["success"] = success
    page = parse_search_response(answer)
    assert len(page.items) == 2
    assert page.aop is not None
    assert page.aop.success is True


def test_a_missing_success_and_code_are_no_failure() -> None:
    answer = {"result": {"result": page_of([])}}
    page = parse_search_response(answer)
    assert page.aop == AopSearchInfo(success=True, code=None, message=None)
    assert parse_aop_error(answer) is None


@pytest.mark.parametrize(
    "inner",
    [page_of([]), {k: v for k, v in page_of([]).items() if k != "data"}, page_of(None)],
    ids=["empty", "missing", "null"],
)
def test_no_offers(inner: dict[str, Any]) -> None:
    page = parse_search_response(aop(inner))
    assert page.items == []
    assert (page.page, page.page_count, page.total_results) == (1, 4, 80)


def test_a_missing_page_count_is_computed_and_counts_may_be_text() -> None:
    inner = {"totalRecords": "41", "pageSize": "20", "currentPage": "3", "data": []}
    page = parse_search_response(aop(inner))
    assert (page.page, page.page_size, page.total_results, page.page_count) == (3, 20, 41, 3)
    assert page.has_next is False


def test_unknown_page_keys_stay_reachable() -> None:
    page = parse_search_response(aop({**page_of([]), "searchId": "s-1", "code": "clash"}))
    assert page.aop is not None
    assert page.aop.model_extra == {"searchId": "s-1"}
    assert page.aop.code == "200"  # the outcome's code, not the page's stray key


# -- errors ----------------------------------------------------------------------

#: The family of each gateway code, written out here: a new code must be placed on purpose.
GATEWAY_FAMILIES: dict[str, type[ApiError]] = {
    "gw.SignatureInvalid": SignatureError,
    "gw.SignatureMissing": SignatureError,
    "gw.AppKeyNotFound": AppKeyError,
    "gw.AppKeyMissing": AppKeyError,
    "gw.APIACLDecline": AppKeyError,
    "gw.TimestampInvalid": TimestampError,
    "gw.QosAppFrequencyLimit": RateLimitError,
    "gw.NoUsageLeftError": RateLimitError,
    "gw.ParamMissing": InvalidArgumentsError,
    "gw.ParamInvalid": InvalidArgumentsError,
    "gw.APIUnsupported": InvalidArgumentsError,
    "gw.InternalServerError": ServerError,
    "gw.HttpMethodNotAllowed": ApiError,  # as TOP's 9: no family
    "401": AccessTokenError,
}
RETRYABLE = {RateLimitError, ServerError}


def test_every_gateway_code_has_its_family_here() -> None:
    assert set(GATEWAY_FAMILIES) == set(GATEWAY_CODES)


@pytest.mark.parametrize("code", sorted(GATEWAY_CODES))
def test_gateway_errors_raise_their_family(code: str) -> None:
    gateway = GATEWAY_CODES[code]
    body = {
        ERROR_CODE_KEY: gateway.error_code,
        ERROR_MESSAGE_KEY: gateway.error_message,
        "exception": "the detail",
        "request_id": "0bb5e4f017154",
    }
    error = parse_aop_error(body)
    assert type(error) is GATEWAY_FAMILIES[code]
    assert isinstance(error, ApiError)
    assert (error.code, error.msg, error.sub_code, error.sub_msg, error.request_id) == (
        code,
        gateway.error_message,
        None,
        "the detail",
        "0bb5e4f017154",
    )
    assert error.retryable is (GATEWAY_FAMILIES[code] in RETRYABLE)
    assert str(error).startswith(f"{code} {gateway.error_message} - the detail")
    again = parse_error_response(body)
    assert (type(again), getattr(again, "code", None)) == (type(error), code)
    for parse in (parse_search_response, parse_upload_response):
        with pytest.raises(GATEWAY_FAMILIES[code]) as caught:
            parse(body)
        assert caught.value.code == code


def test_the_token_failure_says_what_to_do() -> None:
    error = parse_aop_error({"error_code": "401", "error_message": "Request need user authorized"})
    assert isinstance(error, AccessTokenError)
    assert (error.sub_msg, error.request_id) == (None, None)
    assert str(error) == (
        "401 Request need user authorized (hint: check access_token: the app's user must "
        "authorise it; an expired token must be refreshed)"
    )


def test_a_gateway_ban_sets_retry_after() -> None:
    ban = "This ban will last for 17 more seconds"
    body = {
        "error_code": "gw.QosAppFrequencyLimit",
        "error_message": "App call exceeds limited frequency",
        "exception": ban,
    }
    error = parse_aop_error(body)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 17.0
    # TOP's sub_msg says the same, and is read the same.
    top = parse_error_response({"error_response": {"code": 7, "msg": "m", "sub_msg": ban}})
    assert isinstance(top, RateLimitError)
    assert top.retry_after == 17.0
    no_detail = parse_aop_error({**body, "exception": None})
    assert isinstance(no_detail, RateLimitError)
    assert no_detail.retry_after is None


def test_a_gateway_error_code_sent_as_a_number_or_padded_is_text() -> None:
    error = parse_aop_error({"error_code": 401, "error_message": "x"})
    assert isinstance(error, AccessTokenError)
    assert error.code == "401"
    padded = parse_aop_error({"error_code": " gw.SignatureInvalid\n", "error_message": "x"})
    assert isinstance(padded, SignatureError)
    assert padded.code == "gw.SignatureInvalid"


@pytest.mark.parametrize(
    ("code", "family", "retryable"),
    [
        (BAD_REQUEST_CODE, InvalidArgumentsError, False),
        (400, InvalidArgumentsError, False),
        (SERVICE_ERROR_CODE, ServerError, True),
        ("503", ApiError, False),
        ("E_UNKNOWN", ApiError, False),
        (SUCCESS_CODE, ApiError, False),  # false wins over a success code
    ],
)
def test_business_failures_raise_their_family(
    code: object, family: type[ApiError], retryable: bool
) -> None:
    message = "offerQueryParam.pageSize 51 is larger than 50"
    answer = {"result": {"success": "false", "code": code, "message": message}}
    error = parse_aop_error(answer)
    assert type(error) is family
    assert isinstance(error, ApiError)
    assert (error.code, error.msg, error.sub_code, error.sub_msg) == (
        str(code),
        message,
        None,
        None,
    )
    assert error.retryable is retryable
    for parse in (parse_search_response, parse_upload_response):
        with pytest.raises(family):
            parse(answer)


@pytest.mark.parametrize("success", [False, "false", "False"])
def test_business_failure_spellings(success: object) -> None:
    with pytest.raises(InvalidArgumentsError, match=r"^400 bad$"):
        parse_search_response({"result": {"success": success, "code": "400", "message": "bad"}})


def test_a_business_failure_without_code_or_message_still_raises() -> None:
    with pytest.raises(ApiError) as caught:
        parse_search_response({"result": {"success": False}})
    assert type(caught.value) is ApiError
    assert (caught.value.code, str(caught.value)) == ("", "result.success is false")


def test_reseller_answers_still_read_as_before() -> None:
    with pytest.raises(ApiError) as caught:
        parse_search_response({"error_code": "4005", "reason": "授权失败", "error": "no auth"})
    assert type(caught.value) is AppKeyError  # the reseller's codes have their families
    assert (caught.value.code, caught.value.sub_code, caught.value.msg) == (
        4005,
        "4005",
        "授权失败",
    )
    # error_message beside items is not the AOP gateway's: the reseller sent a page.
    reseller = {
        "items": {"page": 1, "page_size": 20, "total_results": 0, "item": []},
        "error_code": "0000",
        "error_message": "",
    }
    assert parse_aop_error(reseller) is None
    assert parse_search_response(reseller).aop is None


@pytest.mark.parametrize(
    "body", [None, "<html>502</html>", [], 3, {}, {"error_code": "4005"}, {"result": "x"}]
)
def test_parse_aop_error_finds_nothing_in_other_bodies(body: object) -> None:
    assert parse_aop_error(body) is None


# -- unusable values ------------------------------------------------------------


def _offer(**changes: Any) -> dict[str, Any]:
    return aop(page_of([{**SPARSE_OFFER, **changes}]))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_offer(offerId="abc"), "result.result.data[0].offerId = 'abc': Value error, expected"),
        (_offer(offerId=True), "result.result.data[0].offerId = True: Value error, a number"),
        (_offer(offerId=-1), "result.result.data[0].offerId = -1: Value error"),
        (_offer(offerId=2**63), "result.result.data[0].offerId = 9223372036854775808: Value"),
        (_offer(offerId=10**5000), "result.result.data[0].offerId = a number too long to show"),
        (_offer(monthSold="١٢"), "result.result.data[0].monthSold = '١٢': Value error"),
        (_offer(monthSold=1.5), "result.result.data[0].monthSold = 1.5: Value error"),
        (_offer(subject=None), "result.result.data[0].subject = None: Input should be"),
        (_offer(isJxhy="yes"), "result.result.data[0].isJxhy = 'yes': Value error, expected true"),
        (
            _offer(priceInfo={"price": "٣.٨٠"}),
            "result.result.data[0].priceInfo.price = '٣.٨٠': Value error, expected a non-negative",
        ),
        (
            _offer(priceInfo={"price": True}),
            "result.result.data[0].priceInfo.price = True: Value error",
        ),
        (
            _offer(priceInfo={"promotionPrice": -1}),
            "result.result.data[0].priceInfo.promotionPrice = -1: Value error",
        ),
        (_offer(priceInfo="3.80"), "result.result.data[0].priceInfo = '3.80': Input should be"),
        (_offer(sellerIdentities="a"), "result.result.data[0].sellerIdentities = 'a': Input"),
        ({"result": {"result": {"data": []}}}, "result.result.totalRecords: Field required"),
        (aop(page_of([], currentPage=0)), "result.result.currentPage = 0: Input should be greater"),
        (aop(page_of([], pageSize=True)), "result.result.pageSize = True: Value error"),
        (aop(page_of([], totalRecords="-1")), "result.result.totalRecords = '-1': Value error"),
        (aop(page_of("x")), "result.result.data = 'x': Input should be a valid list"),
        (aop(page_of({"offerId": 1})), "result.result.data = {'offerId': 1}: Input should be a"),
        (aop(page_of([1])), "result.result.data[0] = 1: Input should be a valid dictionary"),
        (aop("x"), "result.result = 'x': expected an object"),
        (aop([]), "result.result = []: expected an object"),
        ({"result": "x"}, "result = 'x': expected an object"),
        ({"result": None}, "result = None: expected an object"),
        (aop(page_of([]), code={"a": 1}), "result.code = {'a': 1}: expected the code as text"),
        (
            {"result": {"success": False, "code": True}},
            "result.code = True: expected the code as text",
        ),
        (
            {"error_code": ["gw.X"], "error_message": "m"},
            "error_code = ['gw.X']: expected the code as text",
        ),
    ],
)
def test_unusable_answers_name_the_field(answer: object, message: str) -> None:
    with pytest.raises(ResponseParseError) as caught:
        parse_search_response(answer)
    assert str(caught.value).startswith(message)


def test_a_missing_offer_id_is_named() -> None:
    answer = aop(page_of([{k: v for k, v in SPARSE_OFFER.items() if k != "offerId"}]))
    with pytest.raises(ResponseParseError, match=r"^result\.result\.data\[0\]\.offerId: Field"):
        parse_search_response(answer)


# -- upload ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inner", "image_id"),
    [("8f3c0a1d2e", "8f3c0a1d2e"), (" 8f3c ", "8f3c"), (1234567890, "1234567890")],
)
def test_upload_answers_give_the_image_id(inner: object, image_id: str) -> None:
    assert parse_upload_response(aop(inner)) == image_id


@pytest.mark.parametrize("inner", ["", "  ", None, True, {"imageId": "x"}, [], -1])
def test_an_upload_answer_without_an_image_id(inner: object) -> None:
    with pytest.raises(ResponseParseError, match=r"^result\.result = .*: expected the imageId"):
        parse_upload_response(aop(inner))


# -- properties -----------------------------------------------------------------

_money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
_counts = st.integers(min_value=0, max_value=2**63 - 1)
_small = st.integers(min_value=0, max_value=10**6)
_texts = st.text(max_size=12)
_https = st.from_regex(r"\Ahttps://[a-z]{1,8}\.1688\.com/[a-z0-9]{1,8}\.jpg\Z")


def _as_count(draw: st.DrawFn, value: int) -> object:
    """A count as the platform may send it: a number or its digits as text."""
    return draw(st.sampled_from([value, str(value)]))


def _as_money(draw: st.DrawFn, value: Decimal) -> object:
    return draw(st.sampled_from([str(value), f"{value:.2f}"]))


def _as_flag(draw: st.DrawFn, value: bool) -> object:
    return draw(st.sampled_from([value, str(value).lower()]))


_OPTIONAL_TEXT = (
    "subjectTrans",
    "repurchaseRate",
    "traceInfo",
    "tradeScore",
    "createDate",
    "token",
    "companyName",
    "companyAddress",
)


@st.composite
def aop_offers(draw: st.DrawFn) -> dict[str, Any]:
    """A raw AOP offer: random values the docs allow, random optional keys left out."""
    offer: dict[str, Any] = {
        "offerId": _as_count(draw, draw(_counts)),
        "subject": draw(_texts),
    }
    for key in _OPTIONAL_TEXT:
        if draw(st.booleans()):
            offer[key] = draw(_texts)
    if draw(st.booleans()):
        offer["imageUrl"] = draw(_https)
    if draw(st.booleans()):
        offer["promotionURL"] = draw(_https)
    if draw(st.booleans()):
        prices = ("price", "promotionPrice", "consignPrice", "jxhyPrice")
        keys = draw(st.lists(st.sampled_from(prices), unique=True))
        offer["priceInfo"] = {key: _as_money(draw, draw(_money)) for key in keys}
    for key in ("monthSold", "topCategoryId", "minOrderQuantity", "sales7d"):
        if draw(st.booleans()):
            offer[key] = _as_count(draw, draw(_small))
    for key in ("isJxhy", "isSelect"):
        if draw(st.booleans()):
            offer[key] = _as_flag(draw, draw(st.booleans()))
    if draw(st.booleans()):
        offer["sellerIdentities"] = draw(st.lists(_texts, max_size=3))
    if draw(st.booleans()):
        offer["sellerDataInfo"] = {"tpYear": _as_count(draw, draw(_small))}
    if draw(st.booleans()):
        offer["unknownKey"] = draw(st.none() | _texts | st.lists(_small, max_size=2))
    return offer


@st.composite
def aop_answers(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(min_value=1, max_value=50))
    inner: dict[str, Any] = {
        "totalRecords": _as_count(draw, draw(_small)),
        "pageSize": _as_count(draw, size),
        "currentPage": _as_count(draw, draw(st.integers(min_value=1, max_value=100))),
        "data": draw(st.lists(aop_offers(), max_size=4)),
    }
    if draw(st.booleans()):
        inner["totalPage"] = _as_count(draw, draw(_small))
    if draw(st.booleans()):
        inner["picRegionInfo"] = {"currentRegion": draw(_texts), "yoloCropRegion": draw(_texts)}
    success = draw(st.sampled_from([True, "true", "是否成功"]))
    return {"result": {"success": success, "code": "200", "message": "", "result": inner}}


def _blank(value: object) -> object:
    return None if value in (None, "") else value


def expected_item(offer: dict[str, Any]) -> dict[str, Any]:
    """The item fields of a raw offer, mapped here without the parser's help."""
    prices = offer.get("priceInfo", {})
    price = prices.get("price")
    promotion = prices.get("promotionPrice")
    category = offer.get("topCategoryId")
    sold = offer.get("monthSold")
    return {
        "num_iid": str(int(offer["offerId"])),
        "title": offer["subject"],
        "price": None if price is None else Decimal(price),
        "price_max": None,
        "promotion_price": None if promotion is None else Decimal(promotion),
        "pic_url": offer.get("imageUrl"),
        "detail_url": offer.get("promotionURL"),
        "sales": None if sold is None else int(sold),
        "turn_head": _blank(offer.get("repurchaseRate")),
        "seller_nick": _blank(offer.get("companyName")),
        "area": _blank(offer.get("companyAddress")),
        "cat": None if category is None else str(int(category)),
    }


@given(aop_answers())
def test_any_valid_aop_answer_maps_onto_items(answer: dict[str, Any]) -> None:
    inner = answer["result"]["result"]
    page = parse_search_response(json.loads(json.dumps(answer, ensure_ascii=False)))
    assert page.page == int(inner["currentPage"])
    assert page.page_size == int(inner["pageSize"])
    assert page.total_results == int(inner["totalRecords"])
    if "totalPage" in inner:
        assert page.page_count == int(inner["totalPage"])
    else:
        assert page.page_count == -(-int(inner["totalRecords"]) // int(inner["pageSize"]))
    assert [dict(item) for item in page.items] == [expected_item(o) for o in inner["data"]]
    for item, offer in zip(page.items, inner["data"], strict=True):
        assert item.aop is not None
        assert item.aop.offer_id == int(offer["offerId"])
        assert item.aop.subject_trans == offer.get("subjectTrans")
        assert item.aop.model_extra == (
            {"unknownKey": offer["unknownKey"]} if "unknownKey" in offer else {}
        )
        assert Item.model_validate(item.to_payload()) == item
    assert page.aop is not None
    assert page.aop.success is True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
_OFFER_KEYS = ("offerId", "subject", "priceInfo", "monthSold", "topCategoryId", "isJxhy")
_PAGE_KEYS = ("totalRecords", "totalPage", "pageSize", "currentPage", "data", "picRegionInfo")
offer_like = st.fixed_dictionaries({}, optional=dict.fromkeys(_OFFER_KEYS, json_values))
aop_like = st.builds(
    lambda outcome, page, offers: {"result": {**outcome, "result": {**page, "data": offers}}},
    st.dictionaries(st.sampled_from(["success", "code", "message"]), json_values),
    st.dictionaries(st.sampled_from(_PAGE_KEYS[:4]), json_values | _small),
    st.lists(offer_like, max_size=3) | json_values,
)
gateway_like = st.dictionaries(
    st.sampled_from([ERROR_CODE_KEY, ERROR_MESSAGE_KEY, "exception", "request_id", "items"]),
    json_values,
)


@given(aop_like | gateway_like | st.fixed_dictionaries({"result": json_values}))
def test_any_aop_shaped_json_gives_a_page_or_a_typed_error(data: object) -> None:
    try:
        error = parse_aop_error(data)
    except ResponseParseError:
        error = None
    assert error is None or isinstance(error, ApiError)
    for parse in (parse_search_response, parse_upload_response):
        try:
            parse(data)
        except (ResponseParseError, ApiError):
            continue
