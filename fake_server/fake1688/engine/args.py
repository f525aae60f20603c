"""API arguments: required ones first (40), then their values (41).

Empty values count as absent, as they do for the signature. Every message says
which argument was wrong and what to send instead.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from .errors import InvalidArguments, MissingArguments
from .search import SORTS, SearchQuery

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FILE_PARTS",
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "check_size",
    "decode_base64",
    "image_source",
    "search_query",
]

DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 50
#: Far past any real result set; bounds the integer the fake parses.
MAX_PAGE: Final = 1_000_000
#: Multipart file parts that carry the image.
FILE_PARTS: Final = ("image", "file")
_SEARCH_SOURCES: Final = "image (base64), a file part 'image' or 'file', imgid or imageUrl"
_UPLOAD_SOURCES: Final = "image (base64) or a file part 'image' or 'file'"
_PARAM_SOURCES: Final = ("image", "imgid", "imageUrl")
_URLSAFE: Final = bytes.maketrans(b"-_", b"+/")
_PRICE: Final = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,4})?")


def image_source(
    params: Mapping[str, str], files: Mapping[str, bytes], *, refs: bool
) -> tuple[str, str | bytes]:
    """The one image source of a call: ``(kind, value)``.

    ``kind`` is ``"image"`` (base64 text), ``"file"`` (bytes), ``"imgid"`` or
    ``"imageUrl"``; ``refs`` allows the last two (search, not upload).
    """
    allowed = _SEARCH_SOURCES if refs else _UPLOAD_SOURCES
    found: list[tuple[str, str | bytes]] = []
    if files:
        unknown = sorted(set(files) - set(FILE_PARTS))
        if unknown:
            raise InvalidArguments(
                f"file part {unknown[0]!r} is not an image source; name the part 'image' or 'file'"
            )
        found += [(f"file part {name!r}", files[name]) for name in FILE_PARTS if name in files]
    for key in _PARAM_SOURCES:  # a loop, not a comprehension: this runs on every search
        text = params.get(key)
        if text:
            found.append((key, text))
    if not found:
        raise MissingArguments(f"an image is required: send exactly one of {allowed}")
    if len(found) > 1:
        names = ", ".join(kind for kind, _ in found)
        raise InvalidArguments(f"{names} are all given; send exactly one of {allowed}")
    kind, value = found[0]
    if kind in ("imgid", "imageUrl") and not refs:
        raise InvalidArguments(f"{kind} cannot be uploaded; send {allowed}")
    return ("file" if isinstance(value, bytes) else kind), value


def decode_base64(text: str, max_bytes: int, name: str = "image") -> bytes:
    """The image bytes of a base64 argument (``name``, for messages), size-checked."""
    if text.startswith("data:"):
        raise InvalidArguments(f"{name} is a data: URL; send only the base64 text after 'base64,'")
    compact = "".join(text.split()) if _has_space(text) else text  # MIME wraps lines
    # The decoded size, exact for well-formed base64: refuse before decoding megabytes.
    size = len(compact) * 3 // 4 - (len(compact) - len(compact.rstrip("=")))
    if size > max_bytes:
        raise _too_large(size, max_bytes)
    try:
        data = compact.encode("ascii")
        if b"-" in data or b"_" in data:  # the URL-safe alphabet
            data = data.translate(_URLSAFE)
        # strict_mode validates in C: far cheaper than b64decode(validate=True).
        return binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):
        raise InvalidArguments(
            f"{name} is not valid base64; send the standard base64 of the image file "
            "(with '=' padding), not a URL or a file path"
        ) from None


def _has_space(text: str) -> bool:
    return "\n" in text or " " in text or "\r" in text or "\t" in text


def check_size(image: bytes, max_bytes: int) -> bytes:
    """The image itself if it is neither empty nor over the size limit."""
    if not image:
        raise InvalidArguments("the image is empty; send the bytes of a JPEG, PNG, GIF or WebP")
    if len(image) > max_bytes:
        raise _too_large(len(image), max_bytes)
    return image


def _too_large(size: int, max_bytes: int) -> InvalidArguments:
    return InvalidArguments(
        f"the image is {size:,} bytes, over the {max_bytes:,}-byte limit; "
        "re-encode it smaller (e.g. JPEG, longest side 1,000 px)"
    )


def search_query(params: Mapping[str, str]) -> SearchQuery:
    """Validated ``cat``, ``sort``, ``page``, ``page_size`` and price range."""
    sort = params.get("sort") or "relevance"
    if sort not in SORTS:
        raise InvalidArguments(f"sort {sort[:40]!r} is unknown; use one of {', '.join(SORTS)}")
    start, end = _price(params, "start_price"), _price(params, "end_price")
    if start is not None and end is not None and start > end:
        raise InvalidArguments(f"start_price {start} is above end_price {end}; swap them")
    return SearchQuery(
        params.get("cat") or None,
        sort,
        _number(params, "page", 1, MAX_PAGE, 1),
        _number(params, "page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
        start,
        end,
    )


def _number(params: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    text = params.get(name)
    if not text:
        return default
    if text.isascii() and text.isdigit() and len(text) <= 9:
        number = int(text)
        if low <= number <= high:
            return number
    raise InvalidArguments(f"{name} {text[:40]!r} is not a whole number from {low} to {high:,}")


def _price(params: Mapping[str, str], name: str) -> Decimal | None:
    text = params.get(name)
    if not text:
        return None
    if not _PRICE.fullmatch(text):
        raise InvalidArguments(f"{name} {text[:40]!r} is not a price like '12.50'")
    return Decimal(text)
