"""Searching the catalog: the similar set, price filter, sort, paging, caches.

The catalog (:mod:`fake1688.catalog.catalog`) ranks offers by visual similarity; this
module turns that ranking into pages. ``relevance`` keeps the similarity order;
every other sort is stable over it, so ties stay in similarity order and paging
is consistent (no duplicates, no gaps). The price filter uses the low end of a
price range such as ``"12.50-18.00"``.

Small LRU caches keep repeated searches cheap (the common case in a test
suite is the same photo again and again): fingerprints by image sha256,
finished result lists by (image sha256, cat, sort, prices), and the TOP
router's pages by (image sha256, the whole query); a hit in one spares the
work behind the ones before it. Offers are serialised as TOP items once, on
first use (each dialect keeps its own serialised offers).

Fingerprinting a new image decodes it. An adapter that answers on an event
loop runs such requests on worker threads and the rest inline, inside
:func:`decoding_refused`: a decode needed there raises :class:`DecodingRefused`
(answered as the platform's busy error) instead of stalling the loop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Generic, NamedTuple, Protocol, TypeVar

from pailitao.wire import reseller

from .render import dumps
from .store import Image

__all__ = [
    "SIMILAR_LIMIT",
    "SORTS",
    "CatalogLike",
    "DecodingRefused",
    "OfferLike",
    "Page",
    "SearchQuery",
    "SearchService",
    "decoding_refused",
    "low_price",
]

#: The most offers a search finds: the platform's ceiling (40 pages of 50; see
#: docs/fake-gateway.md). Below it, the catalog's similarity threshold decides.
SIMILAR_LIMIT: Final = 2000

_ORDERS: Final = ("relevance", "price_asc", "price_desc", "sales_asc", "sales_desc")
#: Accepted ``sort`` values and their canonical names (the reseller aliases included).
SORTS: Final[Mapping[str, str]] = {**{order: order for order in _ORDERS}, **reseller.SORTS}
#: Fingerprints kept: 16 bytes each, so many more than result lists.
_FINGERPRINTS: Final = 4096
_DECODING: ContextVar[bool] = ContextVar("fake1688_decoding", default=True)


class DecodingRefused(RuntimeError):
    """An image would be decoded inside :func:`decoding_refused`."""


class decoding_refused:  # a context manager, named as contextlib's are
    """Within this block (this thread, this task), fingerprinting a new image raises
    :class:`DecodingRefused`; cached fingerprints and result lists still answer.

    A class rather than ``@contextmanager``: it guards most requests over
    HTTP, and the generator machinery costs 2.8 µs a use against 1.1 µs.
    """

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = _DECODING.set(False)

    def __exit__(self, *exc: object) -> None:
        _DECODING.reset(self._token)


class OfferLike(Protocol):
    """What the engine needs of a catalog offer."""

    @property
    def num_iid(self) -> str: ...

    @property
    def price(self) -> str: ...

    @property
    def sales(self) -> int: ...

    def payload(self) -> dict[str, object]: ...


OfferT = TypeVar("OfferT", bound=OfferLike)


class CatalogLike(Protocol, Generic[OfferT]):
    """What the engine needs of :class:`fake1688.catalog.catalog.Catalog`."""

    def fingerprint(self, image: bytes) -> Any: ...

    def search(self, fp: Any, *, cat: str | None = None, limit: int = 200) -> Sequence[OfferT]: ...

    def offer_for_url(self, url: str) -> OfferT | None: ...

    def image_bytes(self, offer: OfferT) -> bytes: ...

    def image_for_path(self, path: str) -> tuple[bytes, str] | None: ...


class Page(NamedTuple):
    """One page of a search: its offers as serialised TOP items and by num_iid, and the
    total that matched."""

    total: int
    items: Sequence[bytes]
    offers: tuple[str, ...]


class SearchQuery(NamedTuple):
    """Validated search arguments (see :mod:`fake1688.engine.args`); built for every search."""

    cat: str | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    start_price: Decimal | None = None
    end_price: Decimal | None = None


def low_price(price: str) -> Decimal:
    """The low end of ``"12.50"`` or ``"12.50-18.00"``; unreadable prices sort as 0."""
    try:
        return Decimal(price.partition("-")[0].strip() or "0")
    except InvalidOperation:
        return Decimal(0)


class _Lru:
    """A tiny thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data  # a peek: the order is left as it is

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = make()  # outside the lock: fingerprinting is the slow part
        with self._lock:
            self._data[key] = value
            if len(self._data) > self._size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class SearchService:
    """Pages of similar offers for image bytes; raises ``ValueError`` for a non-image."""

    def __init__(self, catalog: CatalogLike[Any], cache_size: int = 256) -> None:
        self.catalog = catalog
        self._fingerprints = _Lru(max(cache_size, _FINGERPRINTS))
        self._results = _Lru(cache_size)
        self._pages = _Lru(cache_size)  # a page is ~8 KB of JSON: 2 MB at most
        self._chunks: dict[str, bytes] = {}

    def _fingerprint(self, image: Image) -> Any:
        return self._fingerprints.get_or_make(image.sha256, lambda: self._decode(image))

    def _decode(self, image: Image) -> Any:
        if not _DECODING.get():
            raise DecodingRefused("decoding is refused here")
        return self.catalog.fingerprint(image.data)

    def fingerprint(self, image: Image) -> Any:
        """The image's fingerprint (cached); raises ``ValueError`` for a non-image."""
        return self._fingerprint(image)

    def knows(self, image: Image) -> bool:
        """Whether the image's fingerprint is cached: searching by it decodes nothing."""
        return image.sha256 in self._fingerprints

    def check_image(self, image: Image) -> None:
        """Fingerprint an image, so it is known to decode (and cached for a search)."""
        self._fingerprint(image)

    def results(self, image: Image, query: SearchQuery) -> Sequence[Any]:
        """Every matching offer, in the requested order."""
        key = (image.sha256, query.cat, SORTS[query.sort], query.start_price, query.end_price)
        found: Sequence[Any] = self._results.get_or_make(
            key, lambda: self._find(self._fingerprint(image), query)
        )
        return found

    def _find(self, fingerprint: Any, query: SearchQuery) -> tuple[Any, ...]:
        offers = list(self.catalog.search(fingerprint, cat=query.cat, limit=SIMILAR_LIMIT))
        if query.start_price is not None or query.end_price is not None:
            offers = [offer for offer in offers if _in_range(offer, query)]
        return tuple(_sorted(offers, SORTS[query.sort]))

    def page(self, image: Image, query: SearchQuery) -> Page:
        """The query's page as TOP search items, and how many offers match in all."""
        found: Page = self._pages.get_or_make(
            (image.sha256, query), lambda: self._page(image, query)
        )
        return found

    def _page(self, image: Image, query: SearchQuery) -> Page:
        results = self.results(image, query)
        start = (query.page - 1) * query.page_size
        offers = results[start : start + query.page_size]
        return Page(len(results), [self.chunk(o) for o in offers], tuple(o.num_iid for o in offers))

    def chunk(self, offer: OfferLike) -> bytes:
        """The offer as a TOP search item, serialised once."""
        chunk = self._chunks.get(offer.num_iid)
        if chunk is None:
            chunk = self._chunks[offer.num_iid] = dumps(offer.payload())
        return chunk

    def clear(self) -> None:
        """Drop cached results (the catalog is immutable, so rarely needed)."""
        self._fingerprints.clear()
        self._results.clear()
        self._pages.clear()


def _in_range(offer: OfferLike, query: SearchQuery) -> bool:
    price = low_price(offer.price)
    if query.start_price is not None and price < query.start_price:
        return False
    return query.end_price is None or price <= query.end_price


def _sorted(offers: list[OfferLike], sort: str) -> list[OfferLike]:
    # Python's sort is stable, also with reverse=True: ties keep similarity order.
    if sort == "relevance":
        return offers
    if sort.startswith("price"):
        return sorted(offers, key=lambda o: low_price(o.price), reverse=sort == "price_desc")
    return sorted(offers, key=lambda o: o.sales, reverse=sort == "sales_desc")
