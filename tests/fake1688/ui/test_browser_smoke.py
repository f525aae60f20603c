"""The browser fixtures work: Debian's Chromium opens a page the fake serves and shows it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from fake1688 import FakeGateway
from fake1688.server import ThreadedServer
from PIL import Image

from .browser import SCREENSHOTS, require_chromium, screenshot_path

if TYPE_CHECKING:
    from fake1688 import Catalog
    from playwright.sync_api import Page


def test_chromium_shows_the_fakes_openapi_document_and_a_catalog_photo(
    page: Page, catalog: Catalog
) -> None:
    offer = catalog.offers[0]
    with ThreadedServer(FakeGateway(catalog=catalog)) as server:
        page.goto(f"{server.url}/openapi.json")
        assert '"openapi":' in page.inner_text("body")
        photo = server.url + urlsplit(offer.pic_url).path  # the fake serves it at its path
        page.set_content(f'<h1>offer {offer.num_iid}</h1><img src="{photo}">')
        page.wait_for_function("document.images[0].complete")
        width = page.eval_on_selector("img", "img => img.naturalWidth")
    assert width == Image.open(io.BytesIO(catalog.image_bytes(offer))).width
    assert page.inner_text("h1") == f"offer {offer.num_iid}"


def test_a_screenshot_has_one_safe_file_name_per_test() -> None:
    path = screenshot_path("tests/fake1688/ui/test_x.py::test_y[top-a/b c]")
    assert path == SCREENSHOTS / "fake1688_ui_test_x.py_test_y[top-a_b_c].png"


def test_a_missing_chromium_fails_the_test_saying_what_to_install(tmp_path: Path) -> None:
    missing = tmp_path / "chromium"
    with pytest.raises(pytest.fail.Exception) as failed:
        require_chromium(missing)
    assert str(failed.value) == (
        f"{missing} is missing: `make pytest` installs it (as root on Debian), "
        "or run `apt-get install chromium chromium-driver`"
    )
