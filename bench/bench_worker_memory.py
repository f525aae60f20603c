"""What each worker of ``fake1688 serve`` costs in memory with a 100,000-offer catalog,
and whether forked workers share the catalog.

Writes a catalog file of ``--offers`` generated offers (``vocab.generate``, the
default catalog's generator, seed 1) with synthetic fingerprints shaped like a
catalog's (``bench_similarity.synthetic_table``): drawing and hashing 100,000 photos
would take a quarter of an hour, and what a fingerprint weighs does not depend on its
bits. Photos are drawn on demand, as for the default catalog. Then, for each
server, ``fake1688 serve --catalog FILE`` with one process in memory, and
``--workers 2 --state redis://…`` (a redis-server on a free port):

* the time from the command to its first answer;
* each process's memory from ``/proc/PID/smaps_rollup`` when it is ready and after
  ``SECONDS`` of ``wrk`` load (16 connections) searching by the imgids of ``QUERIES``
  offers spread over the catalog: RSS, PSS (each shared page divided among the
  processes that map it) and USS (the pages only this process holds).

A forked worker that shares its parent's catalog has a PSS well under its RSS and a
USS of what it allocated itself. CPython writes to every object it touches (its
reference count), so the catalog keeps no Python object per offer
(``fake1688.catalog.table``) and a search reads its arrays. Last, the script forks
children of a process holding the catalog, settled as ``fake1688 serve`` settles it
before forking, and measures what each way of reading the offers copies.

Not a test: ``.venv/bin/python bench/bench_worker_memory.py [--offers 100000]
[--seconds 20] [--queries 5000]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from _servers import RedisServer, Server, fake_command, memory_kib
from bench_http import wrk
from bench_similarity import synthetic_table
from fake1688.catalog import vocab
from fake1688.catalog.catalog import Catalog, DrawnImages, Offer
from fake1688.catalog.imaging import Fingerprint
from fake1688.cli import _settle

from pailitao.wire import signing

SEED = 1


def write_catalog(offers: int, path: Path) -> list[Offer]:
    """A catalog file of ``offers`` generated offers; returns them."""
    started = time.perf_counter()
    generated = vocab.generate(SEED, offers)
    table = synthetic_table(offers, np.random.default_rng(SEED))
    fingerprints = [Fingerprint(*map(int, row)) for row in table]
    categories = {category.cat: category.name for category in vocab.CATEGORIES}
    Catalog(generated, fingerprints, DrawnImages(), categories).save(path)
    size = path.stat().st_size / 2**20
    print(f"catalog: {offers:,} offers, {size:.1f} MB file, {time.perf_counter() - started:.0f} s")
    return generated


def search_bodies(offers: list[Offer], count: int, path: Path) -> None:
    """Signed TOP searches by the imgids of ``count`` offers spread over the catalog, one
    form body a line."""
    step = max(1, len(offers) // count)
    lines = []
    for offer in offers[::step][:count]:
        params = {
            "method": "1688.items.search.img",
            "app_key": "test_app_key",
            "timestamp": signing.format_timestamp(),
            "v": "2.0",
            "format": "json",
            "sign_method": "md5",
            "imgid": offer.pic_url,
        }
        params["sign"] = signing.sign(params, "test_app_secret")
        lines.append(urlencode(params))
    path.write_text("\n".join(lines) + "\n")


def rotating_script(bodies: Path) -> Path:
    """A wrk Lua script that POSTs each line of ``bodies`` in turn."""
    script = bodies.with_suffix(".lua")
    script.write_text(
        f'local bodies = {{}}\nfor line in io.lines("{bodies}") do bodies[#bodies + 1] = line end\n'
        "local i = 0\n"
        'local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}\n'
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        '  return wrk.format("POST", nil, headers, bodies[i])\n'
        "end\n"
    )
    return script


def readings(server: Server) -> list[tuple[str, dict[str, int]]]:
    """Memory of the server's processes: the parent of forked workers first, if any."""
    workers = server.workers()
    named = [(f"worker {i + 1}", pid) for i, pid in enumerate(workers)]
    if workers != [server.pid]:
        named.insert(0, ("parent", server.pid))
    return [(name, memory_kib(pid)) for name, pid in named]


def show(when: str, rows: list[tuple[str, dict[str, int]]]) -> None:
    print(f"  {when}:")
    for name, fields in rows:
        rss, pss, uss = (fields[key] / 1024 for key in ("Rss", "Pss", "Uss"))
        print(f"    {name:<9} RSS {rss:6.1f} MB  PSS {pss:6.1f} MB  USS {uss:6.1f} MB")
    total = sum(fields["Pss"] for _, fields in rows) / 1024
    print(f"    all processes: PSS {total:.1f} MB (what they take from the machine)")


def measure(name: str, command: list[str], script: Path, seconds: int) -> None:
    started = time.perf_counter()
    server = Server(command)
    ready = time.perf_counter() - started
    try:
        print(f"{name}: first answer {ready:.1f} s after the command")
        show("ready", readings(server))
        done = wrk(server.url, script, seconds)
        show(f"after {done:,} searches ({done / seconds:,.0f}/s)", readings(server))
    finally:
        server.stop()


def copied_by_touching(path: Path) -> None:
    """What a forked child copies of its parent's catalog by reading it: its USS growth
    after each way of touching the offers, each in a fresh child."""
    catalog = Catalog.load(path)
    sample = [catalog.fingerprint_of(offer) for offer in catalog.offers[:50]]
    _settle()  # as fake1688 serve does before forking its workers
    gc.freeze()

    # all(): each value made and dropped in turn, so the child allocates next to nothing.
    ways: dict[str, Callable[[], object]] = {
        "nothing": lambda: None,
        "each offer": lambda: all(catalog.offers),
        "each offer's title": lambda: all(offer.title for offer in catalog.offers),
        "each offer's fingerprint": lambda: all(map(catalog.fingerprint_of, catalog.offers)),
        "each offer's payload()": lambda: all(offer.payload() for offer in catalog.offers),
        "50 searches and their first pages": lambda: all(
            catalog.offers.items.join(catalog.nearest(fp, limit=2000)[:20].tolist())
            for fp in sample
        ),
    }
    print(f"a forked child of a process holding the catalog ({len(catalog):,} offers) reads:")
    for name, way in ways.items():
        print(f"  {name:<32} its USS grows {in_a_fork(way) / 1024:6.1f} MB")


def in_a_fork(way: Callable[[], object]) -> int:
    """How many KiB of private memory a forked child gains by running ``way``."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        before = memory_kib(os.getpid())["Uss"]
        way()
        os.write(write, str(memory_kib(os.getpid())["Uss"] - before).encode())
        os._exit(0)
    os.close(write)
    grown = int(os.read(read, 64))
    os.close(read)
    os.waitpid(pid, 0)
    return grown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--queries", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        catalog = tmp / "catalog.zip"
        offers = write_catalog(args.offers, catalog)
        search_bodies(offers, args.queries, tmp / "searches.txt")
        script = rotating_script(tmp / "searches.txt")
        redis = RedisServer()
        try:
            plain = fake_command("--catalog", str(catalog))
            measure("1 worker, memory", plain, script, args.seconds)
            forked = [*plain, "--workers", "2", "--state", redis.url]
            measure("2 workers, Redis", forked, script, args.seconds)
        finally:
            redis.kill()
        copied_by_touching(catalog)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as failed:
        sys.exit(f"wrk failed: {failed.stdout}{failed.stderr}")
