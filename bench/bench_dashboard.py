"""The dashboard's journal page with 1,000 calls, in Debian's headless Chromium.

``fake1688 serve`` runs as a subprocess on a free 127.0.0.1 port and answers
1,000 signed searches by a handful of catalog photos (the journal's default
size), some of them refused. Then Chromium opens ``/__fake__/ui/`` ROUNDS
times, each in a fresh context (an empty cache, as a first visit), and the
browser's own Navigation Timing says how long the page took: the HTML's
response (``responseEnd``), the document parsed (``domContentLoadedEventEnd``)
the page loaded (``loadEventEnd``), and the rows on screen showing their
photos (the page adds a row's photo once the row is seen), in ms from the
navigation's start. The goal is the photos on screen under 1 s.

Not a test: ``.venv/bin/python bench/bench_dashboard.py [ROUNDS]``.
"""

from __future__ import annotations

import statistics
import sys

import httpx
from _servers import fake_server
from bench_http import signed_search_body
from playwright.sync_api import sync_playwright

CALLS = 1_000
CHROMIUM = "/usr/bin/chromium"
#: As tests/fake1688/ui/browser.py launches it (Playwright adds --headless).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMING = """() => {
    const [n] = performance.getEntriesByType("navigation");
    return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd, window.photosShown];
}"""
#: When every row on screen shows its photo (the page adds them once the rows are seen).
PHOTOS_SHOWN = """() => {
    const cells = document.querySelectorAll("td[data-photo]");
    const shown = [...document.images].filter((image) => image.complete);
    if (document.querySelectorAll("td[data-photo]:empty").length === cells.length) return false;
    if (shown.length < document.images.length) return false;
    window.photosShown = window.photosShown || performance.now();
    return true;
}"""


def main(rounds: int = 7) -> None:
    server = fake_server()
    try:
        search = signed_search_body("image")
        with httpx.Client() as http:
            for n in range(CALLS):
                body = search if n % 10 else search.replace(b"sign=", b"sign=0")  # 10% refused
                http.post(server.url, content=body, headers=_FORM)
        timings = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for _ in range(rounds):
                context = browser.new_context()
                page = context.new_page()
                page.goto(server.root + "/__fake__/ui/", wait_until="load")
                page.wait_for_function(PHOTOS_SHOWN, polling="raf")
                rows = page.locator("#journal tbody tr").count()
                assert rows == CALLS, f"{rows} rows"
                timings.append(page.evaluate(TIMING))
                context.close()
            browser.close()
    finally:
        server.stop()
    html, parsed, loaded, photos = (statistics.median(c) for c in zip(*timings, strict=True))
    print(f"journal page with {CALLS:,} calls, Chromium, {rounds} first visits (medians)")
    print(f"  HTML received {html:6.0f} ms")
    print(f"  DOM parsed    {parsed:6.0f} ms")
    print(f"  loaded        {loaded:6.0f} ms   (worst {max(t[2] for t in timings):.0f} ms)")
    print(f"  photos shown  {photos:6.0f} ms   (worst {max(t[3] for t in timings):.0f} ms)")
    print("goal: loaded, with the photos on screen, under 1,000 ms")


_FORM = {"content-type": "application/x-www-form-urlencoded"}

if __name__ == "__main__":
    main(*map(int, sys.argv[1:2]))
