"""The default catalog: deterministic metadata, shipped fingerprints, lookups, files."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import numpy as np
import pytest
from fake1688.catalog import catalog as catalog_module
from fake1688.catalog import catalog_io, colour, vocab
from fake1688.catalog import photo as photos
from fake1688.catalog.catalog import (
    _SHIPPED,
    DEFAULT_SIZE,
    Catalog,
    CatalogFileError,
    DrawnImages,
    Offer,
    _drawn_jpeg,
    _shipped_fingerprints,
)
from fake1688.catalog.dice import Dice
from fake1688.catalog.offer import record
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image

SEED0_DIGEST = "dd348b99e0304c6949622760b3918babd3caa4959d19b82301c01f0efde00283"
FIRST = Offer(
    num_iid="683393377085",
    title="2025新款多功能碳钢黄色手锯批发",
    price="29.90",
    promotion_price="24.80",
    sales=34,
    seller_nick="阳江嘉禾五金制品厂",
    area="阳江",
    turn_head="6%",
    cat="1042841",
    cat_name="五金工具",
    pic_url="https://cbu01.alicdn.com/img/ibank/O1CN01OE7Dt0qLRYWxdcT7vBSOqP_!!2093476219-0-cib.jpg",
    detail_url="https://detail.1688.com/offer/683393377085.html",
)
PIC_URL = re.compile(
    r"https://cbu01\.alicdn\.com/img/ibank/O1CN01[A-Za-z0-9]{22}_!![1-9][0-9]{9}-0-cib\.jpg"
)
PRICE = re.compile(r"[0-9]+\.[0-9]{2}")


def check_offer(offer: Offer) -> None:
    """The field formats of api-notes §2.3."""
    assert re.fullmatch(r"[67][0-9]{11}", offer.num_iid)
    low, _, high = offer.price.partition("-")
    assert PRICE.fullmatch(low)
    assert not high or (PRICE.fullmatch(high) and Decimal(high) > Decimal(low))
    if offer.promotion_price is not None:
        assert PRICE.fullmatch(offer.promotion_price)
        assert Decimal(offer.promotion_price) < Decimal(low)
    assert offer.sales >= 0
    assert re.fullmatch(r"[0-9]{1,2}%", offer.turn_head)
    assert vocab.category(offer.cat) is not None
    assert offer.cat_name == vocab.category(offer.cat).name  # type: ignore[union-attr]
    assert offer.area in offer.seller_nick
    assert PIC_URL.fullmatch(offer.pic_url)
    assert offer.detail_url == f"https://detail.1688.com/offer/{offer.num_iid}.html"


# --- the default catalog -------------------------------------------------------------


def test_default_catalog_shape(catalog: Catalog) -> None:
    assert len(catalog.offers) == DEFAULT_SIZE == 4000
    assert catalog.offers[0] == FIRST
    assert dict(catalog.categories) == {c.cat: c.name for c in vocab.CATEGORIES}
    assert len(catalog.categories) == 14
    assert set(Counter(o.cat for o in catalog.offers)) == set(catalog.categories)
    for offer in catalog.offers:
        check_offer(offer)


def test_default_catalog_mix(catalog: Catalog) -> None:
    counts = Counter(o.cat_name for o in catalog.offers)
    assert counts["服装"] == 510
    assert counts["宠物用品"] == 151
    assert sum(o.promotion_price is not None for o in catalog.offers) == 1142
    assert sum("-" in o.price for o in catalog.offers) == 1035
    sales = sorted(o.sales for o in catalog.offers)
    assert (sales[2000], sales[-1]) == (64, 909350)  # heavy tail: median 64, top ~1M
    assert len({o.num_iid for o in catalog.offers}) == 4000


def test_default_catalog_is_pinned_and_seeded(catalog: Catalog) -> None:
    assert catalog.digest() == SEED0_DIGEST
    assert Catalog.default(0) is catalog  # cached per seed
    other = vocab.generate(1, DEFAULT_SIZE)
    assert other != list(catalog.offers)
    assert other[0].num_iid != FIRST.num_iid


def test_each_kind_comes_in_each_of_its_colours_as_often_give_or_take_one(
    catalog: Catalog,
) -> None:
    for category in vocab.CATEGORIES:
        shown = Counter(
            photos.shown_in(o.title, o.num_iid)[:2] for o in catalog.offers if o.cat == category.cat
        )
        pairs = [(k, colour.COLOURS[c]) for c in category.colours for k in category.kinds]
        counts = [shown[pair] for pair in pairs]
        assert sum(counts) == sum(shown.values())  # no title names anything else
        assert max(counts) - min(counts) <= 1
        assert min(counts) >= 4


@given(seed=st.integers(0, 2**32), items=st.lists(st.integers(), max_size=30))
def test_a_shuffle_is_a_permutation_drawn_from_the_seed(seed: int, items: list[int]) -> None:
    deck = Dice(seed).shuffled(items)
    assert sorted(deck) == sorted(items)
    assert deck == Dice(seed).shuffled(items)


@given(seed=st.integers(min_value=0, max_value=2**64))
@example(seed=547)  # rounding closed a 0.30 price range to "0.30-0.30"
def test_generation_is_a_function_of_the_seed(seed: int) -> None:
    first, second = vocab.generate(seed, 40), vocab.generate(seed, 40)
    assert first == second
    for offer in first:
        check_offer(offer)


@pytest.fixture
def small_catalogs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """60-offer default catalogs (4,000 would take 40 s) and an empty cache folder."""
    monkeypatch.setattr(catalog_module, "DEFAULT_SIZE", 60)
    monkeypatch.setenv(catalog_module.CACHE_ENV, str(tmp_path / "cache"))
    catalog_module._default.cache_clear()
    yield tmp_path / "cache"
    catalog_module._default.cache_clear()


def test_other_seeds_compute_fingerprints_once(
    small_catalogs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Catalog.default(7)
    assert len(other) == 60
    assert other.digest() != SEED0_DIGEST
    offer = other.offers[3]
    assert other.search(other.fingerprint(other.image_bytes(offer)), limit=1) == [offer]
    assert [p.name for p in small_catalogs.iterdir()] == ["catalog-seed7.npz"]
    # The next start reads them: nothing is drawn or hashed again.
    catalog_module._default.cache_clear()
    monkeypatch.setattr(DrawnImages, "fingerprint", None)
    again = Catalog.default(7)
    assert [again.fingerprint_of(o) for o in again.offers] == [
        other.fingerprint_of(o) for o in other.offers
    ]


def test_a_stale_or_unwritable_cache_is_computed_anew(
    small_catalogs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_catalogs.mkdir()
    (small_catalogs / "catalog-seed7.npz").write_bytes(b"not an npz")
    first = Catalog.default(7)
    catalog_module._default.cache_clear()
    blocked = small_catalogs / "a-file"
    blocked.write_text("")
    monkeypatch.setenv(catalog_module.CACHE_ENV, str(blocked))  # a file: nothing is written
    assert [o.num_iid for o in Catalog.default(7).offers] == [o.num_iid for o in first.offers]


def test_shipped_fingerprints_match_a_recomputation(catalog: Catalog) -> None:
    shipped = _shipped_fingerprints(catalog.offers)
    assert shipped is not None, f"{_SHIPPED} is stale: run python -m fake1688.catalog.catalog"
    images = DrawnImages()
    # One offer in 20: a stale file (other drawing or hashing) differs in almost every one.
    assert [images.fingerprint(o) for o in catalog.offers[::20]] == shipped[::20]
    assert _SHIPPED.stat().st_size < 200_000


def test_shipped_fingerprints_are_ignored_for_other_offers(catalog: Catalog) -> None:
    assert _shipped_fingerprints(catalog.offers[:-1]) is None


def test_dice_stays_in_range() -> None:
    dice = Dice(3)
    assert [dice.below(10) for _ in range(8)] == [2, 5, 3, 6, 6, 0, 0, 8]
    assert {dice.between(1, 3) for _ in range(200)} == {1, 2, 3}
    assert Counter(dice.weighted("ab", (1, 0)) for _ in range(50)) == {"a": 50}


@given(seed=st.integers(0, 2**32), length=st.integers(0, 30))
def test_a_word_is_the_picks_it_stands_for(seed: int, length: int) -> None:
    alphabet = "abcXYZ019"
    picks = Dice(seed)
    assert Dice(seed).word(alphabet, length) == "".join(picks.pick(alphabet) for _ in range(length))


# --- offers and lookups --------------------------------------------------------------


def test_payload_has_the_platform_keys_in_order(catalog: Catalog) -> None:
    assert FIRST.payload() == {
        "title": FIRST.title,
        "pic_url": FIRST.pic_url,
        "price": "29.90",
        "promotion_price": "24.80",
        "sales": 34,
        "num_iid": "683393377085",
        "turnHead": "6%",
        "seller_nick": "阳江嘉禾五金制品厂",
        "area": "阳江",
        "detail_url": "https://detail.1688.com/offer/683393377085.html",
        "cat": "1042841",
    }
    assert list(FIRST.payload()) == ["title", "pic_url", "price", "promotion_price", "sales",
                                     "num_iid", "turnHead", "seller_nick", "area",
                                     "detail_url", "cat"]  # fmt: skip
    assert "promotion_price" not in catalog.offers[1].payload()


def test_offer_by_num_iid(catalog: Catalog) -> None:
    assert catalog.offer("683393377085") == FIRST
    assert catalog.offer("000") is None


PATH = "/img/ibank/O1CN01OE7Dt0qLRYWxdcT7vBSOqP_!!2093476219-0-cib.jpg"


@pytest.mark.parametrize(
    "url",
    [
        FIRST.pic_url,
        "//cbu01.alicdn.com" + PATH,
        "http://127.0.0.1:8688" + PATH,
        "cbu01.alicdn.com" + PATH,
        PATH,
        PATH + "?x=1",
        PATH + "#top",
        PATH + "_.webp",
        PATH + "_220x220.jpg",
        PATH + "_220x220q90.jpg_.webp",
        PATH + "_q50.jpg",
        PATH.removesuffix(".jpg") + ".310x310.jpg",
    ],
)
def test_offer_for_url_accepts_every_spelling(catalog: Catalog, url: str) -> None:
    assert catalog.offer_for_url(url) == FIRST


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/",
        "/img/ibank/nothing.jpg",
        "https://cbu01.alicdn.com/",
        "not a url",
        # a photo's path must match whole: nothing may follow its name
        PATH + "/../../etc/passwd",
        PATH + "%00.png",
        PATH + "\x00.png",
        PATH + ".png",
        PATH + "x",
        PATH + "_.webp.exe",
        PATH + "/",
    ],
)
def test_offer_for_url_unknown(catalog: Catalog, url: str) -> None:
    assert catalog.offer_for_url(url) is None
    assert catalog.image_for_path(url) is None


def test_images_are_drawn_jpegs(catalog: Catalog) -> None:
    data = catalog.image_bytes(FIRST)
    assert data == catalog.image_bytes(catalog.offers[0])  # same bytes again
    assert catalog.image_for_path(PATH) == (data, "image/jpeg")
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size, image.mode) == ("JPEG", (256, 256), "RGB")
    assert data != catalog.image_bytes(catalog.offers[1])


def test_the_photo_cache_keeps_the_512_most_recently_used_photos(catalog: Catalog) -> None:
    """Bounded at 512 photos; the least recently used goes first, and a hit refreshes."""
    _drawn_jpeg.cache_clear()
    offers = catalog.offers[:513]
    first = [catalog.image_bytes(offer) for offer in offers[:512]]
    info = _drawn_jpeg.cache_info()
    assert (info.maxsize, info.currsize, info.hits, info.misses) == (512, 512, 0, 512)
    assert catalog.image_bytes(offers[0]) is first[0]  # a hit: now the most recently used
    catalog.image_bytes(offers[512])  # one over the bound: offers[1] is the least recent
    assert _drawn_jpeg.cache_info().currsize == 512
    assert catalog.image_bytes(offers[0]) is first[0]
    assert catalog.image_bytes(offers[2]) is first[2]
    redrawn = catalog.image_bytes(offers[1])
    assert redrawn == first[1]
    assert redrawn is not first[1]  # evicted, so drawn again
    info = _drawn_jpeg.cache_info()
    assert (info.currsize, info.hits, info.misses) == (512, 3, 514)


def test_constructor_rejects_inconsistent_input() -> None:
    offers = vocab.generate(0, 2)
    fps = [DrawnImages().fingerprint(o) for o in offers]
    with pytest.raises(ValueError, match=r"^2 offers but 1 fingerprints$"):
        Catalog(offers, fps[:1], DrawnImages())
    with pytest.raises(ValueError, match=r"^two offers share the num_iid '683393377085'$"):
        Catalog([offers[0], offers[0]], [fps[0], fps[0]], DrawnImages())
    elsewhere = dataclasses.replace(offers[1], pic_url="https://example.com/a.jpg")
    with pytest.raises(ValueError, match=r"^offer 742265289378: pic_url 'https://example\.com/a"):
        Catalog([offers[0], elsewhere], fps, DrawnImages())
    small = Catalog(offers, fps, DrawnImages())
    assert dict(small.categories) == {"1042841": "五金工具", "10166": "服装"}
    assert repr(small) == "<Catalog of 2 offers in 2 categories>"
    assert len(small) == 2


# --- catalog files -------------------------------------------------------------------


def test_saved_default_catalog_round_trips(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "default.zip"
    catalog.save(path)
    again = Catalog.load(path)
    assert again.digest() == catalog.digest()
    assert again.image_bytes(FIRST) == catalog.image_bytes(FIRST)
    assert [again.fingerprint_of(o) for o in again.offers] == [
        catalog.fingerprint_of(o) for o in catalog.offers
    ]
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["catalog.json"]
        manifest = json.loads(archive.read("catalog.json"))
    assert (manifest["format"], manifest["version"], manifest["images"]) == (
        "fake1688-catalog",
        3,
        "drawn",
    )
    assert manifest["offers"][0] == {
        **record(FIRST),
        "fingerprint": catalog.fingerprint_of(FIRST).hex(),
    }
    second = tmp_path / "again.zip"
    again.save(second)
    assert second.read_bytes() == path.read_bytes()  # saving is reproducible
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.zip", "default.zip"]


def manifest_file(tmp_path: Path, manifest: object, **members: bytes) -> Path:
    path = tmp_path / "c.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("catalog.json", json.dumps(manifest))
        for name, data in members.items():
            archive.writestr(name.replace("__", "/"), data)
    return path


def good_manifest(catalog: Catalog) -> dict[str, object]:
    entry = {**record(FIRST), "fingerprint": catalog.fingerprint_of(FIRST).hex()}
    return {"format": "fake1688-catalog", "version": 3, "images": "drawn",
            "categories": {"1042841": "五金工具"}, "offers": [entry]}  # fmt: skip


def test_minimal_manifest_loads(catalog: Catalog, tmp_path: Path) -> None:
    loaded = Catalog.load(manifest_file(tmp_path, good_manifest(catalog)))
    assert tuple(loaded.offers) == (FIRST,)


BAD_MANIFESTS = [
    ({"format": "other"}, "catalog.json does not declare format 'fake1688-catalog'"),
    (
        {"version": 1},
        "catalog format version 1 is not supported (this fake1688 reads "
        "version 3); rebuild it with `fake1688 index`",
    ),
    ({"images": "some"}, "'images' must be 'drawn' or 'stored', not 'some'"),
    ({"categories": ["x"]}, "'categories' must map category ids to names"),
    ({"offers": {}}, "'offers' must be a list"),
    ({"offers": [1]}, "offer #1 must be an object"),
    ({"offers": [{"num_iid": "1"}]}, "offer #1: 'title' must be a string, not None"),
]


@pytest.mark.parametrize(("change", "message"), BAD_MANIFESTS)
def test_bad_manifest(
    catalog: Catalog, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    path = manifest_file(tmp_path, good_manifest(catalog) | change)
    with pytest.raises(CatalogFileError) as info:
        Catalog.load(path)
    assert str(info.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sales", "12", "'sales' must be a whole number >= 0, not '12'"),
        ("sales", True, "'sales' must be a whole number >= 0, not True"),
        ("price", 12.5, "'price' must be a string, not 12.5"),
        ("pic_url", "https://x/y.jpg", "pic_url 'https://x/y.jpg' is not an /img/ibank/ URL"),
        ("fingerprint", "xyz", "a fingerprint is 80 lower-case hex digits, not 'xyz'"),
        ("image", None, "image None is not in the file"),
    ],
)
def test_bad_offer_entry(
    catalog: Catalog, tmp_path: Path, field: str, value: object, message: str
) -> None:
    manifest = good_manifest(catalog)
    if field == "image":
        manifest["images"] = "stored"
    manifest["offers"][0][field] = value  # type: ignore[index]
    path = manifest_file(tmp_path, manifest)
    with pytest.raises(CatalogFileError) as info:
        Catalog.load(path)
    assert str(info.value) == f"{path}: offer #1: {message}"


def test_duplicate_offers_in_a_file(catalog: Catalog, tmp_path: Path) -> None:
    manifest = good_manifest(catalog)
    manifest["offers"] = manifest["offers"] * 2  # type: ignore[operator]
    path = manifest_file(tmp_path, manifest)
    with pytest.raises(CatalogFileError) as info:
        Catalog.load(path)
    assert str(info.value) == f"{path}: two offers share the num_iid '683393377085'"


def test_files_that_are_no_catalogs(tmp_path: Path) -> None:
    text = tmp_path / "text.zip"
    text.write_text("hello")
    with pytest.raises(CatalogFileError) as info:
        Catalog.load(text)
    assert str(info.value) == (
        f"{text}: not a fake1688-catalog file (not a zip archive); "
        "write one with Catalog.save() or `fake1688 index`"
    )
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("other.txt", "x")
    with pytest.raises(CatalogFileError, match=r"no catalog\.json inside"):
        Catalog.load(empty)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("catalog.json", "{nope")
    with pytest.raises(CatalogFileError, match=r"catalog\.json is not valid JSON: Expecting"):
        Catalog.load(broken)
    missing = tmp_path / "missing.zip"
    with pytest.raises(CatalogFileError) as info:
        Catalog.load(missing)
    assert str(info.value) == f"{missing}: cannot read the catalog file: No such file or directory"
    assert issubclass(CatalogFileError, ValueError)


def test_catalog_io_constants() -> None:
    assert (catalog_io.FORMAT, catalog_io.VERSION) == ("fake1688-catalog", 3)
    with np.load(_SHIPPED) as shipped:
        assert shipped["fingerprints"].shape == (4000, 5)


def test_a_saved_catalog_is_an_ordinary_file(catalog: Catalog, tmp_path: Path) -> None:
    import os

    umask = os.umask(0o022)
    try:
        catalog.save(tmp_path / "shop.zip")
    finally:
        os.umask(umask)
    assert (tmp_path / "shop.zip").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("tail", ["/../../etc/passwd", "%00.png", "%2F..%2Fx", ".png"])
def test_a_photo_path_with_anything_after_it_is_the_404_envelope(
    client: httpx.Client, tail: str
) -> None:
    assert client.get(PATH).status_code == 200
    response = client.get(PATH + tail)
    assert response.status_code == 404
    error = response.json()["error_response"]
    assert (error["code"], error["sub_code"]) == (22, "isv.path-not-found")
