"""Catalog files: a zip archive holding a JSON manifest and, for user catalogs, the photos.

Format "fake1688-catalog", version 3 (versions 1 and 2 held fingerprints of two
and four codes; rebuild such a file with ``fake1688 index``)::

    catalog.json   {"format": "fake1688-catalog", "version": 3,
                    "images": "drawn" | "stored",
                    "categories": {"10166": "服装", ...},
                    "offers": [{"num_iid": "...", ... every Offer field ...,
                                "fingerprint": "<80 hex digits>",
                                "image": "images/<num_iid>.jpg"}, ...]}
    images/...     the photos as given, stored uncompressed (they are compressed already)

A "drawn" catalog (the default catalog, saved) carries no photos and no "image" keys:
its photos are drawn as each offer's title names them (kind, colour), varied by its
num_iid. A "stored" catalog carries every photo, so the file alone is enough to serve
it. Entries have a fixed timestamp, so saving the same catalog twice gives the same
bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from fake1688.catalog.imaging import Fingerprint
from fake1688.catalog.offer import OFFER_FIELDS, ImageSource, Offer, content_type, pic_path, record

__all__ = ["FORMAT", "VERSION", "CatalogFileError", "CatalogParts", "ZipImages", "read", "write"]

FORMAT = "fake1688-catalog"
VERSION = 3
_MANIFEST = "catalog.json"
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time zip can record
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
               "image/gif": "gif", "image/bmp": "bmp"}  # fmt: skip


class CatalogFileError(ValueError):
    """A catalog file is missing, not a catalog, or inconsistent; the message says where."""


class CatalogParts(NamedTuple):
    """What a catalog file holds; `images` is None for a drawn catalog."""

    offers: list[Offer]
    fingerprints: list[Fingerprint]
    categories: dict[str, str]
    images: ImageSource | None


class ZipImages:
    """Photos stored in a catalog file, read from it on demand."""

    stored = True

    def __init__(self, path: Path, members: Mapping[str, str]) -> None:
        self._path = path
        self._members = dict(members)  # num_iid -> member name

    def image(self, offer: Offer) -> tuple[bytes, str]:
        """The offer's photo bytes and content type."""
        member = self._members[offer.num_iid]
        # Opened per call: an open handle kept on the catalog would outlive tests.
        with zipfile.ZipFile(self._path) as archive:
            return archive.read(member), content_type(member)


def write(
    path: Path,
    offers: Sequence[Offer],
    fingerprints: Sequence[Fingerprint],
    categories: Mapping[str, str],
    images: ImageSource,
) -> None:
    """Write a catalog file atomically (a temporary file renamed over `path`)."""
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w") as archive:
            entries = []
            for offer, fp in zip(offers, fingerprints, strict=True):
                entry = record(offer) | {"fingerprint": fp.hex()}
                if images.stored:
                    data, ctype = images.image(offer)
                    entry["image"] = f"images/{offer.num_iid}.{_EXTENSIONS.get(ctype, 'jpg')}"
                    _put(archive, str(entry["image"]), data, zipfile.ZIP_STORED)
                entries.append(entry)
            manifest = {"format": FORMAT, "version": VERSION,
                        "images": "stored" if images.stored else "drawn",
                        "categories": dict(categories), "offers": entries}  # fmt: skip
            text = json.dumps(manifest, ensure_ascii=False, indent=1)
            _put(archive, _MANIFEST, text.encode(), zipfile.ZIP_DEFLATED)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp made it 0600; a catalog is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _put(archive: zipfile.ZipFile, name: str, data: bytes, compression: int) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = compression
    archive.writestr(info, data)


def read(path: Path) -> CatalogParts:
    """Read and check a catalog file; raises CatalogFileError naming what is wrong."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if _MANIFEST not in names:
                raise CatalogFileError(f"{path}: not a {FORMAT} file (no {_MANIFEST} inside)")
            raw = archive.read(_MANIFEST)
    except zipfile.BadZipFile:
        raise CatalogFileError(
            f"{path}: not a {FORMAT} file (not a zip archive); write one with "
            "Catalog.save() or `fake1688 index`"
        ) from None
    except OSError as exc:
        raise CatalogFileError(f"{path}: cannot read the catalog file: {exc.strerror}") from None
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogFileError(f"{path}: {_MANIFEST} is not valid JSON: {exc}") from None
    return _parts(path, manifest, names)


def _parts(path: Path, manifest: object, names: set[str]) -> CatalogParts:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CatalogFileError(f"{path}: {_MANIFEST} does not declare format {FORMAT!r}")
    if manifest.get("version") != VERSION:
        raise CatalogFileError(
            f"{path}: catalog format version {manifest.get('version')!r} is not supported "
            f"(this fake1688 reads version {VERSION}); rebuild it with `fake1688 index`"
        )
    mode = manifest.get("images")
    if mode not in ("drawn", "stored"):
        raise CatalogFileError(f"{path}: 'images' must be 'drawn' or 'stored', not {mode!r}")
    categories = manifest.get("categories")
    if not isinstance(categories, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in categories.items()
    ):
        raise CatalogFileError(f"{path}: 'categories' must map category ids to names")
    entries = manifest.get("offers")
    if not isinstance(entries, list):
        raise CatalogFileError(f"{path}: 'offers' must be a list")
    offers, fps, members = [], [], {}
    for n, entry in enumerate(entries, 1):
        where = f"{path}: offer #{n}"
        offer, fp = _offer(where, entry)
        if mode == "stored":
            members[offer.num_iid] = _member(where, entry, names)
        offers.append(offer)
        fps.append(fp)
    images = ZipImages(path, members) if mode == "stored" else None
    return CatalogParts(offers, fps, categories, images)


def _offer(where: str, entry: object) -> tuple[Offer, Fingerprint]:
    if not isinstance(entry, dict):
        raise CatalogFileError(f"{where} must be an object")
    values: dict[str, object] = {}
    for name in OFFER_FIELDS:
        value = entry.get(name)
        if name == "sales":
            ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        else:
            ok = isinstance(value, str) or (name == "promotion_price" and value is None)
        if not ok:
            want = "a whole number >= 0" if name == "sales" else "a string"
            raise CatalogFileError(f"{where}: {name!r} must be {want}, not {value!r}")
        values[name] = value
    offer = Offer(**values)  # type: ignore[arg-type]  # each field checked just above
    if pic_path(offer.pic_url) is None:
        raise CatalogFileError(f"{where}: pic_url {offer.pic_url!r} is not an /img/ibank/ URL")
    try:
        fp = Fingerprint.from_hex(str(entry.get("fingerprint")))
    except ValueError as exc:
        raise CatalogFileError(f"{where}: {exc}") from None
    return offer, fp


def _member(where: str, entry: dict[str, object], names: set[str]) -> str:
    member = entry.get("image")
    if not isinstance(member, str) or member not in names:
        raise CatalogFileError(f"{where}: image {member!r} is not in the file")
    return member
