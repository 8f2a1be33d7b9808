"""FMOS end to end on the real embedded model (SmolLM2-135M-Instruct via llama.cpp).

These are the proofs that the kernel works with a real pFM: the scripted backend
only tests the pipeline's logic.
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from fmos_core import FMOS, ApprovalRequired, Config, ContextWindowExceeded, ToolSpec
from fmos_core.cli import main

pytestmark = pytest.mark.model

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

WEATHER = ToolSpec(
    name="get_weather",
    description="Today's weather for a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 40}},
        "required": ["city"],
    },
)
SEND = ToolSpec(
    name="send_email",
    privilege="write",
    parameters={
        "type": "object",
        "properties": {"to": {"type": "string", "maxLength": 40}},
        "required": ["to"],
    },
)


@pytest.fixture(scope="module")
def fmos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FMOS]:
    state = tmp_path_factory.mktemp("embedded") / "state.db"
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{state}"},
            "pfms": {
                "smollm2": {"driver": "llamacpp"},
                "smollm2-small": {"driver": "llamacpp", "options": {"n_ctx": 256}},
            },
            "vfms": {
                "default": {"pfms": ["smollm2"]},
                "tiered": {"pfms": ["smollm2-small", "smollm2"]},
            },
        }
    )
    with FMOS(config) as kernel:
        kernel.budgets.set("default", tokens=1_000_000)
        yield kernel


def test_default_kernel_serves_the_embedded_model(monkeypatch: pytest.MonkeyPatch) -> None:
    with FMOS() as kernel:  # no config at all: VFM "default" on the embedded model
        reply = kernel.vfm().invoke("Name a colour.", max_tokens=12, temperature=0.0)
        assert reply.text.strip()
        assert reply.pfm == "smollm2"
        assert reply.pfm_version == "smollm2-135m-instruct-q4_1"
        assert reply.usage.input_tokens > 0 and reply.usage.output_tokens > 0
        assert reply.usage.cost == 0.0  # a local model's profile has no price
        [trace] = kernel.traces.list()
        assert trace.id == reply.trace_id
        assert trace.output_tokens == reply.usage.output_tokens


def test_invoke_settles_actual_tokens_and_traces(fmos: FMOS) -> None:
    before = fmos.budgets.show("default")
    reply = fmos.vfm().invoke("Say hello.", max_tokens=16, temperature=0.0)
    after = fmos.budgets.show("default")
    assert after.tokens_used - before.tokens_used == reply.usage.total_tokens
    assert after.tokens_reserved == 0
    trace = fmos.traces.get(reply.trace_id)
    assert (trace.input_tokens, trace.output_tokens) == (
        reply.usage.input_tokens,
        reply.usage.output_tokens,
    )
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


def test_tool_call_through_the_vfm_is_schema_valid(fmos: FMOS) -> None:
    reply = fmos.vfm().invoke(
        "What is the weather in Paris?", tools=[WEATHER], tool_choice="required", max_tokens=48
    )
    [call] = reply.tool_calls
    assert call.name == "get_weather"
    jsonschema.validate(call.arguments, WEATHER.parameters)
    assert reply.finish_reason == "tool_calls"


def test_structured_output_matches_the_schema(fmos: FMOS) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 30}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    reply = fmos.vfm().invoke("Invent a person.", response_schema=schema, max_tokens=64)
    jsonschema.validate(reply.parsed(), schema)


def test_logprobs_reach_the_response(fmos: FMOS) -> None:
    reply = fmos.vfm().invoke("Name a fruit.", logprobs=True, max_tokens=8, temperature=0.0)
    assert reply.logprobs is not None
    assert len(reply.logprobs) == reply.usage.output_tokens
    assert all(lp <= 0.0 for lp in reply.logprobs)


def test_stream_deltas_add_up_to_the_response(fmos: FMOS) -> None:
    events = list(fmos.vfm().stream("Count from one to five.", max_tokens=24, temperature=0.0))
    deltas = [e.delta for e in events if e.delta]
    final = events[-1].response
    assert final is not None and len(deltas) >= 2
    assert "".join(deltas) == final.text
    assert final.usage.output_tokens > 0


async def test_astream_and_ainvoke(fmos: FMOS) -> None:
    reply = await fmos.vfm().ainvoke("Say yes.", max_tokens=4)
    assert reply.usage.output_tokens > 0
    events = [e async for e in fmos.vfm().astream("Say no.", max_tokens=4)]
    assert events[-1].response is not None


def test_model_trap_reroutes_a_long_prompt_to_a_bigger_window(fmos: FMOS) -> None:
    prompt = "Summarise: " + "the quick brown fox jumps over the lazy dog. " * 30
    reply = fmos.vfm("tiered").invoke(prompt, max_tokens=16)
    assert reply.pfm == "smollm2"
    [trap] = reply.traps
    assert trap.type == "model"
    assert trap.action == "rerouted from smollm2-small to smollm2"
    short = fmos.vfm("tiered").invoke("Hi.", max_tokens=8)
    assert short.pfm == "smollm2-small" and short.traps == []


def test_a_prompt_no_pfm_can_hold_fails_clearly(fmos: FMOS) -> None:
    with pytest.raises(ContextWindowExceeded, match="shorten the messages or lower max_tokens"):
        fmos.vfm("tiered").invoke("word " * 3000, max_tokens=16)


def test_privileged_tool_call_waits_for_approval_then_resumes(fmos: FMOS) -> None:
    with pytest.raises(ApprovalRequired) as held:
        fmos.vfm().invoke(
            "Email ops@example.com.", tools=[SEND], tool_choice="required", max_tokens=48
        )
    approval = fmos.approvals.get(held.value.approval_id)
    assert (approval.status, approval.tool, approval.privilege) == ("pending", "send_email", 2)
    fmos.approvals.decide(approval.id, approve=True, by="test")
    resumed = fmos.vfm().resume(approval.id)
    assert [c.name for c in resumed.tool_calls] == ["send_email"]
    assert resumed.tool_calls[0].arguments == approval.arguments


def test_the_demo_runs_an_agent_with_a_tool_call(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLES / "demo.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tool call  get_weather(" in out
    assert "light rain" in out  # the tool's answer came back through FMOS
    assert "held       tool 'send_email'" in out and "approved   send_email(" in out
    assert "trust:raised ApprovalRequired" in out  # the trap is in the trace table
    assert "default" in out and "/50000" in out  # the budget table


def test_cli_chat_and_doctor_on_the_embedded_model(capsys: pytest.CaptureFixture[str]) -> None:
    main(["chat", "--json", "--max-tokens", "8", "Say hi."])
    response = json.loads(capsys.readouterr().out)
    assert response["pfm"] == "smollm2" and response["usage"]["output_tokens"] > 0
    main(["traces", "show", response["trace_id"], "--json"])
    assert json.loads(capsys.readouterr().out)["id"] == response["trace_id"]
    main(["doctor"])
    out = capsys.readouterr().out
    assert "llama-cpp-python" in out and "state: sqlite:///" in out
    assert "pFM smollm2 (smollm2-135m-instruct-q4_1): answers" in out
