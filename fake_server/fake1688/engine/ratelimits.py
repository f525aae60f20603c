"""Rate limits per app key: calls per second per API, and a daily quota.

Built on the ``limits`` package rather than hand-written counters: its
strategies (moving window for QPS, fixed window for the quota) are well tested,
and its storages are interchangeable, so a multi-worker server can later share
counters through ``RedisStorage`` without touching this module's callers.

The library reads time through its *storage* (``MemoryStorage`` calls
``time.time()`` and runs an expiry thread on real time), so it cannot follow
the fake's injectable clock. :class:`ClockedStorage` is a minimal ``limits``
storage that asks our clock instead, with lazy expiry and no thread; the
library's strategies run on it unchanged. Redis would bring its own server
time, which is what a shared multi-worker deployment wants anyway.

Answers are the platform's: code 7 with ``accesscontrol.limited-by-api-access-count``
(QPS, keyed by app key and API method, a one-second moving window) or
``accesscontrol.limited-by-app-access-count`` (daily quota, keyed by app key,
resetting at midnight GMT+8 of the fake's clock), and "This ban will last for N
more seconds" with N a whole number, at least 1.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from limits import RateLimitItemPerDay, RateLimitItemPerSecond
from limits.storage import MovingWindowSupport, Storage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from .api import Call
from .errors import SUB_DAILY_QUOTA, SUB_QPS, AppCallLimited

__all__ = ["ClockedStorage", "RateLimiter", "RateLimits"]

_DAY: Final = 86_400
#: The platform's day ends at midnight in China (GMT+8).
_GMT8: Final = 8 * 3600


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Limits of one app: ``qps`` calls per second per API, ``daily_quota`` calls a day.

    ``None`` means unlimited (the default for both).
    """

    qps: int | None = None
    daily_quota: int | None = None

    def __post_init__(self) -> None:
        for name in ("qps", "daily_quota"):
            value = getattr(self, name)
            bad = isinstance(value, bool) or not isinstance(value, int) or value < 1
            if value is not None and bad:
                wanted = "a positive whole number or left out"
                raise ValueError(f"{name} must be {wanted}, not {value!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateLimits:
        """From ``{"qps": 5, "daily_quota": 1000}`` (both optional); unknown keys are errors."""
        unknown = sorted(set(data) - {"qps", "daily_quota"})
        if unknown:
            raise ValueError(f"unknown rate-limit setting(s) {unknown}; use qps and daily_quota")
        return cls(qps=data.get("qps"), daily_quota=data.get("daily_quota"))

    def to_dict(self) -> dict[str, int | None]:
        """A JSON-ready copy."""
        return asdict(self)


class ClockedStorage(Storage, MovingWindowSupport):
    """A ``limits`` in-memory storage that reads time from an injected clock."""

    STORAGE_SCHEME = None

    def __init__(self, clock: Callable[[], float]) -> None:
        super().__init__()
        self.clock = clock
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self._events: dict[str, deque[float]] = {}  # key -> hit times, oldest first

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """Nothing here fails like a remote storage could."""
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add ``amount`` to a counter that lives ``expiry`` seconds from its first hit."""
        now = self.clock()
        count, expires = self._counters.get(key, (0, 0.0))
        if expires <= now:
            self._sweep(now)
            count, expires = 0, now + expiry
        self._counters[key] = (count + amount, expires)
        return count + amount

    def get(self, key: str) -> int:
        """The counter's value, 0 once it expired."""
        count, expires = self._counters.get(key, (0, 0.0))
        return count if expires > self.clock() else 0

    def get_expiry(self, key: str) -> float:
        """When the counter expires (now if it does not exist)."""
        count, expires = self._counters.get(key, (0, 0.0))
        return expires if count and expires > self.clock() else self.clock()

    def check(self) -> bool:
        """Always healthy."""
        return True

    def reset(self) -> int | None:
        """Forget every counter and window; returns how many keys there were."""
        dropped = len(self._counters) + len(self._events)
        self._counters.clear()
        self._events.clear()
        return dropped

    def clear(self, key: str) -> None:
        """Forget one key."""
        self._counters.pop(key, None)
        self._events.pop(key, None)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Take ``amount`` places in the moving window if there is room."""
        now = self.clock()
        events = self._window(key, now, expiry)
        if len(events) + amount > limit:
            return False
        events.extend([now] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(start of the window: the oldest hit in it, or now; hits in it)."""
        now = self.clock()
        events = self._window(key, now, expiry)
        return (events[0] if events else now), len(events)

    def _window(self, key: str, now: float, expiry: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - expiry:
            events.popleft()
        return events

    def _sweep(self, now: float) -> None:
        # Counters of past days are dead weight; drop them when a new one starts.
        for key in [key for key, (_, expires) in self._counters.items() if expires <= now]:
            del self._counters[key]


@dataclass
class _Config:
    default: RateLimits = field(default_factory=RateLimits)
    apps: dict[str, RateLimits] = field(default_factory=dict)


class RateLimiter:
    """The gate enforcing :class:`RateLimits` per app key; ``reset()`` forgets the counters.

    ``set(limits)`` changes the default of every app, ``set(limits, app_key=...)``
    one app's; ``clear()`` lifts every limit. ``reset()`` also restores the limits
    the gateway was built with, so a test's changes do not outlive it.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        limits: RateLimits | None = None,
        *,
        storage: Storage | None = None,
    ) -> None:
        self.clock = clock
        #: Where the counters are: by default this process, on ``clock``'s time.
        self.storage = storage if storage is not None else ClockedStorage(clock)
        self._qps = MovingWindowRateLimiter(self.storage)
        self._daily = FixedWindowRateLimiter(self.storage)
        self._built = limits or RateLimits()
        self._config = _Config(self._built)
        self._lock = threading.Lock()

    def set(self, limits: RateLimits, app_key: str | None = None) -> None:
        """Apply ``limits`` to every app (``app_key=None``) or to one app."""
        if app_key is None:
            self._config.default = limits
        else:
            self._config.apps[app_key] = limits

    def limits_for(self, app_key: str) -> RateLimits:
        """The limits that apply to ``app_key``."""
        return self._config.apps.get(app_key, self._config.default)

    def clear(self) -> None:
        """Lift every limit (for every app) and forget the counters."""
        self._config = _Config()
        self.storage.reset()

    def reset(self) -> None:
        """Forget the counters and restore the limits the gateway was built with."""
        self._config = _Config(self._built)
        self.storage.reset()

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON: ``{"default": {...}, "apps": {key: {...}}}``."""
        apps = {key: limits.to_dict() for key, limits in self._config.apps.items()}
        return {"default": self._config.default.to_dict(), "apps": apps}

    def __call__(self, call: Call) -> None:
        """The gate: raise 7 if this call is over a limit, else count it."""
        limits = self.limits_for(call.app.app_key)
        if limits.qps is None and limits.daily_quota is None:
            return  # the default: no counting at all, no cost
        with self._lock:
            self._check(call, limits)

    def _check(self, call: Call, limits: RateLimits) -> None:
        now = self.clock()
        app_key = call.app.app_key
        day = str(math.floor((now + _GMT8) / _DAY))
        quota = RateLimitItemPerDay(limits.daily_quota) if limits.daily_quota else None
        if quota is not None and not self._daily.test(quota, app_key, day):
            raise AppCallLimited(
                SUB_DAILY_QUOTA,
                _seconds_to_midnight(now),
                f"the app's daily quota of {limits.daily_quota:,} calls is used up; "
                "it resets at midnight GMT+8",
            )
        if limits.qps is not None:
            per_second = RateLimitItemPerSecond(limits.qps)
            if not self._qps.hit(per_second, app_key, call.api_method):
                reset_at = self._qps.get_window_stats(per_second, app_key, call.api_method)[0]
                raise AppCallLimited(
                    SUB_QPS,
                    max(1, math.ceil(reset_at - now)),
                    f"{call.api_method} allows {limits.qps} calls per second per app",
                )
        if quota is not None:
            self._daily.hit(quota, app_key, day)


def _seconds_to_midnight(now: float) -> int:
    """Whole seconds until the next midnight GMT+8, at least 1."""
    return max(1, math.ceil(_DAY - (now + _GMT8) % _DAY))
