"""Colours: the words titles use, the families pixels fall into, and a photo's colour signature.

:data:`COLOURS` maps each colour word an offer's title may carry (红色, 藏青色, 米色, …)
to the colour its drawn photo is painted in and the family that colour belongs to.

:func:`family_indices` sorts pixels into the eleven :data:`FAMILIES` by hue,
saturation and value, as a shopper would name them: black, white (beige
included), grey, brown, pink, red, orange, yellow, green, blue, purple.

:func:`signature` is the share of a product's pixels in each family, in fifths,
written as a thermometer code in one 64-bit int (five bits a family, as many set
as fifths): the Hamming distance between two signatures is the L1 distance
between their histograms in fifths, 0 (the same colours) to 10 (nothing shared), or a
little more: rounding each share can leave a histogram of six fifths (the default
catalog's signatures hold four to six, and lie up to 12 apart).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

__all__ = [
    "COLOURS",
    "FAMILIES",
    "LEVELS",
    "Colour",
    "colour_named",
    "family_indices",
    "signature",
]

#: The families, in signature order; names as the ``--color`` option takes them.
FAMILIES: tuple[str, ...] = (
    "red", "pink", "orange", "yellow", "green", "blue", "purple", "brown", "black", "white",
    "grey",
)  # fmt: skip
#: Steps of a family's share in a signature: fifths.
LEVELS = 5

RGB = tuple[int, int, int]


class Colour(NamedTuple):
    """A colour word of the catalog: the paint of its photos and its family."""

    word: str
    rgb: RGB
    family: str


COLOURS: Mapping[str, Colour] = MappingProxyType(
    {
        c.word: c
        for c in (
            Colour("红色", (200, 30, 40), "red"),
            Colour("酒红色", (120, 20, 40), "red"),
            Colour("粉色", (240, 150, 180), "pink"),
            Colour("橙色", (240, 120, 30), "orange"),
            Colour("黄色", (240, 200, 40), "yellow"),
            Colour("绿色", (40, 150, 70), "green"),
            Colour("军绿色", (90, 110, 60), "green"),
            Colour("蓝色", (40, 90, 200), "blue"),
            Colour("藏青色", (30, 40, 90), "blue"),
            Colour("紫色", (130, 60, 170), "purple"),
            Colour("咖啡色", (110, 70, 40), "brown"),
            Colour("卡其色", (180, 150, 100), "brown"),
            Colour("黑色", (25, 25, 25), "black"),
            Colour("白色", (245, 245, 245), "white"),
            Colour("米色", (225, 210, 180), "white"),
            Colour("灰色", (140, 140, 140), "grey"),
        )
    }
)

# The first word of each family stands for it: "red" is 红色.
_BY_FAMILY = {
    family: next(c for c in COLOURS.values() if c.family == family) for family in FAMILIES
}


def colour_named(name: str) -> Colour:
    """The colour a word (``红色``) or a family (``red``, any case) names; raises KeyError."""
    known = COLOURS.get(name.strip()) or _BY_FAMILY.get(name.strip().lower())
    if known is None:
        raise KeyError(
            f"unknown colour {name!r}: use one of {', '.join(FAMILIES)} or {'、'.join(COLOURS)}"
        )
    return known


def family_indices(rgb: np.ndarray) -> np.ndarray:
    """Each pixel's family, as an index into :data:`FAMILIES` (``rgb``: ``(n, 3)`` uint8)."""
    a = rgb.astype(np.float32) / 255
    high, low = a.max(axis=1), a.min(axis=1)
    spread = high - low
    value = high
    saturation = np.where(high > 0, spread / np.maximum(high, 1e-6), 0)
    r, g, b = a[:, 0], a[:, 1], a[:, 2]
    step = np.maximum(spread, 1e-6)
    hue = 60 * np.where(
        high == r, ((g - b) / step) % 6, np.where(high == g, (b - r) / step + 2, (r - g) / step + 4)
    )
    reddish = (hue >= 330) | (hue < 15)
    # First rule that holds wins: darkness and greyness before hue.
    rules = (
        ("black", value < 0.22),
        ("white", (saturation < 0.25) & (value > 0.75)),
        ("grey", saturation < 0.18),
        ("brown", (hue >= 15) & (hue < 50) & (value < 0.75)),
        ("pink", (value > 0.7) & ((reddish & (saturation < 0.55)) | ((hue >= 300) & (hue < 330)))),
        ("red", reddish),
        ("orange", hue < 40),
        ("yellow", hue < 70),
        ("green", hue < 170),
        ("blue", hue < 255),
        ("purple", np.ones(len(a), dtype=bool)),
    )
    conditions = [condition for _, condition in rules]
    choices = [FAMILIES.index(name) for name, _ in rules]
    found: np.ndarray = np.select(conditions, choices)
    return found


def signature(rgb: np.ndarray) -> int:
    """The colour signature of pixels (``(n, 3)`` uint8); 0 for no pixels."""
    if len(rgb) == 0:
        return 0
    counts = np.bincount(family_indices(rgb), minlength=len(FAMILIES))
    code = 0
    for i, count in enumerate(counts.tolist()):
        level = (2 * LEVELS * count + len(rgb)) // (2 * len(rgb))  # share in fifths, rounded
        code |= ((1 << level) - 1) << (i * LEVELS)
    return code
