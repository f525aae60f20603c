"""The dialects' requests: a search's params checked, then signed and shaped per gateway."""

from __future__ import annotations

import base64
import enum
from collections.abc import Mapping
from typing import Final

import httpx

from .._checks import Price, check_text, is_count, is_digits, price
from ..errors import UsageError
from ..images import PreparedImage
from ..wire import aop, reseller, signing
from ..wire.top import SEARCH_METHOD, UPLOAD_METHOD
from ._settings import ClientSettings, reveal

__all__ = ["MAX_PAGE_SIZE", "Sort", "build_request", "search_params"]


MAX_PAGE_SIZE: Final = 50


#: The language of ``subjectTrans`` when an Open Platform search names none.
DEFAULT_COUNTRY: Final = "en"


#: The client's two calls, by the TOP method names, as the Open Platform's APIs.
_AOP_APIS: Final = {SEARCH_METHOD: aop.SEARCH_API, UPLOAD_METHOD: aop.UPLOAD_API}


#: ``Sort`` as ``offerQueryParam.sort`` spells it.
_AOP_SORTS: Final = {
    "price_asc": '{"price":"asc"}',
    "price_desc": '{"price":"desc"}',
    "sales_asc": '{"monthSold":"asc"}',
    "sales_desc": '{"monthSold":"desc"}',
}


#: The client's two calls, by the TOP method names, as the reseller's APIs.
_RESELLER_APIS: Final = {SEARCH_METHOD: reseller.SEARCH_API, UPLOAD_METHOD: reseller.UPLOAD_API}


#: ``Sort`` as the reseller's ``sort`` spells it.
_RESELLER_SORTS: Final = {value: key for key, value in reseller.SORTS.items()}


#: The search's params, in the order they are sent, by the names the reseller gives them.
_RESELLER_PARAMS: Final = (
    ("imgid", "imgid"), ("page", "page"), ("page_size", "page_size"), ("sort", "sort"),
    ("cat", "cat"), ("start_price", "start_price"), ("end_price", "end_price"), ("lang", "lang"),
)  # fmt: skip


class Sort(enum.StrEnum):
    """Result order; the platform's aliases (``_sale``, ``bid2`` …) are accepted too."""

    RELEVANCE = "relevance"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    SALES_DESC = "sales_desc"
    SALES_ASC = "sales_asc"

    @classmethod
    def _missing_(cls, value: object) -> Sort | None:
        aliases = {
            "bid2": cls.PRICE_ASC,
            "_bid2": cls.PRICE_DESC,
            "sale": cls.SALES_ASC,
            "_sale": cls.SALES_DESC,
        }
        return aliases.get(value) if isinstance(value, str) else None


def search_params(
    settings: ClientSettings,
    *,
    image: PreparedImage | None,
    image_url: str | None,
    imgid: str | None,
    cat: str | int | None,
    sort: Sort | str | None,
    page: int,
    page_size: int,
    start_price: Price | None,
    end_price: Price | None,
    country: str | None = None,
) -> dict[str, str]:
    """The search's own params (no image bytes), checked before anything is sent.

    They are named as the TOP router names them; the Open Platform's request
    renames them (:func:`build_request`).
    """
    given = [
        name
        for name, v in (("file", image), ("image_url", image_url), ("imgid", imgid))
        if v is not None
    ]
    if len(given) != 1:
        raise UsageError(
            "pass exactly one image source: file=, image_url= or imgid= "
            f"(got {', '.join(given) or 'none'})"
        )
    check_text(imgid, "imgid", str, "a string (the name upload_image returned)")
    check_text(image_url, "image_url", str, "a string (an http(s) URL)")
    check_text(cat, "cat", str | int, "a string or an integer")
    if isinstance(cat, int) and cat.bit_length() > 64:
        raise UsageError("cat must be a category id that fits in 64 bits")
    check_text(sort, "sort", str, "a Sort or a string")
    if not is_count(page):
        raise UsageError(f"page must be an integer >= 1, not {page!r}")
    if (
        not isinstance(page_size, int)
        or isinstance(page_size, bool)
        or not 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise UsageError(f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}")
    low, high = price(start_price, "start_price"), price(end_price, "end_price")
    if low is not None and high is not None and low > high:
        raise UsageError(f"start_price {low} is above end_price {high}")
    params = {"page": str(page), "page_size": str(page_size)}
    dialect = settings.dialect
    if dialect == "aop":
        params["country"] = _country(country)
    elif dialect == "reseller" and country is not None:
        params["lang"] = _lang(country)
    elif country is not None:
        raise UsageError(
            "country names the language of an Open Platform answer: pass "
            "dialect='aop', or leave country out"
        )
    optional = {
        "imageUrl": image_url,
        "imgid": imgid,
        "cat": None if cat is None else str(cat),
        "sort": None if sort is None else _sort(sort).value,
        "start_price": None if low is None else f"{low:f}",
        "end_price": None if high is None else f"{high:f}",
    }
    params.update({key: value for key, value in optional.items() if value is not None})
    return params


def build_request(
    settings: ClientSettings,
    api_method: str,
    app_params: Mapping[str, str],
    image: PreparedImage | None,
) -> tuple[httpx.Request, str]:
    """A freshly timestamped and signed request and its sign; build one per attempt."""
    if settings.dialect == "aop":
        return _aop_request(settings, api_method, app_params, image)
    if settings.dialect == "reseller":
        return _reseller_request(settings, api_method, app_params, image)
    params = {
        "method": api_method,
        "app_key": settings.app_key,
        "timestamp": signing.format_timestamp(settings.clock(), settings.timestamp_format),
        "v": "2.0",
        "format": "json",
        "sign_method": settings.sign_method,
        **app_params,
    }
    files = None
    if image is not None and settings.image_encoding == "base64":
        params["image"] = base64.b64encode(image.data).decode("ascii")
    elif image is not None:
        files = {"image": (image.filename, image.data, image.content_type)}
    secret = settings.app_secret.reveal()
    params["sign"] = signature = signing.sign(params, secret, settings.sign_method)
    return httpx.Request("POST", settings.base_url, data=params, files=files), signature


def _aop_request(
    settings: ClientSettings,
    api_method: str,
    app_params: Mapping[str, str],
    image: PreparedImage | None,
) -> tuple[httpx.Request, str]:
    path = aop.ApiPath(aop.NAMESPACE, _AOP_APIS[api_method], settings.app_key)
    value: dict[str, object]
    if api_method == UPLOAD_METHOD and image is not None:
        name = aop.UPLOAD_PARAM
        value = {"imageBase64": base64.b64encode(image.data).decode("ascii")}
    else:
        name, value = aop.SEARCH_PARAM, _offer_query(app_params)
    secret, token = settings.app_secret.reveal(), reveal(settings.access_token)
    params = {
        aop.ACCESS_TOKEN: token,
        aop.TIMESTAMP: signing.format_timestamp(settings.clock(), "millis"),
        name: aop.encode_param(value),
    }
    params[aop.SIGNATURE] = signature = aop.sign(path.signed, params, secret)
    return httpx.Request("POST", path.url(settings.base_url), data=params), signature


def _reseller_request(
    settings: ClientSettings,
    api_method: str,
    app_params: Mapping[str, str],
    image: PreparedImage | None,
) -> tuple[httpx.Request, str]:
    """A GET search (or a POST upload) with the key and secret in the query string.

    Nothing is signed: the secret itself stands in for the sign, so that
    every scrub of a sign scrubs it too.
    """
    secret = settings.app_secret.reveal()
    url = settings.base_url.rstrip("/") + reseller.api_path(_RESELLER_APIS[api_method])
    query = httpx.QueryParams([("key", settings.app_key), ("secret", secret)])
    if api_method == UPLOAD_METHOD and image is not None:
        if settings.image_encoding == "multipart":
            files = {"imgcode": (image.filename, image.data, image.content_type)}
            request = httpx.Request("POST", url, params=query, files=files)
        else:
            form = {"imgcode": base64.b64encode(image.data).decode("ascii")}
            request = httpx.Request("POST", url, params=query, data=form)
        return request, secret
    params = dict(app_params)
    if "imageUrl" in params:  # the reseller searches by URL only, and calls it imgid
        params["imgid"] = params.pop("imageUrl")
    if "sort" in params:
        params["sort"] = _RESELLER_SORTS.get(params["sort"], "")
    for own, sent in _RESELLER_PARAMS:
        if params.get(own):
            query = query.add(sent, params[own])
    return httpx.Request("GET", url, params=query), secret


def _country(country: object) -> str:
    if country is None:
        return DEFAULT_COUNTRY
    if not isinstance(country, str) or country not in aop.COUNTRIES:
        known = ", ".join(sorted(aop.COUNTRIES))
        raise UsageError(f"country must be one of {known}, not {country!r}")
    return country


def _lang(country: object) -> str:
    """``country`` as the reseller's ``lang``: the language of the titles."""
    if not isinstance(country, str) or country not in reseller.LANGS:
        known = ", ".join(reseller.LANGS)
        raise UsageError(f"country must be one of {known} with dialect='reseller', not {country!r}")
    return country


def _offer_query(params: Mapping[str, str]) -> dict[str, object]:
    """The search's params as ``offerQueryParam`` names them."""
    query: dict[str, object] = {}
    if "imgid" in params:
        query["imageId"] = params["imgid"]
    if "imageUrl" in params:
        query["imageAddress"] = params["imageUrl"]
    query.update(beginPage=int(params["page"]), pageSize=int(params["page_size"]))
    query["country"] = params["country"]
    renamed = {"start_price": "priceStart", "end_price": "priceEnd"}
    query.update({renamed[key]: params[key] for key in renamed if key in params})
    if "sort" in params and params["sort"] in _AOP_SORTS:
        query["sort"] = _AOP_SORTS[params["sort"]]
    if "cat" in params:
        cat = params["cat"]
        query["categoryId"] = int(cat) if is_digits(cat) and len(cat) <= 18 else cat
    return query


def _sort(value: Sort | str) -> Sort:
    try:
        return Sort(value)
    except ValueError:
        choices = ", ".join(member.value for member in Sort)
        raise UsageError(f"sort must be one of {choices} (or bid2, _bid2, sale, _sale)") from None
