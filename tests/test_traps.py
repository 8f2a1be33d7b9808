"""Routing and the four traps (model, budget, trust, knowledge), with the scripted pFM."""

from __future__ import annotations

import pytest
from kernels import (
    LONG_PROMPT,
    assert_settled,
    trace_rows,
    usage,
)

from fmos_core import (
    ApprovalDenied,
    ApprovalRequired,
    BadRequest,
    BudgetExceeded,
    ContextWindowExceeded,
    Message,
    Request,
    ToolCall,
    ToolSpec,
    VerificationFailed,
)
from fmos_core.testing import ScriptedBackend, tool_call
from fmos_core.traps import Trap

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
    [held] = response.traps  # the resumed response shows it was held, and by which approval
    assert (held.type, held.action) == ("trust", f"held for approval {error.approval_id}")


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
    other = make({"s": backend2}, state=False)  # no state: no memory recall handler
    other.traps.add_detector(needs_fact)  # no handler registered: recorded, not acted on
    assert other.vfm().invoke("capital of norway?").traps[0].action == "unhandled"


def test_privileged_tool_without_state_cannot_be_approved(make):
    fmos = make({"s": ScriptedBackend([tool_call("send_email", to="x")])}, state=False)
    with pytest.raises(ApprovalRequired, match="enable \\[state\\]") as info:
        fmos.vfm().invoke("mail", tools=[SEND], tenant="acme")
    assert info.value.approval_id == ""


def test_an_async_detector_runs_off_the_loop_and_fires_its_trap(make):
    """A detector may be a coroutine function: slow lookups go to a thread, and the event
    loop that serves other calls is never blocked by them."""
    import asyncio
    import threading

    loop_threads: list[str] = []
    work_threads: list[str] = []

    def lookup(question: str) -> bool:
        work_threads.append(threading.current_thread().name)
        return "norway" in question.lower()

    async def needs_fact(call):
        loop_threads.append(threading.current_thread().name)
        question = call.request.messages[-1].content
        if await asyncio.to_thread(lookup, question):
            return Trap(type="knowledge", reason="mentions norway", capability="retrieve")
        return None

    async def retrieve(trap, call):
        return "looked it up"

    fmos = make({"s": ScriptedBackend(["Oslo", "?"])}, state=False)
    fmos.traps.add_detector(needs_fact)
    fmos.traps.register("knowledge", retrieve)
    assert [t.action for t in fmos.vfm().invoke("Capital of Norway?").traps] == ["looked it up"]
    assert fmos.vfm().invoke("Capital of Peru?").traps == []
    assert loop_threads and work_threads and set(loop_threads).isdisjoint(work_threads)
