"""Build a catalog from a folder of product photos and an optional metadata CSV.

Photos are the files under the folder (recursively) ending in .jpg, .jpeg, .png,
.webp, .gif or .bmp, taken in order of their path. The CSV, UTF-8 with or without
a BOM, has a header row; the `file` column names a photo by its path relative to the
folder (`shoes/a.jpg`), and any of the other columns may be present:

    num_iid, title, price, promotion_price, sales, seller_nick, area,
    turn_head (or turnHead), cat, cat_name, pic_url

A missing column or an empty cell gets a default derived from the photo's path and
bytes, so the same folder always gives the same catalog: num_iid "6" + 11 digits,
title the file's stem, a price between 5.00 and 99.90, sales 0, turn_head "0%",
seller "本地测试供应商" in 义乌, cat "0" named "未分类" (or the default catalog's name
for a known cat), and a 1688-shaped pic_url under cbu01.alicdn.com. Photos without a
row get defaults for everything.

Each photo must be one the platform would take as a search image (the rules of
:mod:`pailitao.wire.images`): at most 5 MiB, JPEG, PNG, GIF, WebP or BMP whatever
its name says, at most 4,096 pixels a side, no decompression bomb. Its header
is checked before it is decoded, as the gateway checks an upload.

The catalog refers to the photo files until it is saved; the saved file carries copies.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import string
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from fake1688.catalog import imaging, vocab
from fake1688.catalog.catalog import Catalog
from fake1688.catalog.imaging import Fingerprint, ImageDecodeError
from fake1688.catalog.offer import PIC_HOST, Offer, content_type, pic_path
from pailitao.wire import images as rules

__all__ = ["CSV_COLUMNS", "IMAGE_SUFFIXES", "FileImages", "IndexBuildError", "build_catalog"]

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
CSV_COLUMNS = ("file", "num_iid", "title", "price", "promotion_price", "sales",
               "seller_nick", "area", "turn_head", "cat", "cat_name", "pic_url")  # fmt: skip
_ALIASES = {"turnHead": "turn_head"}
_ALNUM = string.ascii_letters + string.digits
_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "num_iid": (re.compile(r"[1-9][0-9]{5,19}"), "6 to 20 digits, not starting with 0"),
    "price": (re.compile(r"[0-9]+\.[0-9]{2}(-[0-9]+\.[0-9]{2})?"), "like 12.50 or 12.50-18.00"),
    "promotion_price": (re.compile(r"[0-9]+\.[0-9]{2}"), "like 9.90"),
    "sales": (re.compile(r"[0-9]{1,12}"), "a whole number like 1200"),
    "turn_head": (re.compile(r"[0-9]{1,3}%"), "a percentage like 15%"),
    "cat": (re.compile(r"[0-9]{1,12}"), "a category id of digits like 10166"),
}

Row = dict[str, str]


class IndexBuildError(ValueError):
    """A photo or a metadata row cannot be indexed; the message names which and why."""


class FileImages:
    """Photos read from the files they were indexed from."""

    stored = True

    def __init__(self, paths: Mapping[str, Path]) -> None:
        self._paths = dict(paths)  # num_iid -> file

    def image(self, offer: Offer) -> tuple[bytes, str]:
        """The offer's photo bytes and content type."""
        path = self._paths[offer.num_iid]
        return path.read_bytes(), content_type(path.name)


def build_catalog(
    image_dir: str | os.PathLike[str],
    metadata_csv: str | os.PathLike[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Catalog:
    """A catalog of the photos under `image_dir`, described by `metadata_csv`.

    `progress(done, total)` is called after each photo. Raises IndexBuildError for a
    missing folder, a folder without photos, an undecodable photo or a bad CSV row.
    """
    root = Path(image_dir)
    if not root.is_dir():
        raise IndexBuildError(f"{root}: not a directory")
    files = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
             if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}  # fmt: skip
    if not files:
        raise IndexBuildError(f"{root}: no photos ({', '.join(IMAGE_SUFFIXES)}) in it")
    rows = _read_rows(Path(metadata_csv), files.keys()) if metadata_csv is not None else {}
    offers: list[Offer] = []
    fps: list[Fingerprint] = []
    paths: dict[str, Path] = {}
    for done, (name, path) in enumerate(files.items(), 1):
        data = path.read_bytes()
        if len(data) > rules.MAX_BYTES:
            raise IndexBuildError(
                f"{path}: {len(data):,} bytes, over the platform's {rules.MAX_BYTES:,}-byte "
                "limit for an image; shrink it"
            )
        try:
            fps.append(imaging.fingerprint_image(imaging.decode(data)))
        except ImageDecodeError as exc:
            raise IndexBuildError(f"{path}: {exc}") from None
        offer = _offer(name, data, rows.get(name, {}))
        offers.append(offer)
        paths[offer.num_iid] = path
        if progress is not None:
            progress(done, len(files))
    try:
        return Catalog(offers, fps, FileImages(paths))
    except ValueError as exc:  # a CSV num_iid or pic_url that another photo also has
        raise IndexBuildError(f"{metadata_csv}: {exc}") from None


def _read_rows(path: Path, names: Collection[str]) -> dict[str, Row]:
    """The CSV's rows by file name, each checked; raises IndexBuildError."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            reader.fieldnames = _check_columns(path, reader.fieldnames or [])
            rows: dict[str, Row] = {}
            for raw in reader:
                where = f"{path} line {reader.line_num}"
                row = _check_row(where, raw)
                if row["file"] in rows:
                    raise IndexBuildError(f"{where}: file {row['file']!r} is listed twice")
                if row["file"] not in names:
                    raise IndexBuildError(f"{where}: file {row['file']!r} is not a photo there")
                rows[row["file"]] = row
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IndexBuildError(f"{path}: cannot read the metadata CSV: {exc}") from None
    return rows


def _check_columns(path: Path, header: Sequence[str]) -> list[str]:
    columns = [_ALIASES.get(c.strip(), c.strip()) for c in header]
    if "file" not in columns:
        raise IndexBuildError(f"{path}: the header has no 'file' column (got {columns})")
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        raise IndexBuildError(
            f"{path}: unknown column(s) {unknown}; the columns are {', '.join(CSV_COLUMNS)}"
        )
    if len(set(columns)) != len(columns):
        raise IndexBuildError(f"{path}: a column appears twice in the header {columns}")
    return columns


def _check_row(where: str, raw: Mapping[str | None, object]) -> Row:
    # DictReader files surplus cells under the key None and fills missing ones with None.
    if None in raw or None in raw.values():
        raise IndexBuildError(f"{where}: the row does not have one cell per column")
    row = {str(k): str(v).strip() for k, v in raw.items() if str(v).strip()}
    if "file" not in row:
        raise IndexBuildError(f"{where}: the 'file' cell is empty")
    for column, value in row.items():
        rule = _RULES.get(column)
        if rule is not None and not rule[0].fullmatch(value):
            raise IndexBuildError(f"{where}: {column} {value!r} must be {rule[1]}")
    if "pic_url" in row and pic_path(row["pic_url"]) is None:
        raise IndexBuildError(
            f"{where}: pic_url {row['pic_url']!r} must be an https://{PIC_HOST}/img/ibank/….jpg URL"
        )
    return row


def _offer(name: str, data: bytes, row: Row) -> Offer:
    """The offer for one photo: its row's values, defaults for the rest."""
    digest = hashlib.sha256(name.encode() + b"\0" + data).digest()
    number = int.from_bytes(digest[:16], "big")
    num_iid = row.get("num_iid", f"6{number % 10**11:011d}")
    cat = row.get("cat", "0")
    known = vocab.category(cat)
    default_name = known.name if known else ("未分类" if cat == "0" else f"类目{cat}")
    image = "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:22])
    member = f"{1 + number % 9}{(number >> 40) % 10**9:09d}"
    fen = 500 + (number >> 80) % 950 * 10
    return Offer(
        num_iid=num_iid,
        title=row.get("title", Path(name).stem),
        price=row.get("price", f"{fen // 100}.{fen % 100:02d}"),
        promotion_price=row.get("promotion_price"),
        sales=int(row.get("sales", "0")),
        seller_nick=row.get("seller_nick", "本地测试供应商"),
        area=row.get("area", "义乌"),
        turn_head=row.get("turn_head", "0%"),
        cat=cat,
        cat_name=row.get("cat_name", default_name),
        pic_url=row.get(
            "pic_url", f"https://{PIC_HOST}/img/ibank/O1CN01{image}_!!{member}-0-cib.jpg"
        ),
        detail_url=f"https://detail.1688.com/offer/{num_iid}.html",
    )
