"""Hypothesis strategies for 拍立淘 answers, signed requests and images.

For your own property tests: every payload here is in the platform's wire
spelling, passes the client parser (or raises the documented error) and, for
the TOP envelope and the 1688 Open Platform's (``aop_*``), validates against
the shipped JSON Schemas. ``pip install 'pailitao[strategies]'``::

    from hypothesis import given
    from . import parse_search_response
    from .strategies import search_payloads

    @given(search_payloads())
    def test_my_code_handles_any_page(payload):
        page = parse_search_response(payload)
        assert my_price_filter(page.items, low=10) is not None

This module imports Hypothesis; ``import pailitao`` never imports it. Pillow is
imported only when an :func:`images` example is drawn. See ``docs/reference/strategies.md``.
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import math
import string
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple

from hypothesis import strategies as st

from .models import AopOffer, AopSearchInfo, Item, SearchPage
from .models._aop import AopPage
from .wire import aop, reseller, signing
from .wire.top import (
    LIVE_SPELLINGS,
    PLATFORM_CODES,
    SEARCH_METHOD,
    SEARCH_RESPONSE_KEY,
    UPLOAD_METHOD,
    UPLOAD_RESPONSE_KEY,
)

__all__ = [
    "ERROR_CODES",
    "IMAGE_FORMATS",
    "AopRequest",
    "ResellerRequest",
    "aop_business_error_payloads",
    "aop_gateway_error_payloads",
    "aop_offers",
    "aop_search_pages",
    "aop_search_payloads",
    "aop_upload_payloads",
    "error_payloads",
    "images",
    "items",
    "reseller_error_payloads",
    "reseller_requests",
    "reseller_search_payloads",
    "reseller_upload_payloads",
    "search_pages",
    "search_payloads",
    "signed_aop_params",
    "signed_aop_requests",
    "signed_params",
    "upload_payloads",
]

Payload = dict[str, Any]
Envelope = Literal["top", "reseller"]

#: The platform's error codes and messages (api-notes §2.2).
ERROR_CODES: Final[Mapping[int, str]] = PLATFORM_CODES
_LIVE_MSGS: Final = LIVE_SPELLINGS
#: Sub-codes seen with each code; codes not listed may carry none.
_SUB_CODES: Final[Mapping[int, tuple[str, ...]]] = {
    7: ("accesscontrol.limited-by-app-access-count", "accesscontrol.limited-by-api-access-count"),
    10: ("isp.remote-service-error", "isp.top-remote-connection-timeout"),
    15: ("isp.remote-service-error", "isp.top-remote-connection-timeout"),
    29: ("isv.appkey-not-exists",),
    40: ("isv.missing-parameter",),
    41: ("isv.invalid-parameter",),
    43: ("isv.invalid-parameter",),
    50: ("isv.invalid-parameter", "isp.remote-service-error"),
}

#: What :func:`images` can encode (names as :func:`pailitao.images.sniff_format` gives them).
IMAGE_FORMATS: Final = ("jpeg", "png", "gif", "bmp", "webp")

_WORDS: Final = (
    "2025新款", "韩版", "宽松", "纯棉", "短袖T恤", "女", "不锈钢", "保温杯", "大容量",
    "儿童", "积木", "玩具", "手机壳", "硅胶", "防摔", "收纳盒", "家用", "工厂直销", "一件代发",
)  # fmt: skip
_CITIES: Final = ("广州", "义乌", "深圳", "杭州", "汕头", "东莞", "温州", "泉州")
_TRADE_NAMES: Final = ("鑫达", "恒源", "佳美", "金诚", "华誉", "宏发", "永盛", "锦程")
_ALNUM: Final = string.ascii_letters + string.digits
_BASE36: Final = string.digits + string.ascii_lowercase
#: Extra fields the platform adds now and then; the client keeps them.
_EXTRA_NAMES: Final = ("is_tmall", "shop_id", "post_fee", "tag_list", "offer_type", "item_imgs")
_NUM_IIDS: Final = st.integers(10**11, 10**13 - 1)
_FEN: Final = st.integers(1, 10**7)
_PERCENT: Final = st.integers(0, 100)
_COIN: Final = st.booleans()
_MASK: Final = st.integers(0, 2**7 - 1)  # which of the seven optional fields are present
#: Model field names and aliases: an "unknown" extra field must not be one of them.
_KNOWN: Final = frozenset(
    {name for model in (Item, SearchPage) for name in model.model_fields}
    | {f.alias for model in (Item, SearchPage) for f in model.model_fields.values() if f.alias}
    | {"items"}
)


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@functools.cache
def _json_values() -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(-(10**6), 10**6)
        | st.floats(allow_nan=False, allow_infinity=False, width=32)
        | st.text(max_size=8)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=4,
    )


@functools.cache
def _extras() -> st.SearchStrategy[dict[str, Any]]:
    names = st.sampled_from(_EXTRA_NAMES) | st.from_regex(r"x_[a-z][a-z0-9_]{0,8}", fullmatch=True)
    return st.dictionaries(names.filter(lambda n: n not in _KNOWN), _json_values(), max_size=2)


def _token(number: int, length: int = 22) -> str:
    """A fixed-length alphanumeric token from one drawn integer (one draw, not 22)."""
    chars = []
    for _ in range(length):
        number, rest = divmod(number, len(_ALNUM))
        chars.append(_ALNUM[rest])
    return "".join(chars)


@functools.cache
def _hosted() -> st.SearchStrategy[str]:
    """A hosted 1688 picture, scheme-relative: ``//cbu01.alicdn.com/img/ibank/O1CN01…jpg``."""
    return st.builds(
        "//cbu01.alicdn.com/img/ibank/O1CN01{}_!!{}-0-cib.jpg".format,
        st.integers(0, len(_ALNUM) ** 22 - 1).map(_token),
        st.integers(10**9, 10**10 - 1),
    )


@functools.cache
def _pic_urls() -> st.SearchStrategy[str]:
    scheme = st.sampled_from(("https:", "http:", ""))  # scheme-relative URLs occur in the wild
    return st.builds(str.__add__, scheme, _hosted())


def _words(mask: int) -> str:
    chosen = [word for bit, word in enumerate(_WORDS) if mask >> bit & 1]
    return "".join(chosen[:6]) or _WORDS[mask % len(_WORDS)]


@functools.cache
def _titles() -> st.SearchStrategy[str]:
    # A mask picks the words in one draw: generating pages of items stays fast.
    composed = st.integers(0, 2 ** len(_WORDS) - 1).map(_words)
    return composed | st.text(max_size=12)


@functools.cache
def _optional() -> dict[str, st.SearchStrategy[Any]]:
    # Built once: Hypothesis validates each new strategy object on its first draw.
    return {
        "detail_url": st.just("from num_iid"),
        "promotion_price": st.integers(0, 100),  # percent of the (low) price
        "sales": st.integers(0, 10**6),
        "seller_nick": st.builds(
            "{}{}贸易有限公司".format, st.sampled_from(_CITIES), st.sampled_from(_TRADE_NAMES)
        ),
        "area": st.sampled_from(_CITIES),
        "turnHead": st.integers(0, 100).map("{}%".format) | st.just("12.5%"),
        "cat": st.integers(1000, 10**8).map(str),
    }


@st.composite
def _item(draw: st.DrawFn, ranges: bool, promotions: bool, optional: bool, extras: bool) -> Payload:
    num_iid = str(draw(_NUM_IIDS))
    low = draw(_FEN)
    item: Payload = {"num_iid": num_iid, "title": draw(_titles()), "price": _money(low)}
    if ranges and draw(_COIN):
        item["price"] += "-" + _money(low + low * draw(_PERCENT) // 100)
    item["pic_url"] = draw(_pic_urls())
    fields = _optional()
    present = draw(_MASK) if optional else -1
    for bit, key in enumerate(fields):
        if not present >> bit & 1 or (key == "promotion_price" and not promotions):
            continue
        value = draw(fields[key])
        if key == "detail_url":
            value = f"https://detail.1688.com/offer/{num_iid}.html"
        elif key == "promotion_price":
            value = _money(low * value // 100)
        item[key] = value
    if extras and draw(_PERCENT) < 25:  # most offers carry no unknown field
        item.update(draw(_extras()))
    return item


def items(
    *, ranges: bool = True, promotions: bool = True, optional: bool = True, extras: bool = True
) -> st.SearchStrategy[Payload]:
    """One search-result item as the platform spells it.

    Variants: a range price ``"12.50-18.00"`` (``ranges``), a promotion price
    (``promotions``), optional fields left out (``optional``), and unknown
    fields the platform may add (``extras``). Turn a variant off to narrow the
    examples::

        @given(items(ranges=False, extras=False))
        def test_plain_prices(payload):
            assert "-" not in payload["price"]
    """
    return _item(ranges, promotions, optional, extras)


class _Paging(NamedTuple):
    """One page of entries and paging numbers that agree with each other."""

    found: list[Payload]
    size: int
    number: int
    total: int


@st.composite
def _paging(
    draw: st.DrawFn,
    entries: st.SearchStrategy[Payload],
    key: Callable[[Payload], object],
    min_entries: int,
    max_entries: int,
    *,
    page: int | None,
    max_size: int,
) -> _Paging:
    """Entries unique by ``key``, and paging numbers that fit them.

    A short page is the last one and an empty page lies past the end, whatever
    the envelope calls the numbers.
    """
    found = draw(st.lists(entries, min_size=min_entries, max_size=max_entries, unique_by=key))
    count = len(found)
    size = draw(st.integers(max(count, 1), max(count, max_size)))
    number = page if page is not None else draw(st.integers(1, 100))
    before = (number - 1) * size
    if count == size:  # a full page: more may follow
        total = before + count + draw(st.integers(0, 2000))
    elif count:  # a short page is the last one
        total = before + count
    else:  # an empty page lies past the end
        total = draw(st.integers(0, before))
    return _Paging(found, size, number, total)


@st.composite
def _page(
    draw: st.DrawFn, min_items: int, max_items: int, page: int | None, item_strategy: Any
) -> Payload:
    paging = draw(_paging(item_strategy, _num_iid, min_items, max_items, page=page, max_size=50))
    body: Payload = {
        "page": paging.number,
        "page_size": paging.size,
        "pagecount": math.ceil(paging.total / paging.size),
        "total_results": paging.total,
        "item": paging.found,
    }
    if draw(st.booleans()):
        body["real_total_results"] = paging.total + draw(st.integers(0, 5000))
    body.update(draw(_extras()))
    return body


def _num_iid(item: Payload) -> str:
    return str(item["num_iid"])


def search_pages(
    *,
    min_items: int = 0,
    max_items: int = 10,
    page: int | None = None,
    item_strategy: st.SearchStrategy[Payload] | None = None,
) -> st.SearchStrategy[Payload]:
    """The ``items`` object of a search answer: paging numbers and ``item`` list.

    The numbers agree with each other: a short page is the last one, an empty
    page lies past the end, ``pagecount`` is ``ceil(total_results / page_size)``.
    ``item_strategy`` defaults to :func:`items`::

        @given(search_pages(min_items=1, page=1))
        def test_first_pages(body):
            assert body["page"] == 1 and body["item"]
    """
    if not 0 <= min_items <= max_items <= 50:
        raise ValueError("need 0 <= min_items <= max_items <= 50 (the platform's page size cap)")
    return _page(min_items, max_items, page, items() if item_strategy is None else item_strategy)


def _request_ids() -> st.SearchStrategy[str]:
    return st.integers(0, 36**13 - 1).map(lambda n: f"{_base36(n):0>13}")


def _base36(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 36)
        digits = _BASE36[rest] + digits
    return digits


def _reseller(inner: st.SearchStrategy[Payload]) -> st.SearchStrategy[Payload]:
    def wrap(body: Payload, request_id: str, seconds: float, code: str) -> Payload:
        ok = {"error_code": code, "reason": "ok", "error": "", "cache": 0}
        return {"items": body, **ok, "execution_time": f"{seconds:.3f}", "request_id": request_id}

    # Every spelling of success resellers use, "0000" most often.
    codes = st.sampled_from(sorted(reseller.SUCCESS_CODES - {reseller.SUCCESS_CODE}))
    success = st.one_of(st.just(reseller.SUCCESS_CODE), codes)
    return st.builds(wrap, inner, _request_ids(), st.floats(0.05, 9.0), success)


def _wrapped(
    key: str, inner: st.SearchStrategy[Payload], envelope: Envelope
) -> st.SearchStrategy[Payload]:
    if envelope == "reseller":
        return _reseller(inner)
    if envelope != "top":
        raise ValueError(f"envelope must be 'top' or 'reseller', not {envelope!r}")

    def top(body: Payload, request_id: str) -> Payload:
        return {key: {"items": body, "request_id": request_id}}

    return st.builds(top, inner, _request_ids())


def search_payloads(
    envelope: Envelope = "top", pages: st.SearchStrategy[Payload] | None = None
) -> st.SearchStrategy[Payload]:
    """A whole search answer: ``{"1688_items_search_img_response": ...}`` or the reseller's.

    ``envelope="top"`` is the TOP router's (what the fake serves, and what the
    schemas describe); ``"reseller"`` is ``{"items": ..., "error_code": "0000", ...}``.
    ``pages`` defaults to :func:`search_pages`::

        @given(search_payloads(envelope="reseller"))
        def test_both_envelopes_parse(payload):
            parse_search_response(payload)
    """
    return _wrapped(SEARCH_RESPONSE_KEY, search_pages() if pages is None else pages, envelope)


def upload_payloads(envelope: Envelope = "top") -> st.SearchStrategy[Payload]:
    """An upload answer naming the hosted image (the ``imgid``) in ``items.item.name``::

    @given(upload_payloads())
    def test_imgid(payload):
        assert parse_upload_response(payload).startswith("https://")
    """
    body = _hosted().map(lambda url: {"item": {"name": "https:" + url, "status": 1}})
    return _wrapped(UPLOAD_RESPONSE_KEY, body, envelope)


@st.composite
def _error(draw: st.DrawFn, codes: Sequence[int]) -> Payload:
    code = draw(st.sampled_from(codes))
    msg = ERROR_CODES.get(code, "Remote service error")
    if code in _LIVE_MSGS and draw(st.booleans()):
        msg = _LIVE_MSGS[code]
    error: Payload = {"code": code, "msg": msg}
    subs = _SUB_CODES.get(code, ())
    if draw(st.booleans()) and len(subs) > 0:
        error["sub_code"] = draw(st.sampled_from(subs))
        if code == 7:
            seconds = draw(st.integers(1, 86_400))
            error["sub_msg"] = f"This ban will last for {seconds} more seconds"
        elif draw(st.booleans()):
            error["sub_msg"] = draw(st.sampled_from(("参数错误", "invalid parameter: imgid")))
    if draw(st.booleans()):
        error["request_id"] = draw(_request_ids())
    return {"error_response": error}


def error_payloads(codes: Collection[int] | None = None) -> st.SearchStrategy[Payload]:
    """The TOP error envelope with realistic codes, messages and sub-codes (api-notes §2.2).

    ``codes`` narrows the codes (default: every code in :data:`ERROR_CODES`);
    rate limits (7) carry ``accesscontrol.*`` sub-codes and a ban in seconds::

        @given(error_payloads(codes={7}))
        def test_rate_limits_say_how_long(payload):
            error = parse_error_response(payload)
            assert isinstance(error, RateLimitError)
    """
    chosen = sorted(ERROR_CODES if codes is None else codes)
    if not chosen:
        raise ValueError("codes must name at least one error code")
    return _error(chosen)


_SEARCH_ARGS: Final[Mapping[str, st.SearchStrategy[str]]] = {
    "page": st.integers(1, 100).map(str),
    "page_size": st.integers(1, 50).map(str),
    "sort": st.sampled_from(("relevance", "price_asc", "price_desc", "sales_desc", "_sale")),
    "cat": st.integers(1000, 10**8).map(str),
    "start_price": st.integers(0, 10**5).map(_money),
    "note": st.text(max_size=12),  # any text: the signature must survive Unicode
    "empty": st.just(""),  # empty values are neither signed nor verified
}


@st.composite
def _signed(draw: st.DrawFn, secret: str, method: str | None, app_key: str | None) -> Payload:
    api = method or draw(st.sampled_from((SEARCH_METHOD, UPLOAD_METHOD)))
    when = draw(st.floats(1.6e9, 2.1e9))
    params: dict[str, str] = {
        "method": api,
        "app_key": app_key or draw(st.from_regex(r"[0-9]{8}", fullmatch=True)),
        "timestamp": signing.format_timestamp(when, draw(st.sampled_from(("datetime", "millis")))),
        "v": "2.0",
        "format": "json",
    }
    sign_method = draw(st.sampled_from(signing.SIGN_METHODS))
    if sign_method != "md5" or draw(st.booleans()):  # md5 is the default when absent
        params["sign_method"] = sign_method
    if api == SEARCH_METHOD:
        params["imgid"] = draw(_pic_urls())
        for key, values in _SEARCH_ARGS.items():
            if draw(st.booleans()):
                params[key] = draw(values)
    else:
        params["image"] = "/9j/4AAQSkZJRgABAQ=="  # base64 text, signed like any param
    params["sign"] = signing.sign(params, secret, sign_method)
    if draw(st.booleans()):
        params["sign"] = params["sign"].lower()  # hex case does not matter
    return params


def signed_params(
    secret: str, method: str | None = None, *, app_key: str | None = None
) -> st.SearchStrategy[dict[str, str]]:
    """TOP router params signed with ``secret``; :func:`pailitao.wire.signing.verify` accepts them.

    ``method`` is the API (default: search or upload); the sign method, the
    timestamp format, optional arguments, Unicode and empty values vary::

        @given(signed_params(secret="test_app_secret"))
        def test_my_gateway_accepts(params):
            assert signing.verify(params, "test_app_secret")
    """
    if not secret:
        raise ValueError("secret must be a non-empty string")
    return _signed(secret, method, app_key)


@st.composite
def _image(draw: st.DrawFn, formats: Sequence[str], max_side: int) -> bytes:
    from PIL import Image  # noqa: PLC0415 - optional and heavy: only when drawing

    kind = draw(st.sampled_from(formats))
    size = (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))
    color = tuple(draw(st.integers(0, 255)) for _ in range(3))
    picture = Image.new("RGB", size, color)
    picture.putpixel((0, 0), (255 - color[0], 255 - color[1], 255 - color[2]))
    buffer = io.BytesIO()
    picture.save(buffer, kind.upper())
    return buffer.getvalue()


def images(format: str | None = None, *, max_side: int = 16) -> st.SearchStrategy[bytes]:
    """Bytes of a tiny valid image: JPEG, PNG, GIF, BMP or WebP (needs Pillow).

    ``format`` picks one of :data:`IMAGE_FORMATS` (default: any)::

        @given(images(format="png"))
        def test_upload_accepts_png(data):
            assert sniff_format(data) == "png"
    """
    if format is not None and format not in IMAGE_FORMATS:
        raise ValueError(f"format must be one of {', '.join(IMAGE_FORMATS)}, not {format!r}")
    if max_side < 1:
        raise ValueError("max_side must be at least 1")
    return _image((format,) if format else IMAGE_FORMATS, max_side)


# -- the 1688 Open Platform ("AOP") ------------------------------------------------
#
# Answers are {"result": {"success", "code", "message", "result"}}; the gateway's own
# refusals a top-level {"error_code", "error_message"} (pailitao.wire.aop). Values take
# the JSON types of the official output example: offerId a number, prices text, some
# counts text ("sales7d": "1").

_LONG_MAX: Final = 2**63 - 1
_BASE32: Final = string.ascii_uppercase + "234567"
_SELLER_IDENTITIES: Final = (
    "super_factory", "powerful_merchants", "tp_member",
    "super_factory-超级工厂 powerful_merchants-实力商家 tp_member-诚信通会员",
)  # fmt: skip
_OFFER_IDENTITIES: Final = ("yx", "yx-严选")
#: The docs' example nests a JSON list in one entry; the client opens it up.
_INVOICE_TYPES: Final = (("普票",), ("普票", "专票"), ('["普票","专票"]',))
_ADDRESSES: Final = ("广东省广州市", "浙江省义乌市", "广东省深圳市", "浙江省杭州市", "广东省汕头市")
_TAXPAYERS: Final = ("一般纳税人", "小规模纳税人", "一般纳税人 |  小规模纳税人")
_ENGLISH: Final = (
    "2025 New", "Korean Style", "Loose", "Cotton", "Short-Sleeve T-Shirt", "Women's",
    "Stainless Steel", "Insulated Tumbler", "Large-Capacity", "Kids'", "Building Blocks",
    "Phone Case", "Factory Direct", "Dropshipping",
)  # fmt: skip
_SORTS: Final = (
    '{"price":"asc"}',
    '{"price":"desc"}',
    '{"monthSold":"asc"}',
    '{"monthSold":"desc"}',
)
#: Messages of business failures, by code; the platform documents none (the fake's kind).
_BUSINESS_MESSAGES: Final[Mapping[str, tuple[str, ...]]] = {
    aop.BAD_REQUEST_CODE: (
        "offerQueryParam.beginPage '0' is not a whole number from 1 to 1,000",
        "imageId '12345' is unknown: upload the image with product.image.upload first",
        "参数错误",
    ),
    aop.SERVICE_ERROR_CODE: ("the image search service is busy; try again", "系统繁忙"),
}
_DETAILS: Final = (
    "the access_token is not one this app's users authorised (or it expired)",
    "Required argument offerQueryParam: send it as a JSON object",
    "This ban will last for 30 more seconds",
)
#: Tiny valid images (a 1x1 PNG, a 2x2 GIF) for uploadImageParam.imageBase64.
_TINY_IMAGES: Final = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC",
    "R0lGODdhAgACAIEAAMgeHgAAAAAAAAAAACwAAAAAAgACAAAIBgABCAQQEAA7",
)
_FIRST_LISTED: Final = 1_640_995_200  # 2022-01-01, in epoch seconds
_LISTED_SPAN: Final = 5 * 365 * 86_400


@functools.cache
def _aop_extras() -> st.SearchStrategy[dict[str, Any]]:
    # An "unknown" field must not be read as a known one, by key or attribute name:
    # page extras join the outcome (SearchPage.aop), and an offer is also an Item.
    models = (AopOffer, AopPage, AopSearchInfo)
    taken = {name for model in models for name in model.model_fields}
    taken |= {f.alias for m in models for f in m.model_fields.values() if f.alias}
    known = _KNOWN | taken | {"result"}
    names = st.sampled_from(_EXTRA_NAMES) | st.from_regex(r"x_[a-z][a-z0-9_]{0,8}", fullmatch=True)
    return st.dictionaries(names.filter(lambda n: n not in known), _json_values(), max_size=2)


def _text_token(number: int, length: int, alphabet: str) -> str:
    chars = []
    for _ in range(length):
        number, rest = divmod(number, len(alphabet))
        chars.append(alphabet[rest])
    return "".join(chars)


def _in_order(fields: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Payload]:
    """A JSON object with every key of ``fields``, in their order (the documented order)."""
    return st.fixed_dictionaries(fields).map(lambda drawn: {key: drawn[key] for key in fields})


def _rate(hundredths: int) -> str:
    """``"99.12%"``, ``"100%"``: a percentage as the platform writes it, trailing zeros dropped."""
    return f"{hundredths // 100}.{hundredths % 100:02d}".rstrip("0").rstrip(".") + "%"


def _amount(fen: int, whole: bool) -> str:
    """``"12.50"``, or whole yuan ``"12"`` as the docs' example writes ``"1"``."""
    return str(fen // 100) if whole else _money(fen)


def _when(seconds: int) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


@functools.cache
def _rates() -> st.SearchStrategy[str]:
    return st.integers(0, 10_000).map(_rate)


@functools.cache
def _scores() -> st.SearchStrategy[str]:
    return st.integers(0, 50).map(lambda tenths: f"{tenths // 10}.{tenths % 10}")


@functools.cache
def _longs() -> st.SearchStrategy[int]:
    return _NUM_IIDS | st.integers(0, _LONG_MAX)


@functools.cache
def _counts() -> st.SearchStrategy[int]:
    return st.integers(0, 10**6) | st.integers(0, _LONG_MAX)


@functools.cache
def _text_counts() -> st.SearchStrategy[str]:
    return _counts().map(str)


@st.composite
def _price_info(draw: st.DrawFn) -> Payload:
    fen = draw(_FEN)
    whole = draw(st.booleans())
    off = draw(st.integers(0, 30))  # percent below the price: curated and promotion prices
    return {
        "price": _amount(fen, whole),
        "jxhyPrice": _amount(fen * (100 - off // 3) // 100, whole),
        "pfJxhyPrice": _amount(fen * (100 - off // 2) // 100, whole),
        "consignPrice": _amount(fen * (103 + off // 3) // 100, whole),
        "promotionPrice": _amount(fen * (100 - off) // 100, whole),
    }


@functools.cache
def _seller_data() -> st.SearchStrategy[Payload]:
    scores = {
        key: _scores()
        for key in (
            "compositeServiceScore", "logisticsExperienceScore", "disputeComplaintScore",
            "offerExperienceScore", "afterSalesExperienceScore", "consultingExperienceScore",
        )
    }  # fmt: skip
    return _in_order(
        {
            "tradeMedalLevel": st.integers(1, 5).map(str),
            **scores,
            "repeatPurchasePercent": st.integers(0, 100).map(str),
            "tpYear": st.integers(0, 30),
        }
    )


@functools.cache
def _shipping() -> st.SearchStrategy[Payload]:
    rates = (
        "perfectFulfillmentRate30d", "pickupWithin24hRate30d", "qualityReturnRate30d",
        "perfectFulfillmentRate7d", "pickupWithin24hRate7d", "delayedShippingRate7d",
    )  # fmt: skip
    guarantee = st.sampled_from(("shipIn24Hours", "shipIn48Hours"))
    return _in_order({"shippingTimeGuarantee": guarantee, **dict.fromkeys(rates, _rates())})


@functools.cache
def _offer_data() -> st.SearchStrategy[Payload]:
    return _in_order(
        {
            "offerApplauseRate": _rates(),
            "kjFeaturedServices": st.sampled_from("ABC"),
            "qualityRfdRate30d": _rates(),
            "repurchaseRate30d": _rates(),
            "pickupRate24h30d": _rates(),
        }
    )


@functools.cache
def _trade_info() -> st.SearchStrategy[Payload]:
    keys = ("addCartCount7d", "payBuyerCount7d", "addCartCount30d", "payBuyerCount30d")
    return _in_order(dict.fromkeys(keys, _text_counts()))


@functools.cache
def _invoice() -> st.SearchStrategy[Payload]:
    return _in_order(
        {
            "supportOnlineInvoice": st.booleans(),
            "supportFastInvoice": st.booleans(),
            "invoiceTypes": st.sampled_from(_INVOICE_TYPES).map(list),
            "taxpayerType": st.sampled_from(_TAXPAYERS),
        }
    )


def _english(mask: int) -> str:
    chosen = [word for bit, word in enumerate(_ENGLISH) if mask >> bit & 1]
    return " ".join(chosen[:6]) or _ENGLISH[mask % len(_ENGLISH)]


@st.composite
def _offer(draw: st.DrawFn, optional: bool, extras: bool) -> Payload:
    offer_id = draw(_longs())
    promoted = draw(st.booleans())
    created = draw(st.integers(0, _LISTED_SPAN))
    offer: Payload = {
        "imageUrl": "https:" + draw(_hosted()),
        "subject": draw(_titles()),
        "subjectTrans": draw(st.integers(0, 2 ** len(_ENGLISH) - 1).map(_english)),
        "priceInfo": draw(_price_info()),
        "offerId": offer_id,
        "isJxhy": draw(st.booleans()),
        "repurchaseRate": draw(_PERCENT.map("{}%".format)),
        "monthSold": draw(_counts()),
        "traceInfo": f"object_id@{offer_id}^object_type@offer",
        "isOnePsale": draw(st.booleans()),
        "sellerIdentities": draw(
            st.lists(st.sampled_from(_SELLER_IDENTITIES), max_size=3, unique=True)
        ),
        "offerIdentities": draw(st.lists(st.sampled_from(_OFFER_IDENTITIES), max_size=1)),
        "tradeScore": draw(_scores()),
        "promotionModel": {"hasPromotion": promoted, "promotionType": "plus" if promoted else ""},
        "topCategoryId": draw(_counts()),
        "secondCategoryId": draw(_counts()),
        "thirdCategoryId": draw(_counts()),
        "isPatentProduct": draw(st.booleans()),
        "createDate": _when(_FIRST_LISTED + created),
        "modifyDate": _when(_FIRST_LISTED + created + draw(st.integers(0, _LISTED_SPAN))),
        "isSelect": draw(st.booleans()),
        "sellerDataInfo": draw(_seller_data()),
        "productSimpleShippingInfo": draw(_shipping()),
        "minOrderQuantity": draw(st.integers(1, 1000)),
        "token": _text_token(draw(st.integers(0, len(_ALNUM) ** 35 - 1)), 35, _ALNUM),
        "promotionURL": (
            f"https://detail.1688.com/offer/{offer_id}.html?fromkv=refer:"
            + _text_token(draw(st.integers(0, 32**100 - 1)), 100, _BASE32)
        ),
        "companyName": draw(
            st.builds(
                "{}{}贸易有限公司".format, st.sampled_from(_CITIES), st.sampled_from(_TRADE_NAMES)
            )
        ),
        "companyAddress": draw(st.sampled_from(_ADDRESSES)),
        "offerDataInfo": draw(_offer_data()),
        "sales7d": draw(_text_counts()),
        "productTradeInfo": draw(_trade_info()),
        "invoiceInfo": draw(_invoice()),
    }
    if optional and draw(st.integers(0, 3)) == 3:  # most offers carry every documented key
        for key in [k for k in offer if k not in _AOP_OFFER_REQUIRED]:
            if draw(st.booleans()):
                del offer[key]
    if extras and draw(_PERCENT) < 25:
        offer.update(draw(_aop_extras()))
    return offer


#: What an offer always carries (the contract's schema requires them).
_AOP_OFFER_REQUIRED: Final = frozenset({"offerId", "subject", "imageUrl", "priceInfo"})


def aop_offers(*, optional: bool = True, extras: bool = True) -> st.SearchStrategy[Payload]:
    """One offer of ``product.search.imageQuery``, every documented field in the JSON
    type of the official output example (``offerId`` a number, prices text).

    Variants: optional fields left out (``optional``: one offer in four drops
    some; ``offerId``, ``subject``, ``imageUrl`` and ``priceInfo`` always stay)
    and unknown fields the platform may add (``extras``)::

        @given(aop_offers(optional=False, extras=False))
        def test_every_field(offer):
            assert Item.model_validate(offer).aop.invoice_info is not None
    """
    return _offer(optional, extras)


@st.composite
def _aop_page(
    draw: st.DrawFn, min_offers: int, max_offers: int, page: int | None, offer_strategy: Any
) -> Payload:
    paging = draw(
        _paging(
            offer_strategy, _offer_id, min_offers, max_offers, page=page, max_size=aop.MAX_PAGE_SIZE
        )
    )
    body: Payload = {"totalRecords": paging.total}
    if draw(st.integers(0, 3)):  # mostly sent; the client computes it otherwise
        body["totalPage"] = math.ceil(paging.total / paging.size)
    body.update(pageSize=paging.size, currentPage=paging.number, data=paging.found)
    if draw(st.integers(0, 3)):
        body["picRegionInfo"] = {"currentRegion": "", "yoloCropRegion": ""}
    body.update(draw(_aop_extras()))
    return body


def _offer_id(offer: Payload) -> object:
    return offer["offerId"]


def aop_search_pages(
    *,
    min_offers: int = 0,
    max_offers: int = 10,
    page: int | None = None,
    offer_strategy: st.SearchStrategy[Payload] | None = None,
) -> st.SearchStrategy[Payload]:
    """``result.result`` of an AOP search: ``totalRecords``, ``totalPage``, ``pageSize``,
    ``currentPage``, ``data`` and ``picRegionInfo``.

    The numbers agree as in :func:`search_pages`; ``offer_strategy`` defaults to
    :func:`aop_offers`::

        @given(aop_search_pages(min_offers=1, page=1))
        def test_first_pages(body):
            assert body["currentPage"] == 1 and body["data"]
    """
    if not 0 <= min_offers <= max_offers <= aop.MAX_PAGE_SIZE:
        raise ValueError("need 0 <= min_offers <= max_offers <= 50 (the platform's page size cap)")
    offers = aop_offers() if offer_strategy is None else offer_strategy
    return _aop_page(min_offers, max_offers, page, offers)


@st.composite
def _aop_success(draw: st.DrawFn, inner: st.SearchStrategy[Any]) -> Payload:
    # The docs type success String; the platform and the fake send true.
    outcome: Payload = {"success": draw(st.sampled_from((True, "true")))}
    if draw(st.integers(0, 3)):
        outcome.update(code=aop.SUCCESS_CODE, message="")
    outcome["result"] = draw(inner)
    return {"result": outcome}


def aop_search_payloads(
    pages: st.SearchStrategy[Payload] | None = None,
) -> st.SearchStrategy[Payload]:
    """A whole AOP search answer: ``{"result": {"success": true, "code": "200", "message": "",
    "result": page}}``. ``pages`` defaults to :func:`aop_search_pages`::

        @given(aop_search_payloads())
        def test_offers_keep_every_field(payload):
            page = parse_search_response(payload)
            assert all(item.aop is not None for item in page.items)
    """
    return _aop_success(aop_search_pages() if pages is None else pages)


def aop_upload_payloads() -> st.SearchStrategy[Payload]:
    """An AOP upload answer: ``result.result`` is the imageId, a string of digits::

    @given(aop_upload_payloads())
    def test_image_id(payload):
        assert parse_upload_response(payload).isdigit()
    """
    return _aop_success(st.integers(10**17, _LONG_MAX).map(str))


@st.composite
def _business_error(draw: st.DrawFn, codes: Sequence[str]) -> Payload:
    code = draw(st.sampled_from(codes))
    messages = _BUSINESS_MESSAGES.get(code, ("error",))
    success = draw(st.sampled_from((False, "false")))  # the docs type success String
    return {
        "result": {"success": success, "code": code, "message": draw(st.sampled_from(messages))}
    }


def aop_business_error_payloads(
    codes: Collection[str] | None = None,
) -> st.SearchStrategy[Payload]:
    """An AOP business failure (HTTP 200): ``{"result": {"success": false, "code", "message"}}``.

    ``codes`` defaults to ``"400"`` (the caller's mistake,
    :class:`~pailitao.errors.InvalidArgumentsError`) and ``"500"`` (the
    service's, :class:`~pailitao.errors.ServerError`)::

        @given(aop_business_error_payloads(codes={"400"}))
        def test_bad_requests(payload):
            assert isinstance(parse_error_response(payload), InvalidArgumentsError)
    """
    chosen = sorted(_BUSINESS_MESSAGES if codes is None else codes)
    if not chosen:
        raise ValueError("codes must name at least one business code")
    return _business_error(chosen)


@st.composite
def _gateway_error(draw: st.DrawFn, codes: Sequence[str]) -> Payload:
    code = draw(st.sampled_from(codes))
    known = aop.GATEWAY_CODES.get(code)
    error: Payload = {
        aop.ERROR_CODE_KEY: code,
        aop.ERROR_MESSAGE_KEY: known.error_message if known else "Gateway error",
    }
    if draw(st.booleans()):
        error["exception"] = draw(st.sampled_from(_DETAILS) | st.text(max_size=20))
    if draw(st.integers(0, 3)):
        error["request_id"] = draw(_request_ids())
    return error


def aop_gateway_error_payloads(
    codes: Collection[str] | None = None,
) -> st.SearchStrategy[Payload]:
    """The AOP gateway's refusal: ``{"error_code", "error_message", "exception"?, "request_id"?}``.

    ``codes`` defaults to every code of :data:`pailitao.wire.aop.GATEWAY_CODES`;
    the HTTP status to serve it with is ``GATEWAY_CODES[code].status``::

        @given(aop_gateway_error_payloads(codes={"gw.SignatureInvalid"}))
        def test_signature_errors(payload):
            assert isinstance(parse_error_response(payload), SignatureError)
    """
    chosen = sorted(aop.GATEWAY_CODES if codes is None else codes)
    if not chosen:
        raise ValueError("codes must name at least one gateway code")
    return _gateway_error(chosen)


class AopRequest(NamedTuple):
    """A signed AOP call: the API's path and the form params (``_aop_signature`` included)."""

    path: aop.ApiPath
    params: dict[str, str]

    def url(self, base_url: str = aop.DEFAULT_BASE_URL) -> str:
        """Where to POST the params: the path under a gateway's base URL."""
        return self.path.url(base_url)


@st.composite
def _offer_query(draw: st.DrawFn, image_urls: Sequence[str]) -> Payload:
    addresses = st.sampled_from(image_urls) if image_urls else _pic_urls()
    source = draw(
        addresses.map(lambda url: ("imageAddress", url))
        | st.integers(10**17, _LONG_MAX).map(lambda n: ("imageId", str(n)))
    )
    query: Payload = {source[0]: source[1]}
    number = st.integers(1, aop.MAX_PAGE_SIZE)
    query["beginPage"] = draw(number | number.map(str))  # the gateway reads either
    query["pageSize"] = draw(number)
    query["country"] = draw(st.sampled_from(sorted(aop.COUNTRIES)))
    optional = {
        "sort": st.sampled_from(_SORTS),
        "priceStart": _FEN.map(_money),
        "categoryId": st.integers(1000, 10**9),
        "keyword": st.text(max_size=8),  # any text: the signature must survive Unicode
    }
    for key, values in optional.items():
        if draw(st.booleans()):
            query[key] = draw(values)
    return query


@st.composite
def _upload_param(draw: st.DrawFn) -> Payload:
    param: Payload = {"imageBase64": draw(st.sampled_from(_TINY_IMAGES))}
    if draw(st.booleans()):
        param["outMemberId"] = draw(st.from_regex(r"[a-z0-9]{4,12}", fullmatch=True))
    return param


class _Signing(NamedTuple):
    """How :func:`_signed_aop` signs: the secret, the token, the images, the clock."""

    secret: str
    access_token: str | None
    image_urls: tuple[str, ...]
    clock: Callable[[], float]


@st.composite
def _signed_aop(draw: st.DrawFn, path: aop.ApiPath, how: _Signing) -> dict[str, str]:
    if path.name == aop.UPLOAD_API:
        name, value = aop.UPLOAD_PARAM, draw(_upload_param())
    else:
        name, value = aop.SEARCH_PARAM, draw(_offer_query(how.image_urls))
    drawn_token = _text_token(draw(st.integers(0, len(_ALNUM) ** 36 - 1)), 36, _ALNUM)
    # Either JSON spelling reads the same; the signature covers the text as sent.
    ascii_only = draw(st.booleans())
    params = {
        aop.ACCESS_TOKEN: how.access_token or drawn_token,
        name: json.dumps(value, ensure_ascii=ascii_only),
    }
    if draw(st.booleans()):  # optional; when sent, the gateway wants it current
        params[aop.TIMESTAMP] = signing.format_timestamp(how.clock(), "millis")
    params[aop.SIGNATURE] = aop.sign(path.signed, params, how.secret)
    return params


def _api_path(path: str | aop.ApiPath) -> aop.ApiPath:
    parsed = path if isinstance(path, aop.ApiPath) else aop.parse_path(path)
    if parsed is None:
        raise ValueError(
            f"path {path!r} names no API: expected param2/1/<namespace>/<name>/<appKey>"
        )
    return parsed


def signed_aop_params(
    secret: str,
    path: str | aop.ApiPath,
    *,
    access_token: str | None = None,
    image_urls: Sequence[str] = (),
    clock: Callable[[], float] = time.time,
) -> st.SearchStrategy[dict[str, str]]:
    """AOP form params for ``path``, signed with ``secret``: :func:`pailitao.wire.aop.verify`
    accepts them over ``path``.

    ``path`` is an :class:`~pailitao.wire.aop.ApiPath` or its text
    (``param2/1/<namespace>/<name>/<appKey>``, ``/openapi/`` in front or not). An
    upload path gets ``uploadImageParam`` (a tiny valid image); any other gets
    ``offerQueryParam`` (``imageAddress`` from ``image_urls``, else a drawn
    1688 URL, or an ``imageId``; pages, languages, sorts, prices, categories and
    Unicode keywords vary). ``access_token`` defaults to a drawn one;
    ``_aop_timestamp``, when sent, is ``clock()``::

        PATH = ApiPath(NAMESPACE, SEARCH_API, "test_app_key")

        @given(signed_aop_params("test_app_secret", PATH))
        def test_my_gateway_accepts(params):
            assert aop.verify(PATH.signed, params, "test_app_secret")
    """
    if not secret:
        raise ValueError("secret must be a non-empty string")
    how = _Signing(secret, access_token, tuple(image_urls), clock)
    return _signed_aop(_api_path(path), how)


def signed_aop_requests(
    secret: str,
    *,
    app_key: str | None = None,
    api: str | None = None,
    access_token: str | None = None,
    image_urls: Sequence[str] = (),
    clock: Callable[[], float] = time.time,
) -> st.SearchStrategy[AopRequest]:
    """Signed calls of the two image APIs: :class:`AopRequest` (path and params).

    ``api`` is ``product.search.imageQuery`` or ``product.image.upload``
    (default: either); ``app_key`` defaults to a drawn one. The params are
    :func:`signed_aop_params`'s; POST them to ``request.url(base_url)``::

        @given(signed_aop_requests("test_app_secret", app_key="test_app_key",
                                   access_token="test_access_token"))
        def test_the_fake_accepts(request):
            response = http.post(request.url("http://fake1688.test/openapi"), data=request.params)
            assert response.status_code == 200
    """
    if not secret:
        raise ValueError("secret must be a non-empty string")
    if api is not None and api not in (aop.SEARCH_API, aop.UPLOAD_API):
        raise ValueError(f"api must be {aop.SEARCH_API} or {aop.UPLOAD_API}, not {api!r}")
    apis = st.just(api) if api else st.sampled_from((aop.SEARCH_API, aop.UPLOAD_API))
    keys = st.just(app_key) if app_key else st.from_regex(r"[0-9]{6,8}", fullmatch=True)
    return _aop_request(apis, keys, _Signing(secret, access_token, tuple(image_urls), clock))


@st.composite
def _aop_request(
    draw: st.DrawFn, apis: st.SearchStrategy[str], keys: st.SearchStrategy[str], how: _Signing
) -> AopRequest:
    path = aop.ApiPath(aop.NAMESPACE, draw(apis), draw(keys))
    return AopRequest(path, draw(_signed_aop(path, how)))


# -- the resellers' REST dialect ------------------------------------------------

#: ``lang`` -> the ``translate_language`` a reseller's answer names.
_RESELLER_LANGUAGES: Final = {"cn": "zh-CN", "en": "en", "ru": "ru"}


def _wild_item(draw: st.DrawFn, item: Payload) -> Payload:
    """An item as resellers spell it: ``num_iid`` text or number; the repurchase
    rate as ``turnHead``, ``turn_head`` or ``tag_percent``."""
    item = dict(item)
    if draw(_COIN):
        item["num_iid"] = int(item["num_iid"])
    if "turnHead" in item:
        spelling = draw(st.sampled_from(("turnHead", "turn_head", "tag_percent")))
        item[spelling] = item.pop("turnHead")
    return item


@st.composite
def _wild_page(draw: st.DrawFn, inner: st.SearchStrategy[Payload]) -> Payload:
    """A page as resellers spell it: ``pagecount`` or ``page_count``, ``page`` text or number."""
    body = dict(draw(inner))
    if draw(_COIN):
        body["page_count"] = body.pop("pagecount")
    if draw(_COIN):
        body["page"] = str(body["page"])
    body["item"] = [_wild_item(draw, item) for item in body["item"]]
    return body


@st.composite
def _reseller_envelope(
    draw: st.DrawFn, inner: st.SearchStrategy[Payload] | None, code: str, api: str
) -> Payload:
    lang = draw(st.sampled_from(reseller.LANGS))
    answer: Payload = {} if inner is None else {"items": draw(inner)}
    answer |= {
        "error_code": code,
        "reason": "ok" if code in reseller.SUCCESS_CODES else reseller.ERROR_CODES[code],
        "error": "" if code in reseller.SUCCESS_CODES else reseller.ERROR_CODES[code],
        "cache": draw(st.sampled_from((0, 1))),
        "api_info": "today: max:unlimited",
        "execution_time": f"{draw(st.integers(1, 9000)) / 1000:.3f}",
        "server_time": "Beijing/" + _when(draw(st.integers(_FIRST_LISTED, _LAST_SEEN))),
        "call_args": {"page": "1"} if api == reseller.SEARCH_API and draw(_COIN) else {},
        "api_type": reseller.PLATFORM,
        "translate_language": _RESELLER_LANGUAGES[lang],
        "request_id": draw(_request_ids()),
    }
    return answer


_LAST_SEEN: Final = _FIRST_LISTED + 5 * 365 * 86_400


def reseller_search_payloads(
    pages: st.SearchStrategy[Payload] | None = None,
) -> st.SearchStrategy[Payload]:
    """A reseller's whole search answer, every field variant seen in the wild (api-notes §2.5).

    ``{"items": page, "error_code": "0000", "reason": "ok", "error": "", "cache",
    "api_info", "execution_time", "server_time", "call_args", "api_type",
    "translate_language", "request_id"}``; the page says ``pagecount`` or
    ``page_count``, ``page`` as text or a number, each item's ``num_iid`` as
    text or a number and its repurchase rate as ``turnHead``, ``turn_head`` or
    ``tag_percent``. ``pages`` defaults to :func:`search_pages`::

        @given(reseller_search_payloads())
        def test_every_spelling_parses(payload):
            parse_search_response(payload)
    """
    inner = _wild_page(search_pages() if pages is None else pages)
    return _reseller_envelope(inner, reseller.SUCCESS_CODE, reseller.SEARCH_API)


def reseller_upload_payloads() -> st.SearchStrategy[Payload]:
    """A reseller's upload answer: ``items.item{name: <hosted URL>, status: 1}``."""
    body = _hosted().map(lambda url: {"item": {"name": "https:" + url, "status": 1}})
    return _reseller_envelope(body, reseller.SUCCESS_CODE, reseller.UPLOAD_API)


def reseller_error_payloads(codes: Collection[str] | None = None) -> st.SearchStrategy[Payload]:
    """A reseller's failure: a published ``error_code`` (not ``"0000"``), no ``items``."""
    chosen = sorted(reseller.ERROR_CODES if codes is None else codes)
    unknown = [code for code in chosen if code not in reseller.ERROR_CODES]
    if not chosen or unknown:
        raise ValueError(f"codes must be published reseller error codes, not {unknown or chosen}")
    return st.sampled_from(chosen).flatmap(
        lambda code: _reseller_envelope(None, code, reseller.SEARCH_API)
    )


class ResellerRequest(NamedTuple):
    """A reseller call: the API's name and its query params (``key`` and ``secret`` included)."""

    api: str
    params: dict[str, str]

    def url(self, base_url: str = reseller.DEFAULT_BASE_URL) -> str:
        """Where to GET the params: ``<base>/1688/<api>/``."""
        return base_url.rstrip("/") + reseller.api_path(self.api)


@st.composite
def _reseller_request(
    draw: st.DrawFn, apis: Sequence[str], key: str, secret: str, image_urls: Sequence[str]
) -> ResellerRequest:
    api = draw(st.sampled_from(apis))
    params = {"key": key, "secret": secret}
    common = {
        "api_name": st.just(api),
        "cache": st.sampled_from(("yes", "no")),
        "result_type": st.just("json"),
        "lang": st.sampled_from(reseller.LANGS),
    }
    for name, values in common.items():
        if draw(st.integers(0, 3)):  # the SDK sends them; hand-written calls may not
            params[name] = draw(values)
    if api == reseller.UPLOAD_API:
        params["imgcode"] = draw(st.sampled_from(_TINY_IMAGES))
        return ResellerRequest(api, params)
    addresses = st.sampled_from(image_urls) if image_urls else _pic_urls()
    params["imgid"] = draw(addresses)
    optional = {
        "page": st.integers(1, 5).map(str),
        "page_size": st.integers(1, 50).map(str),
        "sort": st.sampled_from(sorted(reseller.SORTS)),
        "cat": st.integers(1000, 10**8).map(str),
        "start_price": _FEN.map(_money),
        "end_price": _FEN.map(_money),
    }
    for name, values in optional.items():
        if draw(st.integers(0, 2)) == 0:
            params[name] = draw(values)
    return ResellerRequest(api, params)


def reseller_requests(
    key: str, secret: str, *, api: str | None = None, image_urls: Sequence[str] = ()
) -> st.SearchStrategy[ResellerRequest]:
    """Calls in the resellers' dialect with these credentials: :class:`ResellerRequest`.

    ``api`` is ``item_search_img`` or ``upload_img`` (default: either). A search
    sends ``imgid`` (from ``image_urls``, else a drawn 1688 picture URL) and,
    now and then, ``page``, ``page_size`` (1–50), ``sort``, ``cat`` and prices;
    an upload sends ``imgcode`` (a tiny valid image's base64). The common params
    (``api_name``, ``cache``, ``result_type=json``, ``lang``) come and go. GET
    ``request.url(base_url)`` with ``params=request.params``::

        @given(reseller_requests("test_app_key", "test_app_secret"))
        def test_the_fake_accepts(request):
            answer = http.get(request.url("http://fake1688.test"), params=request.params).json()
            assert answer["error_code"] != "4005"
    """
    if not key or not secret:
        raise ValueError("key and secret must be non-empty strings")
    if api is not None and api not in (reseller.SEARCH_API, reseller.UPLOAD_API):
        raise ValueError(f"api must be {reseller.SEARCH_API} or {reseller.UPLOAD_API}, not {api!r}")
    apis = (api,) if api else (reseller.SEARCH_API, reseller.UPLOAD_API)
    return _reseller_request(apis, key, secret, tuple(image_urls))
