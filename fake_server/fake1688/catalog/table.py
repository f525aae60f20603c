"""The catalog's offers as a few flat buffers and arrays: no Python object per offer.

Workers that ``fake1688 serve --workers N`` forks after building the catalog share its
memory page for page until one of them writes to a page. CPython writes to every
object it references (its reference count), so a tuple of `Offer` objects would be
copied into each worker, page by page, as its searches touch them. An `OfferTable`
keeps each offer as its search item (`Offer.payload` as compact UTF-8 JSON, the bytes
a search answer carries) end to end in one `bytes`, with the columns a search sorts
and filters by in numpy arrays; an `Offer` is made only when asked for.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

from fake1688.catalog.offer import Offer, low_price

__all__ = ["KeyIndex", "OfferTable", "Packed"]


class Packed(Sequence[bytes]):
    """Byte strings stored end to end in one `bytes`, their bounds in a flat array."""

    __slots__ = ("_bounds", "_data")

    def __init__(self, parts: Iterable[bytes]) -> None:
        bounds = array("q", [0])
        chunks = []
        for part in parts:
            chunks.append(part)
            bounds.append(bounds[-1] + len(part))
        self._data = b"".join(chunks)
        self._bounds = bounds

    def __len__(self) -> int:
        return len(self._bounds) - 1

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("Packed index out of range")
        return self._data[self._bounds[index] : self._bounds[index + 1]]

    def join(self, rows: Iterable[int], separator: bytes = b",") -> bytes:
        """The parts at `rows` joined by `separator`."""
        data, bounds = self._data, self._bounds
        return separator.join([data[bounds[r] : bounds[r + 1]] for r in rows])


class KeyIndex:
    """The row of each of a set of unique keys, found through their 64-bit hashes in sorted arrays
    (a dict would hold a Python object per key)."""

    __slots__ = ("_hashes", "_keys", "_rows")

    def __init__(self, keys: Packed, what: str) -> None:
        """Raises ValueError if two keys are equal (naming them as `what`)."""
        hashes = np.fromiter(map(_hash, keys), dtype=np.uint64, count=len(keys))
        rows = np.argsort(hashes, kind="stable")
        self._hashes, self._rows, self._keys = hashes[rows], rows, keys
        for i in np.flatnonzero(self._hashes[1:] == self._hashes[:-1]).tolist():
            for j in range(i + 1, len(rows)):  # a run of equal hashes: compare the keys
                if self._hashes[j] != self._hashes[i]:
                    break
                if keys[int(rows[i])] == keys[int(rows[j])]:
                    raise ValueError(f"two offers share the {what} {keys[int(rows[i])].decode()!r}")

    def get(self, key: str) -> int | None:
        """The row of `key`, if it is one of the keys."""
        data = key.encode(errors="surrogatepass")
        code = _hash(data)
        i = int(np.searchsorted(self._hashes, code))
        while i < len(self._hashes) and self._hashes[i] == code:
            row = int(self._rows[i])
            if self._keys[row] == data:
                return row
            i += 1
        return None


class OfferTable(Sequence[Offer]):
    """Offers stored as their search items, with the columns a search sorts by.

    Indexing makes an `Offer` (a few µs); a search reads `items`, `num_iid`,
    `low_prices` and `sales` instead.
    """

    __slots__ = ("_cat_names", "_names", "items", "low_prices", "num_iids", "sales")

    def __init__(self, offers: Iterable[Offer]) -> None:
        offers = list(offers)
        #: Each offer's search item (`Offer.payload`), compact UTF-8 JSON.
        self.items = Packed(_dumps(offer.payload()) for offer in offers)
        #: Each offer's num_iid, UTF-8.
        self.num_iids = Packed(offer.num_iid.encode() for offer in offers)
        #: The low end of each offer's price (`low_price`), for sorting and filtering.
        self.low_prices = _frozen(np.array([float(low_price(o.price)) for o in offers]))
        #: Each offer's sales.
        self.sales = _frozen(np.array([o.sales for o in offers], dtype=np.int64))
        # cat_name is the one field a search item lacks: an index into distinct names.
        names: dict[str, int] = {}
        self._cat_names = array("l", [names.setdefault(o.cat_name, len(names)) for o in offers])
        self._names = tuple(names)

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> Offer: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Offer]: ...
    def __getitem__(self, index: int | slice) -> Offer | Sequence[Offer]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        item = json.loads(self.items[index])
        return Offer(
            num_iid=item["num_iid"],
            title=item["title"],
            price=item["price"],
            promotion_price=item.get("promotion_price"),
            sales=item["sales"],
            seller_nick=item["seller_nick"],
            area=item["area"],
            turn_head=item["turnHead"],
            cat=item["cat"],
            cat_name=self._names[self._cat_names[index]],
            pic_url=item["pic_url"],
            detail_url=item["detail_url"],
        )

    def __iter__(self) -> Iterator[Offer]:
        return (self[i] for i in range(len(self)))

    def num_iid(self, row: int) -> str:
        """The num_iid of the offer at `row`."""
        return self.num_iids[row].decode()


def _hash(key: bytes) -> int:
    # Python's own hash: the same in this process and the workers forked from it.
    return hash(key) & 0xFFFF_FFFF_FFFF_FFFF


#: JSON as the platform writes it: compact, Chinese unescaped (one encoder: json.dumps
#: with options makes one a call).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(data: object) -> bytes:
    return _ENCODER.encode(data).encode()


def _frozen(column: np.ndarray) -> np.ndarray:
    column.flags.writeable = False
    return column
