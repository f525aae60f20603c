"""Product photos by kind and colour: determinism, titles that agree, the public helper."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fake1688 import Catalog
from fake1688 import photo as public_photo
from fake1688.catalog import glyphs, photo, vocab
from fake1688.catalog.colour import COLOURS, FAMILIES, LEVELS
from PIL import Image


def test_the_same_seed_draws_the_same_pixels() -> None:
    red = COLOURS["红色"]
    first = photo.draw(5, "扳手", red)
    assert first.tobytes() == photo.draw(5, "扳手", red).tobytes()
    assert first.tobytes() != photo.draw(6, "扳手", red).tobytes()
    assert (first.size, first.mode) == ((photo.SIZE, photo.SIZE), "RGB")


def test_the_public_helper_is_a_jpeg_of_the_kind_in_the_colour() -> None:
    data = public_photo("white sneakers", "black", seed=2)
    assert data == photo.photo("小白鞋", "黑色", seed=2)
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("JPEG", (photo.SIZE, photo.SIZE))


@pytest.mark.parametrize(
    ("name", "kind"),
    [("扳手", "扳手"), ("wrench", "扳手"), ("White-Sneakers", "小白鞋"), ("phone case", "手机壳")],
)
def test_a_kind_is_named_by_its_noun_or_its_english(name: str, kind: str) -> None:
    assert photo.kind_named(name) == kind


def test_an_unknown_kind_says_where_the_kinds_are_listed() -> None:
    with pytest.raises(KeyError) as caught:
        photo.photo("teapot")
    assert caught.value.args[0] == (
        "unknown kind 'teapot': name one such as wrench, white sneakers or 小白鞋 "
        "(`fake1688 photo --list` lists them all)"
    )


def test_a_title_names_what_the_photo_shows() -> None:
    kind, colour = photo.shown_in("跨境工业级铬钒钢酒红色扳手", "1")
    assert (kind, colour.word) == ("扳手", "酒红色")  # the longer colour word, not 红色
    # A title naming neither (a user's own catalog): chosen by the key, the same each time.
    chosen = photo.shown_in("my own product", "abc")
    assert chosen == photo.shown_in("another title", "abc")
    assert chosen[0] in glyphs.kinds()


def dominant_family(signature: int) -> str:
    shares = [(signature >> (i * LEVELS)) & 0b11111 for i in range(len(FAMILIES))]
    return FAMILIES[int(np.argmax([share.bit_count() for share in shares]))]


def test_catalog_photos_are_painted_in_the_colour_their_title_names(catalog: Catalog) -> None:
    sample = catalog.offers[::40]
    agree = sum(
        dominant_family(catalog.fingerprint_of(o).colour)
        == photo.shown_in(o.title, o.num_iid)[1].family
        for o in sample
    )
    assert agree == len(sample)  # a second-colour band covers a third of the product at most


BAND_COLOURS = {c.rgb for c in photo._BANDS}


def painted(image: Image.Image, rgb: tuple[int, int, int]) -> int:
    return int(np.all(np.asarray(image) == rgb, axis=2).sum())


def test_some_catalog_photos_have_a_band_and_the_helpers_never_do() -> None:
    pink = COLOURS["粉色"]
    banded = 0
    for seed in range(40):
        catalog_style = photo.draw(seed, "扫把", pink)
        helper_style = photo.draw(seed, "扫把", pink, one_colour=True)
        bands = sum(painted(catalog_style, rgb) for rgb in BAND_COLOURS - {pink.rgb})
        banded += bands > 0
        assert sum(painted(helper_style, rgb) for rgb in BAND_COLOURS - {pink.rgb}) == 0
        if bands:  # the title's colour stays the main one
            assert bands < painted(catalog_style, pink.rgb) / 2
    assert 4 <= banded <= 20  # a quarter of photos, give or take


@pytest.mark.parametrize("kind", ["扫把", "小白鞋", "马克杯", "剪刀"])
@pytest.mark.parametrize("percent", [1, 15, 30, 99])
def test_a_band_covers_the_share_of_the_product_asked_for(kind: str, percent: int) -> None:
    mask = glyphs.silhouette(kind).resize((160, 160))
    product = np.asarray(mask, dtype=np.int64)
    band = np.asarray(photo._band(mask, percent), dtype=np.int64)
    first = int(np.flatnonzero(band.any(axis=1))[0])
    assert (band[first:] == product[first:]).all()  # whole rows
    assert not band[:first].any()
    # The band holds at least `percent` of the product; one row fewer would hold less.
    assert band.sum() * 100 >= product.sum() * percent
    assert band[first + 1 :].sum() * 100 < product.sum() * percent


@pytest.mark.parametrize(
    ("kind", "colour"), [("扳手", "blue"), ("马克杯", "pink"), ("口红", "red")]
)
def test_a_drawn_photo_finds_its_kind_in_its_colour_first(
    catalog: Catalog, kind: str, colour: str
) -> None:
    found = catalog.search(catalog.fingerprint(photo.photo(kind, colour, seed=9)), limit=3)
    for offer in found:
        shown_kind, shown_colour = photo.shown_in(offer.title, offer.num_iid)
        assert (shown_kind, shown_colour.family) == (kind, colour)


def test_the_kind_list_has_a_line_for_each_kind() -> None:
    lines = photo.kind_list()
    assert len(lines) == len(glyphs.kinds())
    assert "扳手\twrench\t五金工具: red, black, yellow, orange, blue, grey" in lines


def test_each_category_names_its_colours_and_then_its_kinds() -> None:
    kinds = [kind for category in vocab.CATEGORIES for kind in category.kinds]
    assert sorted(kinds) == sorted(glyphs.kinds())
    for category in vocab.CATEGORIES:
        assert len(category.colours) == 6
        assert set(category.colours) <= set(COLOURS)
