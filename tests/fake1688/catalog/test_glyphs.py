"""The product silhouettes: one per noun of the vocabulary, fitted, distinct from each
other by overlap and by perceptual hash, and the shipped file is a fresh rebuild."""

from __future__ import annotations

import itertools

import imagehash
import numpy as np
import pytest
from fake1688.catalog import glyphs, vocab
from fake1688.catalog.aop_offer import _SUBCATEGORIES
from fake1688.catalog.glyphs import MARGIN, MASK_SIZE, SOURCES, kinds, silhouette


def nouns(category: vocab.Category) -> tuple[str, ...]:
    """The category's product-noun slot: the slot whose words have sub-category ids."""
    (slot,) = [s for s in category.slots if set(s) == set(_SUBCATEGORIES[category.cat])]
    return slot


ALL_NOUNS = [noun for c in vocab.CATEGORIES for noun in nouns(c)]


@pytest.mark.parametrize("noun", ALL_NOUNS)
def test_every_noun_of_the_vocabulary_has_a_silhouette(noun: str) -> None:
    assert noun in SOURCES
    assert silhouette(noun).getbbox() is not None


def test_the_kinds_are_the_vocabulary_nouns_in_source_order() -> None:
    assert set(kinds()) == set(ALL_NOUNS)
    assert len(kinds()) == len(ALL_NOUNS)
    assert kinds() == tuple(SOURCES)


def test_every_source_names_a_known_set() -> None:
    for source in SOURCES.values():
        prefix, _, name = source.partition(":")
        assert prefix in {"mdi", "ph", "fa6", "draw"}
        assert name
        if prefix == "ph":
            assert name.endswith("-fill")  # the filled weight, a silhouette
        if prefix == "draw":
            assert name in glyphs.DRAWINGS


@pytest.mark.parametrize("kind", list(SOURCES))
def test_a_silhouette_is_a_fitted_square_mask(kind: str) -> None:
    mask = silhouette(kind)
    assert mask.mode == "L"
    assert mask.size == (MASK_SIZE, MASK_SIZE)
    pixels = np.asarray(mask)
    assert pixels.max() == 255
    left, top, right, bottom = mask.getbbox()
    assert min(left, top) >= MARGIN
    assert max(right, bottom) <= MASK_SIZE - MARGIN
    # Fitted: the longer side spans the square but for the margins (1 px of antialiasing).
    assert max(right - left, bottom - top) >= MASK_SIZE - 2 * MARGIN - 1
    # Centred: equal margins (within a pixel) on both axes.
    assert abs(left - (MASK_SIZE - right)) <= 1
    assert abs(top - (MASK_SIZE - bottom)) <= 1


def test_silhouettes_are_distinct_in_overlap_and_in_phash() -> None:
    binary = {k: np.asarray(silhouette(k)) >= 128 for k in kinds()}
    hashes = {k: imagehash.phash(silhouette(k)) for k in kinds()}
    too_close = []
    for a, b in itertools.combinations(kinds(), 2):
        iou = (binary[a] & binary[b]).sum() / (binary[a] | binary[b]).sum()
        bits = hashes[a] - hashes[b]
        if iou >= 0.75 or bits < 12:
            too_close.append((a, b, round(float(iou), 3), bits))
    assert too_close == []


def test_an_unknown_kind_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="合页"):
        silhouette("合页")


def test_the_shipped_file_is_a_fresh_rebuild() -> None:
    fresh = glyphs.build()
    with np.load(glyphs._SHIPPED, allow_pickle=False) as shipped:
        assert shipped["kinds"].tolist() == fresh["kinds"].tolist()
        assert shipped["sources"].tolist() == fresh["sources"].tolist()
        assert shipped["masks"].dtype == np.uint8
        assert shipped["masks"].shape == (len(SOURCES), MASK_SIZE, MASK_SIZE)
        # Shape for shape, not byte for byte: another Pillow may antialias an edge
        # differently, and the photos and fingerprints come from the shipped masks.
        for kind, old, new in zip(fresh["kinds"], shipped["masks"], fresh["masks"], strict=True):
            solid_old, solid_new = old >= 128, new >= 128
            overlap = (solid_old & solid_new).sum() / (solid_old | solid_new).sum()
            assert overlap >= 0.99, f"{kind}: the shipped mask is stale ({overlap:.3f})"
