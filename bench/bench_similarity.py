"""Search latency of the fake's similarity index over synthetic fingerprints.

Builds a `SimilarityIndex` of 10k, 100k and 1M random fingerprints (seeded), then
times `nearest(fp, 200)` — the similar set the engine asks for — for random queries,
and prints p50/p95 against the goals. About one row in ten gets a trimmed hash that
differs from its whole hash, as in the drawn catalog.

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
LIMIT = 200


def synthetic_index(size: int, rng: np.random.Generator) -> SimilarityIndex:
    whole = rng.integers(0, 2**64, size, dtype=np.uint64, endpoint=False)
    trimmed = whole.copy()
    margins = rng.random(size) < 0.1
    trimmed[margins] = rng.integers(0, 2**64, int(margins.sum()), dtype=np.uint64)
    return SimilarityIndex(whole, trimmed, rng.permutation(size))


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
    print(f"top-{LIMIT} search, {args.queries} random queries per size, seed {args.seed}")
    print(f"{'fingerprints':>12}  {'p50 ms':>8}  {'p95 ms':>8}  {'goal p50':>8}  ok")
    for size, goal in SIZES_AND_GOALS_MS:
        index = synthetic_index(size, rng)
        raw = rng.integers(0, 2**64, (args.queries, 2), dtype=np.uint64, endpoint=False)
        queries = [Fingerprint(int(w), int(t)) for w, t in raw]
        p50, p95 = np.percentile(latencies_ms(index, queries), [50, 95])
        ok = "yes" if p50 <= goal else "NO"
        print(f"{size:>12,}  {p50:>8.3f}  {p95:>8.3f}  {goal:>8.1f}  {ok}")


if __name__ == "__main__":
    main()
