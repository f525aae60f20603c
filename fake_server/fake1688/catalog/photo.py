"""Product photos drawn by kind and colour, as a 1688 listing shows them.

:func:`draw` paints a kind's silhouette (:mod:`fake1688.catalog.glyphs`) in a
colour (:mod:`fake1688.catalog.colour`) on a plain studio background, with the
variation a real catalog has: the product's size, position and tilt, the
background's tone, now and then a second colour on part of the product, a pair
(a second piece behind the first), or a shop's logo block in a corner. The seed
decides every variation; the same seed, kind and colour give the same pixels on
every machine (draws through :class:`~fake1688.catalog.dice.Dice`, shapes from
shipped masks).

:func:`photo` is the public helper: the JPEG bytes of a kind in a colour, for a
test that needs "a red sneaker" without shipping an image file.
"""

from __future__ import annotations

import functools
import hashlib
import re

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from fake1688.catalog import aop_offer, glyphs, vocab
from fake1688.catalog.colour import COLOURS, Colour, colour_named
from fake1688.catalog.dice import Dice
from fake1688.catalog.imaging import encode_jpeg

__all__ = [
    "DRAW_VERSION",
    "SIZE",
    "draw",
    "draw_offer",
    "kind_list",
    "kind_named",
    "photo",
    "shown_in",
]

# Bump when a change to drawing (or to the shipped silhouettes) would change stored
# fingerprints; the shipped seed-0 fingerprints are keyed on it.
DRAW_VERSION = 3
SIZE = 256
_WHITE_ON = (160, 185)  # a white or beige product stands on a darker ground
_GROUND = (226, 250)
_OUTLINE = 0.62  # the rim is the paint this much darker: a white product keeps its edge
_SECOND_COLOUR = 25  # percent of photos with a second-colour band
_BAND_SHARE = (15, 30)  # percent of the product the band covers: its colour stays the title's
_SECOND_PIECE = 8  # percent of photos showing a pair
_LOGO = 12  # percent of photos with a shop's logo block
_TILT = 30  # tenths of a degree, either way
_LOGO_GAP = 36  # pixels between a logo and the product: search must see them apart


# Colours of a second-colour band: none as pale as the background it might touch.
_BANDS = tuple(c for c in COLOURS.values() if c.family != "white")


def _darker(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return (int(rgb[0] * factor), int(rgb[1] * factor), int(rgb[2] * factor))


def _shaped(kind: str, size: int, tilt_tenths: int) -> Image.Image:
    """The kind's mask at ``size`` pixels, turned by ``tilt_tenths`` of a degree."""
    mask = glyphs.silhouette(kind).resize((size, size), Image.Resampling.BILINEAR)
    return mask.rotate(tilt_tenths / 10, resample=Image.Resampling.BILINEAR, expand=True)


def _paint(img: Image.Image, mask: Image.Image, colour: Colour, at: tuple[int, int]) -> None:
    """The product: a darker rim, then the paint."""
    rim = mask.filter(ImageFilter.MaxFilter(3))
    img.paste(_darker(colour.rgb, _OUTLINE), (*at, at[0] + rim.width, at[1] + rim.height), rim)
    img.paste(colour.rgb, (*at, at[0] + mask.width, at[1] + mask.height), mask)


def _band(mask: Image.Image, percent: int) -> Image.Image:
    """The lower part of ``mask`` that holds ``percent`` of the product: whole rows from
    the bottom up, as few as reach that share."""
    pixels = np.asarray(mask, dtype=np.int64)
    from_bottom = np.cumsum(pixels.sum(axis=1)[::-1]) * 100
    first = mask.height - 1 - int(np.searchsorted(from_bottom, int(pixels.sum()) * percent))
    band = np.asarray(mask).copy()
    band[: max(first, 0)] = 0
    return Image.fromarray(band)


def _product_box(mask: Image.Image, at: tuple[int, int]) -> tuple[int, int, int, int]:
    left, top, right, bottom = mask.getbbox() or (0, 0, 0, 0)
    return (at[0] + left, at[1] + top, at[0] + right, at[1] + bottom)


def _logo(img: Image.Image, dice: Dice, product: tuple[int, int, int, int]) -> None:
    """A shop's logo block in a corner clear of the product (none if no corner is)."""
    corners = [(6, 6), (SIZE - 58, 6), (6, SIZE - 24), (SIZE - 58, SIZE - 24)]
    first = dice.below(4)
    for x, y in corners[first:] + corners[:first]:
        clear = (
            x + 52 + _LOGO_GAP <= product[0]
            or product[2] + _LOGO_GAP <= x
            or y + 18 + _LOGO_GAP <= product[1]
            or product[3] + _LOGO_GAP <= y
        )
        if clear:
            logo = ImageDraw.Draw(img)
            logo.rectangle((x, y, x + 52, y + 18), fill=dice.pick(((200, 40, 30), (30, 80, 170))))
            for bar in range(3):
                left = x + 6 + bar * 15
                logo.rectangle((left, y + 6, left + 10, y + 12), fill=(250, 250, 250))
            return


def draw(seed: int | str, kind: str, colour: Colour, *, one_colour: bool = False) -> Image.Image:
    """The SIZE x SIZE RGB photo of ``kind`` in ``colour`` for ``seed``.

    With ``one_colour``, no part of the product is painted in a second colour (the
    seed's other variations stay as they are).

    Raises KeyError for a kind :func:`fake1688.catalog.glyphs.kinds` does not list.
    """
    dice = Dice(seed)
    low, high = _WHITE_ON if colour.family == "white" else _GROUND
    tone = dice.between(low, high)
    ground = (tone + dice.between(-5, 5), tone + dice.between(-5, 5), tone + dice.between(-5, 5))
    img = Image.new("RGB", (SIZE, SIZE), ground)
    mask = _shaped(kind, SIZE * dice.between(55, 80) // 100, dice.between(-_TILT, _TILT))
    at = (
        (SIZE - mask.width) // 2 + dice.between(-20, 20),
        (SIZE - mask.height) // 2 + dice.between(-20, 20),
    )
    if dice.chance(_SECOND_PIECE):  # a pair: the second piece behind the first, overlapping
        piece = _shaped(kind, mask.width * 9 // 10, dice.between(-_TILT, _TILT))
        shift = (dice.pick((-1, 1)) * dice.between(20, 36), -dice.between(16, 30))
        _paint(img, piece, colour, (at[0] + shift[0], at[1] + shift[1]))
    _paint(img, mask, colour, at)
    if dice.chance(_SECOND_COLOUR):  # a sole, a lid, a band: the lower part in another colour
        other = dice.pick(_BANDS)
        share = dice.between(*_BAND_SHARE)
        if not one_colour:
            band = _band(mask, share)
            img.paste(other.rgb, (*at, at[0] + mask.width, at[1] + mask.height), band)
    if dice.chance(_LOGO):
        _logo(img, dice, _product_box(mask, at))
    return img


@functools.cache
def _words(words: tuple[str, ...]) -> re.Pattern[str]:
    """A pattern matching any of ``words``, the longest first (酒红色 before 红色)."""
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def shown_in(title: str, key: str) -> tuple[str, Colour]:
    """The kind and colour a photo titled ``title`` shows: the ones the title names.

    A title that names no kind or no colour (a user's own catalog) gets one chosen
    by ``key`` (the offer's num_iid), the same one every time.
    """
    kinds = glyphs.kinds()
    digest = hashlib.sha256(key.encode()).digest()
    kind = _words(kinds).search(title)
    named = _words(tuple(COLOURS)).search(title)
    return (
        kind.group() if kind else kinds[digest[0] % len(kinds)],
        COLOURS[named.group()] if named else tuple(COLOURS.values())[digest[1] % len(COLOURS)],
    )


def draw_offer(num_iid: str, title: str) -> Image.Image:
    """The photo of an offer: what its title names, varied by its num_iid."""
    kind, colour = shown_in(title, num_iid)
    return draw(int(num_iid) if num_iid.isdigit() else num_iid, kind, colour)


def _plain(name: str) -> str:
    return re.sub(r"[\s_-]+", " ", name).strip().lower()


@functools.cache
def _english_kinds() -> dict[str, str]:
    return {_plain(aop_offer.english_word(k) or k): k for k in glyphs.kinds()}


def kind_named(name: str) -> str:
    """The kind a name means: the product noun (``扳手``) or its English (``wrench``,
    ``Phone Case``, ``white-sneakers``; any case). Raises KeyError listing the kinds."""
    if name.strip() in glyphs.SOURCES:
        return name.strip()
    kind = _english_kinds().get(_plain(name))
    if kind is None:
        raise KeyError(
            f"unknown kind {name!r}: name one such as wrench, white sneakers or 小白鞋 "
            "(`fake1688 photo --list` lists them all)"
        )
    return kind


def photo(kind: str, color: str = "red", *, seed: int | str = 0, quality: int = 90) -> bytes:
    """JPEG bytes of a photo of ``kind`` in ``color``, drawn as the catalog's photos are.

    ``kind`` is a product noun of the catalog (``小白鞋``) or its English
    (``white sneakers``); ``color`` a family (``red``, ``blue``, …) or a title's
    colour word (``藏青色``); ``seed`` varies the photo (size, tilt, background,
    now and then a logo or a pair) as the catalog's photos vary. Searching with it
    finds that kind first, in that colour where the catalog has it. Raises KeyError
    naming what is unknown.
    """
    picture = draw(seed, kind_named(kind), colour_named(color), one_colour=True)
    return encode_jpeg(picture, quality=quality)


def kind_list() -> list[str]:
    """One line a kind: the noun, its English, its category and the colours it comes in."""
    lines = []
    for category in vocab.CATEGORIES:
        usual = ", ".join(dict.fromkeys(COLOURS[word].family for word in category.colours))
        for kind in category.kinds:
            english = (aop_offer.english_word(kind) or kind).lower()
            lines.append(f"{kind}\t{english}\t{category.name}: {usual}")
    return lines
