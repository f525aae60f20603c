"""Colour words, pixel families and the colour signature."""

from __future__ import annotations

import numpy as np
import pytest
from fake1688.catalog.colour import (
    COLOURS,
    FAMILIES,
    LEVELS,
    colour_named,
    family_indices,
    signature,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize("word", COLOURS)
def test_each_colour_word_paints_its_own_family(word: str) -> None:
    colour = COLOURS[word]
    pixel = np.array([colour.rgb], dtype=np.uint8)
    assert FAMILIES[family_indices(pixel)[0]] == colour.family


@pytest.mark.parametrize(
    ("rgb", "family"),
    [
        ((0, 0, 0), "black"),
        ((255, 255, 255), "white"),
        ((128, 128, 128), "grey"),
        ((255, 0, 0), "red"),
        ((255, 182, 193), "pink"),  # light pink
        ((255, 140, 0), "orange"),
        ((139, 69, 19), "brown"),  # saddle brown
        ((255, 215, 0), "yellow"),
        ((0, 128, 0), "green"),
        ((0, 0, 255), "blue"),
        ((128, 0, 128), "purple"),
        ((238, 130, 238), "pink"),  # violet, light: magenta-pink
    ],
)
def test_pixels_fall_into_the_family_a_shopper_would_name(
    rgb: tuple[int, int, int], family: str
) -> None:
    assert FAMILIES[family_indices(np.array([rgb], dtype=np.uint8))[0]] == family


def reference_levels(families: list[int]) -> list[int]:
    """Each family's share in fifths, rounded half up, computed the obvious way."""
    n = len(families)
    return [int(families.count(i) * LEVELS / n + 0.5) if n else 0 for i in range(len(FAMILIES))]


@given(
    a=st.lists(st.integers(0, len(FAMILIES) - 1), min_size=1, max_size=40),
    b=st.lists(st.integers(0, len(FAMILIES) - 1), min_size=1, max_size=40),
)
def test_the_signature_distance_is_the_l1_distance_in_fifths(a: list[int], b: list[int]) -> None:
    # Pixels of a known family: each family's own paint.
    paint = {FAMILIES.index(c.family): c.rgb for c in COLOURS.values()}
    sig_a = signature(np.array([paint[i] for i in a], dtype=np.uint8))
    sig_b = signature(np.array([paint[i] for i in b], dtype=np.uint8))
    levels_a, levels_b = reference_levels(a), reference_levels(b)
    assert (sig_a ^ sig_b).bit_count() == sum(
        abs(x - y) for x, y in zip(levels_a, levels_b, strict=True)
    )
    assert sig_a.bit_length() <= LEVELS * len(FAMILIES) <= 64


def test_one_colour_fills_its_family_and_no_pixel_has_no_signature() -> None:
    red = np.array([COLOURS["红色"].rgb] * 10, dtype=np.uint8)
    assert signature(red) == 0b11111 << (FAMILIES.index("red") * LEVELS)
    assert signature(np.zeros((0, 3), dtype=np.uint8)) == 0


def test_a_colour_is_named_by_its_word_or_its_family() -> None:
    assert colour_named("藏青色").family == "blue"
    assert colour_named(" Red ") == COLOURS["红色"]
    assert colour_named("white").word == "白色"
    with pytest.raises(KeyError) as caught:
        colour_named("teal")
    assert caught.value.args[0].startswith("unknown colour 'teal': use one of red, pink,")
