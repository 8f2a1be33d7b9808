"""The pipeline: stages in explicit order, then settle — for calls and streams.

Settling always runs: usage moves from the reservation to the budget (or the
reservation is released if the pFM never ran), and one trace record is queued.

Example:
    >>> [s.name for s in Pipeline.default_order]
    ['admit', 'context', 'trap_check', 'execute', 'verify']
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import ClassVar

from fmos_core.backends import Completion
from fmos_core.contract import Response, StreamEvent
from fmos_core.errors import RunError, UserError
from fmos_core.pipeline.accounts import Accounts
from fmos_core.pipeline.call import Call
from fmos_core.pipeline.stages import (
    Admit,
    Context,
    Execute,
    Stage,
    TrapCheck,
    Verify,
    build_response,
)
from fmos_core.store.traces import Span, TraceRecord
from fmos_core.store.writer import StateWriter


class Pipeline:
    """Runs a ``Call`` through its stages; inactive stages are dropped at build time."""

    default_order: ClassVar[tuple[type[Stage], ...]] = (Admit, Context, TrapCheck, Execute, Verify)

    def __init__(
        self,
        stages: list[Stage],
        *,
        accounts: Accounts | None,
        traces: StateWriter | None,
    ) -> None:
        self.stages = [s for s in stages if s.active]
        names = [s.name for s in self.stages]
        split = names.index("execute")
        self._before = self.stages[:split]
        self._execute = self.stages[split]
        self._after = self.stages[split + 1 :]
        self._accounts = accounts
        self._traces = traces

    async def run(self, call: Call) -> Response:
        """Run every stage, then settle; returns the response."""
        error: BaseException | None = None
        try:
            for stage in self.stages:
                await self._run_stage(stage, call)
            assert call.response is not None
            return call.response
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._settle(call, error)

    async def stream(self, call: Call) -> AsyncGenerator[StreamEvent, None]:
        """Like ``run``, but yields text deltas as the pFM produces them, then the response."""
        error: BaseException | None = None
        try:
            for stage in self._before:
                await self._run_stage(stage, call)
            started = time.perf_counter()
            chunks = call.pfm.backend.stream(call.request)
            try:
                async for chunk in chunks:
                    call.streaming = True  # the pFM answered: from here, spend is unknown
                    if chunk.delta:
                        yield StreamEvent(delta=chunk.delta)
                    if chunk.completion is not None:
                        call.completion = chunk.completion
            finally:  # stopping early closes the pFM's stream now, not when collected
                aclose = getattr(chunks, "aclose", None)
                if aclose is not None:
                    await aclose()
            if call.completion is None:
                call.completion = Completion()
            call.response = build_response(call, call.completion)
            self._span(call, "execute", started)
            for stage in self._after:
                await self._run_stage(stage, call)
            for tool_call in call.completion.tool_calls:
                yield StreamEvent(tool_call=tool_call)
            yield StreamEvent(response=call.response)
        except BaseException as exc:
            error = exc
            raise
        finally:
            self._settle(call, error)

    async def _run_stage(self, stage: Stage, call: Call) -> None:
        if self._traces is None:
            await stage.run(call)
            return
        started = time.perf_counter()
        try:
            await stage.run(call)
        finally:
            self._span(call, stage.name, started)

    def _span(self, call: Call, name: str, started: float) -> None:
        if self._traces is not None:
            now = time.perf_counter()
            call.spans.append(
                Span(name, (started - call.started) * 1000, (now - started) * 1000, {})
            )

    def _settle(self, call: Call, error: BaseException | None) -> None:
        completion = call.completion
        response = call.response
        if self._accounts is not None and call.reservation is not None:
            if completion is None and not call.streaming:
                self._accounts.release(call.reservation)
            elif completion is None or not completion.usage_reported:
                # a stream stopped early, or the pFM did not report usage: charge what was held
                held = call.reservation
                self._accounts.settle(held, tokens=held.tokens, cost=held.cost_micros / 1e6)
            else:
                cost = response.usage.cost if response is not None else 0.0
                self._accounts.settle(
                    call.reservation,
                    tokens=completion.input_tokens + completion.output_tokens,
                    cost=cost,
                )
            call.reservation = None
        if isinstance(error, RunError) and error.trace_id is None:
            error.trace_id = call.trace_id
        if self._traces is not None and not isinstance(error, UserError):
            self._traces.submit(_trace_record(call, error))  # rejected input leaves no trace


def _trace_record(call: Call, error: BaseException | None) -> TraceRecord:
    identity = call.request.identity
    completion = call.completion or Completion()
    response = call.response
    return TraceRecord(
        id=call.trace_id,
        tenant=identity.tenant,
        app=identity.app,
        session=identity.session,
        vfm=call.vfm_name,
        pfm=call.pfm.name,
        pfm_version=completion.model_version or call.pfm.backend.version,
        status="ok" if error is None else "error",
        error=None if error is None else f"{type(error).__name__}: {error}",
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        cached_tokens=completion.cached_tokens,
        reasoning_tokens=completion.reasoning_tokens,
        cost=response.usage.cost if response is not None else 0.0,
        latency_ms=(time.perf_counter() - call.started) * 1000,
        traps=list(call.traps),
        provenance=call.provenance(),
        request=call.request,
        response=response,
        spans=call.spans,
    )
