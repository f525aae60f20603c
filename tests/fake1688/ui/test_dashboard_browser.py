"""The dashboard in a real browser (Debian's headless Chromium): what a person sees and does."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fake1688 import FakeGateway
from fake1688.server import ThreadedServer

from pailitao import PailitaoClient, RetryPolicy
from pailitao.errors import ApiError, SignatureError
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET

if TYPE_CHECKING:
    from playwright.sync_api import Page


class CountingCatalog:
    """The catalog, counting the photos asked of it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.photos = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def image_bytes(self, offer: Any) -> bytes:
        self.photos += 1
        return bytes(self.inner.image_bytes(offer))


@pytest.fixture
def counting(catalog: Any) -> CountingCatalog:
    return CountingCatalog(catalog)


@pytest.fixture
def served(counting: CountingCatalog) -> Iterator[ThreadedServer]:
    with ThreadedServer(FakeGateway(catalog=counting)) as server:
        yield server


def ui(server: ThreadedServer, path: str = "/") -> str:
    return f"{server.url}/__fake__/ui{path}"


def client(server: ThreadedServer, dialect: str = "top", **options: Any) -> PailitaoClient:
    url = {"top": server.base_url, "aop": server.url + "/openapi"}[dialect]
    settings: dict[str, Any] = {"app_key": DEMO_APP_KEY, "app_secret": DEMO_APP_SECRET, **options}
    if dialect == "aop":
        settings["access_token"] = DEMO_ACCESS_TOKEN
    return PailitaoClient(dialect=dialect, base_url=url, retry=RetryPolicy.disabled(), **settings)


def photo_of(catalog: Any, n: int) -> bytes:
    return bytes(catalog.image_bytes(catalog.offers[n]))


def images_loaded(page: Page) -> None:
    page.wait_for_function("[...document.images].every(image => image.complete)")


def natural_widths(page: Page, selector: str) -> list[int]:
    widths: list[int] = page.eval_on_selector_all(selector, "all => all.map(i => i.naturalWidth)")
    return widths


def test_a_search_appears_in_the_live_journal_without_a_reload(
    page: Page, served: ThreadedServer, catalog: Any
) -> None:
    page.goto(ui(served))
    assert page.inner_text("#empty") == "No calls yet."
    page.evaluate("window.notReloaded = true")
    with client(served) as top:
        top.search_image(file=photo_of(catalog, 5))
    row = page.wait_for_selector('#journal tr[data-seq="1"]')
    assert row is not None
    assert "1688.items.search.img" in row.inner_text()
    assert page.evaluate("window.notReloaded") is True
    assert page.query_selector("#empty") is None
    page.wait_for_selector("#journal img.mini")  # added once the row is on screen
    images_loaded(page)
    assert natural_widths(page, "img.mini")[0] > 0


def test_a_calls_page_shows_its_photo_and_the_offers_in_rank_order(
    page: Page, served: ThreadedServer, catalog: Any
) -> None:
    with client(served) as top:
        answer = top.search_image(file=photo_of(catalog, 9), page_size=8)
    page.goto(ui(served))
    page.click('#journal tr[data-seq="1"] a')
    page.wait_for_url("**/requests/1")
    images_loaded(page)
    assert natural_widths(page, "#query-photo") == [240]
    shown = page.eval_on_selector_all(
        ".card", "all => all.map(c => [c.dataset.numIid, Number(c.dataset.rank)])"
    )
    assert shown == [[item.num_iid, rank] for rank, item in enumerate(answer.items, 1)]
    widths = natural_widths(page, ".card img")
    assert len(widths) == 8
    assert all(width > 0 for width in widths)


def test_a_second_view_asks_the_engine_for_no_photo_again(
    page: Page, served: ThreadedServer, catalog: Any, counting: CountingCatalog
) -> None:
    with client(served) as top:
        top.search_image(file=photo_of(catalog, 9), page_size=12)
    page.goto(ui(served, "/requests/1"))
    images_loaded(page)
    first = counting.photos
    assert first >= 12  # one per offer shown
    page.reload()
    images_loaded(page)
    page.goto(ui(served, "/requests/1"))  # the browser's cache may answer, or the fake's
    images_loaded(page)
    assert counting.photos == first
    fresh = page.context.browser.new_context()  # type: ignore[union-attr]
    try:
        other = fresh.new_page()
        other.goto(ui(served, "/requests/1"))  # no browser cache: every thumbnail asked for
        images_loaded(other)
    finally:
        fresh.close()
    assert counting.photos == first


def test_a_refused_signature_shows_the_string_the_fake_signed(
    page: Page, served: ThreadedServer, catalog: Any
) -> None:
    with client(served, app_secret="not-the-secret") as wrong, pytest.raises(SignatureError):
        wrong.search_image(file=photo_of(catalog, 1))
    page.goto(ui(served, "/requests/1"))
    signed = page.inner_text("#signature pre.signed")
    assert signed.startswith("the gateway computed MD5 over '<secret>app_keytest***key")
    assert "not-the-secret" not in page.content()
    causes = page.eval_on_selector_all("#signature li", "all => all.map(li => li.innerText)")
    assert causes[0] == "The app secret is not the one the fake knows for this app key."


def test_filters_narrow_the_list(page: Page, served: ThreadedServer, catalog: Any) -> None:
    photo = photo_of(catalog, 2)
    with client(served) as top:
        top.search_image(file=photo)
    with client(served, "aop") as aop:
        aop.search_image(file=photo)  # an upload, then a search
    page.goto(ui(served))
    assert page.locator("#journal tbody tr").count() == 3
    page.select_option('select[name="dialect"]', "aop")
    page.click("text=Filter")
    page.wait_for_url("**/?dialect=aop*")
    seqs = page.eval_on_selector_all("#journal tbody tr", "all => all.map(r => r.dataset.seq)")
    assert seqs == ["3", "2"]
    with client(served) as top:
        top.search_image(file=photo)  # a TOP call: the live rows keep to the filter
    with client(served, "aop") as aop:
        aop.search_image(imgid=_last_image_id(served))
    page.wait_for_selector('#journal tr[data-seq="5"]')
    seqs = page.eval_on_selector_all("#journal tbody tr", "all => all.map(r => r.dataset.seq)")
    assert seqs == ["5", "3", "2"]


def _last_image_id(server: ThreadedServer) -> str:
    upload = next(
        e for e in reversed(server.gateway.journal.entries()) if "upload" in str(e.api_method)
    )
    assert upload.answer is not None
    return str(httpx.Response(200, content=upload.answer).json()["result"]["result"])


def test_a_photo_dropped_on_the_catalog_finds_its_own_offer_first(
    page: Page, served: ThreadedServer, catalog: Any
) -> None:
    offer = catalog.offers[23]
    page.goto(ui(served, "/catalog"))
    data = base64.b64encode(catalog.image_bytes(offer)).decode()
    page.evaluate(
        """data => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "shoe.jpg", { type: "image/jpeg" }));
            const drop = document.getElementById("drop");
            drop.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true }));
            drop.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
        }""",
        data,
    )
    first = page.wait_for_selector('#results [data-sort="relevance"] .card')
    assert first is not None
    assert first.get_attribute("data-num-iid") == offer.num_iid
    orders = page.eval_on_selector_all("#results .order", "all => all.map(o => o.dataset.sort)")
    assert orders == ["relevance", "price_asc", "price_desc", "sales_desc"]
    images_loaded(page)
    assert natural_widths(page, "#results #query-photo")[0] > 0


def test_a_file_that_is_no_photo_says_so_on_the_catalog_page(
    page: Page, served: ThreadedServer
) -> None:
    page.goto(ui(served, "/catalog"))
    page.set_input_files(
        "#photo-file", files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}]
    )
    error = page.wait_for_selector("#search-error:not([hidden])")
    assert error is not None
    assert error.inner_text().startswith("the image cannot be decoded")


def test_a_fault_set_from_the_page_changes_the_next_answer(
    page: Page, served: ThreadedServer, catalog: Any
) -> None:
    page.goto(ui(served, "/controls"))
    page.select_option('#add-fault select[name="kind"]', "platform_error")
    page.fill('#add-fault input[name="code"]', "10")
    page.fill('#add-fault input[name="times"]', "1")
    with page.expect_navigation():
        page.click("#add-fault button")
    assert "platform_error" in page.inner_text("#faults")
    photo = photo_of(catalog, 1)
    with client(served) as top:
        with pytest.raises(ApiError) as refused:
            top.search_image(file=photo)
        assert refused.value.code == 10
        assert top.search_image(file=photo).items  # only the next call
    page.reload()
    assert page.inner_text("#faults").startswith("No faults")


def test_a_limit_set_from_the_page_shows_and_lifts(page: Page, served: ThreadedServer) -> None:
    page.goto(ui(served, "/controls"))
    page.fill('#set-limits input[name="daily_quota"]', "3")
    with page.expect_navigation():
        page.click("#set-limits button")
    assert "3" in page.inner_text("#limits tbody tr:first-child")
    assert served.gateway.limits.to_dict()["default"]["daily_quota"] == 3
    with page.expect_navigation():
        page.click("#clear-limits button")
    assert served.gateway.limits.to_dict()["default"]["daily_quota"] is None


def test_a_cross_site_form_post_to_a_control_is_refused(page: Page, served: ThreadedServer) -> None:
    evil = (
        f'<form id="f" method="post" action="{served.url}/__fake__/faults">'
        '<input name="kind" value="platform_error"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    page.route(
        "http://evil.test/",
        lambda route: route.fulfill(status=200, content_type="text/html", body=evil),
    )
    with page.expect_navigation(url=f"{served.url}/__fake__/faults"):
        page.goto("http://evil.test/")
    assert "refused" in page.inner_text("body")
    assert served.gateway.faults.rules() == []


def test_a_browser_signs_in_to_a_fake_with_an_admin_token(page: Page, catalog: Any) -> None:
    from fake1688.server import AdminAccess

    token = "a-long-admin-token-8c1d"
    gateway = FakeGateway(catalog=catalog)
    with ThreadedServer(gateway, admin=AdminAccess(token=token)) as server:
        page.goto(ui(server, "/catalog"))
        page.wait_for_url("**/__fake__/ui/login?next=/catalog")
        page.fill('input[name="token"]', "a-wrong-one")
        page.click("#login button")
        error = page.wait_for_selector("#login-error:not([hidden])")
        assert error is not None
        assert error.inner_text() == "that is not this fake's admin token"
        page.fill('input[name="token"]', token)
        page.click("#login button")
        page.wait_for_url("**/__fake__/ui/catalog")
        page.goto(ui(server))
        with client(server) as top:
            top.search_image(file=photo_of(catalog, 5))
        assert page.wait_for_selector('#journal tr[data-seq="1"]') is not None  # live rows too
        assert token not in page.content()


def test_a_rows_photo_is_made_once_the_row_is_on_screen(
    page: Page, served: ThreadedServer, catalog: Any
) -> None:
    photo = photo_of(catalog, 6)
    with client(served) as top:
        for n in range(1, 41):
            top.search_image(file=photo, page=n, page_size=1)
    page.goto(ui(served))
    page.wait_for_selector('#journal tr[data-seq="40"] img.mini')
    oldest = '#journal tr[data-seq="1"] td[data-photo]'
    assert page.eval_on_selector(oldest, "cell => cell.children.length") == 0  # below the fold
    page.eval_on_selector(oldest, "cell => cell.scrollIntoView()")
    page.wait_for_selector(f"{oldest} img.mini")
