"""Nearest-fingerprint search: Hamming distance over uint64 columns, exact top-K.

The distance between a query and a stored fingerprint is the smaller of the two
pHash distances (whole photo, trimmed photo); see `fake1688.catalog.imaging`. Equal
distances are ordered by a fixed per-row rank, so results never depend on how numpy
happens to partition an array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fake1688.catalog.imaging import Fingerprint

__all__ = ["SimilarityIndex"]

_BITS = 64


class SimilarityIndex:
    """Fingerprints in two uint64 columns, each row with a unique tie-break rank."""

    __slots__ = ("_rank", "_trimmed", "_whole")

    def __init__(self, whole: np.ndarray, trimmed: np.ndarray, rank: np.ndarray) -> None:
        if not (whole.shape == trimmed.shape == rank.shape and whole.ndim == 1):
            raise ValueError("whole, trimmed and rank must be 1-d arrays of one length")
        # Contiguous columns: XOR and popcount then stream through memory once each.
        self._whole = np.ascontiguousarray(whole, dtype=np.uint64)
        self._trimmed = np.ascontiguousarray(trimmed, dtype=np.uint64)
        self._rank = np.ascontiguousarray(rank, dtype=np.int64)

    @classmethod
    def build(cls, fingerprints: Sequence[Fingerprint], rank: np.ndarray) -> SimilarityIndex:
        """An index over `fingerprints`; `rank[i]` orders row i among equal distances."""
        table = np.array(fingerprints, dtype=np.uint64).reshape(-1, 2)
        return cls(table[:, 0], table[:, 1], rank)

    def __len__(self) -> int:
        return len(self._rank)

    def subset(self, rows: np.ndarray) -> SimilarityIndex:
        """An index over the given rows only (row i of the result is rows[i])."""
        return SimilarityIndex(self._whole[rows], self._trimmed[rows], self._rank[rows])

    def distances(self, fp: Fingerprint) -> np.ndarray:
        """Distance (0-64) from `fp` to every row, as uint8."""
        d: np.ndarray = np.bitwise_count(self._whole ^ np.uint64(fp.whole))
        np.minimum(d, np.bitwise_count(self._trimmed ^ np.uint64(fp.trimmed)), out=d)
        return d

    def nearest(self, fp: Fingerprint, limit: int) -> np.ndarray:
        """Row numbers of the `limit` nearest rows, nearest first, ties by rank."""
        if limit <= 0 or len(self) == 0:
            return np.empty(0, dtype=np.intp)
        d = self.distances(fp)
        if limit < len(d):
            # Distances take only 65 values: count them to find the cut-off distance,
            # then sort just the rows at or under it.
            cumulative = np.cumsum(np.bincount(d, minlength=_BITS + 1))
            cut = int(np.searchsorted(cumulative, limit))
            rows = np.flatnonzero(d <= cut)
        else:
            rows = np.arange(len(d))
        key = (d[rows].astype(np.int64) << 32) | self._rank[rows]
        if len(rows) > limit:
            part = np.argpartition(key, limit - 1)[:limit]
            rows, key = rows[part], key[part]
        best: np.ndarray = rows[np.argsort(key, kind="stable")]
        return best
