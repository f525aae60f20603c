"""The offer record of the fake catalog, and where offers' photos come from.

Kept free of numpy and Pillow so that code which only needs the record stays light.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Protocol

__all__ = [
    "OFFER_FIELDS",
    "PIC_HOST",
    "ImageSource",
    "Offer",
    "content_type",
    "low_price",
    "pic_path",
    "record",
]

PIC_HOST = "cbu01.alicdn.com"

_CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                  "webp": "image/webp", "gif": "image/gif", "bmp": "image/bmp"}  # fmt: skip
#: A photo's path, matched whole: ``<name>.jpg``, or a size variant the CDN serves
#: (``<name>.310x310.jpg``, ``<name>.jpg_220x220.jpg``, ``<name>.jpg_q50.jpg``), optionally
#: as WebP (``…_.webp``), all meaning ``<name>.jpg``; a query or fragment may follow,
#: nothing else.
_PIC_PATH = re.compile(
    r"(/img/ibank/[^?#]+?)(?:\.[0-9]+x[0-9]+)?\.jpg"
    r"(?:_[0-9]+x[0-9]+(?:q[0-9]+)?\.jpg|_q[0-9]+\.jpg)?(?:_\.webp)?(?=[?#]|\Z)"
)


@dataclass(frozen=True, slots=True)
class Offer:
    """One 1688 offer as the fake's search returns it (api-notes §2.3)."""

    num_iid: str
    title: str
    price: str  # "12.50" or a range "12.50-18.00"
    promotion_price: str | None
    sales: int
    seller_nick: str
    area: str
    turn_head: str  # repurchase rate, "15%"
    cat: str
    cat_name: str
    pic_url: str
    detail_url: str

    def payload(self) -> dict[str, object]:
        """The search-result item, keys in the order the platform sends them."""
        item: dict[str, object] = {
            "title": self.title,
            "pic_url": self.pic_url,
            "price": self.price,
            "promotion_price": self.promotion_price,
            "sales": self.sales,
            "num_iid": self.num_iid,
            "turnHead": self.turn_head,
            "seller_nick": self.seller_nick,
            "area": self.area,
            "detail_url": self.detail_url,
            "cat": self.cat,
        }
        if self.promotion_price is None:
            del item["promotion_price"]
        return item


OFFER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Offer))


def record(offer: Offer) -> dict[str, object]:
    """The offer's fields by name, in declaration order (for files and digests)."""
    return {name: getattr(offer, name) for name in OFFER_FIELDS}


class ImageSource(Protocol):
    """Where a catalog's photos come from: drawn on demand, or stored files."""

    @property
    def stored(self) -> bool:
        """True if the photos are files that a saved catalog must carry."""
        ...

    def image(self, offer: Offer) -> tuple[bytes, str]:
        """The offer's photo bytes and content type."""
        ...


def pic_path(url: str) -> str | None:
    """The path part of a pic_url, from a full, protocol-relative or bare-path URL."""
    if url.startswith("//"):
        url = url[2:]
    elif "://" in url:
        url = url.split("://", 1)[1]
    if not url.startswith("/"):
        url = url[url.find("/") :] if "/" in url else ""
    match = _PIC_PATH.match(url)
    return match.group(1) + ".jpg" if match else None


def low_price(price: str) -> Decimal:
    """The low end of ``"12.50"`` or ``"12.50-18.00"``; unreadable prices (``NaN``
    too) sort as 0."""
    try:
        low = Decimal(price.partition("-")[0].strip() or "0")
    except InvalidOperation:
        return Decimal(0)
    return low if low.is_finite() else Decimal(0)


def content_type(name: str) -> str:
    """The image content type for a file name, by its extension (JPEG if unknown)."""
    return _CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "image/jpeg")
