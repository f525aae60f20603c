"""The 1688 Open Platform's ("AOP") answers: typed offers and the envelope's outcome.

An AOP answer wraps the API's outcome as ``{"result": {"success", "code",
"message", "result"}}``; the gateway's own refusals are a top-level
``{"error_code", "error_message"}`` (:mod:`pailitao.wire.aop`, api-notes §2.4).

The models keep the platform's camelCase keys as aliases of snake_case
attributes and keep unknown keys (``model_extra``). Values follow the documented
types, read as tolerantly as the official example needs: counts may come as
digit strings (``"sales7d": "1"``), text as numbers (``"tradeScore": 5.0``).
Numbers are read in digits 0-9 only and never from true or false.

:mod:`pailitao.models` maps these onto :class:`~pailitao.models.Item` and
:class:`~pailitao.models.SearchPage` and names the field of any unusable value.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, ConfigDict, Field

from .._checks import excerpt, is_digits
from ..errors import ApiError, ResponseParseError, api_error
from ..wire.aop import ERROR_CODE_KEY, ERROR_MESSAGE_KEY
from ._base import WireModel, blank_as_none

__all__ = [
    "AopInvoiceInfo",
    "AopOffer",
    "AopOfferDataInfo",
    "AopPage",
    "AopPicRegion",
    "AopPriceInfo",
    "AopProductShippingInfo",
    "AopProductTradeInfo",
    "AopPromotionModel",
    "AopSearchInfo",
    "AopSellerDataInfo",
    "is_aop_answer",
    "item_fields",
    "parse_aop_error",
    "read_image_id",
    "unwrap",
]

RESULT_KEY: Final = "result"
#: Java's ``long``, the documented type of ids and counts; it also keeps ``str()`` cheap.
_LONG_MAX: Final = 2**63 - 1
_LONG_DIGITS: Final = len(str(_LONG_MAX))
_AMOUNT: Final = re.compile(r"\d+(?:\.\d+)?", re.ASCII)


# -- field readers ------------------------------------------------------------


def _long(value: object) -> int:
    """A whole number from ``12`` or ``"12"`` (digits 0-9), within a Java long."""
    if isinstance(value, bool):
        raise ValueError("a number cannot be true or false")
    if isinstance(value, str):
        text = value.strip()
        if is_digits(text) and len(text) <= _LONG_DIGITS:
            value = int(text)
    if not isinstance(value, int) or not 0 <= value <= _LONG_MAX:
        raise ValueError("expected a whole number from 0 to 2**63-1 in digits 0-9")
    return value


_count = blank_as_none(_long)


@blank_as_none
def _amount(value: object) -> Decimal:
    """A non-negative amount from ``"12.50"`` (digits 0-9) or a JSON number."""
    amount: Decimal | None = None
    if isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
        amount = Decimal(value.strip())
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        amount = Decimal(str(value))
    if amount is None or not amount.is_finite() or amount < 0:
        raise ValueError("expected a non-negative amount like '12.50' in digits 0-9")
    return amount.copy_abs()  # -0.0 as 0.0


@blank_as_none
def _flag(value: object) -> bool:
    """JSON ``true``/``false``, or the same as text (the docs type some flags String)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("expected true or false")


def _none_as_empty(value: object) -> object:
    return () if value is None else value


Long = Annotated[int, BeforeValidator(_long)]
Count = Annotated[int | None, BeforeValidator(_count)]
Amount = Annotated[Decimal | None, BeforeValidator(_amount)]
Flag = Annotated[bool | None, BeforeValidator(_flag)]
Texts = Annotated[tuple[str, ...], BeforeValidator(_none_as_empty)]


def _camel(name: str) -> str:
    """``pickup_within_24h_rate_30d`` → ``pickupWithin24hRate30d``, as the platform spells keys."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


class _AopModel(WireModel):
    model_config = ConfigDict(
        alias_generator=_camel,
        coerce_numbers_to_str=True,  # e.g. a score sent as 5.0 where the docs say String
    )

    def to_payload(self) -> dict[str, Any]:
        """The object as the platform spells it: the keys it came with, amounts as text.

        Counts come back as numbers (``"sales7d": "1"`` as ``1``); reading them again
        gives an equal object.
        """
        return self.model_dump(mode="json", exclude_unset=True)


# -- the offer ----------------------------------------------------------------


class AopPriceInfo(_AopModel):
    """``priceInfo``: the offer's prices, text on the wire and amounts here."""

    price: Amount = None
    jxhy_price: Amount = None
    pf_jxhy_price: Amount = None
    #: The price for dropshipping (代发).
    consign_price: Amount = None
    promotion_price: Amount = None


class AopPromotionModel(_AopModel):
    """``promotionModel``: whether a promotion runs, and its kind (e.g. ``"plus"``)."""

    has_promotion: Flag = None
    promotion_type: str | None = None


class AopSellerDataInfo(_AopModel):
    """``sellerDataInfo``: the seller's scores (text, as documented) and years as a member."""

    trade_medal_level: str | None = None
    composite_service_score: str | None = None
    logistics_experience_score: str | None = None
    dispute_complaint_score: str | None = None
    offer_experience_score: str | None = None
    after_sales_experience_score: str | None = None
    consulting_experience_score: str | None = None
    repeat_purchase_percent: str | None = None
    #: Years as a 诚信通 (TrustPass) member.
    tp_year: Count = None


class AopProductShippingInfo(_AopModel):
    """``productSimpleShippingInfo``: the shipping promise and rates like ``"99.12%"``."""

    shipping_time_guarantee: str | None = None
    perfect_fulfillment_rate_30d: str | None = None
    pickup_within_24h_rate_30d: str | None = None
    quality_return_rate_30d: str | None = None
    perfect_fulfillment_rate_7d: str | None = None
    pickup_within_24h_rate_7d: str | None = None
    delayed_shipping_rate_7d: str | None = None


class AopOfferDataInfo(_AopModel):
    """``offerDataInfo``: the offer's rates (text like ``"33.9%"``) and services."""

    offer_applause_rate: str | None = None
    kj_featured_services: str | None = None
    quality_rfd_rate_30d: str | None = None
    repurchase_rate_30d: str | None = None
    pickup_rate_24h_30d: str | None = None


class AopProductTradeInfo(_AopModel):
    """``productTradeInfo``: carts and paying buyers over 7 and 30 days (counts)."""

    add_cart_count_7d: Count = None
    pay_buyer_count_7d: Count = None
    add_cart_count_30d: Count = None
    pay_buyer_count_30d: Count = None


class AopInvoiceInfo(_AopModel):
    """``invoiceInfo``: which invoices the seller issues."""

    support_online_invoice: Flag = None
    support_fast_invoice: Flag = None
    #: As sent; the docs' example nests a JSON list in one entry: ``['["普票","专票"]']``.
    invoice_types: Texts = ()
    taxpayer_type: str | None = None

    @property
    def invoice_type_names(self) -> tuple[str, ...]:
        """``invoice_types`` with entries that hold a JSON list of names opened up."""
        names: list[str] = []
        for entry in self.invoice_types:
            names.extend(_json_names(entry) or [entry])
        return tuple(names)


def _json_names(text: str) -> list[str] | None:
    if not text.lstrip().startswith("["):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested too deep: a plain name
        return None
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return value
    return None


class AopOffer(_AopModel):
    """One offer of ``product.search.imageQuery``, every documented key typed.

    Attributes are the keys in snake_case (``subjectTrans`` → ``subject_trans``,
    ``promotionURL`` → ``promotion_url``); keys the docs do not list stay in
    ``model_extra``. :meth:`to_payload` gives the offer back as it came.
    """

    offer_id: Long
    subject: str
    #: ``subject`` in the language the search asked for (``country``).
    subject_trans: str | None = None
    image_url: str | None = None
    price_info: AopPriceInfo | None = None
    is_jxhy: Flag = None
    #: Repurchase rate as the platform spells it, e.g. ``"13%"``.
    repurchase_rate: str | None = None
    month_sold: Count = None
    trace_info: str | None = None
    is_one_psale: Flag = None
    seller_identities: Texts = ()
    offer_identities: Texts = ()
    trade_score: str | None = None
    promotion_model: AopPromotionModel | None = None
    top_category_id: Count = None
    second_category_id: Count = None
    third_category_id: Count = None
    is_patent_product: Flag = None
    #: ``yyyy-MM-dd HH:mm:ss`` as sent (the docs name no time zone).
    create_date: str | None = None
    modify_date: str | None = None
    is_select: Flag = None
    seller_data_info: AopSellerDataInfo | None = None
    product_simple_shipping_info: AopProductShippingInfo | None = None
    min_order_quantity: Count = None
    token: str | None = None
    #: The offer's detail page.
    promotion_url: str | None = Field(default=None, alias="promotionURL")
    company_name: str | None = None
    company_address: str | None = None
    offer_data_info: AopOfferDataInfo | None = None
    sales_7d: Count = None
    product_trade_info: AopProductTradeInfo | None = None
    invoice_info: AopInvoiceInfo | None = None


# -- the page -----------------------------------------------------------------


class AopPicRegion(_AopModel):
    """``picRegionInfo``: where in the picture the platform looked (empty when whole)."""

    current_region: str | None = None
    yolo_crop_region: str | None = None


class AopSearchInfo(_AopModel):
    """What an AOP search answer says beside its page and offers (``SearchPage.aop``).

    ``success``, ``code`` and ``message`` are the outcome's: a page is only read
    from a success, so ``success`` is true; ``code`` is ``"200"`` from the live
    platform. Keys of ``result.result`` the docs do not list stay in ``model_extra``.
    """

    success: bool = True
    code: str | None = None
    message: str | None = None
    pic_region_info: AopPicRegion | None = None


class AopPage(_AopModel):
    """``result.result`` of a search: the counts, the offers, the picture region."""

    total_records: Long
    total_page: Count = None
    page_size: Annotated[Long, Field(ge=1)]
    current_page: Annotated[Long, Field(ge=1)]
    # pydantic copies a mutable default for each instance (ruff cannot see WireModel is one).
    data: Annotated[list[AopOffer], BeforeValidator(_none_as_empty)] = []  # noqa: RUF012
    pic_region_info: AopPicRegion | None = None

    def page_fields(self, status: Mapping[str, Any]) -> dict[str, Any]:
        """The fields of a ``SearchPage``; ``status`` is :func:`unwrap`'s outcome."""
        # Unknown keys of the page stay reachable; the outcome's own keys win a clash.
        info = {**(self.model_extra or {}), **status, "pic_region_info": self.pic_region_info}
        fields = {
            "page": self.current_page,
            "page_size": self.page_size,
            "total_results": self.total_records,
            "item": self.data,  # each offer maps onto an Item
            "aop": AopSearchInfo.model_validate(info),
        }
        if self.total_page is not None:  # else computed, as for the other envelopes
            fields["pagecount"] = self.total_page
        return fields


def item_fields(offer: AopOffer) -> dict[str, Any]:
    """The fields of an ``Item`` from an AOP offer (api-notes §2.4)."""
    prices = offer.price_info or AopPriceInfo()
    category = offer.top_category_id
    return {
        "num_iid": str(offer.offer_id),
        "title": offer.subject,
        "price": prices.price,
        "promotion_price": prices.promotion_price,
        "pic_url": offer.image_url,
        "detail_url": offer.promotion_url,
        "sales": offer.month_sold,
        "turn_head": offer.repurchase_rate,
        "seller_nick": offer.company_name,
        "area": offer.company_address,
        "cat": None if category is None else str(category),
    }


# -- the envelope -------------------------------------------------------------


def is_aop_answer(answer: Mapping[str, Any]) -> bool:
    """Whether an answer is AOP's ``{"result": …}`` rather than TOP's or the reseller's."""
    if RESULT_KEY not in answer or "items" in answer:
        return False
    return not any(isinstance(key, str) and key.endswith("_response") for key in answer)


def _is_gateway_error(answer: Mapping[str, Any]) -> bool:
    # The reseller's envelope has a top-level error_code too, but never error_message.
    return ERROR_CODE_KEY in answer and ERROR_MESSAGE_KEY in answer and "items" not in answer


def _failed(success: object) -> bool:
    """Only false says failure: the docs type ``success`` String and show a placeholder."""
    if isinstance(success, str):
        return success.strip().lower() == "false"
    return success is False


def _code(value: object, where: str) -> str:
    """An AOP code as text: ``"gw.SignatureInvalid"``, ``"401"``, or a number sent bare."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _LONG_MAX:
        return str(value)
    raise ResponseParseError(f"{where} = {excerpt(value, 80)}: expected the code as text")


def _text(value: object) -> str:
    if value is None or isinstance(value, str):
        return value or ""
    return excerpt(value, 200)  # a message sent as JSON other than text: shown, not lost


def _opt_text(value: object) -> str | None:
    return _text(value) or None


def parse_aop_error(data: object) -> ApiError | None:
    """The :class:`~pailitao.errors.ApiError` an AOP answer carries, or ``None``.

    Reads the gateway's refusal (top-level ``error_code`` and ``error_message``,
    whatever the HTTP status; ``exception`` becomes ``sub_msg``) and a business
    failure (``result.success`` false; ``result.code`` and ``result.message``).
    Anything else is ``None``: a success, the reseller's ``error_code`` beside
    ``items``, a body that is no JSON object. Raises
    :class:`~pailitao.errors.ResponseParseError` for an error's unusable code.
    """
    if not isinstance(data, Mapping):
        return None
    if _is_gateway_error(data):
        return api_error(
            _code(data[ERROR_CODE_KEY], ERROR_CODE_KEY),
            _text(data[ERROR_MESSAGE_KEY]),
            sub_msg=_opt_text(data.get("exception")),
            request_id=_opt_text(data.get("request_id")),
        )
    outcome = data.get(RESULT_KEY)
    if is_aop_answer(data) and isinstance(outcome, Mapping) and _failed(outcome.get("success")):
        code = _code(outcome.get("code"), "result.code")
        return api_error(code, _text(outcome.get("message")) or "result.success is false")
    return None


def unwrap(answer: Mapping[str, Any]) -> tuple[dict[str, Any], object]:
    """The outcome (``success``, ``code``, ``message``) and ``result.result`` of a success.

    A failure is :func:`parse_aop_error`'s to raise, before this is called.
    """
    outcome = answer.get(RESULT_KEY)
    if not isinstance(outcome, Mapping):
        raise ResponseParseError(f"result = {excerpt(outcome, 80)}: expected an object")
    status = {
        "success": True,
        "code": _code(outcome.get("code"), "result.code") or None,
        "message": _opt_text(outcome.get("message")),
    }
    return status, outcome.get(RESULT_KEY)


def read_image_id(inner: object) -> str:
    """The ``imageId`` that ``product.image.upload`` answers in ``result.result``."""
    if isinstance(inner, int) and not isinstance(inner, bool) and 0 <= inner <= _LONG_MAX:
        return str(inner)
    if not isinstance(inner, str) or not inner.strip():
        raise ResponseParseError(
            f"result.result = {excerpt(inner, 80)}: expected the imageId string"
        )
    return inner.strip()
