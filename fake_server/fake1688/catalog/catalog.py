"""The fake's catalog: offers, their photos, and search by visual similarity.

`Catalog.default(seed)` is the embedded catalog of generated offers whose photos are
drawn on demand; `Catalog.load(path)` opens a file written by `save()` or by
`fake1688.catalog.indexer.build_catalog`. Searching ranks offers by the distance between
perceptual fingerprints (`fake1688.catalog.imaging`, `fake1688.catalog.similarity`).

The seed-0 catalog ships its fingerprints in `data/catalog-seed0.npz`, because
drawing and hashing 4,000 photos takes about 40 seconds; other seeds compute them
once and keep them in a cache folder (`FAKE1688_CACHE_DIR`, by default
``~/.cache/fake1688``), where the next start finds them.
After changing the vocabulary, drawing or hashing, rewrite that file with
`python -m fake1688.catalog.catalog`.

Errors::

    ValueError
     ├── ImageDecodeError     bytes that are not a decodable image
     └── CatalogFileError     a catalog file that cannot be read
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import numpy as np

from fake1688.catalog import catalog_io, imaging, photo, vocab
from fake1688.catalog.catalog_io import CatalogFileError
from fake1688.catalog.imaging import Fingerprint, ImageDecodeError
from fake1688.catalog.offer import ImageSource, Offer, pic_path, record
from fake1688.catalog.similarity import SimilarityIndex
from fake1688.catalog.table import KeyIndex, OfferTable, Packed

__all__ = [
    "DEFAULT_SIZE",
    "Catalog",
    "CatalogFileError",
    "DrawnImages",
    "Fingerprint",
    "ImageDecodeError",
    "Offer",
]

DEFAULT_SIZE = 4000
#: Where the fingerprints of seeds other than 0 are kept once computed (default:
#: ``$XDG_CACHE_HOME/fake1688``, else ``~/.cache/fake1688``).
CACHE_ENV = "FAKE1688_CACHE_DIR"
_SHIPPED = Path(__file__).parent / "data" / "catalog-seed0.npz"


class DrawnImages:
    """Photos drawn as each offer's title names (kind, colour), varied by its num_iid."""

    stored = False

    def image(self, offer: Offer) -> tuple[bytes, str]:
        """The offer's photo as JPEG bytes (the same bytes on every call)."""
        return _drawn_jpeg(offer.num_iid, offer.title), "image/jpeg"

    def fingerprint(self, offer: Offer) -> Fingerprint:
        """The fingerprint of the photo as served (decoded from its JPEG bytes)."""
        return imaging.fingerprint_image(imaging.decode(self.image(offer)[0]))


@functools.lru_cache(maxsize=512)
def _drawn_jpeg(num_iid: str, title: str) -> bytes:
    # Drawing and encoding cost ~1 ms; a result page asks for the same few dozen photos.
    return imaging.encode_jpeg(photo.draw_offer(num_iid, title))


class Catalog:
    """Offers with photos and fingerprints, searchable by image."""

    offers: OfferTable
    categories: Mapping[str, str]

    def __init__(
        self,
        offers: Iterable[Offer],
        fingerprints: Iterable[Fingerprint],
        images: ImageSource,
        categories: Mapping[str, str] | None = None,
    ) -> None:
        """A catalog of `offers`, `fingerprints[i]` being that of `offers[i]`'s photo.

        `categories` (cat id -> name) defaults to the categories the offers name.
        Raises ValueError on duplicate num_iids or pic_url paths.

        The offers are kept as an `OfferTable` and the fingerprints as one array, so
        that processes forked after the catalog is built share it (see
        `fake1688.catalog.table`).
        """
        listed = list(offers)
        table = np.array(list(fingerprints), dtype=np.uint64).reshape(-1, len(Fingerprint._fields))
        if len(table) != len(listed):
            raise ValueError(f"{len(listed)} offers but {len(table)} fingerprints")
        names = categories if categories is not None else {o.cat: o.cat_name for o in listed}
        self.categories = MappingProxyType(dict(names))
        self._images = images
        self.offers = OfferTable(listed)
        self._by_iid = KeyIndex(self.offers.num_iids, "num_iid")
        self._by_path = KeyIndex(Packed(_served_path(o).encode() for o in listed), "pic_url")
        self._index = SimilarityIndex(table, _tie_ranks(listed))
        cats = np.array([o.cat for o in listed], dtype=object)
        self._cat_rows: dict[str, np.ndarray] = {
            cat: np.flatnonzero(cats == cat) for cat in dict.fromkeys(cats.tolist())
        }
        self._cat_index = {cat: self._index.subset(rows) for cat, rows in self._cat_rows.items()}

    def __len__(self) -> int:
        return len(self.offers)

    def __repr__(self) -> str:
        return f"<Catalog of {len(self.offers)} offers in {len(self._cat_rows)} categories>"

    @classmethod
    def default(cls, seed: int = 0) -> Catalog:
        """The embedded catalog of DEFAULT_SIZE generated offers; built once per seed."""
        return _default(seed)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Catalog:
        """Open a catalog file written by `save()`; raises CatalogFileError."""
        parts = catalog_io.read(Path(path))
        images = DrawnImages() if parts.images is None else parts.images
        try:
            return cls(parts.offers, parts.fingerprints, images, parts.categories)
        except ValueError as exc:  # duplicate num_iids or pic_urls
            raise CatalogFileError(f"{path}: {exc}") from None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the catalog to `path` (format: `fake1688.catalog.catalog_io`)."""
        fingerprints = [self._fingerprint_at(row) for row in range(len(self))]
        catalog_io.write(Path(path), self.offers, fingerprints, self.categories, self._images)

    def digest(self) -> str:
        """SHA-256 (hex) of the metadata (categories, offers) as canonical JSON."""
        doc = {"categories": dict(self.categories), "offers": [record(o) for o in self.offers]}
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def fingerprint(self, image: bytes) -> Fingerprint:
        """The fingerprint of image bytes; raises ImageDecodeError."""
        return imaging.fingerprint_image(imaging.decode(image))

    def fingerprint_of(self, offer: Offer) -> Fingerprint:
        """The stored fingerprint of one of this catalog's offers."""
        return self._fingerprint_at(self._row(offer))

    def _row(self, offer: Offer) -> int:
        row = self._by_iid.get(offer.num_iid)
        if row is None:
            raise KeyError(f"offer {offer.num_iid!r} is not in the catalog")
        return row

    def _fingerprint_at(self, row: int) -> Fingerprint:
        return Fingerprint(*map(int, self._index.row(row)))

    def search(self, fp: Fingerprint, *, cat: str | None = None, limit: int = 200) -> list[Offer]:
        """Up to `limit` of the offers that match `fp`, most similar first (`nearest`)."""
        return [self.offers[row] for row in self.nearest(fp, cat=cat, limit=limit).tolist()]

    def nearest(self, fp: Fingerprint, *, cat: str | None = None, limit: int = 200) -> np.ndarray:
        """The rows in `offers` of up to `limit` offers that match `fp`, most similar
        first; ties go to the smaller num_iid. How many match depends on the photo:
        an offer scoring past `fake1688.catalog.similarity.MATCH` is no match.

        With `cat`, only offers of that category (none if the catalog has no such
        category).
        """
        if cat is None:
            return self._index.nearest(fp, limit)
        if cat not in self._cat_index:
            return np.empty(0, dtype=np.intp)
        found: np.ndarray = self._cat_rows[cat][self._cat_index[cat].nearest(fp, limit)]
        return found

    def scores(self, fp: Fingerprint, offers: Sequence[Offer]) -> list[int]:
        """Each offer's similarity score for `fp`, lower is nearer (past
        `fake1688.catalog.similarity.MATCH`, no match)."""
        rows = np.array([self._row(offer) for offer in offers], dtype=np.intp)
        return [int(score) for score in self._index.subset(rows).scores(fp)] if len(rows) else []

    def offer(self, num_iid: str) -> Offer | None:
        """The offer with this num_iid, if any."""
        i = self._by_iid.get(num_iid)
        return None if i is None else self.offers[i]

    def offer_for_url(self, url: str) -> Offer | None:
        """The offer whose pic_url has the path of `url` (any host, or none)."""
        path = pic_path(url)
        i = None if path is None else self._by_path.get(path)
        return None if i is None else self.offers[i]

    def image_bytes(self, offer: Offer) -> bytes:
        """The offer's photo (the same bytes on every call)."""
        return self._images.image(offer)[0]

    def image_for_path(self, path: str) -> tuple[bytes, str] | None:
        """(bytes, content type) of the photo served at a pic_url path, if any."""
        offer = self.offer_for_url(path)
        return None if offer is None else self._images.image(offer)


def _tie_ranks(offers: Sequence[Offer]) -> np.ndarray:
    """Each offer's place in num_iid order (as numbers): equal distances go to the smaller."""
    order = sorted(range(len(offers)), key=lambda i: (len(offers[i].num_iid), offers[i].num_iid))
    rank = np.empty(len(offers), dtype=np.int64)
    rank[order] = np.arange(len(offers))
    return rank


def _served_path(offer: Offer) -> str:
    path = pic_path(offer.pic_url)
    if path is None:
        raise ValueError(
            f"offer {offer.num_iid}: pic_url {offer.pic_url!r} is not an /img/ibank/ URL"
        )
    return path


@functools.cache
def _default(seed: int) -> Catalog:
    offers = vocab.generate(seed, DEFAULT_SIZE)
    images = DrawnImages()
    categories = {c.cat: c.name for c in vocab.CATEGORIES}
    kept = _SHIPPED if seed == 0 else _cache_dir() / f"catalog-seed{seed}.npz"
    fps = _stored_fingerprints(kept, offers)
    if fps is None:
        fps = [images.fingerprint(o) for o in offers]
        if seed != 0:
            _keep_quietly(kept, offers, fps)
    return Catalog(offers, fps, images, categories)


def _cache_dir() -> Path:
    """Where the fingerprints of seeds other than 0 are kept once computed."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fake1688"


def _keep_quietly(path: Path, offers: Sequence[Offer], fps: Sequence[Fingerprint]) -> None:
    """Keep computed fingerprints for the next start; a cache that cannot be written
    only costs the next start the same wait."""
    with contextlib.suppress(OSError):
        _write_fingerprints(path, offers, fps)


def _fingerprint_key(offers: Sequence[Offer]) -> str:
    """What the shipped fingerprints depend on: what each photo is drawn from (its
    offer's num_iid and title), the drawing and the hashing."""
    text = "\n".join(f"{o.num_iid}\t{o.title}" for o in offers)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"draw{photo.DRAW_VERSION}-fp{imaging.FINGERPRINT_VERSION}-{digest}"


def _stored_fingerprints(path: Path, offers: Sequence[Offer]) -> list[Fingerprint] | None:
    """The fingerprints stored at `path`, or None if the file is missing, unreadable or
    for other offers (or another drawing or hashing)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            key, table = str(data["key"]), data["fingerprints"]
    except (OSError, KeyError, ValueError, EOFError):
        return None
    if key != _fingerprint_key(offers) or table.shape != (len(offers), len(Fingerprint._fields)):
        return None
    return [Fingerprint(*map(int, row)) for row in table]


def _shipped_fingerprints(offers: Sequence[Offer]) -> list[Fingerprint] | None:
    """The shipped fingerprints, or None if the file is missing or for other offers."""
    return _stored_fingerprints(_SHIPPED, offers)


def _write_fingerprints(path: Path, offers: Sequence[Offer], fps: Sequence[Fingerprint]) -> None:
    """Store `fps` of `offers` at `path`, whole or not at all."""
    table = np.array(fps, dtype=np.uint64).reshape(-1, len(Fingerprint._fields))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    with partial.open("wb") as f:
        np.savez_compressed(f, key=np.array(_fingerprint_key(offers)), fingerprints=table)
    os.replace(partial, path)


def _write_shipped_fingerprints(path: Path = _SHIPPED) -> None:
    """Compute the seed-0 fingerprints and store them where `default()` looks."""
    offers = vocab.generate(0, DEFAULT_SIZE)
    _write_fingerprints(path, offers, [DrawnImages().fingerprint(o) for o in offers])


if __name__ == "__main__":
    _write_shipped_fingerprints()
    print(f"wrote {_SHIPPED}")
