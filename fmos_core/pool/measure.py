"""Measure one pFM through the ``Backend`` interface: load, first token, speed, success.

Everything goes through ``Backend.stream``, so it works for any driver. Requests are
greedy (temperature 0, seed 0) so two runs of the same eval set are comparable.

Example:
    >>> import asyncio, re
    >>> from pathlib import Path
    >>> from fmos_core.pool.evalset import EvalItem, EvalSet
    >>> from fmos_core.testing import ScriptedBackend
    >>> items = (EvalItem("2+2?", re.compile("4")), EvalItem("3+3?", re.compile("6")))
    >>> evalset = EvalSet(Path("e.jsonl"), "0" * 64, items)
    >>> build = lambda: ScriptedBackend(["hi", "4", "5"])
    >>> p = asyncio.run(measure_backend(build, evalset, pfm="s", driver="scripted"))
    >>> (p.items, p.successes, p.model_version)
    (2, 1, 'scripted-1')
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fmos_core.backends import Backend, Completion
from fmos_core.contract import Message, Request, Sampling
from fmos_core.errors import BackendError
from fmos_core.pool.evalset import EvalItem, EvalSet
from fmos_core.pool.record import ItemResult, PoolProfile, format_time

WARM_UP_PROMPT = "Say hello."
_ANSWER_KEPT = 200


@dataclass(slots=True)
class _Timed:
    """One streamed call: its text, the pFM's completion, and when things happened."""

    text: str
    completion: Completion | None
    deltas: int
    first_s: float  # from the request to the first text delta (to the end if none)
    total_s: float  # from the request to the last chunk

    @property
    def output_tokens(self) -> int:
        c = self.completion
        return c.output_tokens if c is not None and c.usage_reported and c.output_tokens else 0


async def measure_backend(
    build: Callable[[], Backend], evalset: EvalSet, *, pfm: str, driver: str
) -> PoolProfile:
    """Build a backend with ``build``, warm it up, run ``evalset`` on it, close it.

    A failing warm-up raises (the pFM cannot be profiled); a failing item counts as
    a failure with its error recorded.
    """
    created = datetime.now(UTC)
    start = time.perf_counter()
    backend = build()
    try:
        build_s = time.perf_counter() - start
        warm = await _stream(backend, _request(WARM_UP_PROMPT, 8))
        load_s = build_s + warm.first_s
        results = [await _run_item(backend, item) for item in evalset.items]
    finally:
        await backend.aclose()
    timed = [t for t, r in results if r.error is None]  # failed calls time nothing
    estimated = any(t.output_tokens == 0 and t.deltas for t in timed)
    tokens = sum(t.output_tokens or t.deltas for t in timed)
    generation_s = sum(t.total_s for t in timed)
    return PoolProfile(
        pfm=pfm,
        driver=driver,
        model_version=_version(backend, warm, timed),
        created_at=format_time(created),
        load_s=load_s,  # full precision: a scripted pFM loads in microseconds
        ttft_ms=statistics.median(t.first_s for t in timed) * 1000 if timed else 0.0,
        tokens_per_s=tokens / generation_s if generation_s > 0 else 0.0,
        items=len(results),
        successes=sum(r.ok for _, r in results),
        errors=sum(r.error is not None for _, r in results),
        output_tokens=tokens,
        generation_s=generation_s,
        tokens_estimated=estimated,
        eval_file=str(evalset.path),
        eval_sha256=evalset.sha256,
        results=[r for _, r in results],
    )


async def _run_item(backend: Backend, item: EvalItem) -> tuple[_Timed, ItemResult]:
    started = time.perf_counter()
    try:
        timed = await _stream(backend, _request(item.prompt, item.max_tokens))
    except BackendError as exc:
        failed = _Timed("", None, 0, time.perf_counter() - started, 0.0)
        error = f"{type(exc).__name__}: {exc}"
        return failed, ItemResult(False, "", failed.first_s * 1000, 0, error)
    result = ItemResult(
        ok=item.check(timed.text),
        answer=timed.text[:_ANSWER_KEPT],
        ttft_ms=round(timed.first_s * 1000, 2),
        output_tokens=timed.output_tokens or timed.deltas,
    )
    return timed, result


async def _stream(backend: Backend, request: Request) -> _Timed:
    parts: list[str] = []
    completion: Completion | None = None
    first: float | None = None
    start = time.perf_counter()
    async for chunk in backend.stream(request):
        if chunk.delta:
            if first is None:
                first = time.perf_counter() - start
            parts.append(chunk.delta)
        if chunk.completion is not None:
            completion = chunk.completion
    total = time.perf_counter() - start
    text = completion.content if completion is not None and completion.content else "".join(parts)
    return _Timed(text, completion, len(parts), total if first is None else first, total)


def _request(prompt: str, max_tokens: int) -> Request:
    return Request(
        messages=[Message(role="user", content=prompt)],
        max_tokens=max_tokens,
        sampling=Sampling(temperature=0.0, seed=0),
        tags=["pool-profile"],
    )


def _version(backend: Backend, warm: _Timed, timed: list[_Timed]) -> str:
    for call in (warm, *timed):
        if call.completion is not None and call.completion.model_version:
            return call.completion.model_version
    return backend.version
