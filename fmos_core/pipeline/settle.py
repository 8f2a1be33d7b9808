"""The settle stage: close the budget reservation and queue the trace, always.

It runs last for every call, successful or not: the reservation becomes actual
usage (or the whole hold when the pFM's usage is unknown, or nothing when the pFM
never ran), and one trace record goes to the state writer. Input rejected as a
caller's mistake leaves no trace.
"""

from __future__ import annotations

import time

from fmos_core.backends import Completion
from fmos_core.errors import RunError, UserError
from fmos_core.pipeline.accounts import Accounts
from fmos_core.pipeline.call import Call
from fmos_core.pipeline.stages import Stage
from fmos_core.store.traces import TraceRecord
from fmos_core.store.writer import StateWriter


class Settle(Stage):
    """Settles usage and writes the trace; reads ``call.error`` to know how it ended."""

    name = "settle"

    def __init__(self, accounts: Accounts | None, writer: StateWriter | None) -> None:
        self._accounts = accounts
        self._writer = writer

    async def run(self, call: Call) -> None:
        error = call.error
        if self._accounts is not None and call.reservation is not None:
            self._settle(call, self._accounts)
        if isinstance(error, RunError) and error.trace_id is None:
            error.trace_id = call.trace_id
        if self._writer is not None and not isinstance(error, UserError):
            self._writer.submit(trace_record(call, error))  # rejected input leaves no trace

    @staticmethod
    def _settle(call: Call, accounts: Accounts) -> None:
        held, completion = call.reservation, call.completion
        assert held is not None
        for extra in call.extra_reservations:  # the first reservation takes all the usage
            accounts.release(extra)
        call.extra_reservations.clear()
        if completion is None and not call.streaming:
            if call.side_tokens or call.side_cost:
                accounts.settle(held, tokens=call.side_tokens, cost=call.side_cost)
            else:
                accounts.release(held)
        elif completion is None or not completion.usage_reported:
            # a stream stopped early, or the pFM did not report usage: charge what was held
            accounts.settle(held, tokens=held.tokens, cost=held.cost_micros / 1e6)
        else:
            cost = call.pfm.profile.cost(
                input_tokens=completion.input_tokens, output_tokens=completion.output_tokens
            )
            accounts.settle(
                held,
                tokens=completion.input_tokens + completion.output_tokens + call.side_tokens,
                cost=cost + call.side_cost,
            )
        call.reservation = None


def call_signals(call: Call) -> dict[str, object] | None:
    """The decisions a call records for learning and explaining: the app's checks,
    ladder, route, reasoning."""
    signals: dict[str, object] = {}
    if call.check_failures is not None:
        signals["checks"] = {"passed": not call.check_failures, "failures": call.check_failures}
    if call.ladder is not None:
        signals["ladder"] = call.ladder.to_json()
    if call.route is not None:
        signals["route"] = call.route.to_json()
    if call.reasoning is not None:
        signals["reasoning"] = call.reasoning.to_json()
    return signals or None


def trace_record(call: Call, error: BaseException | None) -> TraceRecord:
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
        signals=call_signals(call),
        redact_pii=call.vfm.trust.pii != "off",
    )
