"""Where the engine keeps what it remembers: in this process, or shared between processes.

The engine takes its four stores (uploads, journal, rate limiter, fault plan) from a
state backend. :class:`InMemory` (the default) keeps them in this process's memory,
each behind a lock; :class:`fake1688.engine.shared.RedisState` keeps them in Redis,
so that several workers and hosts serve one fake (``fake1688 serve --state``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from .faults import Fault, FaultPlan
from .journal import Journal
from .ratelimits import RateLimiter, RateLimits
from .store import UploadLimits, UploadStore

__all__ = ["InMemory", "StateBackend"]


class StateBackend(Protocol):
    """What makes the engine's stores."""

    def uploads(self, limits: UploadLimits | None) -> UploadStore: ...

    def journal(self, maxlen: int, max_bytes: int) -> Journal: ...

    def rate_limiter(
        self, clock: Callable[[], float], limits: RateLimits | None
    ) -> RateLimiter: ...

    def fault_plan(self, seed: int, faults: Iterable[Fault | Mapping[str, Any]]) -> FaultPlan: ...


class InMemory:
    """The stores of one process (the default): fast, and gone when it stops."""

    def __repr__(self) -> str:
        return "InMemory()"

    def uploads(self, limits: UploadLimits | None) -> UploadStore:
        return UploadStore(limits)

    def journal(self, maxlen: int, max_bytes: int) -> Journal:
        return Journal(maxlen, max_bytes)

    def rate_limiter(self, clock: Callable[[], float], limits: RateLimits | None) -> RateLimiter:
        return RateLimiter(clock, limits)

    def fault_plan(self, seed: int, faults: Iterable[Fault | Mapping[str, Any]]) -> FaultPlan:
        return FaultPlan(seed, faults)
