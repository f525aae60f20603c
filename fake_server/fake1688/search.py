"""Searching the catalog: the similar set, price filter, sort, paging, caches.

The catalog (:mod:`fake1688.catalog`) ranks offers by visual similarity; this
module turns that ranking into pages. ``relevance`` keeps the similarity order;
every other sort is stable over it, so ties stay in similarity order and paging
is consistent (no duplicates, no gaps). The price filter uses the low end of a
price range such as ``"12.50-18.00"``.

Two small LRU caches keep repeated searches cheap: fingerprints by image
sha256, and finished result lists by (image sha256, cat, sort, prices); a
search that hits the second needs neither. Offers are serialised as TOP items
once, on first use (each dialect keeps its own serialised offers).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Generic, NamedTuple, Protocol, TypeVar

from pailitao.wire import reseller

from .render import dumps
from .store import Image

__all__ = [
    "SIMILAR_LIMIT",
    "SORTS",
    "CatalogLike",
    "OfferLike",
    "SearchQuery",
    "SearchService",
    "low_price",
]

#: How many offers the similar set holds: the platform caps results near this.
SIMILAR_LIMIT: Final = 200

_ORDERS: Final = ("relevance", "price_asc", "price_desc", "sales_asc", "sales_desc")
#: Accepted ``sort`` values and their canonical names (the reseller aliases included).
SORTS: Final[Mapping[str, str]] = {**{order: order for order in _ORDERS}, **reseller.SORTS}


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
    """What the engine needs of :class:`fake1688.catalog.Catalog`."""

    def fingerprint(self, image: bytes) -> Any: ...

    def search(self, fp: Any, *, cat: str | None = None, limit: int = 200) -> Sequence[OfferT]: ...

    def offer_for_url(self, url: str) -> OfferT | None: ...

    def image_bytes(self, offer: OfferT) -> bytes: ...

    def image_for_path(self, path: str) -> tuple[bytes, str] | None: ...


class SearchQuery(NamedTuple):
    """Validated search arguments (see :mod:`fake1688.args`); built for every search."""

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
        self._fingerprints = _Lru(cache_size)
        self._results = _Lru(cache_size)
        self._chunks: dict[str, bytes] = {}

    def _fingerprint(self, image: Image) -> Any:
        return self._fingerprints.get_or_make(
            image.sha256, lambda: self.catalog.fingerprint(image.data)
        )

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
