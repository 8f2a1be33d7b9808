"""The LangChain adapter: ChatFMOS, FMOSCallbackHandler and FMOSMiddleware.

Translation rules are unit-tested on a scripted pFM; every behaviour is proven on
the real embedded model (SmolLM2-135M via llama.cpp).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fmos_langchain
import pytest
from fmos_langchain import ChatFMOS, FMOSCallbackHandler, FMOSMiddleware
from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelCallLimitMiddleware
from langchain_core.language_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, FunctionMessage, HumanMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver

from fmos_core import (
    FMOS,
    ApprovalRequired,
    BadRequest,
    BudgetExceeded,
    Config,
    UnknownTenant,
)
from fmos_core.registry import DriverRegistry
from fmos_core.testing import RecordingBackend, ScriptedBackend, tool_call

POLICY = "Answer in one short sentence."


def test_exports() -> None:
    assert fmos_langchain.__all__ == ["ChatFMOS", "FMOSCallbackHandler", "FMOSMiddleware"]


# -- translation, on a scripted pFM ----------------------------------------------------


@pytest.fixture
def scripted(make: Any) -> Any:
    def build(*replies: Any) -> FMOS:
        return make({"s": ScriptedBackend(list(replies))})

    return build


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        ({"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}, "image_url"),
        ({"type": "image", "base64": "AAAA", "mime_type": "image/png"}, "image"),
        ({"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"}, "audio"),
    ],
)
def test_non_text_content_is_a_bad_request_naming_its_type(
    scripted: Any, block: dict[str, Any], kind: str
) -> None:
    chat = ChatFMOS(fmos=scripted("never"))
    message = HumanMessage(content=[{"type": "text", "text": "What is this?"}, block])
    with pytest.raises(BadRequest, match=f"'{kind}' content in a HumanMessage"):
        chat.invoke([message])


def test_an_unrepresentable_message_type_is_a_bad_request(scripted: Any) -> None:
    with pytest.raises(BadRequest, match="FunctionMessage"):
        ChatFMOS(fmos=scripted("never")).invoke([FunctionMessage("1", name="f")])


def test_a_tool_fmos_cannot_accept_names_the_field(scripted: Any) -> None:
    bad_name = {"type": "function", "function": {"name": "send email", "parameters": {}}}
    with pytest.raises(BadRequest, match=r"tool 'send email'.*name"):
        ChatFMOS(fmos=scripted()).bind_tools([bad_name])
    bad_schema = {
        "type": "function",
        "function": {"name": "f", "parameters": {"type": "object", "properties": 3}},
    }
    with pytest.raises(BadRequest, match=r"tool 'f'.*parameters.*properties"):
        ChatFMOS(fmos=scripted()).bind_tools([bad_schema])


def test_tool_choice_and_options_are_checked(scripted: Any) -> None:
    chat = ChatFMOS(fmos=scripted())

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    with pytest.raises(BadRequest, match="tool_choice='mul'"):
        chat.bind_tools([add], tool_choice="mul")
    with pytest.raises(BadRequest, match="call option"):
        chat.invoke("hi", frequency_penalty=1.0)
    with pytest.raises(Exception, match="extra"):
        ChatFMOS(fmos=scripted(), api_key="sk-nothing")


def test_the_kernel_is_not_serialized_and_ls_params_name_the_vfm(scripted: Any) -> None:
    chat = ChatFMOS(fmos=scripted(), vfm="default", max_tokens=8, stop=["\n"])
    assert "fmos" not in chat.model_dump()
    params = chat._get_ls_params()
    assert (params["ls_provider"], params["ls_model_name"], params["ls_max_tokens"]) == (
        "fmos",
        "default",
        8,
    )
    assert chat._get_ls_params(model="other")["ls_model_name"] == "other"


def test_tool_history_round_trips_through_the_contract(make: Any) -> None:
    backend = ScriptedBackend([tool_call("add", a=2, b=3), "It is 5."])
    recording = RecordingBackend(backend)
    fmos = make({"s": backend})
    fmos.pfms["s"].backend = recording

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    model = ChatFMOS(fmos=fmos).bind_tools([add])
    first = model.invoke("What is 2+3?")
    [call] = first.tool_calls
    assert (call["name"], call["args"]) == ("add", {"a": 2, "b": 3})
    result = add.invoke(call)
    second = model.invoke([HumanMessage("What is 2+3?"), first, result])
    assert second.content == "It is 5."
    sent = recording.requests[-1].messages
    assert [m.role for m in sent] == ["user", "assistant", "tool"]
    assert sent[1].tool_calls[0].id == call["id"] and sent[2].tool_call_id == call["id"]


# -- the embedded model ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fmos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FMOS]:
    state = tmp_path_factory.mktemp("lc-adapter") / "state.db"
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{state}"},
            "pfms": {"smollm2": {"driver": "llamacpp"}},
            "vfms": {
                "default": {"pfms": ["smollm2"]},
                "policy": {"pfms": ["smollm2"], "system_prompt": POLICY},
            },
            "tenants": {"default": {}, "acme": {"clearance": "read"}, "tight": {}},
        }
    )
    embedded = DriverRegistry().load("llamacpp").from_options({}, pfm="smollm2")
    with FMOS(config, backends={"smollm2": RecordingBackend(embedded)}) as kernel:
        yield kernel


def _recording(fmos: FMOS) -> RecordingBackend:
    backend = fmos.pfms["smollm2"].backend
    assert isinstance(backend, RecordingBackend)
    return backend


@tool
def get_weather(city: str) -> str:
    """Today's weather for a city."""
    return f"Sunny in {city}."


@pytest.mark.model
def test_invoke_carries_usage_and_fmos_metadata(fmos: FMOS) -> None:
    reply = ChatFMOS(fmos=fmos, max_tokens=12).invoke("Name a colour.")
    assert reply.text.strip()
    meta = reply.response_metadata
    assert (meta["model_name"], meta["model_provider"]) == ("default", "fmos")
    trace = fmos.traces.get(meta["fmos"]["trace_id"])
    assert trace.pfm == meta["fmos"]["pfm"] == "smollm2"
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] == trace.output_tokens > 0
    assert reply.usage_metadata["input_tokens"] == trace.input_tokens > 0


@pytest.mark.model
def test_stream_yields_tokens_then_usage_on_the_last_chunk(fmos: FMOS) -> None:
    chunks = list(ChatFMOS(fmos=fmos, max_tokens=12).stream("Count to three."))
    assert len(chunks) > 2
    *tokens, last = chunks
    assert all(isinstance(c, AIMessageChunk) and c.usage_metadata is None for c in tokens)
    assert "".join(str(c.content) for c in tokens).strip()
    assert last.chunk_position == "last" and last.usage_metadata is not None
    assert last.usage_metadata["output_tokens"] > 0
    assert len(last.response_metadata["fmos"]["trace_id"]) == 32


@pytest.mark.model
async def test_astream_streams_a_tool_call_as_a_chunk(fmos: FMOS) -> None:
    model = ChatFMOS(fmos=fmos, max_tokens=40).bind_tools([get_weather], tool_choice="any")
    full: AIMessageChunk | None = None
    async for chunk in model.astream("What is the weather in Paris?"):
        full = chunk if full is None else full + chunk
    assert full is not None
    [call] = full.tool_calls
    assert call["name"] == "get_weather" and isinstance(call["args"]["city"], str)
    assert full.usage_metadata is not None and full.usage_metadata["input_tokens"] > 0


@pytest.mark.model
def test_structured_output_uses_the_response_schema(fmos: FMOS) -> None:
    schema = {
        "title": "Person",
        "description": "A person.",
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 20}},
        "required": ["name"],
    }
    person = ChatFMOS(fmos=fmos, max_tokens=32).with_structured_output(schema)
    result = person.invoke("Invent a person.")
    assert isinstance(result, dict) and isinstance(result["name"], str)
    sent = _recording(fmos).requests[-1]
    assert sent.response_schema is not None and sent.response_schema["required"] == ["name"]


@pytest.mark.model
def test_fmos_errors_propagate_unchanged(fmos: FMOS) -> None:
    fmos.budgets.set("tight", tokens=5)
    with pytest.raises(BudgetExceeded) as refused:
        ChatFMOS(fmos=fmos, tenant="tight", max_tokens=8).invoke("Say hello.")
    assert refused.value.resource == "tokens"
    with pytest.raises(UnknownTenant):
        ChatFMOS(fmos=fmos, tenant="nobody", max_tokens=8).invoke("Say hello.")


@pytest.mark.model
def test_a_privileged_tool_is_held_for_approval_then_resumed(fmos: FMOS) -> None:
    @tool
    def send_email(to: str) -> str:
        """Send an email."""
        return f"sent to {to}"

    send_email.metadata = {"fmos_privilege": "write"}
    chat = ChatFMOS(fmos=fmos, tenant="acme", max_tokens=40)
    with pytest.raises(ApprovalRequired) as held:
        chat.bind_tools([send_email], tool_choice="send_email").invoke("Email ops@example.com.")
    approval = fmos.approvals.get(held.value.approval_id)
    assert (approval.status, approval.tool, approval.privilege) == ("pending", "send_email", 2)
    with pytest.raises(ApprovalRequired):
        chat.resume(approval.id)  # still pending
    fmos.approvals.decide(approval.id, approve=True, by="test")
    resumed = chat.resume(approval.id)
    assert isinstance(resumed, AIMessage)
    assert [(c["name"], c["args"]) for c in resumed.tool_calls] == [
        ("send_email", approval.arguments)
    ]


# -- the callback handler on models FMOS does not run --------------------------------------


@pytest.mark.model
def test_handler_traces_and_settles_a_foreign_model_call(fmos: FMOS) -> None:
    fmos.budgets.set("default", tokens=100_000)
    before = fmos.budgets.show("default")
    assert before is not None
    usage = {"input_tokens": 7, "output_tokens": 3, "total_tokens": 10}
    fake = GenericFakeChatModel(messages=iter([AIMessage("hi there", usage_metadata=usage)]))
    handler = FMOSCallbackHandler(fmos, tenant="default", app="shop")
    reply = fake.invoke("hello", config={"callbacks": [handler]})
    assert reply.content == "hi there"
    [trace] = [t for t in fmos.traces.list(limit=50) if t.app == "shop"]
    assert trace.id in handler.trace_ids.values()
    assert (trace.pfm, trace.vfm, trace.status) == ("GenericFakeChatModel", "external", "ok")
    assert (trace.input_tokens, trace.output_tokens) == (7, 3)
    after = fmos.budgets.show("default")
    assert after is not None
    assert after.tokens_used - before.tokens_used == 10
    assert after.requests_used - before.requests_used == 1
    assert after.tokens_reserved == before.tokens_reserved


@pytest.mark.model
def test_handler_charges_the_hold_when_a_model_reports_no_usage(fmos: FMOS) -> None:
    fmos.budgets.set("default", tokens=100_000)
    before = fmos.budgets.show("default")
    assert before is not None
    handler = FMOSCallbackHandler(fmos, max_tokens=50)
    FakeListChatModel(responses=["ok"]).invoke("hi", config={"callbacks": [handler]})
    after = fmos.budgets.show("default")
    assert after is not None
    held = after.tokens_used - before.tokens_used
    assert held > 50  # the whole hold: prompt estimate + max_tokens
    assert after.tokens_reserved == before.tokens_reserved


@pytest.mark.model
def test_handler_refuses_a_call_over_budget_before_the_model_runs(fmos: FMOS) -> None:
    fmos.budgets.set("tight", tokens=5)
    replies = iter([AIMessage("never")])
    fake = GenericFakeChatModel(messages=replies)
    handler = FMOSCallbackHandler(fmos, tenant="tight")
    with pytest.raises(BudgetExceeded):
        fake.invoke("hello", config={"callbacks": [handler]})
    assert next(replies).content == "never", "the model must not have run"
    status = fmos.budgets.show("tight")
    assert status is not None and (status.tokens_used, status.tokens_reserved) == (0, 0)
    with pytest.raises(UnknownTenant):
        fake.invoke("hello", config={"callbacks": [FMOSCallbackHandler(fmos, tenant="x")]})


@pytest.mark.model
def test_handler_on_chat_fmos_writes_its_own_trace_beside_the_kernels(fmos: FMOS) -> None:
    handler = FMOSCallbackHandler(fmos, app="sibling")
    reply = ChatFMOS(fmos=fmos, max_tokens=8).invoke("Say yes.", config={"callbacks": [handler]})
    [outer] = [t for t in fmos.traces.list(limit=50) if t.app == "sibling"]
    inner = fmos.traces.get(reply.response_metadata["fmos"]["trace_id"])
    assert outer.pfm == "default"  # LangChain's model name for ChatFMOS: the VFM
    assert outer.output_tokens == inner.output_tokens > 0


# -- the agent middleware -------------------------------------------------------------------


class _ForceTool(AgentMiddleware):  # type: ignore[type-arg]
    """Test scaffolding, like ``fmos_core.agent``'s loop: the first model call must call
    ``name``, later ones must answer (a 135M model would not choose either reliably)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.tool_name = name

    def wrap_model_call(self, request: Any, handler: Any) -> Any:
        answered = any(m.type == "tool" for m in request.messages)
        return handler(request.override(tool_choice="none" if answered else self.tool_name))


@pytest.mark.model
def test_agent_gets_the_vfm_system_prompt_and_runs_a_real_tool(fmos: FMOS) -> None:
    agent = create_agent(
        ChatFMOS(fmos=fmos, vfm="policy", max_tokens=40),
        tools=[get_weather],
        middleware=[
            FMOSMiddleware(fmos, vfm="policy"),
            _ForceTool("get_weather"),
            ModelCallLimitMiddleware(run_limit=2, exit_behavior="end"),
        ],
    )
    state = agent.invoke({"messages": [HumanMessage("What is the weather in Paris?")]})
    kinds = [m.type for m in state["messages"]]
    assert kinds[:3] == ["human", "ai", "tool"]
    assert state["messages"][2].content.startswith("Sunny in ")
    sent = _recording(fmos).requests[-2].messages  # the first model call
    assert (sent[0].role, sent[0].content) == ("system", POLICY)
    assert sum(m.role == "system" for m in sent) == 1


@pytest.mark.model
def test_agent_tool_above_clearance_waits_for_approval_then_runs(fmos: FMOS) -> None:
    sent: list[str] = []

    @tool
    def send_email(to: str) -> str:
        """Send an email."""
        sent.append(to)
        return "sent"

    agent = create_agent(
        ChatFMOS(fmos=fmos, tenant="acme", session="agent", max_tokens=40),
        tools=[send_email],
        middleware=[
            FMOSMiddleware(
                fmos, tenant="acme", session="agent", tool_privileges={"send_email": "write"}
            ),
            _ForceTool("send_email"),
            ModelCallLimitMiddleware(run_limit=2, exit_behavior="end"),
        ],
        checkpointer=InMemorySaver(),
    )
    thread = {"configurable": {"thread_id": "approval"}}
    with pytest.raises(ApprovalRequired) as held:
        agent.invoke({"messages": [HumanMessage("Email ops@example.com.")]}, thread)
    assert sent == [], "the tool must not run before approval"
    approval = fmos.approvals.get(held.value.approval_id)
    assert (approval.status, approval.tool, approval.tenant) == ("pending", "send_email", "acme")

    with pytest.raises(ApprovalRequired):  # resuming while pending holds it again
        agent.invoke(None, thread)
    assert sent == []

    fmos.approvals.decide(approval.id, approve=True, by="test")
    state = agent.invoke(None, thread)
    assert sent == [approval.arguments["to"]]
    assert any(m.type == "tool" and m.content == "sent" for m in state["messages"])
    assert fmos.approvals.get(approval.id).status == "consumed"  # one approval, one call
