"""Deterministic random draws built only on `random.Random.random()`.

Python promises that `random()` yields the same sequence for the same seed in every
version; `choice`, `randint` and `choices` carry no such promise. The default
catalog must be byte-identical on every machine, so it draws through this class.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

__all__ = ["Dice"]

T = TypeVar("T")


class Dice:
    """Integer and choice draws from a seeded `random.Random`."""

    __slots__ = ("_rng",)

    def __init__(self, seed: int | str) -> None:
        self._rng = random.Random(seed)  # noqa: S311  # reproducible on purpose

    def below(self, n: int) -> int:
        """An int in [0, n); n must be positive and below 2**53."""
        return int(self._rng.random() * n)

    def between(self, lo: int, hi: int) -> int:
        """An int in [lo, hi], both ends included."""
        return lo + self.below(hi - lo + 1)

    def chance(self, percent: int) -> bool:
        """True `percent` times in a hundred."""
        return self.below(100) < percent

    def pick(self, items: Sequence[T]) -> T:
        """One of `items`, uniformly."""
        return items[self.below(len(items))]

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """A copy of `items` in a uniformly random order (Fisher-Yates)."""
        deck = list(items)
        for i in range(len(deck) - 1, 0, -1):
            j = self.below(i + 1)
            deck[i], deck[j] = deck[j], deck[i]
        return deck

    def word(self, alphabet: str, length: int) -> str:
        """``length`` picks from ``alphabet``, as text (the draws of ``pick``, faster)."""
        draw, size = self._rng.random, len(alphabet)
        return "".join([alphabet[int(draw() * size)] for _ in range(length)])

    def weighted(self, items: Sequence[T], weights: Sequence[int]) -> T:
        """One of `items`, in proportion to its integer weight."""
        roll = self.below(sum(weights))
        for item, weight in zip(items, weights, strict=True):
            roll -= weight
            if roll < 0:
                return item
        raise AssertionError("unreachable: roll < sum(weights)")
