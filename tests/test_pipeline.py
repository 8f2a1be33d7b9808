"""The request pipeline end to end, with the scripted pFM: calls, streams, settling, traces."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from kernels import (
    ChunkedBackend,
    assert_settled,
    reservation_rows,
    trace_rows,
    usage,
)

from fmos_core import (
    FMOS,
    BackendError,
    BackendUnavailable,
    Completion,
    Config,
    ConfigError,
    Message,
    Request,
    Response,
    ToolCall,
    ToolSpec,
    VerificationFailed,
)
from fmos_core.store import BudgetLedger, Database, TraceReader
from fmos_core.testing import ScriptedBackend, tool_call

# --- invoke / ainvoke / stream / astream ---------------------------------------------------


def test_invoke_returns_a_full_response(make):
    backend = ScriptedBackend([usage("hello", input_tokens=1000, output_tokens=500)])
    fmos = make(
        {"s": backend},
        profiles={"s": {"input_price_per_mtok": 2.0, "output_price_per_mtok": 10.0}},
    )
    response = fmos.vfm().invoke("hi")
    assert isinstance(response, Response)
    assert response.text == "hello"
    assert response.message.role == "assistant"
    assert (response.vfm, response.pfm, response.pfm_version) == ("default", "s", "scripted-7")
    assert re.fullmatch(r"[0-9a-f]{32}", response.trace_id)
    assert (response.usage.input_tokens, response.usage.output_tokens) == (1000, 500)
    assert response.usage.cost == pytest.approx((1000 * 2.0 + 500 * 10.0) / 1e6)
    assert response.traps == []
    assert response.finish_reason == "stop"
    assert backend.requests[0].messages == [Message(role="user", content="hi")]
    backend.assert_consumed()


def test_invoke_passes_options_through_to_the_pfm(make):
    backend = ScriptedBackend(["ok"])
    fmos = make({"s": backend})
    fmos.vfm().invoke(
        [{"role": "user", "content": "hi"}],
        max_tokens=7,
        temperature=0.5,
        seed=3,
        stop=["\n"],
        tenant="acme",
        app="shop",
        session="s1",
        tags=["t"],
    )
    request = backend.requests[0]
    assert request.max_tokens == 7
    assert (request.sampling.temperature, request.sampling.seed) == (0.5, 3)
    assert request.sampling.stop == ["\n"]
    assert (request.identity.tenant, request.identity.app, request.identity.session) == (
        "acme",
        "shop",
        "s1",
    )
    trace = fmos.traces.list()[0]
    assert (trace.tenant, trace.app, trace.session) == ("acme", "shop", "s1")


async def test_ainvoke(make):
    fmos = make({"s": ScriptedBackend(["from async"])})
    response = await fmos.vfm().ainvoke("hi")
    assert (response.text, response.pfm) == ("from async", "s")
    assert fmos.traces.get(response.trace_id).status == "ok"


async def test_sync_invoke_works_inside_a_running_event_loop(make):
    fmos = make({"s": ScriptedBackend(["sync in async"])})
    assert fmos.vfm().invoke("hi").text == "sync in async"


def test_stream_yields_deltas_then_the_response(make):
    fmos = make(
        {"s": ChunkedBackend([usage("one two three", output_tokens=3)])},
        profiles={"s": {"output_price_per_mtok": 1.0}},
    )
    events = list(fmos.vfm().stream("count"))
    deltas = [e.delta for e in events[:-1]]
    assert deltas == ["one ", "two ", "three"]
    assert all(e.response is None and e.tool_call is None for e in events[:-1])
    final = events[-1].response
    assert final is not None and events[-1].delta == ""
    assert final.text == "one two three" == "".join(deltas)
    assert final.usage.output_tokens == 3
    assert final.usage.cost == pytest.approx(3 / 1e6)
    trace = fmos.traces.get(final.trace_id)
    assert trace.status == "ok"
    assert [s.name for s in trace.spans] == [
        "admit",
        "context",
        "guard",
        "reason",
        "reserve",
        "trap_check",
        "route",
        "execute",
        "verify",
    ]


async def test_astream_yields_deltas_then_the_response(make):
    fmos = make({"s": ChunkedBackend(["alpha beta"])})
    events = [e async for e in fmos.vfm().astream("hi")]
    assert [e.delta for e in events[:-1]] == ["alpha ", "beta"]
    assert events[-1].response is not None
    assert events[-1].response.text == "alpha beta"
    assert trace_rows(fmos) == 1


def test_stream_reports_tool_calls_before_the_response(make):
    fmos = make({"s": ScriptedBackend([tool_call("lookup", q="x")])})
    tools = [ToolSpec(name="lookup", privilege="read")]
    events = list(fmos.vfm().stream("find x", tools=tools, tenant="acme"))
    expected = ToolCall(id="call_lookup", name="lookup", arguments={"q": "x"})
    assert [e.tool_call for e in events[:-1]] == [expected]
    assert events[-1].response.tool_calls == [expected]
    assert events[-1].response.finish_reason == "tool_calls"


def test_a_stream_stopped_early_charges_what_was_held_and_traces_once(make):
    backend = ChunkedBackend(["a b c d"])
    fmos = make({"s": backend})
    fmos.budgets.set("default", tokens=10_000)
    events = fmos.vfm().stream("hi", max_tokens=50)
    assert next(events).delta == "a "
    assert backend.open_streams == 1
    events.close()
    # settled when close() returns, not later when the generators are collected
    assert backend.open_streams == 0
    status = fmos.budgets.show("default")
    assert status.tokens_used > 50  # the whole reservation: prompt estimate + max_tokens
    assert_settled(fmos, "default", tokens=status.tokens_used, requests=1)
    assert trace_rows(fmos) == 1
    assert fmos.traces.list()[0].status == "error"


def test_a_pfm_that_reports_no_usage_is_charged_its_whole_reservation(make):
    silent = Completion(content="ok", usage_reported=False)  # like a stream without usage
    fmos = make({"s": ScriptedBackend([silent, usage()])})
    fmos.budgets.set("default", tokens=10_000)
    request = Request(messages=[Message(role="user", content="hi")], max_tokens=40)
    held, _ = fmos.pfms["s"].estimate(request)
    fmos.vfm().invoke(request)
    assert_settled(fmos, "default", tokens=held, requests=1)
    fmos.vfm().invoke(request)  # a pFM that reports usage is charged what it reports
    assert_settled(fmos, "default", tokens=held + 30, requests=2)


async def test_an_astream_left_early_is_settled_when_closed(make):
    backend = ChunkedBackend(["a b c d"])
    fmos = make({"s": backend})
    fmos.budgets.set("default", tokens=10_000)
    events = fmos.vfm().astream("hi", max_tokens=50)
    async for event in events:
        assert event.delta == "a "
        break
    await events.aclose()
    assert backend.open_streams == 0
    status = fmos.budgets.show("default")
    assert (status.tokens_reserved, status.requests_used) == (0, 1)
    assert reservation_rows(fmos) == 0


# --- system prompt and provenance ----------------------------------------------------------


def test_system_prompt_is_prepended_and_listed_in_provenance(make):
    backend = ScriptedBackend(["ok", "ok"])
    fmos = make(
        {"s": backend},
        vfms={"default": {"pfms": ["s"], "system_prompt": "You are terse."}},
    )
    response = fmos.vfm().invoke("hi")
    assert backend.requests[0].messages == [
        Message(role="system", content="You are terse."),
        Message(role="user", content="hi"),
    ]
    assert "system_prompt:default" in response.provenance.policies
    stored = fmos.traces.get(response.trace_id)
    assert "system_prompt:default" in stored.provenance["policies"]
    assert [s.name for s in stored.spans] == [
        "admit",
        "context",
        "guard",
        "reason",
        "reserve",
        "trap_check",
        "route",
        "execute",
        "verify",
    ]
    # the caller's own system message is kept, not doubled
    fmos.vfm().invoke([{"role": "system", "content": "Mine."}, {"role": "user", "content": "x"}])
    assert [m.content for m in backend.requests[1].messages] == ["Mine.", "x"]


def test_system_prompt_applies_only_to_its_vfm(make):
    backend = ScriptedBackend(["ok"])
    fmos = make(
        {"s": backend},
        vfms={"plain": {"pfms": ["s"]}, "terse": {"pfms": ["s"], "system_prompt": "Short."}},
    )
    response = fmos.vfm("plain").invoke("hi")
    assert [m.role for m in backend.requests[0].messages] == ["user"]
    assert response.provenance.policies == []


def test_inactive_stages_are_left_out(make):
    plain = make({"s": ScriptedBackend([])})
    assert [s.name for s in plain.pipeline.stages] == [
        "admit",
        "context",
        "guard",
        "reason",
        "reserve",
        "trap_check",
        "route",
        "execute",
        "verify",
        "settle",
    ]
    prompted = make(
        {"s": ScriptedBackend([])}, vfms={"default": {"pfms": ["s"], "system_prompt": "Hi."}}
    )
    assert [s.name for s in prompted.pipeline.stages] == [
        "admit",
        "context",
        "guard",
        "reason",
        "reserve",
        "trap_check",
        "route",
        "execute",
        "verify",
        "settle",
    ]


# --- verification of structured output -------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


def test_response_schema_output_that_is_not_json_fails_after_its_repair(make):
    backend = ScriptedBackend([usage("n is five"), usage("n = 5")])
    fmos = make({"s": backend})
    fmos.budgets.set("default", tokens=10_000)
    with pytest.raises(VerificationFailed, match=r"not JSON.*after 1 repair") as info:
        fmos.vfm().invoke("n?", response_schema=SCHEMA)
    stored = fmos.traces.get(info.value.trace_id)
    assert stored.status == "error" and stored.error.startswith("VerificationFailed")
    assert_settled(fmos, "default", tokens=60, requests=1)  # both answers ran: both charged
    repair = backend.requests[1].messages
    assert repair[-2].content == "n is five" and "rejected" in repair[-1].content


def test_a_schema_mismatch_is_repaired_once_and_charged(make):
    backend = ScriptedBackend([usage('{"n": "five"}'), usage(json.dumps({"n": 5}))])
    fmos = make({"s": backend})
    fmos.budgets.set("default", tokens=10_000)
    response = fmos.vfm().invoke("n?", response_schema=SCHEMA)
    assert response.parsed() == {"n": 5}
    assert response.usage.total_tokens == 60  # the rejected answer and the repair
    assert "'five' is not of type 'integer'" in backend.requests[1].messages[-1].content
    assert_settled(fmos, "default", tokens=60, requests=1)


def test_without_repairs_a_schema_mismatch_fails_at_once(tmp_path):
    config = Config.parse(
        {
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"], "verify": {"repair_retries": 0}}},
            "state": {"url": f"sqlite:///{tmp_path / 's.db'}"},
        }
    )
    backend = ScriptedBackend(['{"n": "five"}'])
    fmos = FMOS(config, backends={"s": backend})
    with fmos, pytest.raises(VerificationFailed, match="failed schema validation"):
        fmos.vfm().invoke("n?", response_schema=SCHEMA)
    assert len(backend.requests) == 1


# --- failures of the pFM ---------------------------------------------------------------------


NO_RETRIES = {"default": {"pfms": ["s"], "fallback": {"retries": 0}}}  # see test_failover.py


def test_backend_unavailable_propagates_typed_and_releases_the_reservation(make):
    down = BackendUnavailable("connection refused", pfm="s")
    fmos = make({"s": ScriptedBackend([down])}, vfms=NO_RETRIES)
    fmos.budgets.set("default", tokens=10_000, cost=1.0, requests=5)
    with pytest.raises(BackendUnavailable) as info:
        fmos.vfm().invoke("hi")
    assert info.value is down
    assert info.value.pfm == "s"
    assert_settled(fmos, "default", tokens=0, requests=0)
    stored = fmos.traces.get(info.value.trace_id)
    assert stored.status == "error"
    assert stored.error == "BackendUnavailable: connection refused"


def test_backend_unavailable_in_a_stream_releases_the_reservation(make):
    fmos = make({"s": ScriptedBackend([BackendUnavailable("refused", pfm="s")])}, vfms=NO_RETRIES)
    fmos.budgets.set("default", tokens=10_000)
    with pytest.raises(BackendUnavailable):
        list(fmos.vfm().stream("hi"))
    assert_settled(fmos, "default", tokens=0, requests=0)
    assert trace_rows(fmos) == 1


def test_other_backend_errors_keep_their_type(make):
    class Flaky(BackendError):
        pass

    fmos = make({"s": ScriptedBackend([Flaky("odd", pfm="s")])})
    with pytest.raises(Flaky):
        fmos.vfm().invoke("hi")


# --- traces -----------------------------------------------------------------------------------


def test_every_request_writes_exactly_one_complete_trace(make):
    backend = ScriptedBackend(
        [usage("a", input_tokens=11, output_tokens=3), usage("b", input_tokens=12, output_tokens=4)]
    )
    fmos = make({"s": backend}, profiles={"s": {"input_price_per_mtok": 1000.0}})
    first = fmos.vfm().invoke("one", tenant="acme")
    second = fmos.vfm().invoke("two", tenant="ops")
    assert trace_rows(fmos) == 2
    for response, tenant, tokens in ((first, "acme", (11, 3)), (second, "ops", (12, 4))):
        stored = fmos.traces.get(response.trace_id)
        assert (stored.tenant, stored.vfm, stored.pfm, stored.pfm_version) == (
            tenant,
            "default",
            "s",
            "scripted-7",
        )
        assert stored.status == "ok" and stored.error is None
        assert (stored.input_tokens, stored.output_tokens) == tokens
        assert stored.cost == pytest.approx(tokens[0] * 1000.0 / 1e6)
        assert stored.cost == pytest.approx(response.usage.cost)
        assert stored.latency_ms > 0
        assert stored.response["message"]["content"] == response.text
        assert stored.request["messages"][0]["role"] == "user"
        names = [s.name for s in stored.spans]
        assert names == [
            "admit",
            "context",
            "guard",
            "reason",
            "reserve",
            "trap_check",
            "route",
            "execute",
            "verify",
        ]
        assert all(s.duration_ms >= 0 and s.start_ms >= 0 for s in stored.spans)
        starts = [s.start_ms for s in stored.spans]
        assert starts == sorted(starts)
        assert stored.spans[-1].start_ms <= stored.latency_ms
    assert [t.id for t in fmos.traces.list()] == [second.trace_id, first.trace_id]
    assert [t.id for t in fmos.traces.list(tenant="acme")] == [first.trace_id]


def test_tracing_can_be_switched_off_while_budgets_stay(make, tmp_path):
    cfg = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/t.db", "trace": False},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}},
        }
    )
    with FMOS(cfg, backends={"s": ScriptedBackend([usage()])}) as fmos:
        fmos.budgets.set("default", tokens=1000)
        fmos.vfm().invoke("hi")
        assert trace_rows(fmos) == 0
        assert_settled(fmos, "default", tokens=30, requests=1)


# --- no state ---------------------------------------------------------------------------------


async def test_pipeline_without_state_works_and_reserves_nothing(make, tmp_path):
    fmos = make({"s": ScriptedBackend(["stateless", "again"])}, state=False)
    assert fmos.db is None
    response = fmos.vfm().invoke("hi")
    assert (response.text, response.pfm) == ("stateless", "s")
    assert re.fullmatch(r"[0-9a-f]{32}", response.trace_id)
    with pytest.raises(ConfigError, match="need the state store"):
        _ = fmos.budgets
    with pytest.raises(ConfigError, match="need the state store"):
        _ = fmos.traces
    with pytest.raises(ConfigError, match="need the state store"):
        _ = fmos.approvals
    assert not (tmp_path / "s.db").exists()

    admit = fmos.pipeline.stages[0]
    assert admit.name == "admit"
    call = fmos.new_call(fmos.vfm(), Request(messages=[Message(role="user", content="hi")]))
    await admit.run(call)
    assert call.reservation is None
    assert call.pending == []
    assert (await fmos.pipeline.run(call)).text == "again"


def test_a_kernel_never_closed_still_writes_what_it_queued_at_exit(tmp_path):
    script = f"""
from fmos_core import FMOS, Config
from fmos_core.testing import ScriptedBackend
cfg = Config.parse({{"state": {{"url": "sqlite:///{tmp_path}/exit.db"}},
                     "pfms": {{"s": {{"driver": "scripted"}}}},
                     "vfms": {{"default": {{"pfms": ["s"]}}}}}})
fmos = FMOS(cfg, backends={{"s": ScriptedBackend(["ok"], repeat=True, output_tokens=2)}})
fmos.budgets.set("default", tokens=1000)
for _ in range(5):
    fmos.vfm().invoke("hi", max_tokens=10)
"""  # and the interpreter exits with the writer's queue unflushed
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    db = Database(f"sqlite:///{tmp_path}/exit.db")
    status = BudgetLedger(db).show("default")
    assert (status.requests_used, status.tokens_reserved) == (5, 0)
    assert len(TraceReader(db).list()) == 5
    db.close()


def test_the_prompt_is_counted_once_per_pfm_on_the_hot_path(make):
    class Counting(ScriptedBackend):
        counted = 0

        def count_tokens(self, request: Request) -> int:
            self.counted += 1
            return super().count_tokens(request)

    backend = Counting(["ok"])
    fmos = make({"s": backend})
    fmos.budgets.set("default", tokens=10_000)  # admission and the window check both need it
    fmos.vfm().invoke("hi", max_tokens=8)
    assert backend.counted == 2  # once by the pipeline, once by the scripted pFM's own usage
