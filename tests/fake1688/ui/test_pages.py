"""The dashboard's pages over HTTP (no browser): what each shows, its bounds and its guard."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake1688 import App, FakeGateway
from fake1688.server import ThreadedServer

from pailitao import PailitaoClient, RetryPolicy
from pailitao.errors import PailitaoError
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET

SECRET = "dashboard-secret-4f9a1c"
TOKEN = "dashboard-token-77e0b2"


@pytest.fixture
def served(catalog: Any) -> Iterator[ThreadedServer]:
    """``fake1688 serve`` on a free port, with the demo app and one of its own."""
    apps = [
        App(DEMO_APP_KEY, DEMO_APP_SECRET, access_tokens=frozenset({DEMO_ACCESS_TOKEN})),
        App("shop_app_key", SECRET, access_tokens=frozenset({TOKEN})),
    ]
    with ThreadedServer(FakeGateway(catalog=catalog, apps=apps)) as server:
        yield server


@pytest.fixture
def http(served: ThreadedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url + "/__fake__/ui") as client:
        yield client


def client(server: ThreadedServer, dialect: str = "top", **options: Any) -> PailitaoClient:
    settings: dict[str, Any] = {
        "app_key": DEMO_APP_KEY,
        "app_secret": DEMO_APP_SECRET,
        "access_token": DEMO_ACCESS_TOKEN if dialect == "aop" else None,
        **options,
    }
    url = server.base_url if dialect == "top" else server.url + _ROOTS[dialect]
    return PailitaoClient(dialect=dialect, base_url=url, retry=RetryPolicy.disabled(), **settings)


_ROOTS = {"aop": "/openapi", "reseller": ""}


def photo_of(catalog: Any, n: int) -> bytes:
    return bytes(catalog.image_bytes(catalog.offers[n]))


def seqs(html: str) -> list[int]:
    return [int(seq) for seq in re.findall(r'<tr class="[\w-]+" data-seq="(\d+)"', html)]


def test_the_journal_lists_every_call_newest_first(
    served: ThreadedServer, http: httpx.Client, catalog: Any
) -> None:
    with client(served) as top:
        top.search_image(file=photo_of(catalog, 1))
    with client(served, "reseller") as reseller:
        reseller.search_image(file=photo_of(catalog, 2))  # an upload, then a search
    page = http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert seqs(page.text) == [3, 2, 1]
    assert "1688.items.search.img" in page.text
    assert "reseller:item_search_img" in page.text
    assert "test***key" in page.text
    assert page.text.count(' class="photo" data-photo="') == 3  # each call's photo


def test_new_rows_are_those_after_the_last_seen(
    served: ThreadedServer, http: httpx.Client, catalog: Any
) -> None:
    with client(served) as top:
        top.search_image(file=photo_of(catalog, 1))
        first = http.get("/rows", params={"after": 0})
        assert (seqs(first.text), first.headers["x-last-seq"]) == ([1], "1")
        assert seqs(http.get("/rows", params={"after": 1}).text) == []
        top.search_image(file=photo_of(catalog, 1), page=2)
        top.search_image(file=photo_of(catalog, 1), page=3)
    newer = http.get("/rows", params={"after": 1})
    assert (seqs(newer.text), newer.headers["x-last-seq"]) == ([3, 2], "3")
    assert seqs(http.get("/rows", params={"after": "x"}).text) == [3, 2, 1]


def test_filters_narrow_the_list(served: ThreadedServer, http: httpx.Client, catalog: Any) -> None:
    photo = photo_of(catalog, 4)
    with client(served) as top:
        top.search_image(file=photo)
    with client(served, "aop") as aop:
        aop.search_image(file=photo)  # upload, then search
    with client(served, app_key="shop_app_key", app_secret="wrong") as stranger:
        with pytest.raises(PailitaoError):
            stranger.search_image(file=photo)
    assert seqs(http.get("/").text) == [4, 3, 2, 1]
    assert seqs(http.get("/", params={"dialect": "aop"}).text) == [3, 2]
    assert seqs(http.get("/", params={"outcome": "error"}).text) == [4]
    assert seqs(http.get("/", params={"outcome": "ok"}).text) == [3, 2, 1]
    assert seqs(http.get("/", params={"app": "shop***key"}).text) == [4]
    search = "com.alibaba.fenxiao.crossborder:product.search.imageQuery"
    assert seqs(http.get("/", params={"api": search}).text) == [3]
    assert seqs(http.get("/rows", params={"after": 0, "dialect": "top"}).text) == [4, 1]
    assert seqs(http.get("/", params={"dialect": "nonsense"}).text) == [4, 3, 2, 1]


def test_a_search_shows_its_photo_beside_the_offers_it_returned(
    served: ThreadedServer, http: httpx.Client, catalog: Any
) -> None:
    photo = photo_of(catalog, 9)
    with client(served) as top:
        answer = top.search_image(file=photo, page=2, page_size=5)
    page = http.get("/requests/1")
    assert page.status_code == 200
    sha256 = hashlib.sha256(photo).hexdigest()
    assert f'src="/__fake__/ui/photos/{sha256}.jpg"' in page.text
    cards = re.findall(r'data-num-iid="(\d+)" data-rank="(\d+)"', page.text)
    assert cards == [(item.num_iid, str(rank)) for rank, item in enumerate(answer.items, 6)]
    distances = [int(d) for d in re.findall(r'class="distance"[^>]*>d (\d+)<', page.text)]
    assert len(distances) == 5
    assert distances == sorted(distances)  # relevance: nearest first
    assert f"page 2 × 5 of {answer.total_results:,}" in page.text
    assert "1688_items_search_img_response" in page.text  # the answer as sent


def test_a_refused_signature_shows_the_string_the_fake_signed(
    served: ThreadedServer, http: httpx.Client, catalog: Any
) -> None:
    with client(served, app_key="shop_app_key", app_secret="not-the-secret") as wrong:
        with pytest.raises(PailitaoError):
            wrong.search_image(file=photo_of(catalog, 1))
    page = http.get("/requests/1").text
    assert 'id="signature"' in page
    assert "the gateway computed MD5 over &#39;&lt;secret&gt;app_keyshop***key" in page
    assert "<th>sign_method</th><td><code>md5</code>" in page
    assert "The app secret is not the one the fake knows for this app key." in page
    assert "<th>sign</th>" not in page.split('id="signature"')[1].split("</section>")[0]


def test_no_secret_reaches_a_page(served: ThreadedServer, http: httpx.Client, catalog: Any) -> None:
    photo = photo_of(catalog, 1)
    for dialect in ("top", "aop", "reseller"):
        options = {"app_key": "shop_app_key", "app_secret": SECRET}
        if dialect == "aop":
            options["access_token"] = TOKEN
        with client(served, dialect, **options) as shop:
            shop.search_image(file=photo)
        with client(served, dialect, **{**options, "app_secret": SECRET[:-1] + "0"}) as wrong:
            with pytest.raises(PailitaoError):
                wrong.search_image(file=photo)
    pages = [http.get(path).text for path in ("/", "/rows?after=0", "/controls", "/catalog")]
    pages += [http.get(f"/requests/{n}").text for n in range(1, 11)]
    assert all("<h1>Call #" in page for page in pages[4:])
    for page in pages:
        assert SECRET not in page
        assert TOKEN not in page
        assert "shop_app_key" not in page  # masked, as in the journal


def test_a_call_no_longer_kept_is_a_404_page(http: httpx.Client) -> None:
    page = http.get("/requests/42")
    assert page.status_code == 404
    assert "Call #42 is not in the journal" in page.text


def test_the_catalog_pages_through_a_category(http: httpx.Client, catalog: Any) -> None:
    cat = catalog.offers[0].cat
    in_cat = [offer for offer in catalog.offers if offer.cat == cat]
    first = http.get("/catalog", params={"cat": cat})
    cards = re.findall(r'data-num-iid="(\d+)" data-rank="(\d+)"', first.text)
    assert cards == [(offer.num_iid, str(n)) for n, offer in enumerate(in_cat[:60], 1)]
    assert f"page 1 of {-(-len(in_cat) // 60)}" in first.text
    second = http.get("/catalog", params={"cat": cat, "page": 2})
    assert re.findall(r'data-num-iid="(\d+)"', second.text)[0] == in_cat[60].num_iid
    for name in catalog.categories.values():
        assert name in first.text
    assert http.get("/catalog", params={"page": "x"}).status_code == 200


def test_a_photo_sent_to_the_catalog_finds_its_own_offer_first_by_each_order(
    http: httpx.Client, catalog: Any
) -> None:
    offer = catalog.offers[11]
    data = base64.b64encode(catalog.image_bytes(offer)).decode()
    found = http.post("/search", json={"image": f"data:image/jpeg;base64,{data}"})
    assert found.status_code == 200
    orders = re.findall(r'data-sort="(\w+)"', found.text)
    assert orders == ["relevance", "price_asc", "price_desc", "sales_desc"]
    relevance = found.text.split('data-sort="price_asc"')[0]
    assert re.findall(r'data-num-iid="(\d+)"', relevance)[0] == offer.num_iid
    photo = hashlib.sha256(catalog.image_bytes(offer)).hexdigest()
    assert http.get(f"/photos/{photo}.jpg").headers["content-type"] == "image/jpeg"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{}", 'send {"image": "<the photo as base64>"}'),
        (b"not json", 'send {"image": "<the photo as base64>"}'),
        (b'{"image": 7}', 'send {"image": "<the photo as base64>"}'),
        (b'{"image": "bm90IGFuIGltYWdl"}', "the image cannot be decoded"),
        (b'{"image": "!!!"}', "base64"),
    ],
)
def test_a_bad_photo_sent_to_the_catalog_is_a_clear_error(
    http: httpx.Client, body: bytes, error: str
) -> None:
    answer = http.post("/search", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 400
    assert error in answer.json()["error"]


def test_thumbnails_are_made_once_and_cached_by_the_browser(
    served: ThreadedServer, http: httpx.Client, catalog: Any
) -> None:
    offer = catalog.offers[3]
    first = http.get(f"/offers/{offer.num_iid}.jpg")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=86400, immutable"
    assert first.headers["etag"] == f'"offer:{offer.num_iid}"'
    assert first.content.startswith(b"\xff\xd8")
    assert http.get(f"/offers/{offer.num_iid}.jpg").content == first.content
    assert http.get("/offers/nope.jpg").status_code == 404
    assert http.get(f"/photos/{'ab' * 32}.jpg").status_code == 404
    assert http.get("/photos/zz.jpg").status_code == 404


def test_the_controls_show_the_fault_plan_and_the_limits(
    served: ThreadedServer, http: httpx.Client
) -> None:
    with httpx.Client(base_url=served.url) as admin:
        admin.post("/__fake__/faults", json={"kind": "platform_error", "code": 10, "times": 2})
        admin.put("/__fake__/limits", json={"qps": 5, "app_key": DEMO_APP_KEY})
    page = http.get("/controls").text
    assert "<td>platform_error</td><td>any</td><td>1.0</td><td>2</td>" in page
    assert f"<tr><td>{DEMO_APP_KEY}</td><td>5</td><td>no limit</td></tr>" in page
    assert 'data-endpoint="/__fake__/faults" data-method="POST"' in page


def test_a_cross_site_post_is_refused_and_changes_nothing(
    served: ThreadedServer, http: httpx.Client, catalog: Any
) -> None:
    form = {"kind": "platform_error", "code": "10"}
    refused = httpx.post(
        served.url + "/__fake__/faults", data=form, headers={"origin": "http://evil.example"}
    )
    assert refused.status_code == 403
    data = base64.b64encode(photo_of(catalog, 1)).decode()
    search = http.post("/search", json={"image": data}, headers={"sec-fetch-site": "cross-site"})
    assert search.status_code == 403
    assert served.gateway.faults.rules() == []


def test_the_dashboard_follows_the_admin_guard(catalog: Any) -> None:
    from fake1688.server import AdminAccess

    with ThreadedServer(FakeGateway(catalog=catalog), admin=AdminAccess(token=TOKEN)) as server:
        plain = httpx.get(server.url + "/__fake__/ui/requests/3")
        assert (plain.status_code, plain.headers["location"]) == (
            303,
            "/__fake__/ui/login?next=/requests/3",
        )
        assert httpx.get(server.url + "/__fake__/ui/static/dashboard.css").status_code == 200
        endpoint = httpx.get(server.url + "/__fake__/requests")
        assert endpoint.status_code == 403
        assert "a browser: sign in at /__fake__/ui/login" in endpoint.json()["error"]
        allowed = httpx.get(
            server.url + "/__fake__/ui/", headers={"authorization": f"Bearer {TOKEN}"}
        )
        assert allowed.status_code == 200
        assert TOKEN not in allowed.text
    with ThreadedServer(FakeGateway(catalog=catalog), admin=None) as bare:
        assert httpx.get(bare.url + "/__fake__/ui/").status_code == 404


def test_signing_in_sets_a_cookie_the_admin_pages_take_as_the_token(catalog: Any) -> None:
    from fake1688.server import AdminAccess

    with (
        ThreadedServer(FakeGateway(catalog=catalog), admin=AdminAccess(token=TOKEN)) as server,
        httpx.Client(base_url=server.url) as browser,
    ):
        form = browser.get("/__fake__/ui/login", params={"next": "/catalog"})
        assert form.status_code == 200
        assert 'data-next="/__fake__/ui/catalog"' in form.text
        assert TOKEN not in form.text
        wrong = browser.post("/__fake__/ui/login", json={"token": "guess"})
        assert (wrong.status_code, wrong.json()) == (
            403,
            {"error": "that is not this fake's admin token"},
        )
        assert browser.post("/__fake__/ui/login", json={}).status_code == 400
        assert browser.get("/__fake__/ui/").status_code == 303
        right = browser.post("/__fake__/ui/login", json={"token": TOKEN})
        assert right.status_code == 204
        cookie = right.headers["set-cookie"]
        assert cookie.startswith(f"fake1688_admin={TOKEN}; HttpOnly; Path=/__fake__;")
        assert "SameSite=strict" in cookie
        assert browser.get("/__fake__/ui/").status_code == 200
        assert browser.get("/__fake__/faults").json() == {"seed": 0, "faults": []}
        form_post = browser.post(
            "/__fake__/faults", data={"kind": "latency"}, headers={"origin": "http://evil.test"}
        )
        assert form_post.status_code == 403
        guessed = httpx.get(server.url + "/__fake__/ui/", headers={"cookie": "fake1688_admin=x"})
        assert guessed.status_code == 403


def test_a_fake_without_token_needs_no_sign_in(http: httpx.Client) -> None:
    page = http.get("/login")
    assert "needs no sign-in" in page.text
    answer = http.post("/login", json={"token": "anything"})
    assert (answer.status_code, answer.json()["error"]) == (
        400,
        "this fake has no admin token: its dashboard needs no sign-in",
    )


def test_the_bare_address_leads_to_the_journal(served: ThreadedServer) -> None:
    answer = httpx.get(served.url + "/__fake__/ui", follow_redirects=True)
    assert (answer.status_code, answer.url.path) == (200, "/__fake__/ui/")


def test_the_journal_page_shows_every_call_the_journal_keeps(catalog: Any) -> None:
    # The journal's bound, small here; bench/bench_dashboard.py opens one of 1,000 calls.
    gateway = FakeGateway(catalog=catalog, journal_size=40)
    with ThreadedServer(gateway) as server, client(server) as top:
        for page in range(45):
            top.search_image(file=photo_of(catalog, 2), page=page % 9 + 1, page_size=1)
        html = httpx.get(server.url + "/__fake__/ui/").text
    assert seqs(html) == list(range(45, 5, -1))  # the newest 40, newest first
    assert "the fake keeps the last 40 calls" in html


def test_the_in_process_transport_says_where_the_dashboard_is(catalog: Any) -> None:
    gateway = FakeGateway(catalog=catalog)
    with httpx.Client(transport=gateway.transport(), base_url="http://fake1688.test") as http:
        answer = http.get("/__fake__/ui/requests/1")
    assert answer.status_code == 404
    assert answer.json()["error"] == (
        "the dashboard (/__fake__/ui/) is served over HTTP (fake1688 serve, ThreadedServer) "
        "and on FakeGateway.asgi_app, not by the in-process transports"
    )


def test_the_asgi_app_serves_the_dashboard(catalog: Any) -> None:
    gateway = FakeGateway(catalog=catalog)

    async def journal() -> str:
        transport = httpx.ASGITransport(app=gateway.asgi_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fake1688.test") as http:
            return (await http.get("/__fake__/ui/")).text

    assert "<h1>Journal</h1>" in asyncio.run(journal())


@pytest.mark.parametrize(
    "path", ["/__fake__/ui/static/../requests/1", "/__fake__/ui/static/%2e%2e/"]
)
def test_the_open_static_folder_leads_nowhere_else(catalog: Any, path: str) -> None:
    import http.client

    from fake1688.server import AdminAccess

    with ThreadedServer(FakeGateway(catalog=catalog), admin=AdminAccess(token=TOKEN)) as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", path)  # as sent: http.client leaves dot segments alone
        answer = connection.getresponse()
        body = answer.read()
        connection.close()
    assert answer.status == 404
    assert b"No such dashboard page (HTTP 404)" in body
    assert b"<h1>Journal" not in body


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("GET", "/static/nothing.js", 404), ("DELETE", "/", 405)],
)
def test_a_page_that_is_not_there_says_so(
    http: httpx.Client, method: str, path: str, status: int
) -> None:
    answer = http.request(method, path, headers={"content-type": "application/json"})
    assert answer.status_code == status
    assert f"No such dashboard page (HTTP {status})" in answer.text
