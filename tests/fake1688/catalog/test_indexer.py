"""Building a catalog from a folder of photos and a metadata CSV."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from fake1688.catalog import photo as photos
from fake1688.catalog.catalog import Catalog, Offer
from fake1688.catalog.colour import COLOURS
from fake1688.catalog.indexer import IndexBuildError, build_catalog
from PIL import Image, ImageOps

HEADER = "file,num_iid,title,price,promotion_price,sales,seller_nick,area,turnHead,cat\n"
ROW = "tee.jpg,612345678901,纯棉短袖T恤女,12.50-18.00,11.00,1200,广州某某服饰厂,广州,15%,10166\n"


def photo(seed: int) -> Image.Image:
    return photos.draw(seed, "短袖T恤", tuple(COLOURS.values())[seed % len(COLOURS)])


def pattern() -> Image.Image:
    """A photo whose pixels (and BMP bytes) depend on nothing but numpy arithmetic."""
    y, x = np.mgrid[0:96, 0:128]
    return Image.fromarray(
        np.dstack([(x * 2) % 256, (x ^ y) % 256, (y * 3) % 256]).astype(np.uint8)
    )


def encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Five photos in five formats, one in a subfolder, plus a stray text file."""
    root = tmp_path / "photos"
    (root / "bags").mkdir(parents=True)
    (root / "tee.jpg").write_bytes(encode(photo(1), "JPEG"))
    (root / "bags" / "tote.png").write_bytes(encode(photo(2), "PNG"))
    (root / "c.webp").write_bytes(encode(photo(3), "WEBP"))
    (root / "d.GIF").write_bytes(encode(photo(4), "GIF"))
    (root / "e.bmp").write_bytes(encode(pattern(), "BMP"))
    (root / "notes.txt").write_text("not a photo")
    return root


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "items.csv"
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_csv_values_are_used(folder: Path, tmp_path: Path) -> None:
    progress: list[tuple[int, int]] = []
    catalog = build_catalog(
        folder, csv_file(tmp_path, HEADER + ROW), lambda done, total: progress.append((done, total))
    )
    assert progress == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    tee = catalog.offer("612345678901")
    assert tee is not None
    assert tee.payload() == {
        "title": "纯棉短袖T恤女",
        "pic_url": tee.pic_url,
        "price": "12.50-18.00",
        "promotion_price": "11.00",
        "sales": 1200,
        "num_iid": "612345678901",
        "turnHead": "15%",
        "seller_nick": "广州某某服饰厂",
        "area": "广州",
        "detail_url": "https://detail.1688.com/offer/612345678901.html",
        "cat": "10166",
    }
    assert tee.cat_name == "服装"  # named after the default catalog's category
    assert dict(catalog.categories) == {"10166": "服装", "0": "未分类"}
    assert [Path(o.title).name for o in catalog.offers] == [
        "tote", "c", "d", "e", "纯棉短袖T恤女",
    ]  # fmt: skip


def test_defaults_are_derived_from_path_and_bytes(folder: Path) -> None:
    catalog = build_catalog(folder)
    bmp = catalog.offers[3]
    assert bmp == Offer(
        num_iid=bmp.num_iid,
        title="e",
        price=bmp.price,
        promotion_price=None,
        sales=0,
        seller_nick="本地测试供应商",
        area="义乌",
        turn_head="0%",
        cat="0",
        cat_name="未分类",
        pic_url=bmp.pic_url,
        detail_url=f"https://detail.1688.com/offer/{bmp.num_iid}.html",
    )
    assert (bmp.num_iid, bmp.price) == ("675388231386", "34.80")
    assert bmp.pic_url == (
        "https://cbu01.alicdn.com/img/ibank/O1CN01opPFseo9NMZjzgoG3oUx6d_!!1904871987-0-cib.jpg"
    )
    assert list(build_catalog(folder).offers) == list(catalog.offers)  # the same folder, catalog


def test_photos_are_searchable_and_served(folder: Path) -> None:
    catalog = build_catalog(folder)
    for offer in catalog.offers:
        stored = Image.open(io.BytesIO(catalog.image_bytes(offer))).convert("RGB")
        query = encode(ImageOps.expand(stored, 8, fill="white"), "JPEG")
        assert catalog.search(catalog.fingerprint(query), limit=1) == [offer]
    tote = catalog.offers[0]
    assert catalog.image_for_path(tote.pic_url) == (
        (folder / "bags" / "tote.png").read_bytes(),
        "image/png",
    )
    assert catalog.image_for_path(catalog.offers[2].pic_url)[1] == "image/gif"  # type: ignore[index]


def test_saved_user_catalog_carries_its_photos(folder: Path, tmp_path: Path) -> None:
    catalog = build_catalog(folder, csv_file(tmp_path, HEADER + ROW))
    path = tmp_path / "catalog.zip"
    catalog.save(path)
    for file in folder.rglob("*"):
        if file.is_file():
            file.unlink()  # the file alone must be enough
    loaded = Catalog.load(path)
    assert loaded.digest() == catalog.digest()
    tee = loaded.offer("612345678901")
    assert tee is not None
    data, ctype = loaded.image_for_path(tee.pic_url)  # type: ignore[misc]
    assert ctype == "image/jpeg"
    assert loaded.search(loaded.fingerprint(data), limit=1) == [tee]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("catalog.json"))
    assert manifest["images"] == "stored"
    others = zip(catalog.offers[:4], ["png", "webp", "gif", "bmp"], strict=True)
    assert sorted(names) == sorted(
        ["catalog.json", "images/612345678901.jpg"] + [f"images/{o.num_iid}.{x}" for o, x in others]
    )


# --- errors --------------------------------------------------------------------------


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(IndexBuildError) as info:
        build_catalog(tmp_path / "nowhere")
    assert str(info.value) == f"{tmp_path / 'nowhere'}: not a directory"


def test_folder_without_photos(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(IndexBuildError) as info:
        build_catalog(tmp_path)
    assert str(info.value) == f"{tmp_path}: no photos (.jpg, .jpeg, .png, .webp, .gif, .bmp) in it"


def test_undecodable_photo_is_named(folder: Path) -> None:
    (folder / "bags" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    with pytest.raises(IndexBuildError) as info:
        build_catalog(folder)
    assert str(info.value).startswith(f"{folder / 'bags' / 'broken.jpg'}: not a recognised image")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "scan.jpg",
            encode(Image.new("RGB", (8, 8)), "TIFF"),
            "the image is TIFF; the platform takes JPEG, PNG, GIF, WebP or BMP: convert it "
            "(e.g. to JPEG)",
        ),
        (
            "wide.png",
            encode(Image.new("1", (5000, 10)), "PNG"),
            "the image is 5000x10 pixels; the platform takes at most 4,096 pixels a side: "
            "shrink it",
        ),
    ],
)
def test_photos_follow_the_platform_s_image_rules(
    folder: Path, name: str, content: bytes, message: str
) -> None:
    (folder / name).write_bytes(content)
    with pytest.raises(IndexBuildError) as info:
        build_catalog(folder)
    assert str(info.value) == f"{folder / name}: {message}"


def test_a_photo_over_5_mib_is_refused(folder: Path) -> None:
    big = folder / "big.bmp"
    big.write_bytes(encode(Image.new("RGB", (1300, 1400)), "BMP"))
    with pytest.raises(IndexBuildError) as info:
        build_catalog(folder)
    assert str(info.value) == (
        f"{big}: 5,460,054 bytes, over the platform's 5,242,880-byte limit for an image; shrink it"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,title\n", "the header has no 'file' column (got ['name', 'title'])"),
        (
            "file,colour\n",
            "unknown column(s) ['colour']; the columns are file, num_iid, "
            "title, price, promotion_price, sales, seller_nick, area, turn_head, "
            "cat, cat_name, pic_url",
        ),
        ("file,title,title\n", "a column appears twice in the header ['file', 'title', 'title']"),
        ("file,price\ntee.jpg,12.5\n", "line 2: price '12.5' must be like 12.50 or 12.50-18.00"),
        ("file,sales\n\ntee.jpg,many\n", "line 3: sales 'many' must be a whole number like 1200"),
        (
            "file,num_iid\ntee.jpg,0123456\n",
            "line 2: num_iid '0123456' must be 6 to 20 digits, not starting with 0",
        ),
        ("file,turn_head\ntee.jpg,15\n", "line 2: turn_head '15' must be a percentage like 15%"),
        (
            "file,cat\ntee.jpg,女装\n",
            "line 2: cat '女装' must be a category id of digits like 10166",
        ),
        ("file,promotion_price\ntee.jpg,1.5\n", "line 2: promotion_price '1.5' must be like 9.90"),
        (
            "file,pic_url\ntee.jpg,http://x/a.png\n",
            "line 2: pic_url 'http://x/a.png' must be an "
            "https://cbu01.alicdn.com/img/ibank/….jpg URL",
        ),
        ("file,title\ntee.jpg\n", "line 2: the row does not have one cell per column"),
        ("file,title\ntee.jpg,a,b\n", "line 2: the row does not have one cell per column"),
        ("file,title\n,a\n", "line 2: the 'file' cell is empty"),
        ("file\nmissing.jpg\n", "line 2: file 'missing.jpg' is not a photo there"),
        ("file\ntee.jpg\ntee.jpg\n", "line 3: file 'tee.jpg' is listed twice"),
    ],
)
def test_bad_csv_is_named_with_its_line(
    folder: Path, tmp_path: Path, text: str, message: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(IndexBuildError) as info:
        build_catalog(folder, path)
    sep = " " if message.startswith("line") else ": "
    assert str(info.value) == f"{path}{sep}{message}"


def test_csv_that_is_not_utf8(folder: Path, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes("file,title\ntee.jpg,短袖\n".encode("gbk"))
    with pytest.raises(IndexBuildError, match=r"items\.csv: cannot read the metadata CSV: 'utf-8'"):
        build_catalog(folder, path)


def test_duplicate_num_iid_across_rows(folder: Path, tmp_path: Path) -> None:
    path = csv_file(tmp_path, "file,num_iid\ntee.jpg,612345678901\nc.webp,612345678901\n")
    with pytest.raises(IndexBuildError) as info:
        build_catalog(folder, path)
    assert str(info.value) == f"{path}: two offers share the num_iid '612345678901'"
