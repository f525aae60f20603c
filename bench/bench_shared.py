"""Throughput of ``fake1688 serve`` with its state in Redis, against one process in memory.

Three servers take turns under the same ``wrk`` load (16 connections, one thread,
the signed search by ``imgid`` of ``bench_http.py``): one worker with its state in
memory, one worker with ``--state redis://…``, and ``--workers 2`` with that state.
A redis-server (Debian's) runs on a free loopback port, persistence off. Each round
gives every server ``SECONDS``; the figures are medians over ``ROUNDS`` rounds, with
each server's CPU per request (its workers summed, from ``/proc``), wrk's, Redis's and
the whole machine's (``/proc/stat``): on a machine whose cores are all busy the workers
cannot go faster, whatever they cost.

Goals (issue 19): 2 workers with Redis >= 1.6x 1 worker in memory; 1 worker with
Redis >= 0.8x. On a 2-core machine wrk and redis-server share the cores with the
workers, so the 2-worker figure says as much about the machine as about the fake.

``upload`` searches by the imgid of an uploaded photo instead of a catalog photo's
(uploaded to each server first; its imgid is the same everywhere): with Redis, each
such search reads the upload store in Redis.

Not a test: ``.venv/bin/python bench/bench_shared.py [SECONDS [ROUNDS [catalog|upload]]]``
(default 5 5 catalog).
"""

from __future__ import annotations

import base64
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import httpx
from _servers import RedisServer, Server, fake_command
from bench_http import cpu_seconds, signed_search_body, wrk, wrk_script
from fake1688 import Catalog

from pailitao.wire import signing


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores, from /proc/stat)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """CPU seconds of this process's finished children (each wrk run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Rounds:
    """One server's rounds: requests per second and CPU per request, by whom (µs)."""

    def __init__(self) -> None:
        self.rates: list[float] = []
        self.cpu: dict[str, list[float]] = {"workers": [], "wrk": [], "redis": [], "machine": []}

    def median(self, what: str) -> float:
        return statistics.median(self.cpu[what])


def one_round(server: Server, redis: RedisServer, script: Path, seconds: int, into: Rounds) -> None:
    pids = server.workers()
    before = [sum(cpu_seconds(pid) for pid in pids), children_cpu_seconds(),
              cpu_seconds(redis.pid), machine_busy_seconds()]  # fmt: skip
    done = wrk(server.url, script, seconds)
    after = [sum(cpu_seconds(pid) for pid in pids), children_cpu_seconds(),
             cpu_seconds(redis.pid), machine_busy_seconds()]  # fmt: skip
    into.rates.append(done / seconds)
    for what, old, new in zip(into.cpu, before, after, strict=True):
        into.cpu[what].append((new - old) / done * 1e6)


_PHOTOS = {"catalog": "a catalog photo", "upload": "an uploaded photo"}


def signed(**params: str) -> dict[str, str]:
    system = {"app_key": "test_app_key", "timestamp": signing.format_timestamp(), "v": "2.0",
              "format": "json", "sign_method": "md5"}  # fmt: skip
    signed = {**system, **params}
    signed["sign"] = signing.sign(signed, "test_app_secret")
    return signed


def uploaded_search_body(servers: list[Server]) -> bytes:
    """A signed search by the imgid of a catalog photo uploaded to each server."""
    catalog = Catalog.default(0)
    image = base64.b64encode(catalog.image_bytes(catalog.offers[7])).decode("ascii")
    for server in servers:
        answer = httpx.post(server.url, data=signed(method="1688.upload.img", image=image))
        imgid = answer.json()["1688_upload_img_response"]["items"]["item"]["name"]
    return urlencode(signed(method="1688.items.search.img", imgid=imgid, page_size="20")).encode()


def main(seconds: int = 5, rounds: int = 5, *, source: str = "catalog") -> None:
    redis = RedisServer()
    servers = {
        "1 worker, memory": Server(fake_command()),
        "1 worker, Redis": Server(fake_command("--state", redis.url)),
        "2 workers, Redis": Server(fake_command("--state", redis.url, "--workers", "2")),
    }
    results = {name: Rounds() for name in servers}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            body = (
                uploaded_search_body(list(servers.values()))
                if source == "upload"
                else signed_search_body("imgid")
            )
            script = wrk_script(body, Path(tmp) / "search")
            for server in servers.values():  # warm-up: caches, first connections
                wrk(server.url, script, 1)
            for _ in range(rounds):
                for name, server in servers.items():
                    one_round(server, redis, script, seconds, results[name])
    finally:
        for server in servers.values():
            server.stop()
        redis.kill()
    report(results, seconds, rounds, source)


def report(results: dict[str, Rounds], seconds: int, rounds: int, source: str) -> None:
    base = statistics.median(results["1 worker, memory"].rates)
    cores = os.cpu_count() or 1
    print(
        f"wrk -t1 -c16, search by the imgid of {_PHOTOS[source]}, "
        f"{rounds} rounds of {seconds} s (medians)"
    )
    for name, result in results.items():
        rate = statistics.median(result.rates)
        workers, wrk_cpu, redis_cpu, machine = map(result.median, result.cpu)
        print(
            f"  {name:<17} {rate:>8,.0f} req/s  {rate / base:5.2f}x  "
            f"{workers:4.0f} µs of worker CPU a request"
        )
        print(
            f"  {'':<17} machine busy {machine * rate / 1e6:4.2f} of {cores} cores, "
            f"{machine:4.0f} µs a request: wrk {wrk_cpu:.0f}, redis-server {redis_cpu:.0f}, "
            f"the kernel and other processes {machine - workers - wrk_cpu - redis_cpu:.0f}"
        )
    print("goals: 1 worker with Redis >= 0.80x, 2 workers with Redis >= 1.60x")
    budget = cores * 1e6 / (1.6 * base)
    print(
        f"1.60x is {1.6 * base:,.0f} req/s: {budget:.0f} µs of this machine's CPU a request "
        "for the workers, wrk, redis-server and the kernel together"
    )


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:3]]
    main(*numbers, source=sys.argv[3] if len(sys.argv) > 3 else "catalog")
