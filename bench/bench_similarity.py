"""Search latency of the fake's similarity index over synthetic fingerprints.

Builds a `SimilarityIndex` of 10k, 100k and 1M synthetic fingerprints (seeded) and
times `nearest(fp, 2000)` (what the engine asks for: the platform's ceiling) for
queries, printing p50/p95 against the goals. The rows are made like a catalog's:
100 kinds (both shape codes a few bits apart within a kind), colours from one of 11
families, photos all different; about one row in ten has a trimmed hash unlike its
whole one. Each query is a stored row with a few bits flipped, so it matches its
kind as a catalog photo does.

    .venv/bin/python bench/bench_similarity.py [--queries 300] [--seed 0]

`Catalog.search` adds only the building of the result list (~20 µs for 200 offers).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from fake1688.catalog.imaging import Fingerprint
from fake1688.catalog.similarity import SimilarityIndex

SIZES_AND_GOALS_MS = ((10_000, 1.0), (100_000, 3.0), (1_000_000, 20.0))
LIMIT = 2000
KINDS = 100


def _flip(codes: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    """``codes`` with up to ``bits`` random bits of each flipped."""
    out = codes.copy()
    for _ in range(bits):
        out ^= np.left_shift(np.uint64(1), rng.integers(0, 64, len(codes), dtype=np.uint64))
    return out


def synthetic_table(size: int, rng: np.random.Generator) -> np.ndarray:
    whole = rng.integers(0, 2**64, size, dtype=np.uint64, endpoint=False)
    trimmed = whole.copy()
    margins = rng.random(size) < 0.1
    trimmed[margins] = rng.integers(0, 2**64, int(margins.sum()), dtype=np.uint64)
    kinds = rng.integers(0, 2**64, (KINDS, 2), dtype=np.uint64, endpoint=False)
    kind = rng.integers(0, KINDS, size)
    shape, upright = (_flip(kinds[kind, i], 6, rng) for i in range(2))
    families = np.array([0b11111 << (5 * i) for i in range(11)], dtype=np.uint64)
    colour = families[rng.integers(0, 11, size)]
    return np.stack([whole, trimmed, shape, upright, colour], axis=1)


def latencies_ms(index: SimilarityIndex, queries: list[Fingerprint]) -> np.ndarray:
    index.nearest(queries[0], LIMIT)  # warm-up: first-touch page faults, numpy caches
    times = []
    for fp in queries:
        start = time.perf_counter()
        index.nearest(fp, LIMIT)
        times.append(time.perf_counter() - start)
    return np.array(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(
        f"top-{LIMIT} search, {args.queries} queries per size (catalog-like rows), seed {args.seed}"
    )
    print(f"{'fingerprints':>12}  {'p50 ms':>8}  {'p95 ms':>8}  {'goal p50':>8}  ok")
    for size, goal in SIZES_AND_GOALS_MS:
        table = synthetic_table(size, rng)
        index = SimilarityIndex(table, rng.permutation(size))
        rows = table[rng.integers(0, size, args.queries)]
        rows[:, 2] = _flip(rows[:, 2], 3, rng)
        rows[:, 3] = _flip(rows[:, 3], 3, rng)
        queries = [Fingerprint(*map(int, row)) for row in rows]
        p50, p95 = np.percentile(latencies_ms(index, queries), [50, 95])
        found = int(np.median([len(index.nearest(q, LIMIT)) for q in queries[:20]]))
        ok = "yes" if p50 <= goal else "NO"
        print(f"{size:>12,}  {p50:>8.3f}  {p95:>8.3f}  {goal:>8.1f}  {ok}   ({found:,} matches)")


if __name__ == "__main__":
    main()
