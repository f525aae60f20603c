"""The Open Platform's two image APIs: thin handlers over the shared backend.

* ``product.image.upload``: ``uploadImageParam`` = ``{"imageBase64", "outMemberId"}``
  → ``result.result`` = the imageId.
* ``product.search.imageQuery``: ``offerQueryParam`` = ``{"imageId" | "imageAddress",
  "beginPage", "pageSize", "country", "sort", "priceStart", "priceEnd",
  "categoryId", "keyword", …}`` → one page of offers.

Each handler reads its JSON param (a business error ``400`` names the field
that is wrong), calls :class:`~fake1688.engine.api.ImageSearchApi` (the same catalog,
upload store and caches as the TOP router) and renders the success body.
Optional params the fake cannot honour (``filter``, ``region``,
``outMemberId``, ``auxiliaryText``, ``itemTitle``, ``keywordTranslate``,
``productCollectionId``) are accepted and leave the results as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, NamedTuple

from fake1688.catalog.aop_offer import aop_offer
from pailitao.wire import aop

from . import args
from .aop_errors import AopBusinessError
from .api import Call, Handler, ImageSearchApi
from .render import dumps
from .search import SearchQuery

__all__ = ["SEARCH", "UPLOAD", "AopImageApi", "OfferQuery"]

SEARCH: Final = f"{aop.NAMESPACE}:{aop.SEARCH_API}"
UPLOAD: Final = f"{aop.NAMESPACE}:{aop.UPLOAD_API}"
#: Sort keys of ``offerQueryParam.sort`` and the order each names.
_SORTS: Final = {
    ("price", "asc"): "price_asc",
    ("price", "desc"): "price_desc",
    ("monthSold", "asc"): "sales_asc",
    ("monthSold", "desc"): "sales_desc",
}
_PRICE: Final = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,4})?")
_MAX_PAGE: Final = args.MAX_PAGE
#: Serialised offers kept per (row, country), and offers' facts per row: a page costs a
#: join, not a dumps (~8 MB; each worker keeps its own).
_CHUNKS: Final = 8192


class OfferQuery(NamedTuple):
    """A validated ``offerQueryParam``."""

    source: tuple[str, str]  # ("imageId" | "imageAddress", value)
    query: SearchQuery
    country: str
    #: A category id of any of the three levels.
    category: int | None
    keyword: str | None


class AopImageApi:
    """``product.image.upload`` and ``product.search.imageQuery`` over the shared backend."""

    def __init__(self, backend: ImageSearchApi) -> None:
        self.backend = backend
        # By (row in catalog.offers, country), and by row.
        self._chunks: dict[tuple[int, str], bytes] = {}
        self._facts: dict[int, tuple[frozenset[int], str]] = {}  # categories, English title
        #: The APIs served, by ``namespace:name``.
        self.handlers: Mapping[str, Handler] = {SEARCH: self.search, UPLOAD: self.upload}
        #: The app param each API requires (the gateway checks it is there).
        self.required: Mapping[str, str] = {SEARCH: aop.SEARCH_PARAM, UPLOAD: aop.UPLOAD_PARAM}

    def upload(self, call: Call, request_id: str) -> bytes:
        """Keep the image; answer its imageId."""
        param = _object(call.params, aop.UPLOAD_PARAM)
        text = param.get("imageBase64")
        if not isinstance(text, str) or not text:
            raise _bad(f"{aop.UPLOAD_PARAM}.imageBase64 is required: the base64 of the image")
        image = self.backend.load("image", text, name=f"{aop.UPLOAD_PARAM}.imageBase64")
        image_id = self.backend.keep(image).image_id
        self.backend.noted(call.seen, image)
        return _success(json.dumps(image_id))

    def search(self, call: Call, request_id: str) -> bytes:
        """One page of the offers that look like the image."""
        offer_query = read_offer_query(_object(call.params, aop.SEARCH_PARAM))
        kind, reference = offer_query.source
        image = self.backend.load(kind, reference, upload_api=aop.UPLOAD_API)
        query = offer_query.query
        results = self.backend.matches(image, query).tolist()
        if offer_query.category is not None or offer_query.keyword:
            results = [row for row in results if self._wanted(row, offer_query)]
        start = (query.page - 1) * query.page_size
        page = results[start : start + query.page_size]
        self.backend.noted(call.seen, image, self.backend.searcher.num_iids(page), len(results))
        data = b",".join(self._chunk(row, offer_query.country) for row in page)
        pages = -(-len(results) // query.page_size)
        head = (
            f'{{"totalRecords":{len(results)},"totalPage":{pages},'
            f'"pageSize":{query.page_size},"currentPage":{query.page},"data":['
        )
        tail = '],"picRegionInfo":{"currentRegion":"","yoloCropRegion":""}}'
        return _success(head + data.decode() + tail)

    def _chunk(self, row: int, country: str) -> bytes:
        key = (row, country)
        chunk = self._chunks.get(key)
        if chunk is None:
            if len(self._chunks) >= _CHUNKS:
                self._chunks.clear()
            offer = self.backend.catalog.offers[row]
            chunk = self._chunks[key] = dumps(aop_offer(offer, country))
        return chunk

    def _wanted(self, row: int, offer_query: OfferQuery) -> bool:
        """``categoryId`` matches any level; ``keyword`` searches the title, Chinese or English."""
        facts = self._facts.get(row)
        if facts is None:
            if len(self._facts) >= _CHUNKS:
                self._facts.clear()
            offer = self.backend.catalog.offers[row]
            fields = aop_offer(offer, "en")
            levels = ("topCategoryId", "secondCategoryId", "thirdCategoryId")
            categories = frozenset(int(str(fields[level])) for level in levels)
            facts = self._facts[row] = (
                categories,
                f"{offer.title} {fields['subjectTrans']}",
            )
        categories, text = facts
        if offer_query.category is not None and offer_query.category not in categories:
            return False
        keyword = offer_query.keyword
        return not keyword or keyword.casefold() in text.casefold()


def _success(result_json: str) -> bytes:
    head = f'{{"result":{{"success":true,"code":"{aop.SUCCESS_CODE}","message":"","result":'
    return (head + result_json + "}}").encode("utf-8")


def _bad(message: str) -> AopBusinessError:
    return AopBusinessError(aop.BAD_REQUEST_CODE, message)


def _object(params: Mapping[str, str], name: str) -> dict[str, Any]:
    text = params[name]
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _bad(
            f"{name} is not valid JSON ({text[:60]!r}…); send a JSON object, e.g. "
            '{"imageId":"…","beginPage":1,"pageSize":20,"country":"en"}'
        ) from None
    if not isinstance(value, dict):
        raise _bad(f"{name} must be a JSON object, not {type(value).__name__}")
    return value


def read_offer_query(param: Mapping[str, Any]) -> OfferQuery:
    """``offerQueryParam`` as a validated query; a business error names a wrong field."""
    return OfferQuery(
        _source(param),
        SearchQuery(
            None,
            _sort(param.get("sort")),
            _whole(param, "beginPage", _MAX_PAGE, 1),
            _whole(param, "pageSize", aop.MAX_PAGE_SIZE, 20),
            *_prices(param),
        ),
        _country(param.get("country")),
        _category(param.get("categoryId")),
        _text(param, "keyword"),
    )


def _field(name: str) -> str:
    return f"{aop.SEARCH_PARAM}.{name}"


def _source(param: Mapping[str, Any]) -> tuple[str, str]:
    given = [(key, param[key]) for key in ("imageId", "imageAddress") if param.get(key)]
    if len(given) != 1:
        found = " and ".join(key for key, _ in given) or "neither"
        hint = (
            "; imageBase64 is no field of it: upload with product.image.upload first"
            if "imageBase64" in param
            else ""
        )
        raise _bad(
            f"{aop.SEARCH_PARAM} needs exactly one of imageId (from product.image.upload) "
            f"and imageAddress (a 1688 image URL); got {found}{hint}"
        )
    key, value = given[0]
    if isinstance(value, int) and not isinstance(value, bool) and key == "imageId":
        value = str(value)
    if not isinstance(value, str):
        raise _bad(f"{_field(key)} must be a string, not {type(value).__name__}")
    return key, value


def _whole(param: Mapping[str, Any], name: str, high: int, default: int) -> int:
    value = param.get(name)
    if value is None:
        return default
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 9:
        number = int(text)
        if 1 <= number <= high:
            return number
    raise _bad(f"{_field(name)} {str(value)[:40]!r} is not a whole number from 1 to {high:,}")


def _country(value: object) -> str:
    if isinstance(value, str) and value in aop.COUNTRIES:
        return value
    known = ", ".join(sorted(aop.COUNTRIES))
    shown = "missing" if value is None else repr(str(value)[:20])
    raise _bad(
        f"{_field('country')} is {shown}: it names the language of subjectTrans, one of {known}"
    )


def _sort(value: object) -> str:
    if value is None or value == "":
        return "relevance"
    spec = value
    if isinstance(value, str):
        try:
            spec = json.loads(value)
        except ValueError:
            spec = None
    if isinstance(spec, dict) and len(spec) == 1:
        ((key, order),) = spec.items()
        found = _SORTS.get((key, order)) if isinstance(order, str) else None
        if found is not None:
            return found
    raise _bad(
        f"{_field('sort')} {str(value)[:60]!r} is unknown; send a JSON string such as "
        '{"price":"asc"}: price or monthSold, asc or desc'
    )


def _category(value: object) -> int | None:
    if value is None or value == "":
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    raise _bad(f"{_field('categoryId')} {str(value)[:40]!r} is not a category id (digits)")


def _prices(param: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    low, high = _price(param, "priceStart"), _price(param, "priceEnd")
    if low is not None and high is not None and low > high:
        raise _bad(f"{_field('priceStart')} {low} is above {_field('priceEnd')} {high}; swap them")
    return low, high


def _price(param: Mapping[str, Any], name: str) -> Decimal | None:
    value = param.get(name)
    if value is None or value == "":
        return None
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    if isinstance(text, str) and _PRICE.fullmatch(text):
        return Decimal(text)
    raise _bad(f"{_field(name)} {str(value)[:40]!r} is not a price like '12.50'")


def _text(param: Mapping[str, Any], name: str) -> str | None:
    value = param.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _bad(f"{_field(name)} must be a string, not {type(value).__name__}")
    return value
