"""The screenshots on docs/guides/dashboard.md: the dashboard of a seeded fake, as Chromium shows it.

The fake and its clients run on a clock that stands still, so every call, time,
request id and photo is the same on every run; how long each call took is
masked. The test takes each screenshot
and compares it with the committed PNG: another font build may draw a glyph a
pixel apart, but a different call, photo or layout anywhere (0.5% of the
picture) fails. After a change to the pages, write them again with
``PAILITAO_WRITE_DOCS_PICTURES=1 pytest tests/fake1688/ui/test_docs_screenshots.py``
and look at them before committing them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from fake1688 import FakeGateway, photo
from fake1688.server import ThreadedServer
from PIL import Image

from pailitao import PailitaoClient, RetryPolicy
from pailitao.errors import PailitaoError
from pailitao.wire import DEMO_ACCESS_TOKEN, DEMO_APP_KEY, DEMO_APP_SECRET

if TYPE_CHECKING:
    from playwright.sync_api import Page

PICTURES = Path(__file__).parents[3] / "docs" / "guides" / "img"
#: 2025-11-28 11:20:00 GMT+8, as the fake's other tests.
NOW = 1_764_300_000.0
VIEWPORT = {"width": 1200, "height": 900}


@pytest.fixture(scope="module")
def seeded(catalog: Any) -> Iterator[ThreadedServer]:
    """A fake that has answered a few calls of each kind, all at ``NOW``."""
    gateway = FakeGateway(catalog=catalog, clock=lambda: NOW)
    with ThreadedServer(gateway) as server:
        sneaker = photo("white sneakers", "black", seed="docs")
        options: dict[str, Any] = {"retry": RetryPolicy.disabled(), "clock": lambda: NOW}
        with PailitaoClient(
            app_key=DEMO_APP_KEY, app_secret=DEMO_APP_SECRET, base_url=server.base_url, **options
        ) as top:
            top.search_image(file=sneaker, page_size=10)
            top.search_image(file=sneaker, page=2, page_size=10)
        with PailitaoClient(
            app_key=DEMO_APP_KEY,
            app_secret=DEMO_APP_SECRET,
            dialect="aop",
            access_token=DEMO_ACCESS_TOKEN,
            base_url=server.url + "/openapi",
            **options,
        ) as aop:
            aop.search_image(file=photo("mug", "pink", seed="docs"), sort="price_asc")
        with PailitaoClient(
            app_key=DEMO_APP_KEY, app_secret="a-wrong-secret", base_url=server.base_url, **options
        ) as wrong:
            with pytest.raises(PailitaoError):
                wrong.search_image(file=sneaker)
        gateway.faults.next(1, "platform_error", code=10)
        with PailitaoClient(
            app_key=DEMO_APP_KEY, app_secret=DEMO_APP_SECRET, base_url=server.base_url, **options
        ) as top:
            with pytest.raises(PailitaoError):
                top.search_image(file=sneaker)
        yield server


SHOTS = {
    "dashboard-journal.png": "/",
    "dashboard-call.png": "/requests/1",
    "dashboard-signature.png": "/requests/5#signature",
    "dashboard-catalog.png": "/catalog",
    "dashboard-search-by-photo.png": "/catalog",
}


@pytest.mark.parametrize("name", SHOTS)
def test_the_dashboard_page_looks_as_the_docs_show_it(
    page: Page, seeded: ThreadedServer, name: str
) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{seeded.url}/__fake__/ui{SHOTS[name]}")
    page.wait_for_function("!document.querySelector('td[data-photo]:empty')")  # rows' photos
    page.wait_for_function("[...document.images].every(image => image.complete)")
    if name == "dashboard-signature.png":
        page.eval_on_selector("#signature", "section => section.scrollIntoView()")
    if name == "dashboard-search-by-photo.png":
        query = photo("backpack", "red", seed="docs")
        page.set_input_files(
            "#photo-file", files=[{"name": "bag.jpg", "mimeType": "image/jpeg", "buffer": query}]
        )
        page.wait_for_selector("#results .card")
        page.wait_for_function("[...document.images].every(image => image.complete)")
        page.eval_on_selector("#drop", "section => section.scrollIntoView()")
    # How long each call took is the one thing that differs from run to run: masked.
    took = page.locator("td.num, dd.took")
    fresh = Image.open(io.BytesIO(page.screenshot(mask=[took], mask_color="#eef1f4"))).convert(
        "RGB"
    )
    path = PICTURES / name
    if os.environ.get("PAILITAO_WRITE_DOCS_PICTURES"):
        PICTURES.mkdir(parents=True, exist_ok=True)
        fresh.save(path, optimize=True)
    committed = Image.open(path).convert("RGB")
    assert committed.size == fresh.size
    difference = np.abs(np.asarray(committed, np.int16) - np.asarray(fresh, np.int16))
    unlike = (difference.max(axis=2) > 48).mean()
    assert unlike < 0.005, f"{path} is stale ({unlike:.1%} unlike): write it again"
