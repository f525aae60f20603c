"""Soak: 16 concurrent clients, 20,000 signed searches and uploads against ``fake1688 serve``.

The server is a subprocess on a free 127.0.0.1 port: one process with its state in
memory, or with ``--redis`` its state in a redis-server started on a free port
(persistence off) and ``--workers N`` processes. Three searches for every upload,
by base64 catalog photos: searches cycle through 600 photos, uploads through 1,200
(more than the upload store's 1,000 images, so its LRU bound evicts all along).
Every answer must be a success; any error or exception is counted and fails the run.

Resident memory (VmRSS from /proc) of each worker is read when the server is
ready, after a warm-up (the first 1,000 calls: lazy imports, first caches), every
4,000 calls and at the end; the goal is growth under 20 MB from the warm-up to the end, summed
over the workers. With ``--redis``, Redis's ``used_memory`` is read at the same
points, and its uploads and journal are counted against their bounds at the end.
The run is bounded in count and in time (it stops after ``TIME_LIMIT`` seconds
whatever happens).

Not a test: ``.venv/bin/python bench/bench_soak.py [CALLS] [--redis] [--workers N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter

from _servers import RedisServer, Server, fake_server, rss_kib
from bench_http import cpu_seconds
from fake1688 import Catalog

from pailitao import AsyncPailitaoClient, PailitaoError, RetryPolicy, ServerError

CLIENTS = 16
WARM_UP = 1_000
TIME_LIMIT = 600.0
GOAL_MB = 20.0
#: Memory is also read every so many calls, to see whether it levels off.
SAMPLE_EVERY = 4_000
#: Seconds between one client's first call and the next's.
STAGGER = 0.05
PAGE_SIZE = 20
#: The fake's busy answer (TOP 10): more images to decode than a worker's threads and queue
#: hold (fake1688.http.asgi: 2 + 6), the platform's back-pressure, which clients retry.
BUSY = "the fake gateway is decoding as many images as it can"
BUSY_OUTCOME = "busy (10 isp.service-unavailable): back-pressure, intended"
SEARCH_PHOTOS = 600
#: More than the upload store keeps (UploadLimits.max_images, 1,000).
UPLOAD_PHOTOS = 1_200
#: Redis's bounds: the upload store's (images, bytes) and the journal's entries.
MAX_UPLOADS, MAX_UPLOAD_BYTES, JOURNAL_SIZE = 1_000, 64 * 1024 * 1024, 1_000


class Soak:
    """Shared state of the run: the next call number, outcomes, memory readings."""

    def __init__(
        self, server: Server, redis: RedisServer | None, total: int, photos: list[bytes]
    ) -> None:
        self.server, self.redis, self.total, self.photos = server, redis, total, photos
        self.workers = server.workers()
        self.next = 0
        self.outcomes: Counter[str] = Counter()
        self.rss: dict[str, list[int]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.redis_memory: dict[str, int] = {}
        self.read_memory("ready")
        self.deadline = time.monotonic() + TIME_LIMIT

    def read_memory(self, when: str) -> None:
        self.rss[when] = [rss_kib(pid) for pid in self.workers]
        self.cpu[when] = [cpu_seconds(pid) for pid in self.workers]
        if self.redis is not None:
            self.redis_memory[when] = self.redis.info("memory")["used_memory"]

    def take(self) -> int | None:
        if self.next >= self.total or time.monotonic() > self.deadline:
            return None
        self.next += 1
        if self.next == WARM_UP:
            self.read_memory("warm")
        elif self.next % SAMPLE_EVERY == 0:
            self.read_memory(f"{self.next // 1000}k")
        return self.next


async def worker(soak: Soak, start_after: float) -> None:
    # Clients connect one by one, as a team's do.
    await asyncio.sleep(start_after)
    client = AsyncPailitaoClient(
        app_key="test_app_key",
        app_secret="test_app_secret",  # noqa: S106 - the fake's published demo secret
        base_url=soak.server.url,
        retry=RetryPolicy.disabled(),  # any error is counted here
        timeout=30.0,
    )
    async with client:
        while (number := soak.take()) is not None:
            try:
                soak.outcomes[await call(client, soak.photos, number)] += 1
            except ServerError as error:
                busy = error.code == 10 and BUSY in (error.sub_msg or "")
                soak.outcomes[BUSY_OUTCOME if busy else f"ServerError: {str(error)[:80]}"] += 1
            except PailitaoError as error:
                soak.outcomes[f"{type(error).__name__}: {str(error)[:80]}"] += 1


async def call(client: AsyncPailitaoClient, photos: list[bytes], number: int) -> str:
    """Call number ``number``: an upload, or a search; returns its outcome."""
    if number % 4 == 0:
        await client.upload_image(photos[number // 4 % UPLOAD_PHOTOS])
        return "upload ok"
    page_number = 1 + number % 3
    page = await client.search_image(file=photos[number % SEARCH_PHOTOS], page=page_number)
    if page.items or page.total_results <= (page_number - 1) * PAGE_SIZE:
        return "search ok"  # an empty page past the photo's matches is right too
    return "search empty"


async def run(total: int, redis: bool, workers: int) -> int:
    catalog = Catalog.default(0)
    photos = [catalog.image_bytes(offer) for offer in catalog.offers[:UPLOAD_PHOTOS]]
    store = RedisServer() if redis else None
    options = ["--workers", str(workers)]
    server = fake_server(*options, *(["--state", store.url] if store else []))
    try:
        soak = Soak(server, store, total, photos)
        started = time.perf_counter()
        await asyncio.gather(*(worker(soak, client * STAGGER) for client in range(CLIENTS)))
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.2)  # the journal's last batch reaches Redis
        soak.read_memory("end")
        bounds = redis_bounds(store) if store else ""
    finally:
        err = server.stop()
        if store is not None:
            store.kill()
    return report(soak, elapsed, err, bounds)


def redis_bounds(redis: RedisServer) -> str:
    """What Redis holds at the end against the fake's bounds."""
    import redis as redis_py  # noqa: PLC0415 - the shared-state extra

    with redis_py.Redis.from_url(redis.url) as client:
        images = client.zcard("fake1688:up:lru")
        stored = int(client.get("fake1688:up:bytes") or 0)
        journal = client.xlen("fake1688:journal")
        keys = client.dbsize()
    return (
        f"Redis holds {images:,} uploads (bound {MAX_UPLOADS:,}), {stored / 2**20:.1f} MB of "
        f"them (bound {MAX_UPLOAD_BYTES / 2**20:.0f}), {journal:,} journal entries "
        f"(bound {JOURNAL_SIZE:,}), {keys:,} keys"
    )


def report(soak: Soak, elapsed: float, err: str, bounds: str) -> int:
    done = sum(soak.outcomes.values())
    where = f"{len(soak.workers)} worker(s), state in {'Redis' if soak.redis else 'memory'}"
    print(
        f"{done:,} calls by {CLIENTS} clients in {elapsed:.1f} s ({done / elapsed:,.0f}/s), {where}"
    )
    for outcome, count in soak.outcomes.most_common():
        print(f"  {count:7,}  {outcome}")
    mb = {when: [kib / 1024 for kib in readings] for when, readings in soak.rss.items()}
    for index, _ in enumerate(soak.workers):
        ready, warm, end = (mb[when][index] for when in ("ready", "warm", "end"))
        print(
            f"VmRSS worker {index + 1}: ready {ready:.1f} MB, after {WARM_UP:,} calls "
            f"{warm:.1f} MB, end {end:.1f} MB ({end - warm:+.1f} after warm-up)"
        )
    used = [end - ready for end, ready in zip(soak.cpu["end"], soak.cpu["ready"], strict=True)]
    shares = ", ".join(f"{seconds:.1f} s" for seconds in used)
    print(f"CPU of each worker during the run (how the calls spread): {shares}")
    growth = sum(mb["end"]) - sum(mb["warm"])
    since = sum(mb["end"]) - sum(mb["ready"])
    print(
        f"growth after warm-up, workers summed {growth:+.1f} MB (goal < {GOAL_MB:g}), "
        f"since ready {since:+.1f}"
    )
    series = ", ".join(f"{when} {sum(readings):.0f}" for when, readings in mb.items())
    print(f"VmRSS of the workers summed (MB) by calls: {series}")
    if soak.redis is not None:
        redis_mb = {when: value / 2**20 for when, value in soak.redis_memory.items()}
        print(
            f"Redis used_memory: ready {redis_mb['ready']:.1f} MB, after {WARM_UP:,} calls "
            f"{redis_mb['warm']:.1f} MB, end {redis_mb['end']:.1f} MB; {bounds}"
        )
        series = ", ".join(f"{when} {value:.1f}" for when, value in redis_mb.items())
        print(f"Redis used_memory (MB) by calls: {series}")
    intended = soak.outcomes["search ok"] + soak.outcomes["upload ok"] + soak.outcomes[BUSY_OUTCOME]
    errors = done - intended
    noisy = [line for line in err.splitlines() if "Traceback" in line or "ERROR" in line]
    print(f"unintended errors: {errors}; server error log lines: {len(noisy)}")
    ok = errors == 0 and not noisy and growth < GOAL_MB and done == soak.total
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("calls", nargs="?", type=int, default=20_000)
    parser.add_argument("--redis", action="store_true", help="state in a redis-server")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (needs --redis)")
    args = parser.parse_args()
    if args.workers > 1 and not args.redis:
        parser.error("--workers N > 1 needs --redis")
    return asyncio.run(run(args.calls, args.redis, args.workers))


if __name__ == "__main__":
    sys.exit(main())
