"""Retries, circuit breakers, fallbacks and per-call timeouts around the driver call.

The execute stage hands the call here. The call's pFM goes first; a transient
failure (``fmos_core.health.TRANSIENT``) is retried on it with backoff, then the call
falls back along the VFM's ``[vfms.X.fallback] order`` (default: its ``pfms``) to
pFMs whose breaker is not open, that have what the request needs (tools, JSON
schema, logprobs) and whose window fits. The reservation follows the call
(``switch_pfm``). Each retry and fallback is named in provenance
(``retry:a:BackendTimeout``, ``fallback:a->b:BackendUnavailable``,
``fallback:a->b:breaker_open``), and each failed attempt is a span (``attempt``).
Any other error ends the call at once. A stream fails over only until the pFM's
first chunk: what the caller may have seen is never asked for twice. Calls made on
a call's behalf (``side``: verifiers, samples, recall rounds) are retried the same
way but stay on the pFM they were sent to.

When every pFM failed, the last error is raised with its type, its message listing
what was tried.
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from fmos_core.backends import Chunk, Completion
from fmos_core.config import FallbackConfig
from fmos_core.contract import Request
from fmos_core.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    BudgetExceeded,
    FmosError,
)
from fmos_core.health import CircuitBreaker, RetryPolicy, is_transient
from fmos_core.pipeline.accounts import Accounts, switch_pfm
from fmos_core.pipeline.call import PFM, Call
from fmos_core.pipeline.route import has, required_capabilities
from fmos_core.store.traces import Span

_T = TypeVar("_T")
Attempt = Callable[[Call, PFM, "Deadline"], Awaitable[_T]]


@dataclass(slots=True)
class Deadline:
    """The per-attempt timeout: ``seconds`` after ``at`` (perf_counter), or none."""

    seconds: float | None
    at: float

    async def run(self, step: Awaitable[_T], pfm: PFM) -> _T:
        """Await ``step`` within what is left; raise ``BackendTimeout`` naming ``pfm``."""
        if self.seconds is None:
            return await step
        left = self.at + self.seconds - time.perf_counter()
        scope = asyncio.timeout(max(left, 0.0))
        try:
            async with scope:
                return await step
        except TimeoutError:
            if not scope.expired():
                raise  # the driver's own TimeoutError, not ours
            raise BackendTimeout(
                f"pfm {pfm.name!r}: no answer within the call's timeout of {self.seconds:g}s "
                "(raise timeout_s of the request or of [vfms.NAME.fallback])",
                pfm=pfm.name,
            ) from None


class _Run:
    """One call's failover so far: what was tried, the last error, why it moved on."""

    __slots__ = ("attempts", "config", "held", "last", "timeout", "tried", "why")

    def __init__(self, call: Call) -> None:
        self.config = call.vfm.fallback
        self.timeout = call.request.timeout_s or self.config.timeout_s
        self.held = call.reservation is not None  # the call held a reservation at the start
        self.tried: list[str] = []
        self.last: BackendError | None = None
        self.attempts = 0
        self.why = ""  # why the call left its previous pFM, for provenance


class _Failed:
    """The outcome of a pFM that could not serve the call: fall back."""


_FAILED = _Failed()


class Failover:
    """Serves a call on its pFM or a fallback; one per kernel, shared by all calls.

    ``breakers`` maps pFM names to their breakers (a pFM without one is never
    skipped); ``uniform`` draws the backoff jitter; ``sleep`` waits between retries.
    """

    def __init__(
        self,
        breakers: Mapping[str, CircuitBreaker],
        accounts: Accounts | None,
        *,
        uniform: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._breakers = breakers
        self._accounts = accounts
        self._uniform = uniform
        self._sleep = sleep

    async def complete(self, call: Call) -> Completion:
        """The completion of the first pFM that answers."""
        return await self._serve(call, _complete)

    async def stream(self, call: Call) -> AsyncGenerator[Chunk, None]:
        """The chunks of the first pFM whose stream begins; no failover after that."""
        first, chunks, deadline = await self._serve(call, _open_stream)
        pfm = call.pfm
        try:
            if first is None:
                return
            yield first
            while True:
                try:
                    chunk = await deadline.run(anext(chunks), pfm)
                except StopAsyncIteration:
                    return
                except BackendError as exc:  # mid-stream: counted, never retried
                    breaker = self._breakers.get(pfm.name)
                    if breaker is not None and is_transient(exc):
                        breaker.record_failure()
                    raise
                yield chunk
        finally:
            await _aclose(chunks)

    async def side(self, call: Call, pfm: PFM, request: Request) -> Completion:
        """``request`` on ``pfm`` on ``call``'s behalf (a verifier's verdict, a sample, a
        recall round): retried on transient errors within the call's timeout like the
        call itself, skipped while ``pfm``'s breaker is open, never moved to another pFM
        (the caller chose that pFM for a reason)."""
        run = _Run(call)
        breaker = self._breakers.get(pfm.name)
        if breaker is not None and not breaker.allow():
            raise BackendUnavailable(
                f"pfm {pfm.name!r} is resting after repeated failures (its circuit breaker "
                "is open); wait for the cool-down (fmos.health()) or name another pFM",
                pfm=pfm.name,
            )

        async def attempt(call: Call, pfm: PFM, deadline: Deadline) -> Completion:
            return await deadline.run(pfm.backend.complete(request), pfm)

        try:
            outcome = await self._on(call, pfm, breaker, attempt, run)
        except BaseException:
            if breaker is not None:
                breaker.release()
            raise
        if isinstance(outcome, _Failed):
            raise _exhausted(call, run)
        return outcome

    async def _serve(self, call: Call, attempt: Attempt[_T]) -> _T:
        run = _Run(call)
        for pfm in _candidates(call, run.tried):
            breaker = self._breakers.get(pfm.name)
            if breaker is not None and not breaker.allow():
                run.tried.append(f"{pfm.name}: breaker open")
                run.why = "breaker_open"
                continue
            try:
                moved = pfm is call.pfm or self._move(call, pfm, run)
                outcome = await self._on(call, pfm, breaker, attempt, run) if moved else _FAILED
            except BaseException:
                if breaker is not None:
                    breaker.release()  # a trial call cut short, not a verdict on the pFM
                raise
            if not isinstance(outcome, _Failed):
                return outcome
            if not moved and breaker is not None:
                breaker.release()
        raise _exhausted(call, run)

    async def _on(
        self,
        call: Call,
        pfm: PFM,
        breaker: CircuitBreaker | None,
        attempt: Attempt[_T],
        run: _Run,
    ) -> _T | _Failed:
        """``attempt`` on ``pfm``, retried on transient errors; ``_FAILED`` to fall back."""
        failures = 0
        policy: RetryPolicy | None = None
        for retry in range(run.config.retries + 1):
            if retry:
                assert run.last is not None
                policy = policy or self._policy(run.config)
                delay = policy.delay(retry, run.last)
                if delay is None:
                    break  # the provider asked for a longer wait than we back off
                if breaker is not None and not breaker.allow():
                    break  # these failures opened it
                call.provenance_policies.append(f"retry:{pfm.name}:{type(run.last).__name__}")
                await self._sleep(delay)
            started = time.perf_counter()
            try:
                result = await attempt(call, pfm, Deadline(run.timeout, started))
            except BaseException as exc:
                run.attempts += 1
                _verdict(breaker, exc)
                if not isinstance(exc, BackendError) or not is_transient(exc):
                    raise
                run.last, failures = exc, failures + 1
                _span(call, pfm, started, exc, retry)
                continue
            if breaker is not None:
                breaker.record_success()
            return result
        assert run.last is not None
        run.tried.append(f"{pfm.name}: {failures} attempt(s), last {type(run.last).__name__}")
        run.why = type(run.last).__name__
        return _FAILED

    def _policy(self, config: FallbackConfig) -> RetryPolicy:
        return RetryPolicy(
            config.retries, config.backoff_s, config.max_backoff_s, uniform=self._uniform
        )

    def _move(self, call: Call, pfm: PFM, run: _Run) -> bool:
        """Switch the call (and its reservation) to ``pfm``; False if the budget refuses."""
        previous = call.pfm.name
        try:
            if run.held and call.reservation is None and self._accounts is not None:
                # an earlier fallback's reservation was refused after the hold was released
                tokens, cost = call.estimate(pfm)
                tenant = call.request.identity.tenant
                call.reservation = self._accounts.reserve(tenant, tokens=tokens, cost=cost)
                call.pfm = pfm
            else:
                switch_pfm(call, pfm, self._accounts)
        except BudgetExceeded as exc:
            run.tried.append(f"{pfm.name}: budget refused ({exc})")
            return False
        call.provenance_policies.append(f"fallback:{previous}->{pfm.name}:{run.why}")
        return True


def _candidates(call: Call, tried: list[str]) -> Iterator[PFM]:
    """The call's pFM, then the fallback order's pFMs that can take the call (lazily)."""
    first = call.pfm
    yield first
    pool = {p.name: p for p in call.pool}
    needs: list[str] | None = None
    for name in call.vfm.fallback.order or pool:
        pfm = pool.get(name)
        if pfm is None or pfm is first:
            continue
        if needs is None:
            needs = required_capabilities(call.request)
        if not has(pfm, needs):
            tried.append(f"{name}: cannot do {'+'.join(needs)}")
        elif not call.fits(pfm):
            tried.append(f"{name}: the prompt does not fit its window")
        else:
            yield pfm


async def _complete(call: Call, pfm: PFM, deadline: Deadline) -> Completion:
    if deadline.seconds is None:  # the fast path: one frame less
        return await pfm.backend.complete(call.request)
    return await deadline.run(pfm.backend.complete(call.request), pfm)


async def _open_stream(
    call: Call, pfm: PFM, deadline: Deadline
) -> tuple[Chunk | None, AsyncIterator[Chunk], Deadline]:
    """Begin ``pfm``'s stream and wait for its first chunk (None: an empty stream)."""
    chunks = pfm.backend.stream(call.request)
    try:
        return await deadline.run(anext(chunks), pfm), chunks, deadline
    except StopAsyncIteration:
        return None, chunks, deadline
    except BaseException:
        await _aclose(chunks)
        raise


async def _aclose(chunks: AsyncIterator[Chunk]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


def _verdict(breaker: CircuitBreaker | None, error: BaseException) -> None:
    """A transient failure counts against the pFM; any other FMOS error means the pFM
    (or its driver) answered, so it is up; anything else (cancelled, a bug) says nothing."""
    if breaker is None:
        return
    if is_transient(error):
        breaker.record_failure()
    elif isinstance(error, FmosError):
        breaker.record_success()
    else:
        breaker.release()


def _span(call: Call, pfm: PFM, started: float, error: BaseException, retry: int) -> None:
    now = time.perf_counter()
    attributes = {"pfm": pfm.name, "retry": retry, "error": type(error).__name__}
    call.spans.append(
        Span("attempt", (started - call.started) * 1000, (now - started) * 1000, attributes)
    )


def _exhausted(call: Call, run: _Run) -> BackendError:
    summary, last = "; ".join(run.tried), run.last
    if last is None:
        return BackendUnavailable(
            f"no pFM of VFM {call.vfm_name!r} could take the call ({summary}); wait for the "
            f"cool-down (fmos.health()) or add pFMs to [vfms.{call.vfm_name}] pfms",
            pfm=call.pfm.name,
        )
    if run.attempts == 1 and len(run.tried) == 1:
        return last  # one attempt, nothing else tried: the driver's error as it is
    try:
        error = copy.copy(last)
    except Exception:  # a subclass that cannot be rebuilt from its message
        return last
    error.args = (f"{last} [tried: {summary}]",)
    error.__cause__ = last
    return error
