"""Kernel calls for work a harness does itself: context, tool gates, external model calls."""

from __future__ import annotations

import asyncio

import pytest
from kernels import assert_settled, trace_rows

from fmos_core import (
    ApprovalRequired,
    BudgetExceeded,
    Identity,
    Message,
    ToolCall,
    ToolSpec,
    UnknownTenant,
    VerificationFailed,
)
from fmos_core.agent import Tool, run_agent
from fmos_core.profiles import CapabilityProfile
from fmos_core.testing import ScriptedBackend, tool_call

SEND = ToolSpec(
    name="send_email",
    privilege="write",
    parameters={"type": "object", "properties": {"to": {"type": "string"}}, "required": ["to"]},
)
LOOKUP = ToolSpec(name="lookup", privilege="read")
ACME = Identity(tenant="acme", session="s1")


def run(coro):
    return asyncio.run(coro)


def test_apply_context_is_the_vfms_context_stage(make):
    fmos = make(
        {"s": ScriptedBackend([])},
        vfms={"terse": {"pfms": ["s"], "system_prompt": "Be brief."}, "plain": {"pfms": ["s"]}},
    )
    hi = [Message(role="user", content="hi")]
    terse = run(fmos.mediator.apply_context("terse", hi))
    assert [(m.role, m.content) for m in terse] == [("system", "Be brief."), ("user", "hi")]
    assert run(fmos.mediator.apply_context("plain", hi)) == hi
    # a call whose messages already went through the policy still names it in provenance
    backend = ScriptedBackend(["ok"])
    shaped = make({"s": backend}, vfms={"terse": {"pfms": ["s"], "system_prompt": "Be brief."}})
    response = shaped.vfm("terse").invoke(terse)
    assert response.provenance.policies == ["system_prompt:terse"]
    assert [m.content for m in backend.requests[0].messages] == ["Be brief.", "hi"]  # not doubled


def test_the_tool_gate_holds_privileged_calls_and_lets_an_approval_through_once(make):
    fmos = make({"s": ScriptedBackend([])})
    gate = fmos.mediator.gate_tool_call
    run(gate("default", ToolCall(id="1", name="lookup"), [LOOKUP], identity=ACME))  # in clearance
    call = ToolCall(id="2", name="send_email", arguments={"to": "ops"})
    with pytest.raises(ApprovalRequired) as held:
        run(gate("default", call, [SEND], identity=ACME))
    approval = fmos.approvals.get(held.value.approval_id)
    assert (approval.tool, approval.arguments, approval.session) == (
        "send_email",
        {"to": "ops"},
        "s1",
    )
    fmos.approvals.decide(approval.id, approve=True, by="ops-lead")
    other = ToolCall(id="3", name="send_email", arguments={"to": "everyone"})
    with pytest.raises(ApprovalRequired):  # an approval covers exactly the approved call
        run(gate("default", other, [SEND], identity=ACME))
    run(gate("default", call, [SEND], identity=ACME))  # approved: passes, and is used up
    assert fmos.approvals.get(approval.id).status == "consumed"
    with pytest.raises(ApprovalRequired):
        run(gate("default", call, [SEND], identity=ACME))


def test_the_tool_gate_rejects_unknown_tools_bad_arguments_and_tenants(make):
    fmos = make({"s": ScriptedBackend([])})
    gate = fmos.mediator.gate_tool_call
    with pytest.raises(VerificationFailed, match="did not offer"):
        run(gate("default", ToolCall(id="1", name="rm"), [SEND], identity=ACME))
    with pytest.raises(VerificationFailed, match="schema"):
        run(gate("default", ToolCall(id="1", name="send_email", arguments={"to": 5}), [SEND]))
    with pytest.raises(UnknownTenant):
        run(
            gate(
                "default", ToolCall(id="1", name="lookup"), [LOOKUP], identity=Identity(tenant="x")
            )
        )


def test_an_approval_lets_the_model_propose_the_call_until_the_tool_runs(make):
    backend = ScriptedBackend([tool_call("send_email", to="ops")] * 4)
    fmos = make({"s": backend})
    ask = lambda: fmos.vfm().invoke("mail ops", tools=[SEND], tenant="acme", session="s1")  # noqa: E731
    with pytest.raises(ApprovalRequired) as held:
        ask()
    approval_id = held.value.approval_id
    fmos.approvals.decide(approval_id, approve=True, by="lead")
    for _ in range(2):  # proposing the approved call again does not use the approval up
        again = ask()
        assert [t.action for t in again.traps] == [f"approved by lead (approval {approval_id})"]
    [call] = again.tool_calls
    run(fmos.mediator.gate_tool_call("default", call, [SEND], identity=ACME))  # the tool runs
    assert fmos.approvals.get(approval_id).status == "consumed"
    with pytest.raises(ApprovalRequired):  # used up
        ask()


def test_an_external_call_is_admitted_settled_and_traced(make):
    fmos = make({"s": ScriptedBackend([])})
    fmos.budgets.set("acme", tokens=10_000, cost=1.0)
    priced = CapabilityProfile(
        context_window=1 << 20, input_price_per_mtok=1, output_price_per_mtok=2
    )
    messages = [Message(role="user", content="hello there")]
    call = run(
        fmos.mediator.begin_external(
            model="gpt-x", messages=messages, max_tokens=50, identity=ACME, profile=priced
        )
    )
    assert fmos.budgets.show("acme").tokens_reserved > 50
    run(call.finish(content="hi", input_tokens=7, output_tokens=3))
    status = fmos.budgets.show("acme")
    assert (status.tokens_used, status.tokens_reserved, status.requests_used) == (10, 0, 1)
    assert status.cost_used == pytest.approx((7 * 1 + 3 * 2) / 1e6, abs=1e-6)
    trace = fmos.traces.get(call.trace_id)
    assert (trace.vfm, trace.pfm, trace.tenant, trace.status) == ("external", "gpt-x", "acme", "ok")
    assert (trace.input_tokens, trace.output_tokens) == (7, 3)


def test_an_external_call_over_budget_is_refused_and_traced(make):
    fmos = make({"s": ScriptedBackend([])})
    fmos.budgets.set("acme", tokens=20)
    with pytest.raises(BudgetExceeded) as refused:
        run(
            fmos.mediator.begin_external(
                model="m",
                messages=[Message(role="user", content="x")],
                max_tokens=100,
                identity=ACME,
            )
        )
    assert_settled(fmos, "acme", tokens=0, requests=0)
    trace = fmos.traces.get(refused.value.trace_id)
    assert trace.status == "error" and trace.traps[0]["type"] == "budget"


def test_an_external_call_that_fails_or_reports_no_usage(make):
    fmos = make({"s": ScriptedBackend([])})
    fmos.budgets.set("acme", tokens=10_000)
    hi = [Message(role="user", content="hi")]
    failed = run(fmos.mediator.begin_external(model="m", messages=hi, max_tokens=40, identity=ACME))
    run(failed.fail(RuntimeError("provider down")))
    assert_settled(fmos, "acme", tokens=0, requests=0)
    assert "provider down" in fmos.traces.get(failed.trace_id).error
    silent = run(fmos.mediator.begin_external(model="m", messages=hi, max_tokens=40, identity=ACME))
    held = fmos.budgets.show("acme").tokens_reserved
    run(silent.finish(content="ok", usage_reported=False))
    assert_settled(fmos, "acme", tokens=held, requests=1)
    with pytest.raises(UnknownTenant):
        run(fmos.mediator.begin_external(model="m", messages=hi, identity=Identity(tenant="x")))
    assert trace_rows(fmos) == 2  # the unknown tenant left no trace


def test_the_agent_loop_runs_a_privileged_tool_only_through_the_gate(make):
    sent: list[str] = []
    send = Tool(SEND, lambda to: sent.append(to) or "sent")
    backend = ScriptedBackend(
        [tool_call("send_email", to="ops"), tool_call("send_email", to="ops"), "done"]
    )
    fmos = make({"s": backend})
    with pytest.raises(ApprovalRequired) as held:
        run_agent(fmos.vfm(), "mail ops", [send], tenant="acme", session="s1")
    assert sent == []
    fmos.approvals.decide(held.value.approval_id, approve=True, by="lead")
    result = run_agent(fmos.vfm(), "mail ops", [send], tenant="acme", session="s1")
    assert (sent, result.answer) == (["ops"], "done")
    assert fmos.approvals.get(held.value.approval_id).status == "consumed"
