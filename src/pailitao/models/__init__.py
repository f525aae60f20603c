"""Typed results and tolerant parsing of the three answer envelopes.

Three envelopes carry the same data:

* the TOP router's ``{"1688_items_search_img_response": {"items": {...}, "request_id": ...}}``
  (also under the legacy key ``items_search_img_response``, which older recordings hold)
  (errors as ``{"error_response": {...}}``), which the fake gateway serves;
* the reseller API's ``{"items": {...}, "error_code": "0000", ...}`` that made the
  name ``item_search_img`` popular;
* the 1688 Open Platform's (AOP) ``{"result": {"success", "code", "message",
  "result": {...}}}`` (gateway errors as a top-level ``error_code``/``error_message``).
  Its offers map onto :class:`Item` and stay whole, typed, in ``Item.aop``; what
  the page adds stays in ``SearchPage.aop`` (the models live in ``models._aop``).

Each parser also takes a TOP answer's XML body (``format=xml``; bytes or text),
read by :mod:`pailitao.models._xml` into the mapping its JSON decodes to.

Field values arrive in many spellings (``"90.00"``, ``"12.50-18.00"``, ``"1.2万"``);
they are normalised here. Unknown fields are kept (``model_extra``) and rendered
back. Anything unusable raises :class:`~pailitao.errors.ResponseParseError` naming
the field and the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from pydantic import (
    AliasChoices,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails

from .._checks import excerpt, is_digits
from ..errors import ApiError, ResponseParseError, api_error
from ..wire import top
from . import _xml
from ._aop import (
    AopInvoiceInfo,
    AopOffer,
    AopOfferDataInfo,
    AopPage,
    AopPicRegion,
    AopPriceInfo,
    AopProductShippingInfo,
    AopProductTradeInfo,
    AopPromotionModel,
    AopSearchInfo,
    AopSellerDataInfo,
    is_aop_answer,
    item_fields,
    parse_aop_error,
    read_image_id,
    unwrap,
)
from ._base import WireModel, blank_as_none

__all__ = [
    "AopInvoiceInfo",
    "AopOffer",
    "AopOfferDataInfo",
    "AopPicRegion",
    "AopPriceInfo",
    "AopProductShippingInfo",
    "AopProductTradeInfo",
    "AopPromotionModel",
    "AopSearchInfo",
    "AopSellerDataInfo",
    "Item",
    "SearchPage",
    "parse_aop_error",
    "parse_error_response",
    "parse_search_response",
    "parse_upload_response",
]

_MONEY: Final = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
_SALES: Final = re.compile(r"(\d+(?:\.\d+)?)\s*([万wW亿]?)", re.ASCII)
_SALES_MULTIPLIER: Final = {"": 1, "万": 10_000, "w": 10_000, "W": 10_000, "亿": 100_000_000}
#: The largest count read, a Java ``long`` as AOP's ``monthSold`` (and far past any real one).
_SALES_MAX: Final = 2**63 - 1
_RESELLER_OK: Final = frozenset({"0000", "0", "200", ""})
#: Longer digit strings are no platform code (and past 4,300 digits int() refuses them).
_MAX_CODE_DIGITS: Final = 18
#: A reseller's search that found nothing: its empty page comes with it.
_RESELLER_NO_RESULT: Final = "2000"


def _number(value: object, what: str, *, decimals: bool) -> Decimal:
    """A JSON number as a ``Decimal`` (a float by its repr); ``what`` names it in errors."""
    if isinstance(value, bool):
        raise ValueError(f"{what} cannot be a boolean")
    if isinstance(value, int) or (decimals and isinstance(value, Decimal)):
        return Decimal(value)
    if not isinstance(value, float):
        raise ValueError(f"{what} cannot be a {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number")
    return Decimal(str(value))


def _money_text(text: str) -> str:
    """``"¥1,290.00"`` as ``"1290.00"``: the amount without its currency sign and commas."""
    return text.strip().lstrip("¥￥").replace(",", "").strip()


@blank_as_none
def _money(value: object) -> Decimal:
    """A non-negative amount from ``90``, ``90.5``, ``"90.00"`` or ``"¥1,290.00"``."""
    if isinstance(value, str):
        text = _money_text(value)
        if not _MONEY.fullmatch(text):
            raise ValueError("expected a price like '90.00' or '12.50-18.00'")
        amount = Decimal(text)
    else:
        amount = _number(value, "a price", decimals=True)
    if not amount.is_finite() or amount < 0:
        raise ValueError("a price must be a non-negative number")
    return amount.copy_abs()  # -0.0 as 0.0, which reads back


def _price_range(price: object) -> tuple[str, str] | None:
    """The two ends of a range like ``"12.50-18.00"``; ``None`` for any other value."""
    if not isinstance(price, str):
        return None
    low, dash, high = price.partition("-")
    if dash and all(_MONEY.fullmatch(_money_text(end)) for end in (low, high)):
        return low, high
    return None  # "12-", "-12" or "1-2-3" is no range: the price's own check names it


@blank_as_none
def _sales(value: object) -> int:
    """A count from ``803``, ``803.0``, ``"803"``, ``"1000+"``, ``"1.2万"`` or ``"已售 3 件"``,
    at most :data:`_SALES_MAX`."""
    if isinstance(value, str):
        text = value.strip().removeprefix("已售").removeprefix("销量").strip()
        text = text.rstrip("+件笔个单 ").strip()
        match = _SALES.fullmatch(text)
        if not match:
            raise ValueError("expected a count like 803, '1000+' or '1.2万'")
        number, unit = Decimal(match.group(1)), _SALES_MULTIPLIER[match.group(2)]
    else:
        number, unit = _number(value, "sales", decimals=False), 1
    if number > _SALES_MAX:  # before any arithmetic: "9" * 5000 is refused at once
        raise ValueError("sales must be at most 2**63-1")
    count = Fraction(number) * unit  # exact: Decimal rounds a product to 28 digits
    if count < 0 or count.denominator != 1:
        raise ValueError("sales must be a whole, non-negative number")
    if count > _SALES_MAX:
        raise ValueError("sales must be at most 2**63-1")
    return int(count)


def _whole(value: object) -> int:
    """A page number or total from ``20``, ``20.0`` or ``"20"`` (digits 0-9, blanks around)."""
    if isinstance(value, str) and is_digits(value.strip()):
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(Decimal(str(value)))  # by its repr, as sales: 1e+20 is 10**20
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("a count must be a whole number like 20 or '20'")


class Item(WireModel):
    """One offer in a search result.

    An AOP offer (a mapping with ``offerId``) is read too: its fields map onto
    the item's, and the whole offer stays typed in :attr:`aop`.
    """

    num_iid: str
    title: str
    price: Decimal | None = None
    #: The high end of a price range such as ``"12.50-18.00"``.
    price_max: Decimal | None = None
    promotion_price: Decimal | None = None
    pic_url: str | None = None
    detail_url: str | None = None
    sales: int | None = None
    seller_nick: str | None = None
    area: str | None = None
    #: Repurchase rate as the platform spells it, e.g. ``"15%"``.
    turn_head: str | None = Field(
        default=None,
        alias="turnHead",
        # Resellers spell it three ways; it is rendered as turnHead.
        validation_alias=AliasChoices("turnHead", "turn_head", "tag_percent"),
    )
    cat: str | None = None
    # Not a field: the wire schemas are made of the fields, and no TOP item has it.
    _aop: AopOffer | None = PrivateAttr(default=None)

    @property
    def aop(self) -> AopOffer | None:
        """The AOP offer this item was read from, every documented field typed, or ``None``."""
        return self._aop

    @classmethod
    def from_aop(cls, offer: AopOffer) -> Item:
        """The item an AOP offer describes (``offer`` stays whole in :attr:`aop`)."""
        return cls.model_validate(offer)

    @model_validator(mode="wrap")
    @classmethod
    def _read_offer(cls, data: Any, handler: ModelWrapValidatorHandler[Item]) -> Item:
        if isinstance(data, Mapping) and "offerId" in data and "num_iid" not in data:
            data = AopOffer.model_validate(data)
        if not isinstance(data, AopOffer):
            return handler(data)
        item = handler(item_fields(data))
        item._aop = data
        return item

    @model_validator(mode="before")
    @classmethod
    def _split_price_range(cls, data: Any) -> Any:
        ends = _price_range(data.get("price")) if isinstance(data, Mapping) else None
        if ends is None:
            return data
        low, high = ends
        data = {**data, "price": low}
        if data.get("price_max") in (None, ""):
            data["price_max"] = high
        return data

    @field_validator("num_iid", mode="before")
    @classmethod
    def _num_iid(cls, value: object) -> str:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return str(value)
        if isinstance(value, str) and is_digits(value.strip()):
            return value.strip()
        raise ValueError("num_iid must be a string of digits 0-9")

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: object) -> str:
        if not isinstance(value, str):
            raise ValueError("title must be a string")
        return value

    @field_validator("price", "price_max", "promotion_price", mode="before")
    @classmethod
    def _prices(cls, value: object) -> Decimal | None:
        return _money(value)

    @field_validator("sales", mode="before")
    @classmethod
    def _sales(cls, value: object) -> int | None:
        return _sales(value)

    @field_validator("pic_url", "detail_url", mode="before")
    @classmethod
    def _urls(cls, value: object) -> object:
        if value == "":
            return None
        if isinstance(value, str) and value.startswith("//"):
            return "https:" + value
        return value

    @field_validator("seller_nick", "area", "turn_head", "cat", mode="before")
    @classmethod
    def _optional_text(cls, value: object) -> object:
        if value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @model_serializer(mode="wrap")
    def _render(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        if self.aop is not None:  # rendered as the platform that sent it spells it
            return self.aop.model_dump(mode=info.mode, exclude_unset=True)
        data: dict[str, Any] = handler(self)
        if self.price_max is not None:
            data["price"] = f"{self.price}-{self.price_max}"
        data.pop("price_max", None)
        # Absent optional fields stay absent; unknown fields go back exactly as they came.
        extra = self.model_extra or {}
        return {k: v for k, v in data.items() if v is not None or k in extra}

    def to_payload(self) -> dict[str, Any]:
        """The item as the platform spells it (parsing it back gives an equal item).

        An item read from an AOP offer gives that offer back, with its camelCase keys.
        """
        return self.model_dump(mode="json")


class SearchPage(WireModel):
    """One page of a search result.

    Its counts are read from ``20``, ``20.0`` or ``"20"`` (digits 0-9); a missing
    ``pagecount`` is ``total_results`` over ``page_size``, rounded up.
    """

    items: list[Item] = Field(alias="item")
    page: int = Field(ge=1)
    page_size: int = Field(ge=1)
    total_results: int = Field(ge=0)
    page_count: int = Field(ge=0, alias="pagecount")
    real_total_results: int | None = Field(default=None, ge=0)
    request_id: str | None = None
    # Not a field, as Item's offer: read from and rendered as "aop".
    _aop: AopSearchInfo | None = PrivateAttr(default=None)

    @property
    def aop(self) -> AopSearchInfo | None:
        """What an AOP answer adds (its outcome, the picture region searched), or ``None``."""
        return self._aop

    @model_validator(mode="wrap")
    @classmethod
    def _read_aop(cls, data: Any, handler: ModelWrapValidatorHandler[SearchPage]) -> SearchPage:
        info = data.get("aop") if isinstance(data, Mapping) else None
        if info is None:
            return handler(data)
        try:
            aop = AopSearchInfo.model_validate(info)
        except ValidationError as error:  # raised here, it would be placed at the page itself
            raise _under("aop", error) from None
        page = handler({key: value for key, value in data.items() if key != "aop"})
        page._aop = aop
        return page

    @field_validator(
        "page", "page_size", "total_results", "page_count", "real_total_results", mode="before"
    )
    @classmethod
    def _count(cls, value: object) -> int | None:
        if isinstance(value, bool):  # pydantic's lax mode would read true as 1
            raise ValueError("a count must be a whole number, not true or false")
        return None if value is None else _whole(value)

    @model_validator(mode="before")
    @classmethod
    def _fill_in(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        items = data.get("item", data.get("items"))
        if items is None:
            items = []
        elif isinstance(items, Mapping):  # one item, as XML-to-JSON converters write it
            items = [items]
        data.pop("items", None)
        data["item"] = items
        if "total_results" not in data and "real_total_results" in data:
            data["total_results"] = data["real_total_results"]
        if "pagecount" not in data and "page_count" not in data:
            data["pagecount"] = _page_count(data.get("total_results"), data.get("page_size"))
        return data

    @property
    def has_next(self) -> bool:
        """Whether a later page may hold more items."""
        return self.page < self.page_count

    def to_payload(self) -> dict[str, Any]:
        """The ``items`` object of the envelope (``request_id`` is the envelope's).

        A page read from an AOP answer adds ``aop``, which parsing reads back.
        """
        data = self.model_dump(mode="json", exclude={"request_id"})
        if data.get("real_total_results") is None:
            data.pop("real_total_results", None)
        if self.aop is not None:
            data["aop"] = self.aop.model_dump(mode="json")
        return data


def _page_count(total: object, size: object) -> int | None:
    """``total / size`` rounded up, in whole numbers (a float loses a total past 2**53)."""
    try:
        return -(-_whole(total) // _whole(size))
    except (ValueError, ZeroDivisionError):
        return None  # let validation name the unusable field


def _describe(error: ValidationError, where: str) -> str:
    """The first problem of ``error``, placed below ``where``, and a count of the rest."""
    first = error.errors(include_url=False)[0]
    where += "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"])
    # A missing field's input is its whole parent object: not worth quoting.
    shown = "" if first["type"] == "missing" else f" = {excerpt(first.get('input'), 80)}"
    more = error.error_count() - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}{shown}: {first['msg']}{tail}"


def _under(key: str, error: ValidationError) -> ValidationError:
    """``error``, each of its problems placed under ``key``."""
    problems = error.errors(include_url=False)
    placed: list[InitErrorDetails] = [
        {"type": p["type"], "loc": (key, *p["loc"]), "input": p["input"], "ctx": p.get("ctx", {})}
        for p in problems
    ]
    return ValidationError.from_exception_data(error.title, placed)


def parse_error_response(data: Mapping[str, Any] | bytes | str) -> ApiError | None:
    """The :class:`ApiError` an answer (decoded JSON, or an XML body) carries, or ``None``."""
    data = _mapping(_read_xml(data))
    aop = parse_aop_error(data)  # before the reseller's: both have a top-level error_code
    if aop is not None:
        return aop
    envelope = data.get("error_response")
    if isinstance(envelope, Mapping):
        code = envelope.get("code")
        text = str(code).strip()
        try:
            if not is_digits(text.removeprefix("-")):
                raise ValueError
            number = int(text)
        except ValueError:  # also past 4,300 digits, which int() refuses
            raise ResponseParseError(
                f"error_response.code = {excerpt(code, 80)}: expected an integer platform code"
            ) from None
        return api_error(
            number,
            _opt_str(envelope.get("msg")) or "",
            _opt_str(envelope.get("sub_code")),
            _opt_str(envelope.get("sub_msg")),
            _opt_str(envelope.get("request_id")),
        )
    raw = _opt_str(data.get("error_code")) or ""  # absent and null: no error, as ""
    if raw not in _RESELLER_OK:
        if is_digits(raw) and len(raw) > _MAX_CODE_DIGITS:
            raise ResponseParseError(
                f"error_code = {excerpt(raw, 80)}: expected a platform code "
                f"of at most {_MAX_CODE_DIGITS} digits"
            )
        message = str(data.get("reason") or data.get("error") or "error")
        return api_error(
            int(raw) if is_digits(raw) else -1,
            message,
            sub_code=raw,
            sub_msg=_opt_str(data.get("error")),
            request_id=_opt_str(data.get("request_id")),
        )
    return None


_opt_str: Final = blank_as_none(str)


def _read_xml(data: object) -> object:
    """An XML body (bytes or text) as the mapping it stands for; anything else as it is."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if isinstance(raw, bytes) and _xml.is_xml(None, raw):
        return _xml.loads(raw)
    return data


def _mapping(data: object) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ResponseParseError(f"answer = {type(data).__name__}: expected a JSON object")
    return data


def _checked(data: object) -> Mapping[str, Any]:
    """The answer as a mapping, after raising any error envelope."""
    answer = _mapping(_read_xml(data))
    error = parse_error_response(answer)
    if error is not None:
        raise error
    return answer


def _body(data: Mapping[str, Any], response_key: str) -> Mapping[str, Any]:
    """The mapping that holds ``items``: under TOP's key (or its legacy spelling), or the
    answer itself (the reseller's envelope, and TOP's with ``simplify=true``)."""
    inner = data.get(response_key)
    if inner is None:
        inner = data.get(top.LEGACY_RESPONSE_KEYS[response_key])
    if inner is None and "items" in data:
        inner = data
    if not isinstance(inner, Mapping):
        keys = ", ".join(sorted(map(str, data))) or "none"
        raise ResponseParseError(f"answer: expected {response_key!r} or 'items'; got keys: {keys}")
    return inner


def parse_search_response(data: object) -> SearchPage:
    """Parse a search answer in any of the three envelopes into a :class:`SearchPage`.

    ``data`` is the decoded JSON, or a TOP answer's XML body (bytes or text).

    Raises the matching :class:`~pailitao.errors.ApiError` for an error envelope
    and :class:`~pailitao.errors.ResponseParseError` for anything unusable.
    """
    answer = _mapping(_read_xml(data))
    if not _reseller_no_result(answer):
        answer = _checked(answer)
    if is_aop_answer(answer):
        return _aop_search_page(answer)
    body = _body(answer, top.SEARCH_RESPONSE_KEY)
    items = body.get("items")
    if not isinstance(items, Mapping):
        raise ResponseParseError(f"items = {items!r:.80}: expected an object")
    fields = dict(items)
    request_id = body.get("request_id")
    if request_id is not None and "request_id" not in fields:
        fields["request_id"] = str(request_id)
    try:
        return SearchPage.model_validate(fields)
    except ValidationError as error:
        raise ResponseParseError(_describe(error, "items")) from None


def _reseller_no_result(answer: Mapping[str, Any]) -> bool:
    """A reseller's ``2000`` (no result) that carries its empty page: a page, not an error."""
    items = answer.get("items")
    return (
        str(answer.get("error_code")) == _RESELLER_NO_RESULT
        and isinstance(items, Mapping)
        and not items.get("item")
    )


def _aop_search_page(answer: Mapping[str, Any]) -> SearchPage:
    status, inner = unwrap(answer)
    if not isinstance(inner, Mapping):
        raise ResponseParseError(f"result.result = {excerpt(inner, 80)}: expected an object")
    try:
        page = AopPage.model_validate(inner)
    except ValidationError as error:
        raise ResponseParseError(_describe(error, "result.result")) from None
    return SearchPage.model_validate(page.page_fields(status))


def parse_upload_response(data: object) -> str:
    """The ``imgid`` (AOP: the ``imageId``) from an upload answer in any envelope, JSON or XML."""
    answer = _checked(data)
    if is_aop_answer(answer):
        return read_image_id(unwrap(answer)[1])
    body = _body(answer, top.UPLOAD_RESPONSE_KEY)
    items = body.get("items")
    item = items.get("item") if isinstance(items, Mapping) else None
    if isinstance(item, list) and len(item) == 1:
        item = item[0]
    name = item.get("name") if isinstance(item, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ResponseParseError(f"items.item.name = {name!r:.80}: expected the imgid string")
    return name
