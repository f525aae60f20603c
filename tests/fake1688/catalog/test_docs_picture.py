"""The picture on docs/explanations/similarity.md: query photos beside the offers they find.

The test draws it from the seed-0 catalog and compares it with the committed PNG:
another Pillow may antialias a label or an edge differently, but a different
photo in any place (3% of the picture) fails. After a change to the catalog or the search, write it again with
``PAILITAO_WRITE_DOCS_PICTURES=1 pytest tests/fake1688/catalog/test_docs_picture.py``
and look at it before committing it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from fake1688 import Catalog, photo
from PIL import Image, ImageDraw

PICTURE = Path(__file__).parents[3] / "docs" / "explanations" / "img" / "similarity-search.png"
QUERIES = (("wrench", "blue"), ("mug", "pink"), ("white sneakers", "black"))
SHOWN = 7  # results beside each query
CELL, GAP = 112, 8


def picture(catalog: Catalog) -> Image.Image:
    """Each query, then its first results in rank order, a row a query."""
    width = (SHOWN + 1) * (CELL + GAP) + GAP * 2
    height = len(QUERIES) * (CELL + GAP + 16) + GAP
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    for row, (kind, colour) in enumerate(QUERIES):
        query = photo(kind, colour, seed="docs")
        found = catalog.search(catalog.fingerprint(query), limit=SHOWN)
        top = GAP + row * (CELL + GAP + 16)
        tiles = [query, *(catalog.image_bytes(offer) for offer in found)]
        for column, data in enumerate(tiles):
            left = GAP + column * (CELL + GAP) + (GAP * 2 if column else 0)
            tile = Image.open(io.BytesIO(data)).convert("RGB").resize((CELL, CELL))
            canvas.paste(tile, (left, top))
            label = f"{kind}, {colour}" if column == 0 else f"#{column}"
            draw.text((left, top + CELL + 2), label, fill=(60, 60, 60))
        divider = GAP + CELL + GAP + GAP // 2
        draw.line((divider, top, divider, top + CELL), fill=(200, 200, 200), width=2)
    return canvas


def test_the_similarity_page_shows_what_the_search_returns(catalog: Catalog) -> None:
    fresh = picture(catalog)
    if os.environ.get("PAILITAO_WRITE_DOCS_PICTURES"):
        PICTURE.parent.mkdir(parents=True, exist_ok=True)
        fresh.save(PICTURE, optimize=True)
    committed = Image.open(PICTURE).convert("RGB")
    assert committed.size == fresh.size
    difference = np.abs(np.asarray(committed, np.int16) - np.asarray(fresh, np.int16))
    unlike = (difference.max(axis=2) > 24).mean()
    assert unlike < 0.005, f"{PICTURE} is stale ({unlike:.1%} unlike): write it again"
