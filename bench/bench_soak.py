"""Soak: 16 concurrent clients, 20,000 signed searches and uploads against ``fake1688 serve``.

The server is a subprocess on a free 127.0.0.1 port. Three searches for every
upload, by base64 catalog photos (several hundred distinct images, so the
upload store and the search caches fill towards their bounds). Every answer
must be a success; any error or exception is counted and fails the run.
Resident memory (VmRSS from /proc) is read when the server is ready, after a
warm-up (the first 1,000 calls: lazy imports, first caches), and at the end;
the goal is growth under 20 MB from the warm-up to the end. The run is bounded
in count and in time (it stops after ``TIME_LIMIT`` seconds whatever happens).

Not a test: ``.venv/bin/python bench/bench_soak.py [CALLS]``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter

from _servers import Server, fake_server
from fake1688 import Catalog

from pailitao import AsyncPailitaoClient, PailitaoError, RetryPolicy

CLIENTS = 16
WARM_UP = 1_000
TIME_LIMIT = 600.0
GOAL_MB = 20.0


class Soak:
    """Shared state of the run: the next call number, outcomes, memory readings."""

    def __init__(self, server: Server, total: int, photos: list[bytes]) -> None:
        self.server, self.total, self.photos = server, total, photos
        self.next = 0
        self.outcomes: Counter[str] = Counter()
        self.rss: dict[str, int] = {"ready": server.rss_kib()}
        self.deadline = time.monotonic() + TIME_LIMIT

    def take(self) -> int | None:
        if self.next >= self.total or time.monotonic() > self.deadline:
            return None
        self.next += 1
        if self.next == WARM_UP:
            self.rss["warm"] = self.server.rss_kib()
        return self.next


async def worker(soak: Soak) -> None:
    client = AsyncPailitaoClient(
        app_key="test_app_key",
        app_secret="test_app_secret",  # noqa: S106 - the fake's published demo secret
        base_url=soak.server.url,
        retry=RetryPolicy.disabled(),  # any error is an error here
        timeout=30.0,
    )
    async with client:
        while (number := soak.take()) is not None:
            photo = soak.photos[number % len(soak.photos)]
            try:
                if number % 4 == 0:
                    await client.upload_image(photo)
                    soak.outcomes["upload ok"] += 1
                else:
                    page = await client.search_image(file=photo, page=1 + number % 3)
                    soak.outcomes["search ok" if page.items else "search empty"] += 1
            except PailitaoError as error:
                soak.outcomes[f"{type(error).__name__}: {str(error)[:80]}"] += 1


async def run(total: int) -> int:
    catalog = Catalog.default(0)
    photos = [catalog.image_bytes(offer) for offer in catalog.offers[:600]]
    server = fake_server()
    try:
        soak = Soak(server, total, photos)
        started = time.perf_counter()
        await asyncio.gather(*(worker(soak) for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - started
        soak.rss["end"] = server.rss_kib()
    finally:
        err = server.stop()
    return report(soak, elapsed, err)


def report(soak: Soak, elapsed: float, err: str) -> int:
    done = sum(soak.outcomes.values())
    print(f"{done:,} calls by {CLIENTS} clients in {elapsed:.1f} s ({done / elapsed:,.0f}/s)")
    for outcome, count in soak.outcomes.most_common():
        print(f"  {count:7,}  {outcome}")
    ready, warm, end = (soak.rss.get(key, 0) / 1024 for key in ("ready", "warm", "end"))
    growth = end - warm
    print(f"VmRSS: ready {ready:.1f} MB, after {WARM_UP:,} calls {warm:.1f} MB, end {end:.1f} MB")
    since = end - ready
    print(f"growth after warm-up {growth:+.1f} MB (goal < {GOAL_MB:g}), since ready {since:+.1f}")
    errors = done - soak.outcomes["search ok"] - soak.outcomes["upload ok"]
    noisy = [line for line in err.splitlines() if "Traceback" in line or "ERROR" in line]
    print(f"unintended errors: {errors}; server error log lines: {len(noisy)}")
    ok = errors == 0 and not noisy and growth < GOAL_MB and done == soak.total
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)))
