"""The pipeline: stages in explicit order, then settle — for calls and streams.

The stages before ``settle`` run in order; ``settle`` always runs last, whether the
call succeeded or failed (it is given ``call.error``). A stage that answers the call
itself (the exact cache on a hit) sets ``call.served``: the stages after it are skipped.

Example:
    >>> [s.name for s in Pipeline.default_order]  # doctest: +NORMALIZE_WHITESPACE
    ['admit', 'context', 'guard', 'reason', 'cache', 'reserve', 'trap_check', 'route',
     'execute', 'verify', 'cache_store', 'settle']
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from typing import ClassVar

from fmos_core.backends import Completion
from fmos_core.contract import Response, StreamEvent
from fmos_core.pipeline.cache import Cache, CacheStore
from fmos_core.pipeline.call import Call
from fmos_core.pipeline.guard import Guard
from fmos_core.pipeline.reason import Reason
from fmos_core.pipeline.route import Route
from fmos_core.pipeline.settle import Settle
from fmos_core.pipeline.stages import (
    Admit,
    Context,
    Execute,
    Reserve,
    Stage,
    TrapCheck,
    build_response,
)
from fmos_core.pipeline.verify import Verify
from fmos_core.store.traces import Span


class Pipeline:
    """Runs a ``Call`` through its stages; inactive stages are dropped at build time."""

    default_order: ClassVar[tuple[type[Stage], ...]] = (
        Admit,
        Context,
        Guard,
        Reason,
        Cache,
        Reserve,
        TrapCheck,
        Route,
        Execute,
        Verify,
        CacheStore,
        Settle,
    )

    def __init__(self, stages: list[Stage], *, timed: bool) -> None:
        """``stages`` end with ``settle``; ``timed`` records a span per stage."""
        *steps, settle = [s for s in stages if s.active]
        if settle.name != "settle" or "execute" not in [s.name for s in steps]:
            raise ValueError("a pipeline needs an 'execute' stage and ends with 'settle'")
        self.stages = [*steps, settle]
        split = [s.name for s in steps].index("execute")
        execute = steps[split]
        if not isinstance(execute, Execute):
            raise ValueError("a pipeline's 'execute' stage must be an Execute")
        self._execute = execute
        self._steps = steps
        self._before = steps[:split]
        self._after = steps[split + 1 :]
        self._settle = settle
        self._timed = timed

    async def run(self, call: Call) -> Response:
        """Run every stage, then settle; returns the response."""
        error: BaseException | None = None
        try:
            for stage in self._steps:
                await self._run_stage(stage, call)
                if call.served:
                    break
            assert call.response is not None
            return call.response
        except BaseException as exc:
            error = exc
            raise
        finally:
            call.error = error
            await self._settle.run(call)

    async def stream(self, call: Call) -> AsyncGenerator[StreamEvent, None]:
        """Like ``run``, but yields text deltas as the pFM produces them, then the response."""
        error: BaseException | None = None
        call.wants_stream = True  # the cache stays out of streams
        try:
            for stage in self._before:
                await self._run_stage(stage, call)
            started = time.perf_counter()
            chunks = self._execute.stream(call)  # fails over until its first chunk
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
            if call.recall is not None and call.recall.wanted(call.completion):
                call.completion = await call.recall.serve(call, call.completion)
                if call.completion.content:  # the answer after recall, in one piece
                    yield StreamEvent(delta=call.completion.content)
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
            call.error = error
            await self._settle.run(call)

    async def _run_stage(self, stage: Stage, call: Call) -> None:
        if not self._timed:
            await stage.run(call)
            return
        started = time.perf_counter()
        try:
            await stage.run(call)
        finally:
            self._span(call, stage.name, started)

    def _span(self, call: Call, name: str, started: float) -> None:
        if self._timed:
            now = time.perf_counter()
            call.spans.append(
                Span(name, (started - call.started) * 1000, (now - started) * 1000, {})
            )
