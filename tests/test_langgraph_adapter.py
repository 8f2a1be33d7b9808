"""The LangGraph adapter: nodes over a VFM, approvals as interrupts, checkpointer, store.

Translation logic is unit-tested on scripted pFMs; the graphs that prove the adapter
works run on the real embedded model (``model`` marker).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fmos_langgraph import (
    FMOSCheckpointSaver,
    FMOSContextNode,
    FMOSGuardNode,
    FMOSModelNode,
)
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from langgraph.types import Command
from pydantic import BaseModel, Field

from fmos_core import FMOS, ApprovalDenied, BadRequest, Config, Privilege
from fmos_core.registry import DriverRegistry
from fmos_core.testing import RecordingBackend, ScriptedBackend, tool_call

POLICY_PROMPT = "Answer in one short sentence."


# -- tools and graphs --------------------------------------------------------------------


class City(BaseModel):
    city: str = Field(max_length=40, description="The city.")


class Recipient(BaseModel):
    to: str = Field(max_length=40, description="Who to email.")


def weather_tool(calls: list[dict[str, Any]]) -> BaseTool:
    def get_weather(city: str) -> str:
        calls.append({"city": city})
        return f"It is sunny and 21 C in {city}."

    return StructuredTool.from_function(
        get_weather, description="Today's weather for a city.", args_schema=City
    )


def email_tool(calls: list[dict[str, Any]]) -> BaseTool:
    def send_email(to: str) -> str:
        calls.append({"to": to})
        return f"Sent to {to}."

    return StructuredTool.from_function(
        send_email,
        description="Send an email.",
        args_schema=Recipient,
        metadata={"fmos_privilege": "write"},
    )


def named_then_none(name: str) -> Callable[[Sequence[BaseMessage]], str]:
    """Name the tool on a fresh question, answer in text after its result."""

    def choose(messages: Sequence[BaseMessage]) -> str:
        return "none" if isinstance(messages[-1], ToolMessage) else name

    return choose


def react_graph(
    fmos: FMOS,
    tools: list[BaseTool],
    *,
    tenant: str = "default",
    guard: FMOSGuardNode | None = None,
    checkpointer: Any = None,
) -> Any:
    """model → (guard →) tools_condition → tools → model."""
    builder = StateGraph(MessagesState)
    model = FMOSModelNode(
        fmos,
        tools=tools,
        tool_choice=named_then_none(tools[0].name),
        tenant=tenant,
        max_tokens=48,
        temperature=0.0,
    )
    builder.add_node("model", model)
    builder.add_node("tools", ToolNode(tools))
    builder.add_edge(START, "model")
    if guard is None:
        builder.add_conditional_edges("model", tools_condition)
    else:
        builder.add_node("guard", guard)
        builder.add_edge("model", "guard")
        builder.add_conditional_edges("guard", tools_condition)
    builder.add_edge("tools", "model")
    return builder.compile(checkpointer=checkpointer)


def thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


# -- kernels -----------------------------------------------------------------------------


def config_for(state: Path, pfm: dict[str, Any]) -> Config:
    return Config.parse(
        {
            "state": {"url": f"sqlite:///{state}"},
            "pfms": {"smollm2": pfm},
            "vfms": {
                "default": {"pfms": ["smollm2"]},
                "policy": {"pfms": ["smollm2"], "system_prompt": POLICY_PROMPT},
            },
            "tenants": {"default": {}, "acme": {"clearance": "read"}, "other": {}},
        }
    )


@dataclass
class Embedded:
    fmos: FMOS
    recording: RecordingBackend
    state: Path


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedded]:
    state = tmp_path_factory.mktemp("langgraph") / "state.db"
    backend = DriverRegistry().load("llamacpp").from_options({}, pfm="smollm2")
    recording = RecordingBackend(backend)
    config = config_for(state, {"driver": "llamacpp"})
    with FMOS(config, backends={"smollm2": recording}) as fmos:
        yield Embedded(fmos, recording, state)


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[Callable[[list[Any]], FMOS]]:
    """Kernels on scripted pFMs, for the translation logic and the storage tiers."""
    made: list[FMOS] = []

    def build(script: list[Any]) -> FMOS:
        config = config_for(tmp_path / "s.db", {"driver": "scripted"})
        kernel = FMOS(config, backends={"smollm2": ScriptedBackend(script)})
        made.append(kernel)
        return kernel

    yield build
    for kernel in made:
        kernel.close()


# -- the package -------------------------------------------------------------------------


def test_public_names() -> None:
    import fmos_langgraph

    assert fmos_langgraph.__all__ == [
        "FMOSCheckpointSaver",
        "FMOSContextNode",
        "FMOSGuardNode",
        "FMOSModelNode",
        "FMOSStore",
    ]


def test_a_missing_harness_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] == "fmos_langgraph":
            monkeypatch.delitem(sys.modules, name)
        elif name.split(".")[0] == "langgraph":
            monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError) as missing:
        importlib.import_module("fmos_langgraph")
    assert str(missing.value) == 'pip install "fmos[langgraph]"'


# -- translation (scripted pFM) ----------------------------------------------------------


def test_the_model_node_translates_the_conversation_and_the_reply(scripted) -> None:
    fmos = scripted([tool_call("get_weather", city="Paris")])
    backend = fmos.pfms["smollm2"].backend
    node = FMOSModelNode(fmos, tools=[weather_tool([])], tenant="acme", max_tokens=40)
    conversation = [
        SystemMessage("Be brief."),
        HumanMessage("Weather?"),
        AIMessage("", tool_calls=[{"name": "get_weather", "args": {"city": "Oslo"}, "id": "c1"}]),
        ToolMessage("Rain.", tool_call_id="c1", name="get_weather"),
        HumanMessage([{"type": "text", "text": "And in "}, "Paris?"]),
    ]
    update = node.invoke({"messages": conversation}, thread("t-7"))

    [sent] = backend.requests
    assert [(m.role, m.content) for m in sent.messages] == [
        ("system", "Be brief."),
        ("user", "Weather?"),
        ("assistant", ""),
        ("tool", "Rain."),
        ("user", "And in Paris?"),
    ]
    assert sent.messages[2].tool_calls[0].arguments == {"city": "Oslo"}
    assert (sent.messages[3].tool_call_id, sent.messages[3].kind) == ("c1", "observation")
    assert (sent.identity.tenant, sent.identity.app, sent.identity.session) == (
        "acme",
        "langgraph",
        "t-7",
    )
    assert [t.name for t in sent.tools] == ["get_weather"] and sent.max_tokens == 40

    [reply] = update["messages"]
    assert isinstance(reply, AIMessage)
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    meta = reply.response_metadata["fmos"]
    assert reply.id == f"fmos-{meta['trace_id']}"
    assert (meta["pfm"], meta["finish_reason"]) == ("smollm2", "tool_calls")
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] == meta["usage"]["output_tokens"] == 8


def test_unrepresentable_content_is_a_bad_request_naming_the_type(scripted) -> None:
    node = FMOSModelNode(scripted([]))
    picture = HumanMessage([{"type": "image_url", "image_url": {"url": "data:,"}}])
    with pytest.raises(BadRequest, match="'image_url'"):
        node.invoke({"messages": [picture]})


@pytest.mark.parametrize(
    ("tool", "named"),
    [
        ({"type": "function", "function": {"name": "bad name!"}}, "name"),
        (
            {"type": "function", "function": {"name": "f", "parameters": {"type": "array"}}},
            "parameters",
        ),
    ],
)
def test_a_tool_fmos_cannot_accept_names_the_field(scripted, tool, named) -> None:
    with pytest.raises(BadRequest, match=rf"\b{named}\b"):
        FMOSModelNode(scripted([]), tools=[tool])


def test_tool_privilege_comes_from_the_tool_metadata(scripted) -> None:
    node = FMOSModelNode(scripted([]), tools=[weather_tool([]), email_tool([])])
    assert [(t.name, t.privilege) for t in node.tools] == [
        ("get_weather", Privilege.SAFE),
        ("send_email", Privilege.WRITE),
    ]
    jsonschema.Draft202012Validator.check_schema(node.tools[1].parameters)
    bad = StructuredTool.from_function(
        lambda to: to, name="t", description="x", metadata={"fmos_privilege": "root"}
    )
    with pytest.raises(BadRequest, match="fmos_privilege"):
        FMOSModelNode(scripted([]), tools=[bad])


def test_the_context_node_puts_the_vfm_system_prompt_into_the_state(scripted) -> None:
    fmos = scripted(["Four."])
    builder = StateGraph(MessagesState)
    builder.add_node("context", FMOSContextNode(fmos, "policy"))
    builder.add_node("model", FMOSModelNode(fmos, "policy"))
    builder.add_edge(START, "context")
    builder.add_edge("context", "model")
    builder.add_edge("model", END)
    graph = builder.compile()
    question = HumanMessage("What is two plus two?", id="q1")
    messages = graph.invoke({"messages": [question]})["messages"]

    assert [(type(m).__name__, m.content) for m in messages] == [
        ("SystemMessage", POLICY_PROMPT),
        ("HumanMessage", "What is two plus two?"),
        ("AIMessage", "Four."),
    ]
    assert messages[1].id == "q1"  # a message the policy left alone keeps its identity
    [sent] = fmos.pfms["smollm2"].backend.requests
    assert [m.role for m in sent.messages] == ["system", "user"]  # not prepended twice
    # applied again, the policy has nothing left to do
    assert FMOSContextNode(fmos, "policy").invoke({"messages": messages}) == {}


# -- on the embedded model ---------------------------------------------------------------


@pytest.mark.model
def test_a_react_graph_calls_a_real_tool_and_answers(embedded: Embedded) -> None:
    fmos = embedded.fmos
    calls: list[dict[str, Any]] = []
    graph = react_graph(fmos, [weather_tool(calls)])
    messages = graph.invoke({"messages": [HumanMessage("What is the weather in Paris?")]})[
        "messages"
    ]

    assert [type(m).__name__ for m in messages] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    [call] = messages[1].tool_calls
    assert call["name"] == "get_weather" and calls == [call["args"]]
    jsonschema.validate(call["args"], City.model_json_schema())
    assert messages[2].content == f"It is sunny and 21 C in {calls[0]['city']}."
    answer = messages[3]
    assert answer.content.strip() and not answer.tool_calls
    # the model saw the tool's result, and each call has its trace
    assert embedded.recording.requests[-1].messages[-1].content == messages[2].content
    for reply in (messages[1], answer):
        trace = fmos.traces.get(reply.response_metadata["fmos"]["trace_id"])
        assert trace.output_tokens == reply.usage_metadata["output_tokens"] > 0


@pytest.mark.model
def test_a_checkpointed_graph_continues_a_thread_in_a_new_kernel(embedded: Embedded) -> None:
    fmos = embedded.fmos
    calls: list[dict[str, Any]] = []
    graph = react_graph(fmos, [weather_tool(calls)], checkpointer=FMOSCheckpointSaver(fmos))
    first = graph.invoke(
        {"messages": [HumanMessage("What is the weather in Paris?")]}, thread("trip")
    )
    assert len(first["messages"]) == 4

    # a new kernel on the same state file (sharing the loaded model) continues the thread
    config = config_for(embedded.state, {"driver": "llamacpp"})
    with FMOS(config, backends={"smollm2": embedded.recording}) as reopened:
        saver = FMOSCheckpointSaver(reopened)
        again = react_graph(reopened, [weather_tool(calls)], checkpointer=saver)
        kept = again.get_state(thread("trip")).values["messages"]
        assert [m.id for m in kept] == [m.id for m in first["messages"]]
        second = again.invoke({"messages": [HumanMessage("And in Rome?")]}, thread("trip"))
    assert [m.id for m in second["messages"][:4]] == [m.id for m in first["messages"]]
    assert len(second["messages"]) == 8 and len(calls) == 2
    # the second question reached the model with the whole first exchange before it
    sent = embedded.recording.requests[-2].messages
    assert [m.role for m in sent] == ["user", "assistant", "tool", "assistant", "user"]
    assert sent[-1].content == "And in Rome?"


@pytest.mark.model
async def test_a_checkpointed_graph_runs_async(embedded: Embedded) -> None:
    fmos = embedded.fmos
    calls: list[dict[str, Any]] = []
    saver = FMOSCheckpointSaver(fmos)
    graph = react_graph(fmos, [weather_tool(calls)], checkpointer=saver)
    result = await graph.ainvoke(
        {"messages": [HumanMessage("What is the weather in Lima?")]}, thread("async-trip")
    )
    assert [type(m).__name__ for m in result["messages"]][-2:] == ["ToolMessage", "AIMessage"]
    stored = await saver.aget_tuple(thread("async-trip"))
    assert stored is not None
    assert [m.id for m in stored.checkpoint["channel_values"]["messages"]] == [
        m.id for m in result["messages"]
    ]


def approval_graph(fmos: FMOS, calls: list[dict[str, Any]], **guard: Any) -> Any:
    return react_graph(
        fmos,
        [email_tool(calls)],
        tenant="acme",
        guard=FMOSGuardNode(fmos, **guard),
        checkpointer=FMOSCheckpointSaver(fmos, tenant="acme"),
    )


def ask_to_email(graph: Any, name: str) -> dict[str, Any]:
    paused = graph.invoke({"messages": [HumanMessage("Email ops@example.com.")]}, thread(name))
    [interrupt] = paused["__interrupt__"]
    return interrupt.value


@pytest.mark.model
def test_a_privileged_tool_call_interrupts_the_graph_until_approved(embedded: Embedded) -> None:
    fmos = embedded.fmos
    calls: list[dict[str, Any]] = []
    graph = approval_graph(fmos, calls)
    held = ask_to_email(graph, "mail-ok")

    approval = fmos.approvals.get(held["approval_id"])
    assert (approval.status, approval.tool, approval.tenant, approval.session) == (
        "pending",
        "send_email",
        "acme",
        "mail-ok",
    )
    assert (held["tool"], held["arguments"], held["privilege"], held["clearance"]) == (
        "send_email",
        approval.arguments,
        "write",
        "read",
    )
    assert graph.get_state(thread("mail-ok")).next == ("guard",) and calls == []

    done = graph.invoke(Command(resume={"approved": True, "by": "alice"}), thread("mail-ok"))
    assert calls == [approval.arguments]  # the tool ran once, with the approved arguments
    decided = fmos.approvals.get(approval.id)
    assert (decided.status, decided.decided_by) == ("approved", "alice")
    names = [type(m).__name__ for m in done["messages"]]
    assert names == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    # the held reply replaced the placeholder: same id, now with the tool call
    assert done["messages"][1].id == f"fmos-{approval.trace_id}"
    assert done["messages"][1].tool_calls[0]["args"] == approval.arguments


@pytest.mark.model
def test_a_denied_approval_ends_the_graph_without_the_tool(embedded: Embedded) -> None:
    fmos = embedded.fmos
    calls: list[dict[str, Any]] = []
    graph = approval_graph(fmos, calls)
    held = ask_to_email(graph, "mail-no")
    done = graph.invoke(
        Command(resume={"approved": False, "reason": "not today"}), thread("mail-no")
    )
    assert calls == []
    last = done["messages"][-1]
    assert isinstance(last, AIMessage) and not last.tool_calls
    assert "denied" in last.content and "not today" in last.content
    assert fmos.approvals.get(held["approval_id"]).status == "denied"
    assert graph.get_state(thread("mail-no")).next == ()

    raising = approval_graph(fmos, calls, on_denied="raise")
    held = ask_to_email(raising, "mail-raise")
    fmos.approvals.decide(held["approval_id"], approve=False, by="ops")
    with pytest.raises(ApprovalDenied) as denied:
        raising.invoke(Command(resume={"approved": None}), thread("mail-raise"))
    assert denied.value.approval_id == held["approval_id"] and calls == []


@pytest.mark.model
def test_a_decision_taken_outside_the_graph_resumes_it(embedded: Embedded) -> None:
    fmos = embedded.fmos
    calls: list[dict[str, Any]] = []
    graph = approval_graph(fmos, calls)
    held = ask_to_email(graph, "mail-cli")
    # an answer that is no decision asks again, saying why
    unclear = graph.invoke(Command(resume="yes please"), thread("mail-cli"))["__interrupt__"]
    assert unclear[0].value["approval_id"] == held["approval_id"]
    assert "not a decision" in unclear[0].value["error"]
    # resuming before anyone decided pauses again on the same approval
    again = graph.invoke(Command(resume={"approved": None}), thread("mail-cli"))
    assert again["__interrupt__"][0].value["approval_id"] == held["approval_id"]
    assert "error" not in again["__interrupt__"][0].value
    fmos.approvals.decide(held["approval_id"], approve=True, by="cli")  # `fmos approvals approve`
    done = graph.invoke(Command(resume={"approved": None}), thread("mail-cli"))
    assert len(calls) == 1 and isinstance(done["messages"][2], ToolMessage)
    assert fmos.approvals.get(held["approval_id"]).decided_by == "cli"


@pytest.mark.model
def test_the_context_node_shapes_what_the_model_receives(embedded: Embedded) -> None:
    fmos = embedded.fmos
    builder = StateGraph(MessagesState)
    builder.add_node("context", FMOSContextNode(fmos, "policy"))
    builder.add_node("model", FMOSModelNode(fmos, "policy", max_tokens=24, temperature=0.0))
    builder.add_edge(START, "context")
    builder.add_edge("context", "model")
    graph = builder.compile()
    messages = graph.invoke({"messages": [HumanMessage("What is two plus two?")]})["messages"]
    assert isinstance(messages[0], SystemMessage) and messages[0].content == POLICY_PROMPT
    assert messages[-1].content.strip()
    sent = embedded.recording.requests[-1].messages
    assert [(m.role, m.content) for m in sent] == [
        ("system", POLICY_PROMPT),
        ("user", "What is two plus two?"),
    ]
