"""The health of pFMs: a circuit breaker per pFM and the retry policy of a VFM.

Only *transient* failures count (``BackendUnavailable``, ``BackendTimeout``,
``BackendRateLimited``): a pFM that answers a bad request is up. A breaker opens
after ``failure_threshold`` transient failures in a row; while open, callers skip
the pFM. After ``cooldown_s`` it is half-open: one trial call passes, its success
closes the breaker and its failure opens it for another cool-down::

    closed ──N failures──▶ open ──cool-down──▶ half-open ──success──▶ closed
                             ▲                     │
                             └──────failure────────┘

Example:
    >>> now = [0.0]
    >>> breaker = CircuitBreaker("p", failure_threshold=2, cooldown_s=10, clock=lambda: now[0])
    >>> breaker.record_failure(); breaker.record_failure()
    >>> breaker.state, breaker.allow()
    ('open', False)
    >>> now[0] = 10.0
    >>> breaker.allow(), breaker.allow()  # one trial call, then wait for its verdict
    (True, False)
    >>> breaker.record_success()
    >>> breaker.state
    'closed'
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from fmos_core.config import PFMConfig
from fmos_core.errors import (
    BackendError,
    BackendRateLimited,
    BackendTimeout,
    BackendUnavailable,
)

BreakerState = Literal["closed", "open", "half_open"]

# Failures worth another try: the pFM may answer next time. Anything else (a bad
# request, a prompt that does not fit, an output that fails a check) would fail again.
TRANSIENT: tuple[type[BackendError], ...] = (BackendUnavailable, BackendTimeout, BackendRateLimited)


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is a failure a retry or another pFM may cure."""
    return isinstance(error, TRANSIENT)


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    """A breaker's state for display: ``retry_in_s`` is the cool-down left when open."""

    state: BreakerState
    consecutive_failures: int
    retry_in_s: float = 0.0


class CircuitBreaker:
    """The breaker of one pFM; thread-safe (the kernel serves several threads)."""

    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or cooldown_s <= 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown_s > 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None  # set while open or half-open
        self._trial = False  # the half-open trial call is in flight

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def status(self) -> BreakerStatus:
        with self._lock:
            state = self._state()
            left = 0.0
            if state == "open":
                assert self._opened_at is not None
                left = max(0.0, self._opened_at + self.cooldown_s - self._clock())
            return BreakerStatus(state, self._failures, left)

    def allow(self) -> bool:
        """Whether a call may go to the pFM now. Half-open, only the first caller may,
        until that trial call is recorded (``record_*``) or abandoned (``release``)."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "open" or self._trial:
                return False
            self._trial = True
            return True

    def record_success(self) -> None:
        """The pFM answered: close the breaker."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def record_failure(self) -> None:
        """A transient failure: count it; open at the threshold, re-open after a trial."""
        with self._lock:
            self._failures += 1
            if self._opened_at is not None or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            self._trial = False

    def release(self) -> None:
        """A call ended without a verdict (cancelled): a half-open breaker may try again."""
        with self._lock:
            self._trial = False

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at < self.cooldown_s:
            return "open"
        return "half_open"

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, {self.state})"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often, and after how long, a transient failure is retried on the same pFM.

    The wait before retry ``n`` (1, 2, …) is ``base_delay_s * 2 ** (n - 1)``, capped
    at ``max_delay_s``, scaled by a random factor in ``[1 - jitter, 1]`` so callers
    that failed together do not return together. A 429 that names its wait
    (``retry_after``) is honoured; one longer than ``max_delay_s`` is not waited
    for (``delay`` answers None: fall back instead).

    Example:
        >>> policy = RetryPolicy(retries=3, base_delay_s=0.5, max_delay_s=1.5, jitter=0)
        >>> [policy.delay(n, BackendUnavailable("down")) for n in (1, 2, 3)]
        [0.5, 1.0, 1.5]
        >>> policy.delay(1, BackendRateLimited("429", retry_after=9.0)) is None
        True
    """

    retries: int = 2
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0
    jitter: float = 0.5
    uniform: Callable[[], float] = random.random  # in [0, 1); inject a seeded one in tests

    def delay(self, retry: int, error: BackendError) -> float | None:
        """Seconds to wait before retry number ``retry``; None: do not retry this pFM."""
        asked = getattr(error, "retry_after", None)
        if asked is not None:
            return float(asked) if 0 <= asked <= self.max_delay_s else None
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (retry - 1))
        return backoff * (1 - self.jitter * self.uniform())


def breakers(
    pfms: Mapping[str, PFMConfig], clock: Callable[[], float] = time.monotonic
) -> dict[str, CircuitBreaker]:
    """One breaker per configured pFM, set up by its ``[pfms.NAME.breaker]`` table."""
    return {
        name: CircuitBreaker(
            name,
            failure_threshold=pfm.breaker.failures,
            cooldown_s=pfm.breaker.cooldown_s,
            clock=clock,
        )
        for name, pfm in pfms.items()
    }


__all__ = [
    "TRANSIENT",
    "BreakerState",
    "BreakerStatus",
    "CircuitBreaker",
    "RetryPolicy",
    "breakers",
    "is_transient",
]
