"""Debian's headless Chromium for the dashboard's browser tests, driven by Playwright.

``browser`` is one Chromium per test module, launched from
``/usr/bin/chromium``: Playwright never downloads a browser of its own, and
``make pytest`` installs Debian's ``chromium`` (``make chromium``). Without it
the fixtures fail, naming what to install; they never skip, so a suite that
lost its browser cannot pass by running none of its browser tests.

``page`` is a fresh page in a fresh context for each test. After the test it
saves a screenshot of what the page shows to
``artifacts/screenshots/<test>.png`` under the repository (git-ignored; CI
keeps ``artifacts/``) and names the file in the test's report (a
``screenshot`` section and ``user_properties``, so junit XML has it too).

The flags are the ones this kind of machine needs: without the
background-networking ones, Chromium tries Google's hosts at every start and a
closed network refuses them, many at a time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
#: Playwright adds --headless and a fresh --user-data-dir itself.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
#: Milliseconds a page action or expectation waits before failing: pages here are local.
TIMEOUT_MS = 5_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, launched once per module (sync Playwright API).

    Playwright's sync API runs an asyncio event loop in this thread for as long
    as it is open: kept for the session, it would break every later test of the
    same worker that starts a loop of its own (``asyncio.run``, pytest-asyncio).
    """
    require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run `make install`", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS)
        )
        yield chromium
        chromium.close()


def require_chromium(path: Path = CHROMIUM) -> None:
    """Fail the test, saying what to install, when Chromium is not at ``path``."""
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: `make pytest` installs it (as root on Debian), "
            "or run `apt-get install chromium chromium-driver`",
            pytrace=False,
        )


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in a fresh browser context; its screenshot is saved after the test."""
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        _save_screenshot(tab, request.node)
        context.close()


def screenshot_path(nodeid: str) -> Path:
    """Where the screenshot of the test ``nodeid`` goes: one file name, safe on any disk."""
    name = re.sub(r"[^\w.\[\]-]+", "_", nodeid.removeprefix("tests/")).strip("_")
    return SCREENSHOTS / f"{name[:200]}.png"


def _save_screenshot(tab: Page, node: pytest.Item) -> None:
    from playwright.sync_api import Error

    path = screenshot_path(node.nodeid)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        tab.screenshot(path=path, full_page=True)
    except Error as error:  # a crashed or closed page: say so, keep the test's own outcome
        note = f"no screenshot: {error.message.splitlines()[0]}"
    else:
        note = f"screenshot saved to {path}"
        node.user_properties.append(("screenshot", str(path)))
    node.add_report_section("teardown", "screenshot", note)
