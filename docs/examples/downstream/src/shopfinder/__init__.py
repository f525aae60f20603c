"""shopfinder: find cheaper wholesale sources for a product photo on 1688."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pailitao import Item, PailitaoClient, Sort

__all__ = ["Offer", "cheapest_sources"]


@dataclass(frozen=True)
class Offer:
    """A wholesale offer worth showing to a buyer."""

    num_iid: str
    title: str
    price: Decimal
    seller: str
    link: str


def _offer(item: Item) -> Offer | None:
    if item.price is None or item.detail_url is None:
        return None
    return Offer(item.num_iid, item.title, item.price, item.seller_nick or "?", item.detail_url)


def cheapest_sources(
    client: PailitaoClient, photo: bytes, *, max_price: Decimal, limit: int = 10
) -> list[Offer]:
    """Up to ``limit`` offers that look like ``photo``, cheapest first, under ``max_price``."""
    offers = []
    for item in client.iter_search(file=photo, sort=Sort.PRICE_ASC, end_price=max_price,
                                   page_size=50, max_pages=2):  # fmt: skip
        offer = _offer(item)
        if offer is not None and offer.price <= max_price:
            offers.append(offer)
    return sorted(offers, key=lambda offer: offer.price)[:limit]
