"""Nearest-photo search: one score per catalog photo from Hamming distances, exact top-K.

A query's score against a stored fingerprint (`fake1688.catalog.imaging`) is::

    SHAPE x shape distance  +  COLOUR x colour distance  +  PHOTO x min(photo distance, NEAR)

where the shape distance (0-128) compares silhouettes (both dHashes, across and
down), the colour distance (0-10, a little more where rounding adds a fifth) the
colour signatures, and the photo distance (0-64) is the smaller of the two pHash
distances (whole photo, trimmed photo). The shape ranks the same kind of product
first; the colour then puts nearer colours before farther ones; the photo distance
lifts the very photo searched for, or an edited copy of it, to the top. Past NEAR
bits two photos are simply different photos, so the photo distance adds no noise to
the ranking of the others.

The weights are those that best met issue 22's goals on the default catalog
(`bench/bench_search_quality.py` prints the figures).

Offers scoring above `MATCH` are not results: how many offers a photo matches
depends on the photo. The first `FIRST` results are the best-scoring matches in the
photo's colours (a colour distance of at most `SAME_COLOURS`), then the other
matches by score. The score alone can put a thin product (scissors, a cable) of
another colour among the first, as its few pixels weigh little against a nearer
outline; moving the nearest same-coloured matches forward leaves the rest of the
list as the score orders it, where a penalty for another colour family costs 10-20
points of same-kind results. Equal scores are ordered by a fixed per-row rank, so
results never depend on how numpy happens to partition an array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fake1688.catalog.imaging import Fingerprint

__all__ = [
    "COLOUR", "FIRST", "MATCH", "NEAR", "PHOTO", "SAME_COLOURS", "SHAPE", "SimilarityIndex",
]  # fmt: skip

SHAPE = 3
COLOUR = 9
PHOTO = 2
NEAR = 16
#: The highest score that is still a match.
MATCH = 205
#: How many results come first from the matches in the photo's colours.
FIRST = 3
#: The largest colour distance of an offer in the photo's colours: 3 to 7 all put the
#: colour's family first for the photos `fake1688.photo` draws; below 6, one catalog
#: photo's bordered copy (its colours read 6 apart) loses its offer from the top 3.
SAME_COLOURS = 6


class SimilarityIndex:
    """Fingerprints in uint64 columns, one a code, each row with a unique tie-break rank."""

    __slots__ = ("_columns", "_rank")

    def __init__(self, columns: np.ndarray, rank: np.ndarray) -> None:
        if columns.ndim != 2 or columns.shape[1] != len(Fingerprint._fields):
            fields = Fingerprint._fields
            raise ValueError(f"columns must be an (n, {len(fields)}) array: {', '.join(fields)}")
        if rank.shape != (len(columns),):
            raise ValueError("rank must be a 1-d array with a row's rank for each row")
        # One contiguous array per column: XOR and popcount then stream through memory.
        self._columns = tuple(
            np.ascontiguousarray(columns[:, i], dtype=np.uint64) for i in range(columns.shape[1])
        )
        self._rank = np.ascontiguousarray(rank, dtype=np.int64)

    @classmethod
    def build(cls, fingerprints: Sequence[Fingerprint], rank: np.ndarray) -> SimilarityIndex:
        """An index over `fingerprints`; `rank[i]` orders row i among equal scores."""
        table = np.array(fingerprints, dtype=np.uint64).reshape(-1, len(Fingerprint._fields))
        return cls(table, rank)

    def __len__(self) -> int:
        return len(self._rank)

    def row(self, row: int) -> tuple[int, ...]:
        """The codes stored at `row`, one per column."""
        return tuple(int(column[row]) for column in self._columns)

    def subset(self, rows: np.ndarray) -> SimilarityIndex:
        """An index over the given rows only (row i of the result is rows[i])."""
        return SimilarityIndex(np.stack([c[rows] for c in self._columns], axis=1), self._rank[rows])

    def scores(self, fp: Fingerprint) -> np.ndarray:
        """Every row's score for `fp` as uint16, lower is nearer."""
        return self._scores_and_colour(fp)[0]

    def _scores_and_colour(self, fp: Fingerprint) -> tuple[np.ndarray, np.ndarray]:
        """Every row's score for `fp`, and its colour distance."""
        whole, trimmed, shape, upright, colour = (
            np.bitwise_count(column ^ np.uint64(code))
            for column, code in zip(self._columns, fp, strict=True)
        )
        score: np.ndarray = np.minimum(np.minimum(whole, trimmed), NEAR).astype(np.uint16) * PHOTO
        score += (shape.astype(np.uint16) + upright) * SHAPE
        score += colour.astype(np.uint16) * COLOUR
        return score, colour

    def nearest(self, fp: Fingerprint, limit: int, within: int = MATCH) -> np.ndarray:
        """Row numbers of up to `limit` rows scoring at most `within`: first the `FIRST`
        nearest in the photo's colours, then the others, nearest first."""
        if limit <= 0 or len(self) == 0:
            return np.empty(0, dtype=np.intp)
        score, colour = self._scores_and_colour(fp)
        rows = np.flatnonzero(score <= within)
        key = (score[rows].astype(np.int64) << 32) | self._rank[rows]  # unique, as ranks are
        # The FIRST smallest keys in the photo's colours go first: the others get a bit
        # above any score's.
        in_colours = colour[rows] <= SAME_COLOURS
        later = ~in_colours
        if np.count_nonzero(in_colours) > FIRST:
            later |= key > np.partition(key[in_colours], FIRST - 1)[FIRST - 1]
        key |= later.astype(np.int64) << 48
        if len(rows) > limit:
            part = np.argpartition(key, limit - 1)[:limit]
            rows, key = rows[part], key[part]
        best: np.ndarray = rows[np.argsort(key, kind="stable")]
        return best
