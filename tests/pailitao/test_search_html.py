"""`pailitao search --html FILE`: one standalone page of the offers, photos embedded.

Beside test_search_cli.py, which tests the rest of `pailitao search`.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fake1688 import Catalog, FakeGateway
from fake1688.catalog.catalog import DrawnImages
from fake1688.server import ThreadedServer
from PIL import Image

from pailitao import Item
from pailitao.cli import main
from pailitao.cli._html import Card, Missing, Photo, Query, fetch_photos, render_page
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET, in_process_url


@dataclass
class Offer:
    rank: int
    texts: dict[str, str] = field(default_factory=dict)
    src: str | None = None
    link: str | None = None


class Page(HTMLParser):
    """What a browser would show of the page: the offers' fields, every URL it names."""

    FIELDS = frozenset({"title", "price", "sales", "seller", "missing"})

    def __init__(self, text: str) -> None:
        super().__init__()
        self.offers: list[Offer] = []
        self.tags: list[str] = []
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.query_src: str | None = None
        self.texts: dict[str, str] = {}  # class -> text, outside the offers
        self._field: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        self.urls += [(tag, a, v) for a, v in values.items() if a in ("src", "href", "action")]
        classes = set(values.get("class", "").split())
        if "offer" in classes:
            self.offers.append(Offer(int(values["value"])))
        elif tag == "img" and self.offers:
            self.offers[-1].src = values["src"]
        elif tag == "img":
            self.query_src = values["src"]
        elif tag == "a":
            self.offers[-1].link = values["href"]
        field_ = next(iter(classes & (self.FIELDS | {"summary", "photos", "query"})), None)
        self._field = field_ or self._field

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "dd", "div", "p", "figure"):
            self._field = None

    def handle_data(self, data: str) -> None:
        if self._field is None:
            return
        where = self.offers[-1].texts if self._field in self.FIELDS else self.texts
        where[self._field] = where.get(self._field, "") + data


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["search", *argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def decoded(src: str | None) -> bytes:
    assert src is not None
    head, _, data = src.partition(",")
    assert head in {"data:image/jpeg;base64", "data:image/png;base64"}
    content = base64.b64decode(data, validate=True)
    Image.open(io.BytesIO(content)).verify()
    return content


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.default(0)


@pytest.fixture
def photo(tmp_path: Path, catalog: Catalog) -> Path:
    """The first seed-0 offer's photo, as a file."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(catalog.image_bytes(catalog.offers[0]))
    return path


def test_the_page_holds_the_offers_in_rank_order_with_their_photos(
    photo: Path, catalog: Catalog, tmp_path: Path
) -> None:
    argv = ["--fake", str(photo), "--page-size", "4", "--page", "2", "--sort", "price_asc"]
    target = tmp_path / "results.html"
    status, out, err = run([*argv, "--json", "--html", str(target)])
    assert (status, err) == (0, f"wrote {target} (4 offers, 0 of 4 photos missing)\n")
    items = [Item.model_validate(raw) for raw in json.loads(out)["item"]]
    page = Page(target.read_text(encoding="utf-8"))
    assert [offer.rank for offer in page.offers] == [5, 6, 7, 8]
    assert [offer.texts["title"] for offer in page.offers] == [item.title for item in items]
    prices = [f"{i.price}-{i.price_max}" if i.price_max else str(i.price) for i in items]
    assert [offer.texts["price"] for offer in page.offers] == prices
    assert [offer.texts["sales"] for offer in page.offers] == [str(item.sales) for item in items]
    assert [offer.texts["seller"] for offer in page.offers] == [i.seller_nick for i in items]
    assert [offer.link for offer in page.offers] == [item.detail_url for item in items]
    for offer, item in zip(page.offers, items, strict=True):
        found = catalog.offer(item.num_iid)
        assert found is not None
        assert decoded(offer.src) == catalog.image_bytes(found)
    assert decoded(page.query_src) == photo.read_bytes()
    assert page.texts["query"] == f"searched by photo: {photo}"
    assert page.texts["summary"] == "page 2 of 27: 107 offers, 4 per page"
    assert page.texts["photos"] == "all 4 offer photos embedded"


def test_the_table_and_the_json_are_printed_as_without_html(photo: Path, tmp_path: Path) -> None:
    argv = ["--fake", str(photo), "--page-size", "3"]
    assert run([*argv, "--html", str(tmp_path / "a.html")])[1] == run(argv)[1]
    with_html = json.loads(run([*argv, "--json", "--html", str(tmp_path / "b.html")])[1])
    without = json.loads(run([*argv, "--json"])[1])
    assert {**with_html, "request_id": ""} == {**without, "request_id": ""}


def _hostile_catalog() -> Catalog:
    """Offers that look like the first seed-0 offer, with markup in their texts."""
    base = Catalog.default(0)
    alike = base.search(base.fingerprint_of(base.offers[0]))[:5]
    offers = [
        replace(o, title=f'<b>{o.title}</b> & "q" <script>x()</script>', seller_nick="<i>S&S</i>")
        for o in alike
    ]
    images = DrawnImages()
    return Catalog(offers, [images.fingerprint(o) for o in offers], images)


@pytest.mark.parametrize("dialect", ["top", "aop", "reseller"])
def test_a_served_fake_escaped_texts_its_photos_and_no_secret(
    dialect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = _hostile_catalog()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(hostile.image_bytes(hostile.offers[0]))
    target = tmp_path / "results.html"
    with ThreadedServer(FakeGateway(catalog=hostile)) as server:
        base_url = in_process_url(dialect).replace("http://fake1688.test", server.url)
        monkeypatch.setenv("PAILITAO_APP_KEY", DEMO_APP_KEY)
        monkeypatch.setenv("PAILITAO_APP_SECRET", DEMO_APP_SECRET)
        monkeypatch.setenv("PAILITAO_ACCESS_TOKEN", DEMO_ACCESS_TOKEN)
        argv = [str(photo), "--dialect", dialect, "--base-url", base_url, "--json"]
        status, out, err = run([*argv, "--html", str(target)])
    assert status == 0, err
    items = [Item.model_validate(raw) for raw in json.loads(out)["item"]]
    assert err == f"wrote {target} ({len(items)} offers, 0 of {len(items)} photos missing)\n"
    text = target.read_text(encoding="utf-8")
    page = Page(text)
    assert len(page.offers) == len(items) >= 2
    assert [offer.texts["title"] for offer in page.offers] == [item.title for item in items]
    assert [offer.texts["seller"] for offer in page.offers] == [i.seller_nick for i in items]
    for markup in ("<b>", "<i>", "<script"):
        assert markup not in text
    if dialect != "aop":  # the Open Platform's titles are English translations
        assert "&lt;b&gt;" in text
        assert "&lt;i&gt;S&amp;S&lt;/i&gt;" in text
    for offer, item in zip(page.offers, items, strict=True):
        found = hostile.offer_for_url(item.pic_url or "")
        assert found is not None
        assert decoded(offer.src) == hostile.image_bytes(found)
    for secret in (DEMO_APP_SECRET, DEMO_ACCESS_TOKEN, DEMO_APP_KEY, "sign=", "_aop_signature"):
        assert secret not in text


def test_an_url_query_is_shown_as_text(catalog: Catalog, tmp_path: Path) -> None:
    url = catalog.offers[0].pic_url
    target = tmp_path / "results.html"
    status, _, _ = run(["--fake", url, "--page-size", "2", "--html", str(target)])
    assert status == 0
    page = Page(target.read_text(encoding="utf-8"))
    assert page.query_src is None
    assert page.texts["query"] == f"searched by imageUrl: {url}"
    assert len(page.offers) == 2


def test_the_page_makes_no_request_of_its_own(photo: Path, tmp_path: Path) -> None:
    target = tmp_path / "results.html"
    assert run(["--fake", str(photo), "--html", str(target)])[0] == 0
    text = target.read_text(encoding="utf-8")
    page = Page(text)
    assert len(page.offers) == 20
    assert not {"script", "link", "iframe", "object", "embed", "base", "form"} & set(page.tags)
    assert "url(" not in text
    assert "@import" not in text
    for tag, attribute, value in page.urls:
        assert (tag, attribute) in {("img", "src"), ("a", "href")}
        assert value.startswith("data:image/" if tag == "img" else "https://detail.1688.com/")
    csp = "default-src &#x27;none&#x27;; img-src data:; style-src &#x27;unsafe-inline&#x27;;"
    assert f'<meta http-equiv="Content-Security-Policy" content="{csp}' in text


def test_no_offers_is_a_page_that_says_so(photo: Path, tmp_path: Path) -> None:
    target = tmp_path / "results.html"
    status, out, err = run(["--fake", str(photo), "--cat", "99999", "--html", str(target)])
    assert (status, out, err) == (
        0,
        "no offers found\n",
        f"wrote {target} (0 offers, 0 of 0 photos missing)\n",
    )
    page = Page(target.read_text(encoding="utf-8"))
    assert (page.offers, page.texts["summary"]) == ([], "no offers found")


def test_a_refused_search_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "results.html"
    status, _, _ = run(
        ["--fake", "https://cbu01.alicdn.com/img/ibank/O1CN01none.jpg", "--html", str(target)]
    )
    assert status == 1
    assert not target.exists()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "TMP/no/such/results.html",
            "--html TMP/no/such/results.html: no such folder: TMP/no/such",
        ),
        ("PHOTO/results.html", "--html PHOTO/results.html: PHOTO is not a folder"),
        ("TMP", "--html TMP: is a folder; give the name of a file to write"),
        ("/dev/full", "--html /dev/full: cannot write it: No space left on device"),
    ],
)
def test_a_file_that_cannot_be_written_is_one_line_with_status_2(
    where: str, message: str, photo: Path, tmp_path: Path
) -> None:
    def fill(text: str) -> str:
        return text.replace("PHOTO", str(photo)).replace("TMP", str(tmp_path))

    status, out, err = run(["--fake", str(photo), "--html", fill(where)])
    assert (status, out, err) == (2, "", f"pailitao search: error: {fill(message)}\n")


def test_photos_that_cannot_be_fetched_are_missing_with_the_reason(catalog: Catalog) -> None:
    jpeg = catalog.image_bytes(catalog.offers[0])
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(str(request.url))
        name = request.url.path.rsplit("/", 1)[-1]
        if name == "slow.jpg":
            raise httpx.ConnectTimeout("timed out", request=request)
        if name == "down.jpg":
            raise httpx.ConnectError("refused", request=request)
        bodies = {
            "ok.jpg": jpeg,
            "text.jpg": b"<html>",
            "huge.jpg": b"\xff\xd8\xff" + bytes(5 * 2**20),
        }
        return httpx.Response(200, content=bodies[name]) if name in bodies else httpx.Response(404)

    names = ["ok", "gone", "text", "huge", "slow", "down"]
    urls = [f"https://cdn.test/img/{name}.jpg" for name in names]
    photos = fetch_photos([*urls, None, "/img/ok.jpg"], transport=httpx.MockTransport(answer))
    assert photos == [
        Photo(jpeg, "jpeg"), Missing("HTTP 404"), Missing("not an image"), Missing("over 5 MB"),
        Missing("timed out"), Missing("unreachable"), Missing("no pic_url"), Missing("not an http(s) URL"),
    ]  # fmt: skip
    assert sorted(asked) == sorted(urls)
    asked.clear()
    served = fetch_photos(
        [urls[0], "/img/ok.jpg"],
        transport=httpx.MockTransport(answer),
        origin="http://127.0.0.1:8688",
    )
    assert served == [Photo(jpeg, "jpeg")] * 2
    assert asked == ["http://127.0.0.1:8688/img/ok.jpg"] * 2


def test_a_missing_photo_is_a_placeholder_and_the_page_counts_them() -> None:
    cards = [
        Card(1, "a", "1.00", "3", "s", None, Photo(b"\x89PNG\r\n\x1a\n", "png")),
        Card(2, "b", "2.00", "-", "-", "javascript:alert(1)", Missing("HTTP 404")),
    ]
    text = render_page(["page 1 of 1: 2 offers, 20 per page"], Query("imgid", "<id>"), cards)
    page = Page(text)
    assert page.offers[0].src == "data:image/png;base64,iVBORw0KGgo="
    assert (page.offers[1].src, page.offers[1].texts["missing"]) == (None, "no photo HTTP 404")
    assert page.texts["photos"] == "1 of 2 offer photos missing (each placeholder says why)"
    assert page.texts["query"] == "searched by imgid: <id>"
    assert page.offers[1].link is None  # only http(s) links are links
