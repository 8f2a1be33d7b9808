"""The request pipeline end to end, with the scripted pFM: calls, streams, traps, settling."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from fmos_core import (
    FMOS,
    ApprovalDenied,
    ApprovalRequired,
    BackendError,
    BackendUnavailable,
    BadRequest,
    BudgetExceeded,
    Chunk,
    Completion,
    Config,
    ConfigError,
    ContextWindowExceeded,
    Message,
    Request,
    Response,
    ToolCall,
    ToolSpec,
    VerificationFailed,
)
from fmos_core.store import BudgetLedger, Database, TraceReader, schema
from fmos_core.testing import ScriptedBackend, tool_call
from fmos_core.traps import Trap

LONG_PROMPT = "please summarise this text " * 20  # ~280 bytes: ~150 estimated tokens


class ChunkedBackend(ScriptedBackend):
    """A scripted pFM that streams its reply word by word, like a real one.

    ``open_streams`` counts streams begun and not yet closed (a real driver holds a
    connection for each).
    """

    open_streams = 0

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        self.open_streams += 1
        try:
            completion = await self.complete(request)
            for piece in re.findall(r"\S+\s*", completion.content):
                yield Chunk(delta=piece)
            yield Chunk(completion=completion)
        finally:
            self.open_streams -= 1


def usage(content: str = "done", *, input_tokens: int = 20, output_tokens: int = 10) -> Completion:
    """A completion with fixed, known usage."""
    return Completion(
        content=content,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        model_version="scripted-7",
    )


@pytest.fixture
def make(tmp_path):
    """Build kernels on a fresh SQLite file; every kernel is closed after the test."""
    made: list[FMOS] = []

    def build(
        backends: dict[str, ScriptedBackend],
        *,
        vfms: dict[str, dict] | None = None,
        tenants: dict[str, dict] | None = None,
        profiles: dict[str, dict] | None = None,
        state: bool = True,
    ) -> FMOS:
        profiles = profiles or {}
        pfms = {
            name: {"driver": "scripted", "profile": profiles.get(name, {})} for name in backends
        }
        cfg = Config.parse(
            {
                "state": {"url": f"sqlite:///{tmp_path}/s.db", "enabled": state},
                "pfms": pfms,
                "vfms": vfms or {"default": {"pfms": list(backends)}},
                "tenants": tenants
                or {"default": {}, "acme": {"clearance": "read"}, "ops": {"clearance": "admin"}},
            }
        )
        kernel = FMOS(cfg, backends=backends)
        made.append(kernel)
        return kernel

    yield build
    for kernel in made:
        kernel.close()


def trace_rows(fmos: FMOS) -> int:
    fmos.flush()
    with fmos.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.traces)).scalar_one()


def reservation_rows(fmos: FMOS) -> int:
    with fmos.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.reservations)).scalar_one()


def assert_settled(fmos: FMOS, tenant: str, *, tokens: int, requests: int) -> None:
    status = fmos.budgets.show(tenant)
    assert (status.tokens_used, status.requests_used) == (tokens, requests)
    assert (status.tokens_reserved, status.requests_reserved, status.cost_reserved) == (0, 0, 0)
    assert reservation_rows(fmos) == 0


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
    assert [s.name for s in trace.spans] == ["admit", "trap_check", "route", "execute", "verify"]


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
        "trap_check",
        "route",
        "execute",
        "verify",
        "settle",
    ]


# --- route ---------------------------------------------------------------------------------

GET_TIME = ToolSpec(name="get_time")


def test_route_moves_a_tool_request_to_a_pfm_that_has_tools(make):
    plain, tooled = ScriptedBackend([]), ScriptedBackend([usage("it is noon")])
    fmos = make({"plain": plain, "tooled": tooled}, profiles={"plain": {"tools": False}})
    fmos.budgets.set("default", tokens=10_000)
    response = fmos.vfm().invoke("time?", tools=[GET_TIME], max_tokens=20)
    assert response.pfm == "tooled"
    assert "route:plain->tooled:tools" in response.provenance.policies
    assert_settled(fmos, "default", tokens=30, requests=1)  # the reservation followed
    plain.assert_consumed()
    # without tools the preferred pFM serves, untouched by routing
    fmos2 = make({"plain": ScriptedBackend(["hi"]), "tooled": ScriptedBackend([])})
    assert fmos2.vfm().invoke("hi").pfm == "plain"


def test_route_refuses_a_request_no_pfm_can_serve(make):
    fmos = make(
        {"a": ScriptedBackend([]), "b": ScriptedBackend([])},
        profiles={"a": {"logprobs": False}, "b": {"logprobs": False}},
    )
    fmos.budgets.set("default", tokens=10_000)
    with pytest.raises(BadRequest, match=r"no pFM of VFM 'default' supports logprobs"):
        fmos.vfm().invoke("hi", logprobs=True)
    assert_settled(fmos, "default", tokens=0, requests=0)
    assert trace_rows(fmos) == 0


# --- model trap -----------------------------------------------------------------------------


def test_model_trap_reroutes_a_prompt_too_long_for_the_first_pfm(make):
    small, big = ScriptedBackend([]), ScriptedBackend([usage("big answer")])
    fmos = make(
        {"small": small, "big": big},
        profiles={"small": {"context_window": 64}},
    )
    fmos.budgets.set("default", tokens=100_000)
    response = fmos.vfm().invoke(LONG_PROMPT, max_tokens=16)
    assert (response.pfm, response.text) == ("big", "big answer")
    assert small.requests == []
    assert [(t.type, t.action) for t in response.traps] == [("model", "rerouted from small to big")]
    assert "exceeds small's context window of 64" in response.traps[0].reason
    stored = fmos.traces.get(response.trace_id)
    assert stored.pfm == "big"
    assert stored.traps == [t.model_dump() for t in response.traps]
    assert_settled(fmos, "default", tokens=30, requests=1)  # the moved reservation settled


def test_reroute_fits_a_budget_that_holds_exactly_one_call(make):
    small, big = ScriptedBackend([]), ScriptedBackend([usage("big answer")])
    fmos = make({"small": small, "big": big}, profiles={"small": {"context_window": 64}})
    request = Request(messages=[Message(role="user", content=LONG_PROMPT)], max_tokens=16)
    one_call, _ = fmos.pfms["big"].estimate(request)
    fmos.budgets.set("default", tokens=one_call + 10)  # never two reservations at once
    response = fmos.vfm().invoke(request)
    assert response.pfm == "big"
    assert_settled(fmos, "default", tokens=30, requests=1)


def test_a_reroute_the_budget_cannot_cover_is_refused_with_nothing_held(make):
    small = ScriptedBackend([])
    big = ScriptedBackend([])
    fmos = make(
        {"small": small, "big": big},
        profiles={"small": {"context_window": 64}, "big": {"input_price_per_mtok": 1000.0}},
    )
    fmos.budgets.set("default", cost=0.01)  # small is free; big's prompt alone costs ~0.15
    with pytest.raises(BudgetExceeded, match="cost budget"):
        fmos.vfm().invoke(LONG_PROMPT, max_tokens=16)
    assert small.requests == big.requests == []
    assert_settled(fmos, "default", tokens=0, requests=0)


def test_a_prompt_that_fits_no_pfm_fails_clearly_and_spends_nothing(make):
    small, tiny = ScriptedBackend([]), ScriptedBackend([])
    fmos = make(
        {"small": small, "tiny": tiny},
        profiles={"small": {"context_window": 64}, "tiny": {"context_window": 32}},
    )
    fmos.budgets.set("default", tokens=100_000, cost=1.0, requests=10)
    with pytest.raises(ContextWindowExceeded) as info:
        fmos.vfm().invoke(LONG_PROMPT, max_tokens=16)
    message = str(info.value)
    assert "small=64" in message and "tiny=32" in message
    assert "shorten the messages or lower max_tokens" in message
    assert small.requests == tiny.requests == []
    assert_settled(fmos, "default", tokens=0, requests=0)
    assert fmos.budgets.show("default").cost_used == 0
    stored = fmos.traces.get(info.value.trace_id)
    assert stored.status == "error"
    assert stored.error.startswith("ContextWindowExceeded")
    assert [(t["type"], t["action"]) for t in stored.traps] == [
        ("model", "raised ContextWindowExceeded")
    ]


# --- budget trap ----------------------------------------------------------------------------


def test_budget_trap_refuses_and_spends_nothing(make):
    backend = ScriptedBackend([])
    fmos = make({"s": backend})
    fmos.budgets.set("default", tokens=10)
    with pytest.raises(BudgetExceeded) as info:
        fmos.vfm().invoke("hi", max_tokens=16)
    error = info.value
    assert (error.tenant, error.resource, error.limit) == ("default", "tokens", 10)
    assert "fmos budget set --tenant default --tokens" in str(error)
    assert backend.requests == []
    assert_settled(fmos, "default", tokens=0, requests=0)
    assert trace_rows(fmos) == 1
    stored = fmos.traces.get(error.trace_id)
    assert (stored.status, stored.input_tokens, stored.output_tokens, stored.cost) == (
        "error",
        0,
        0,
        0,
    )
    assert [(t["type"], t["action"]) for t in stored.traps] == [("budget", "raised BudgetExceeded")]


def test_budget_trap_downgrades_to_a_cheaper_pfm_when_allowed(make):
    expensive = ScriptedBackend([])
    cheap = ScriptedBackend([usage("cheap answer", input_tokens=100, output_tokens=50)])
    fmos = make(
        {"expensive": expensive, "cheap": cheap},
        vfms={"default": {"pfms": ["expensive", "cheap"], "allow_downgrade": True}},
        profiles={
            "expensive": {"input_price_per_mtok": 100.0, "output_price_per_mtok": 100.0},
            "cheap": {"input_price_per_mtok": 1.0, "output_price_per_mtok": 2.0},
        },
    )
    fmos.budgets.set("default", cost=0.001)  # expensive needs ~0.011, cheap ~0.0002
    response = fmos.vfm().invoke("hi", max_tokens=100)
    assert (response.pfm, response.text) == ("cheap", "cheap answer")
    assert expensive.requests == []
    assert [(t.type, t.action) for t in response.traps] == [
        ("budget", "downgraded from expensive to cheap")
    ]
    cheap_cost = (100 * 1.0 + 50 * 2.0) / 1e6
    assert response.usage.cost == pytest.approx(cheap_cost)
    status = fmos.budgets.show("default")
    assert status.cost_used == pytest.approx(cheap_cost, abs=1e-6)
    assert_settled(fmos, "default", tokens=150, requests=1)
    assert fmos.traces.get(response.trace_id).traps[0]["action"].startswith("downgraded")


def test_no_downgrade_without_allow_downgrade(make):
    fmos = make(
        {"expensive": ScriptedBackend([]), "cheap": ScriptedBackend([])},
        profiles={
            "expensive": {"input_price_per_mtok": 100.0},
            "cheap": {"input_price_per_mtok": 1.0},
        },
    )
    fmos.budgets.set("default", cost=0.0001)
    with pytest.raises(BudgetExceeded, match="cost budget"):
        fmos.vfm().invoke("hi", max_tokens=100)
    assert_settled(fmos, "default", tokens=0, requests=0)


def test_downgrade_never_sends_a_prompt_past_the_cheap_pfms_window(make):
    expensive = ScriptedBackend([])
    cheap = ScriptedBackend(["should not be called"])
    fmos = make(
        {"expensive": expensive, "cheap": cheap},
        vfms={"default": {"pfms": ["expensive", "cheap"], "allow_downgrade": True}},
        profiles={
            "expensive": {"input_price_per_mtok": 100.0},
            "cheap": {"input_price_per_mtok": 1.0, "context_window": 64},
        },
    )
    fmos.budgets.set("default", cost=0.001)
    # cheap is affordable but too small; expensive fits but is not affordable
    with pytest.raises(BudgetExceeded) as info:
        fmos.vfm().invoke(LONG_PROMPT, max_tokens=16)
    assert cheap.requests == expensive.requests == [], "a pFM was called anyway"
    assert_settled(fmos, "default", tokens=0, requests=0)
    stored = fmos.traces.get(info.value.trace_id)
    assert [(t["type"], t["action"]) for t in stored.traps] == [
        ("budget", "downgraded from expensive to cheap"),
        ("model", "raised BudgetExceeded"),
    ]


# --- trust trap -----------------------------------------------------------------------------

SEND = ToolSpec(
    name="send_email",
    privilege="write",
    parameters={
        "type": "object",
        "properties": {"to": {"type": "string"}},
        "required": ["to"],
    },
)


def test_trust_trap_holds_a_privileged_tool_call_for_approval(make):
    backend = ScriptedBackend([tool_call("send_email", to="bob@example.com")])
    fmos = make({"s": backend})
    with pytest.raises(ApprovalRequired) as info:
        fmos.vfm().invoke("mail bob", tools=[SEND], tenant="acme", app="crm", session="s9")
    error = info.value
    assert not isinstance(error, ApprovalDenied)
    assert error.approval_id
    assert f"approval {error.approval_id} is pending" in str(error)
    assert "needs privilege write" in str(error)

    approval = fmos.approvals.get(error.approval_id)
    assert approval.status == "pending"
    assert (approval.tool, approval.arguments) == ("send_email", {"to": "bob@example.com"})
    assert (approval.privilege, approval.clearance) == (2, 1)
    assert (approval.tenant, approval.app, approval.session, approval.vfm) == (
        "acme",
        "crm",
        "s9",
        "default",
    )
    assert approval.trace_id == error.trace_id
    assert [a.id for a in fmos.approvals.list()] == [error.approval_id]

    stored = fmos.traces.get(error.trace_id)
    assert stored.status == "error"
    assert [(t["type"], t["action"]) for t in stored.traps] == [
        ("trust", "raised ApprovalRequired")
    ]

    with pytest.raises(ApprovalRequired, match="still pending"):
        fmos.vfm().resume(error.approval_id, tenant="acme")

    decided = fmos.approvals.decide(error.approval_id, approve=True, by="alice")
    assert (decided.status, decided.decided_by) == ("approved", "alice")
    assert fmos.approvals.list() == []

    response = fmos.vfm().resume(error.approval_id, tenant="acme")
    assert response.tool_calls == [
        ToolCall(id="call_send_email", name="send_email", arguments={"to": "bob@example.com"})
    ]
    assert (response.trace_id, response.pfm, response.vfm) == (error.trace_id, "s", "default")


def test_a_denied_approval_cannot_be_resumed(make):
    fmos = make({"s": ScriptedBackend([tool_call("send_email", to="x")])})
    with pytest.raises(ApprovalRequired) as info:
        fmos.vfm().invoke("mail", tools=[SEND], tenant="acme")
    approval_id = info.value.approval_id
    fmos.approvals.decide(approval_id, approve=False, by="bob", reason="not today")
    with pytest.raises(ApprovalDenied, match="denied by bob: not today") as denied:
        fmos.vfm().resume(approval_id, tenant="acme")
    assert denied.value.approval_id == approval_id
    assert denied.value.trace_id == info.value.trace_id


def test_an_approval_resumes_only_under_the_identity_that_raised_it(make):
    fmos = make(
        {"s": ScriptedBackend([tool_call("send_email", to="x")])},
        vfms={"default": {"pfms": ["s"]}, "other": {"pfms": ["s"]}},
    )
    with pytest.raises(ApprovalRequired) as info:
        fmos.vfm().invoke("mail", tools=[SEND], tenant="acme")
    approval_id = info.value.approval_id
    fmos.approvals.decide(approval_id, approve=True)
    with pytest.raises(BadRequest, match="another tenant or VFM"):
        fmos.vfm().resume(approval_id, tenant="ops")
    with pytest.raises(BadRequest, match="another tenant or VFM"):
        fmos.vfm("other").resume(approval_id, tenant="acme")
    assert fmos.vfm().resume(approval_id, tenant="acme").tool_calls[0].name == "send_email"


@pytest.mark.parametrize(
    ("tenant", "privilege"), [("acme", "read"), ("acme", "safe"), ("ops", "admin")]
)
def test_a_tool_within_clearance_passes_without_a_trap(make, tenant, privilege):
    spec = ToolSpec(name="lookup", privilege=privilege)
    fmos = make({"s": ScriptedBackend([tool_call("lookup")])})
    response = fmos.vfm().invoke("find", tools=[spec], tenant=tenant)
    assert [c.name for c in response.tool_calls] == ["lookup"]
    assert response.traps == []
    assert fmos.approvals.list(status=None) == []


def test_verify_rejects_tools_that_were_not_offered_or_got_bad_arguments(make):
    fmos = make({"s": ScriptedBackend([tool_call("rm_rf"), tool_call("send_email", to=5)])})
    with pytest.raises(VerificationFailed, match="'rm_rf', which the request did not offer"):
        fmos.vfm().invoke("x", tools=[SEND], tenant="ops")
    with pytest.raises(VerificationFailed, match="arguments of 'send_email' failed schema"):
        fmos.vfm().invoke("x", tools=[SEND], tenant="ops")
    assert fmos.approvals.list(status=None) == []


# --- verification of structured output -------------------------------------------------------

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


def test_response_schema_output_that_is_not_json_fails_verification(make):
    fmos = make({"s": ScriptedBackend([usage("n is five")])})
    fmos.budgets.set("default", tokens=10_000)
    with pytest.raises(VerificationFailed, match="the response is not JSON") as info:
        fmos.vfm().invoke("n?", response_schema=SCHEMA)
    stored = fmos.traces.get(info.value.trace_id)
    assert stored.status == "error" and stored.error.startswith("VerificationFailed")
    assert_settled(fmos, "default", tokens=30, requests=1)  # the pFM ran: usage is real


def test_response_schema_mismatch_and_match(make):
    fmos = make({"s": ScriptedBackend(['{"n": "five"}', json.dumps({"n": 5})])})
    with pytest.raises(VerificationFailed, match="failed schema validation"):
        fmos.vfm().invoke("n?", response_schema=SCHEMA)
    assert fmos.vfm().invoke("n?", response_schema=SCHEMA).parsed() == {"n": 5}


# --- failures of the pFM ---------------------------------------------------------------------


def test_backend_unavailable_propagates_typed_and_releases_the_reservation(make):
    down = BackendUnavailable("connection refused", pfm="s")
    fmos = make({"s": ScriptedBackend([down])})
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
    fmos = make({"s": ScriptedBackend([BackendUnavailable("refused", pfm="s")])})
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
        assert names == ["admit", "trap_check", "route", "execute", "verify"]
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


def test_privileged_tool_without_state_cannot_be_approved(make):
    fmos = make({"s": ScriptedBackend([tool_call("send_email", to="x")])}, state=False)
    with pytest.raises(ApprovalRequired, match="enable \\[state\\]") as info:
        fmos.vfm().invoke("mail", tools=[SEND], tenant="acme")
    assert info.value.approval_id == ""


# --- the knowledge trap's hook ---------------------------------------------------------------


def test_a_knowledge_detector_and_handler_plug_into_the_trap_check(make):
    backend = ScriptedBackend([usage("Oslo")])
    fmos = make({"s": backend})
    facts = {"capital of norway": "The capital of Norway is Oslo."}

    def needs_fact(call):
        question = call.request.messages[-1].content.lower()
        for key in facts:
            if key in question:
                return Trap(
                    type="knowledge",
                    reason=f"mentions {key!r}",
                    capability="retrieve",
                    snapshot={"key": key},
                )
        return None

    async def retrieve(trap, call):
        note = Message(role="system", content=facts[trap.snapshot["key"]], kind="page")
        call.request = call.request.model_copy(update={"messages": [note, *call.request.messages]})
        return "added 1 fact"

    fmos.traps.add_detector(needs_fact)
    fmos.traps.register("knowledge", retrieve)
    response = fmos.vfm().invoke("What is the capital of Norway?")
    assert backend.requests[0].messages[0].content == "The capital of Norway is Oslo."
    assert [(t.type, t.action) for t in response.traps] == [("knowledge", "added 1 fact")]
    assert fmos.traces.get(response.trace_id).traps[0]["type"] == "knowledge"
    backend2 = ScriptedBackend(["no"])
    other = make({"s": backend2})
    other.traps.add_detector(needs_fact)  # no handler registered: recorded, not acted on
    assert other.vfm().invoke("capital of norway?").traps[0].action == "unhandled"


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
