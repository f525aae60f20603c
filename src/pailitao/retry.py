"""When and how long the client waits before sending a request again.

Built on tenacity rather than a hand-written loop: one policy object drives
both the sync and the async client, waits compose (exponential backoff with
jitter, or the platform's own "ban will last for N more seconds"), stops
compose (attempts, and a total-time budget checked *before* a wait starts, so
a two-hour ban is not slept through), and the sleep is injectable for tests.
A retrying httpx transport would not do: 1688 reports rate limits and server
faults inside HTTP-200 envelopes, which only the client can read.

Retried: rate limits (4, 5, 7, 8), server errors (10, 15, 50, ``isp.*``),
HTTP 5xx and 429, timeouts, connection errors and answers that are not JSON.
Never retried: signature, app key, timestamp and argument errors.
"""

from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from typing import Final

import tenacity

from .errors import PailitaoError, RateLimitError

__all__ = ["RetryPolicy"]

logger: Final = logging.getLogger("pailitao")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds and timing of retries; ``RetryPolicy.disabled()`` sends once."""

    #: Attempts in all, the first one included.
    max_attempts: int = 4
    #: The first backoff in seconds; it doubles per attempt up to ``max_backoff``.
    backoff: float = 0.5
    max_backoff: float = 8.0
    #: Up to this many seconds of random extra wait, so clients don't retry in step.
    jitter: float = 0.5
    #: Never start a wait that would end more than this many seconds after the first try.
    max_total: float = 30.0
    #: Wait at least as long as a rate-limit answer asks.
    honour_retry_after: bool = True

    def __post_init__(self) -> None:
        attempts = self.max_attempts
        if not isinstance(attempts, int) or isinstance(attempts, bool):
            raise TypeError(f"max_attempts must be an integer >= 1, not {attempts!r}")
        if attempts < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, not {attempts!r}")
        for name in ("backoff", "max_backoff", "jitter", "max_total"):
            _check_seconds(name, getattr(self, name))

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """Send every request exactly once."""
        return cls(max_attempts=1)

    def wait_seconds(self, state: tenacity.RetryCallState) -> float:
        """The wait before the next attempt: backoff, or the ban the platform announced."""
        exponent = min(state.attempt_number - 1, 62)  # 2**63 seconds is forever enough
        backoff = min(self.max_backoff, self.backoff * 2.0**exponent)
        backoff += random.uniform(0, self.jitter)  # noqa: S311 - jitter, not cryptography
        error = state.outcome.exception() if state.outcome else None
        if self.honour_retry_after and isinstance(error, RateLimitError) and error.retry_after:
            return max(backoff, error.retry_after)
        return backoff

    def tenacity_kwargs(self) -> dict[str, object]:
        """Keyword arguments for ``tenacity.Retrying``/``AsyncRetrying`` (without ``sleep``)."""
        return {
            "retry": tenacity.retry_if_exception(_retryable),
            "stop": tenacity.stop_after_attempt(self.max_attempts)
            | tenacity.stop_before_delay(self.max_total),
            "wait": self.wait_seconds,
            "before_sleep": _log_retry,
            "reraise": True,
        }


def _check_seconds(name: str, value: object) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"{name} must be a finite number >= 0, not {value!r}")
    # NaN compares false with everything: it would wait forever or never stop
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")


def _retryable(error: BaseException) -> bool:
    return isinstance(error, PailitaoError) and error.retryable


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    logger.warning(
        "attempt %d failed (%s: %s); retrying in %.2fs",
        state.attempt_number,
        type(error).__name__,
        error,
        wait,
    )
