"""Hypothesis strategies for 拍立淘 answers, signed requests and images.

For your own property tests: every payload here is in the platform's wire
spelling, passes the client parser and (for the TOP envelope) validates
against the shipped JSON Schemas. ``pip install 'pailitao[strategies]'``::

    from hypothesis import given
    from pailitao import parse_search_response
    from pailitao.strategies import search_payloads

    @given(search_payloads())
    def test_my_code_handles_any_page(payload):
        page = parse_search_response(payload)
        assert my_price_filter(page.items, low=10) is not None

This module imports Hypothesis; ``import pailitao`` never imports it. Pillow is
imported only when an :func:`images` example is drawn. See ``docs/reference/strategies.md``.
"""

from __future__ import annotations

import functools
import io
import math
import string
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Final, Literal

from hypothesis import strategies as st

from .models import Item, SearchPage
from .wire import signing
from .wire.top import LIVE_SPELLINGS, PLATFORM_CODES, SEARCH_METHOD, UPLOAD_METHOD

__all__ = [
    "ERROR_CODES",
    "IMAGE_FORMATS",
    "error_payloads",
    "images",
    "items",
    "search_pages",
    "search_payloads",
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


@st.composite
def _page(
    draw: st.DrawFn, min_items: int, max_items: int, page: int | None, item_strategy: Any
) -> Payload:
    found = draw(
        st.lists(item_strategy, min_size=min_items, max_size=max_items, unique_by=_num_iid)
    )
    count = len(found)
    size = draw(st.integers(max(count, 1), max(count, 50)))
    number = page if page is not None else draw(st.integers(1, 100))
    before = (number - 1) * size
    if count == size:  # a full page: more may follow
        total = before + count + draw(st.integers(0, 2000))
    elif count:  # a short page is the last one
        total = before + count
    else:  # an empty page lies past the end
        total = draw(st.integers(0, before))
    body: Payload = {
        "page": number,
        "page_size": size,
        "pagecount": math.ceil(total / size),
        "total_results": total,
        "item": found,
    }
    if draw(st.booleans()):
        body["real_total_results"] = total + draw(st.integers(0, 5000))
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
    def wrap(body: Payload, request_id: str, seconds: float) -> Payload:
        ok = {"error_code": "0000", "reason": "ok", "error": "", "cache": 0}
        return {"items": body, **ok, "execution_time": f"{seconds:.3f}", "request_id": request_id}

    return st.builds(wrap, inner, _request_ids(), st.floats(0.05, 9.0))


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
    """A whole search answer: ``{"items_search_img_response": ...}`` or the reseller's.

    ``envelope="top"`` is the TOP router's (what the fake serves, and what the
    schemas describe); ``"reseller"`` is ``{"items": ..., "error_code": "0000", ...}``.
    ``pages`` defaults to :func:`search_pages`::

        @given(search_payloads(envelope="reseller"))
        def test_both_envelopes_parse(payload):
            parse_search_response(payload)
    """
    return _wrapped(
        "items_search_img_response", search_pages() if pages is None else pages, envelope
    )


def upload_payloads(envelope: Envelope = "top") -> st.SearchStrategy[Payload]:
    """An upload answer naming the hosted image (the ``imgid``) in ``items.item.name``::

    @given(upload_payloads())
    def test_imgid(payload):
        assert parse_upload_response(payload).startswith("https://")
    """
    body = _hosted().map(lambda url: {"item": {"name": "https:" + url, "status": 1}})
    return _wrapped("upload_img_response", body, envelope)


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
