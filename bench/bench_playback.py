"""Playback over HTTP: ``pailitao cassettes serve`` against ``fake1688 serve``, same searches.

``SEARCHES`` TOP searches by ``imgid`` (one per catalog offer, 20 a page) are
recorded once through ``pailitao cassettes record`` from ``fake1688 serve``;
then one client (httpx, one keep-alive connection) sends the same searches,
freshly signed, to ``fake1688 serve`` and to ``pailitao cassettes serve`` over
that cassette, in turns, ``ROUNDS`` rounds each. Each round's time is for all
the searches; the median per search and the ratio of the medians are printed.
Every replayed body is checked against the recorded one first.
Goal: playback within 2x of the fake (ratio <= 2).

Not a test: ``.venv/bin/python bench/bench_playback.py [SEARCHES [ROUNDS]]`` (default 100 7).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
from _servers import fake_server
from fake1688 import Catalog

from pailitao.wire import signing

GOAL = 2.0
PAILITAO = [sys.executable, "-c", "import sys; from pailitao.cli import main; sys.exit(main())"]


def bodies(count: int) -> list[bytes]:
    """Signed searches by the photos of the first ``count`` offers (fresh timestamps)."""
    offers = Catalog.default(0).offers[:count]
    found = []
    for offer in offers:
        params = {
            "method": "1688.items.search.img",
            "app_key": "test_app_key",
            "timestamp": signing.format_timestamp(),
            "v": "2.0",
            "format": "json",
            "sign_method": "md5",
            "page_size": "20",
            "imgid": offer.pic_url,
        }
        params["sign"] = signing.sign(params, "test_app_secret", "md5")
        found.append(urlencode(params).encode())
    return found


class Pailitao:
    """A ``pailitao cassettes`` server subprocess; its first line ends with its URL."""

    def __init__(self, *argv: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [*PAILITAO, "cassettes", *argv], stdout=subprocess.PIPE, text=True, env=env
        )
        assert self.process.stdout is not None
        self.root = self.process.stdout.readline().split()[-1]

    def stop(self) -> None:
        self.process.send_signal(2)
        self.process.communicate(timeout=20)


def send(client: httpx.Client, root: str, searches: list[bytes]) -> list[bytes]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    url = f"{root}/openapi/router/rest"
    return [client.post(url, content=body, headers=headers).content for body in searches]


def timed(client: httpx.Client, root: str, searches: list[bytes]) -> float:
    start = time.perf_counter()
    send(client, root, searches)
    return time.perf_counter() - start


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    fake = fake_server()
    with tempfile.TemporaryDirectory() as folder, httpx.Client(timeout=60) as client:
        proxy = Pailitao("record", folder, "--upstream", fake.root)
        recorded = send(client, proxy.root, bodies(count))
        proxy.stop()
        player = Pailitao("serve", folder)
        try:
            assert send(client, player.root, bodies(count)) == recorded, "replay differs"
            fake_times, play_times = [], []
            for _ in range(rounds):
                fake_times.append(timed(client, fake.root, bodies(count)))
                play_times.append(timed(client, player.root, bodies(count)))
        finally:
            player.stop()
            fake.stop()
    fake_ms = statistics.median(fake_times) / count * 1000
    play_ms = statistics.median(play_times) / count * 1000
    ratio = play_ms / fake_ms
    size = sum(len(body) for body in recorded) / count
    print(f"{count} searches by imgid, answers of {size:,.0f} bytes on average, {rounds} rounds")
    print(f"fake1688 serve:           {fake_ms:6.2f} ms per search (median round)")
    print(f"pailitao cassettes serve: {play_ms:6.2f} ms per search (median round)")
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(f"playback / fake: {ratio:.2f}x  ({verdict} the goal of <= {GOAL:.0f}x)")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
