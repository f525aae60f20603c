"""A worker forked from the process that built the catalog searches it without copying it.

``fake1688 serve --workers N`` forks its workers after building the catalog and the
search service; a page of memory stays shared until a process writes to it, and
CPython writes to every object it references (the reference count). So a search must
read arrays, never one Python object per offer, or each worker ends up with its own
copy of every offer its searches touched (issue 19: N workers, not N catalogs).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest
from fake1688.catalog import vocab
from fake1688.catalog.catalog import Catalog, DrawnImages
from fake1688.catalog.imaging import Fingerprint
from fake1688.engine.search import SORTS, SearchQuery, SearchService
from fake1688.engine.store import Image

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/smaps_rollup"), reason="reads Linux's /proc/PID/smaps_rollup"
)

OFFERS = 20_000
CLUSTERS = 20  # a query at a cluster's centre matches its ~1,000 offers


class QueryCatalog(Catalog):
    """The catalog with the queries' fingerprints known by their bytes (no decoding)."""

    queries: dict[bytes, Fingerprint]

    def fingerprint(self, image: bytes) -> Fingerprint:
        return self.queries[image]


def private_kib() -> int:
    """This process's own memory: pages no other process maps."""
    with open("/proc/self/smaps_rollup") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return sum(int(fields[name].split()[0]) for name in ("Private_Clean", "Private_Dirty"))


def clustered_catalog() -> QueryCatalog:
    rng = np.random.default_rng(7)
    centres = rng.integers(0, 2**63, size=(CLUSTERS, len(Fingerprint._fields)), dtype=np.uint64)
    rows = centres[np.arange(OFFERS) % CLUSTERS].copy()
    rows[:, 2] ^= rng.integers(0, 2**10, size=OFFERS, dtype=np.uint64)  # a few shape bits
    catalog = QueryCatalog(
        vocab.generate(1, OFFERS), (Fingerprint(*map(int, row)) for row in rows), DrawnImages()
    )
    catalog.queries = {b"q%d" % i: Fingerprint(*map(int, row)) for i, row in enumerate(centres)}
    return catalog


def search_everything(searcher: SearchService, catalog: QueryCatalog) -> int:
    """Every cluster by every order, a page from the start and one from the end."""
    matched = 0
    prices = [(None, None), (Decimal(10), Decimal(200))]
    for data in catalog.queries:
        image = Image.of(data)
        for sort in dict.fromkeys(SORTS.values()):
            for start, end in prices:
                query = SearchQuery(sort=sort, start_price=start, end_price=end)
                matched += len(searcher.results(image, query))
                last = max(1, -(-searcher.page(image, query).total // 50))
                searcher.page(image, query._replace(page=last, page_size=50))
    return matched


def measure() -> tuple[int, int, int]:
    """(KiB the catalog and service took, KiB a forked worker's searches made its own,
    offers they matched), in this process: a fresh one, whose heap earlier tests
    have not left holes in."""
    before = private_kib()
    catalog = clustered_catalog()
    searcher = SearchService(catalog, cache_size=1)  # what the worker caches is its own
    built = private_kib() - before
    gc.collect()
    gc.freeze()  # as fake1688 serve does before forking its workers
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        status = 1
        try:
            start = private_kib()
            matched = search_everything(searcher, catalog)
            os.write(write, f"{private_kib() - start} {matched}".encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    try:
        copied, matched = map(int, os.read(read, 100).split())
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    return built, copied, matched


def test_a_forked_worker_searches_without_copying_the_catalog() -> None:
    run = subprocess.run(
        [sys.executable, __file__], capture_output=True, text=True, timeout=120, check=True
    )
    built, copied, matched = map(int, run.stdout.split())
    assert matched > 5 * OFFERS  # the searches went through the whole catalog
    print(f"catalog and service {built:,} KiB; the worker's own after its searches {copied:,} KiB")
    # ~7%: what the worker allocates itself (a tuple of Offer objects: ~60% copied)
    assert copied < built / 5, (copied, built)


if __name__ == "__main__":
    print(*measure())
