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
work behind the ones before it.

A search reads the catalog's arrays, never an object per offer
(:mod:`fake1688.catalog.table`): results are rows of ``catalog.offers``, filtered
and sorted by its price and sales columns, and a page is the offers' TOP items as
the catalog stores them. So workers forked after the catalog is built keep sharing
it as they search.

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
from decimal import Decimal
from typing import Any, Final, NamedTuple, Protocol

import numpy as np

from fake1688.catalog.table import Packed
from pailitao.wire import reseller

from .store import Image

__all__ = [
    "SIMILAR_LIMIT",
    "SORTS",
    "CatalogLike",
    "DecodingRefused",
    "OffersLike",
    "Page",
    "SearchQuery",
    "SearchService",
    "decoding_refused",
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


class OffersLike(Protocol):
    """What the engine needs of a catalog's offers (:class:`fake1688.catalog.table.OfferTable`):
    each offer's TOP search item and num_iid by row, and the columns a search
    filters and sorts by."""

    items: Packed
    low_prices: np.ndarray
    sales: np.ndarray

    def __getitem__(self, row: int) -> Any: ...

    def num_iid(self, row: int) -> str: ...


class CatalogLike(Protocol):
    """What the engine needs of :class:`fake1688.catalog.catalog.Catalog`."""

    @property
    def offers(self) -> OffersLike: ...

    def fingerprint(self, image: bytes) -> Any: ...

    def nearest(self, fp: Any, *, cat: str | None = None, limit: int = 200) -> np.ndarray: ...

    def offer_for_url(self, url: str) -> Any: ...

    def image_bytes(self, offer: Any) -> bytes: ...

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

    def __init__(self, catalog: CatalogLike, cache_size: int = 256) -> None:
        self.catalog = catalog
        self._fingerprints = _Lru(max(cache_size, _FINGERPRINTS))
        self._results = _Lru(cache_size)
        self._pages = _Lru(cache_size)  # a page is ~8 KB of JSON: 2 MB at most

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

    def results(self, image: Image, query: SearchQuery) -> np.ndarray:
        """The rows in ``catalog.offers`` of every matching offer, in the requested
        order (a read-only array)."""
        key = (image.sha256, query.cat, SORTS[query.sort], query.start_price, query.end_price)
        found: np.ndarray = self._results.get_or_make(
            key, lambda: self._find(self._fingerprint(image), query)
        )
        return found

    def _find(self, fingerprint: Any, query: SearchQuery) -> np.ndarray:
        offers = self.catalog.offers
        rows = self.catalog.nearest(fingerprint, cat=query.cat, limit=SIMILAR_LIMIT)
        if query.start_price is not None or query.end_price is not None:
            price = offers.low_prices[rows]
            wanted = np.ones(len(rows), dtype=bool)
            if query.start_price is not None:
                wanted &= price >= float(query.start_price)
            if query.end_price is not None:
                wanted &= price <= float(query.end_price)
            rows = rows[wanted]
        sort = SORTS[query.sort]
        if sort != "relevance":
            column = offers.low_prices if sort.startswith("price") else offers.sales
            keys = column[rows]
            # A stable sort, also descending: ties keep the similarity order.
            rows = rows[np.argsort(-keys if sort.endswith("desc") else keys, kind="stable")]
        rows.flags.writeable = False
        return rows

    def page(self, image: Image, query: SearchQuery) -> Page:
        """The query's page as TOP search items, and how many offers match in all."""
        found: Page = self._pages.get_or_make(
            (image.sha256, query), lambda: self._page(image, query)
        )
        return found

    def _page(self, image: Image, query: SearchQuery) -> Page:
        results = self.results(image, query)
        start = (query.page - 1) * query.page_size
        rows = results[start : start + query.page_size].tolist()
        items = self.catalog.offers.items
        return Page(len(results), [items[row] for row in rows], self.num_iids(rows))

    def items(self, rows: Sequence[int]) -> bytes:
        """The offers at ``rows`` as TOP search items, joined by commas."""
        return self.catalog.offers.items.join(rows)

    def num_iids(self, rows: Sequence[int]) -> tuple[str, ...]:
        """The num_iids of the offers at ``rows``."""
        return tuple(map(self.catalog.offers.num_iid, rows))

    def clear(self) -> None:
        """Drop cached results (the catalog is immutable, so rarely needed)."""
        self._fingerprints.clear()
        self._results.clear()
        self._pages.clear()
