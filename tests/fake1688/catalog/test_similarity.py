"""Search by visual similarity: degraded photos find their offer; ranking rules."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from fake1688.catalog import imaging
from fake1688.catalog.catalog import Catalog, Fingerprint, ImageDecodeError
from fake1688.catalog.similarity import SimilarityIndex
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageOps

SAMPLE = range(0, 2000, 20)  # a fixed sample of 100 offers


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


DEGRADATIONS: dict[str, Callable[[Image.Image], bytes]] = {
    "jpeg-q60": lambda im: jpeg(im, 60),
    "half-size": lambda im: jpeg(im.resize((im.width // 2, im.height // 2))),
    "white-border-8px": lambda im: jpeg(ImageOps.expand(im, 8, fill="white")),
}


@pytest.mark.parametrize("name", DEGRADATIONS)
def test_degraded_photo_ranks_its_offer_in_the_top_3(catalog: Catalog, name: str) -> None:
    degrade = DEGRADATIONS[name]
    misses = []
    for i in SAMPLE:
        offer = catalog.offers[i]
        photo = Image.open(io.BytesIO(catalog.image_bytes(offer)))
        found = catalog.search(catalog.fingerprint(degrade(photo)), limit=3)
        if offer not in found:
            misses.append(i)
    assert misses == []


def test_exact_photo_ranks_first(catalog: Catalog) -> None:
    for i in SAMPLE:
        offer = catalog.offers[i]
        assert catalog.search(catalog.fingerprint(catalog.image_bytes(offer)), limit=1) == [offer]


def test_a_border_is_trimmed_off() -> None:
    photo = imaging.draw(11, imaging.Look(((250, 250, 250),), ((20, 20, 20),), ("box",)))
    plain = imaging.fingerprint_image(photo)
    for colour in ("white", "black", (0, 128, 255)):
        framed = imaging.fingerprint_image(ImageOps.expand(photo, 16, fill=colour))
        assert framed.whole != plain.whole
        assert (framed.trimmed ^ plain.trimmed).bit_count() <= 4


def test_transparency_is_flattened_onto_white() -> None:
    rgba = Image.new("RGBA", (120, 90), (0, 0, 0, 0))
    rgba.paste((200, 30, 30, 255), (20, 20, 70, 60))
    rgb = Image.new("RGB", (120, 90), "white")
    rgb.paste((200, 30, 30), (20, 20, 70, 60))
    assert imaging.fingerprint_image(imaging.decode(png(rgba))) == imaging.fingerprint_image(rgb)


def test_a_blank_image_has_a_fingerprint() -> None:
    blank = imaging.fingerprint_image(Image.new("RGB", (64, 64), "white"))
    assert blank == Fingerprint(1 << 63, 1 << 63)  # only the DC coefficient is above 0


# --- ranking rules -------------------------------------------------------------------


def test_limit_bounds_the_similar_set(catalog: Catalog) -> None:
    fp = catalog.fingerprint_of(catalog.offers[0])
    assert len(catalog.search(fp)) == 200
    assert catalog.search(fp, limit=0) == []
    assert catalog.search(fp, limit=-5) == []
    everything = catalog.search(fp, limit=10_000)
    assert sorted(o.num_iid for o in everything) == sorted(o.num_iid for o in catalog.offers)
    assert catalog.search(fp, limit=7) == everything[:7]


def test_unknown_category_finds_nothing(catalog: Catalog) -> None:
    assert catalog.search(Fingerprint(0, 0), cat="999") == []


def distance(a: Fingerprint, b: Fingerprint) -> int:
    return min((a.whole ^ b.whole).bit_count(), (a.trimmed ^ b.trimmed).bit_count())


fingerprints = st.builds(Fingerprint, st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))


@pytest.fixture(scope="module")
def brute_force(catalog: Catalog) -> Callable[[Fingerprint], list[int]]:
    """Offer positions sorted by (distance, num_iid as a number), the slow obvious way."""
    whole = np.array([catalog.fingerprint_of(o).whole for o in catalog.offers], np.uint64)
    trimmed = np.array([catalog.fingerprint_of(o).trimmed for o in catalog.offers], np.uint64)
    numbers = np.array([int(o.num_iid) for o in catalog.offers], np.int64)

    def order(fp: Fingerprint) -> list[int]:
        d = np.minimum(
            np.bitwise_count(whole ^ np.uint64(fp.whole)),
            np.bitwise_count(trimmed ^ np.uint64(fp.trimmed)),
        ).astype(np.int64)
        result: list[int] = np.argsort(d * 10**13 + numbers, kind="stable").tolist()
        return result

    return order


@given(fp=fingerprints, limit=st.integers(1, 300))
def test_search_is_ordered_by_distance_then_num_iid(
    catalog: Catalog, brute_force: Callable[[Fingerprint], list[int]], fp: Fingerprint, limit: int
) -> None:
    found = catalog.search(fp, limit=limit)
    assert found == [catalog.offers[i] for i in brute_force(fp)[:limit]]
    assert len({o.num_iid for o in found}) == limit


@given(fp=fingerprints, cat_index=st.integers(0, 13), limit=st.integers(1, 300))
def test_cat_filter_returns_only_that_category(
    catalog: Catalog, fp: Fingerprint, cat_index: int, limit: int
) -> None:
    cat = sorted(catalog.categories)[cat_index]
    found = catalog.search(fp, cat=cat, limit=limit)
    in_cat = [o for o in catalog.offers if o.cat == cat]
    assert len(found) == min(limit, len(in_cat))
    assert {o.cat for o in found} == {cat}
    assert found == [o for o in catalog.search(fp, limit=2000) if o.cat == cat][:limit]


@given(
    rows=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=60),
    query=st.tuples(st.integers(0, 7), st.integers(0, 7)),
    limit=st.integers(0, 70),
    seed=st.integers(0, 1000),
)
def test_index_matches_a_brute_force_sort(
    rows: list[tuple[int, int]], query: tuple[int, int], limit: int, seed: int
) -> None:
    # Three-bit fingerprints make ties common, which is where top-K gets subtle.
    rank = np.random.default_rng(seed).permutation(len(rows))
    index = SimilarityIndex.build([Fingerprint(*r) for r in rows], rank)
    q = Fingerprint(*query)
    expected = sorted(range(len(rows)), key=lambda i: (distance(q, Fingerprint(*rows[i])), rank[i]))
    assert index.nearest(q, limit).tolist() == expected[:limit]
    assert index.subset(np.arange(len(rows))).nearest(q, limit).tolist() == expected[:limit]


def test_ties_go_to_the_lower_rank() -> None:
    same = [Fingerprint(5, 5)] * 3
    index = SimilarityIndex.build(same, np.array([2, 0, 1]))
    assert index.nearest(Fingerprint(5, 5), 3).tolist() == [1, 2, 0]
    assert index.distances(Fingerprint(4, 5)).tolist() == [0, 0, 0]
    assert index.distances(Fingerprint(0, 0)).tolist() == [2, 2, 2]
    with pytest.raises(ValueError, match="1-d arrays of one length"):
        SimilarityIndex(np.zeros(2, np.uint64), np.zeros(3, np.uint64), np.zeros(2, np.int64))


# --- fingerprints and decoding -------------------------------------------------------


def test_fingerprint_hex_round_trip() -> None:
    fp = Fingerprint(0x0123456789ABCDEF, 2**64 - 1)
    assert fp.hex() == "0123456789abcdefffffffffffffffff"
    assert Fingerprint.from_hex(fp.hex()) == fp
    for bad in ("", "0" * 31, "0" * 33, "G" * 32, "0123456789ABCDEF" * 2):
        with pytest.raises(ValueError, match="32 lower-case hex digits"):
            Fingerprint.from_hex(bad)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the image is empty (0 bytes)"),
        (
            b"GIF89a-not-really",  # its "header" declares 28205x29807 pixels
            "the image is 28205x29807 pixels; the platform takes at most 4,096 pixels a side: "
            "shrink it",
        ),
        (b"GIF89a\x10\x00\x10\x00junk", "the GIF header is corrupt"),
        (b"\x89PNG\r\n\x1a\n" + bytes(30), "the PNG header is cut short or corrupt"),
        (
            b"II*\x00\x08\x00\x00\x00",
            "the image is TIFF; the platform takes JPEG, PNG, GIF, WebP or BMP: convert it "
            "(e.g. to JPEG)",
        ),
        (
            b"hello",
            "not a recognised image format (starts with 68 65 6c 6c 6f); send JPEG, "
            "PNG, WEBP, GIF or BMP bytes",
        ),
    ],
)
def test_undecodable_bytes(catalog: Catalog, data: bytes, message: str) -> None:
    with pytest.raises(ImageDecodeError) as info:
        catalog.fingerprint(data)
    assert str(info.value) == message
    assert isinstance(info.value, ValueError)


def test_truncated_image(catalog: Catalog) -> None:
    data = catalog.image_bytes(catalog.offers[0])
    with pytest.raises(ImageDecodeError, match=r"^the JPEG data is corrupt: image file is trunc"):
        catalog.fingerprint(data[: len(data) // 2])


def test_oversized_image() -> None:
    huge = io.BytesIO()
    Image.new("1", (8000, 6000)).save(huge, "PNG")
    with pytest.raises(ImageDecodeError) as info:
        imaging.decode(huge.getvalue())
    assert str(info.value) == (
        "the image is 8000x6000 pixels; the platform takes at most 4,096 pixels a side: shrink it"
    )


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "LA", "I;16"])
def test_any_mode_decodes_to_rgb(mode: str) -> None:
    image = Image.new("RGB", (40, 30), (10, 200, 30)).convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    out = io.BytesIO()
    image.save(out, fmt)
    assert imaging.decode(out.getvalue()).mode == "RGB"


def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (60, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise: the upright photo is 20 wide, 60 high
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    assert imaging.decode(out.getvalue()).size == (20, 60)
