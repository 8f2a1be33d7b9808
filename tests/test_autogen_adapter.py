"""The AutoGen adapter: ``FMOSChatCompletionClient`` on the embedded model, and the
translation of AutoGen's types (checked on a scripted pFM, before any model runs)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fmos_autogen
import jsonschema
import pytest
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.base import TaskResult
from autogen_agentchat.messages import (
    ModelClientStreamingChunkEvent,
    TextMessage,
    ToolCallExecutionEvent,
    ToolCallRequestEvent,
)
from autogen_core import CancellationToken, FunctionCall, Image
from autogen_core.models import (
    AssistantMessage,
    ChatCompletionClient,
    CreateResult,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import FunctionTool
from fmos_autogen import FMOSChatCompletionClient, FMOSCreateResult
from PIL import Image as PILImage
from pydantic import BaseModel

from fmos_core import (
    FMOS,
    BadRequest,
    BudgetExceeded,
    Completion,
    Config,
    ConfigError,
    Message,
    Request,
    ToolSpec,
)
from fmos_core.testing import RecordingBackend, ScriptedBackend, tool_call


def get_weather(city: str) -> str:
    """Today's weather for a city."""
    return f"Sunny and 21 C in {city}."


WEATHER = FunctionTool(get_weather, description="Today's weather for a city.")
ASK = [UserMessage(content="Say hello.", source="user")]


class Person(BaseModel):
    name: str
    age: int


def run(coro):
    return asyncio.run(coro)


# --- translation, on a scripted pFM -------------------------------------------------


def _answer(request: Request) -> Completion:
    """A tool call when the request offers tools, else "ok"."""
    if request.tools:
        return Completion(tool_calls=[tool_call("get_weather", city="Rome")])
    return Completion(content="ok")


@pytest.fixture
def scripted() -> Iterator[tuple[FMOS, RecordingBackend]]:
    config = Config.parse(
        {
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}},
            "state": {"enabled": False},
        }
    )
    recording = RecordingBackend(ScriptedBackend([_answer], repeat=True))
    with FMOS(config, backends={"s": recording}) as kernel:
        yield kernel, recording


def test_the_public_api() -> None:
    assert fmos_autogen.__all__ == [
        "FMOSChatCompletionClient",
        "FMOSClientConfig",
        "FMOSCreateResult",
    ]


def test_a_conversation_reaches_the_pfm_as_fmos_messages(scripted) -> None:
    kernel, recording = scripted
    client = FMOSChatCompletionClient(kernel)
    call = FunctionCall(id="c1", name="get_weather", arguments='{"city": "Rome"}')
    conversation = [
        SystemMessage(content="Be brief."),
        UserMessage(content=["Weather", "in Rome?"], source="user"),
        AssistantMessage(content=[call], thought="Let me look.", source="assistant"),
        FunctionExecutionResultMessage(
            content=[FunctionExecutionResult(content="Sunny", name="get_weather", call_id="c1")]
        ),
    ]
    run(client.create(conversation))
    sent = recording.requests[-1].messages
    assert sent == [
        Message(role="system", content="Be brief."),
        Message(role="user", content="Weather\nin Rome?", name="user"),
        Message(
            role="assistant",
            content="Let me look.",
            name="assistant",
            tool_calls=[{"id": "c1", "name": "get_weather", "arguments": {"city": "Rome"}}],
        ),
        Message(
            role="tool",
            content="Sunny",
            tool_call_id="c1",
            name="get_weather",
            kind="observation",
        ),
    ]


def test_tools_privileges_and_options_reach_the_request(scripted) -> None:
    kernel, recording = scripted
    client = FMOSChatCompletionClient(
        kernel,
        tenant="default",
        app="bot",
        session="s1",
        max_tokens=40,
        tool_privileges={"get_weather": "read"},
    )
    schema = {"name": "lookup", "parameters": {"type": "object", "properties": {}}}
    run(
        client.create(
            ASK,
            tools=[WEATHER, schema],
            tool_choice=WEATHER,
            extra_create_args={"temperature": 0.5, "stop": "END", "max_tokens": 30},
        )
    )
    request = recording.requests[-1]
    assert [(t.name, t.privilege.name) for t in request.tools] == [
        ("get_weather", "READ"),
        ("lookup", "SAFE"),
    ]
    assert request.tools[0].parameters == WEATHER.schema["parameters"]
    assert request.tool_choice == "get_weather"
    assert (request.max_tokens, request.sampling.temperature, request.sampling.stop) == (
        30,
        0.5,
        ["END"],
    )
    assert (request.identity.app, request.identity.session) == ("bot", "s1")


def test_a_scripted_tool_call_comes_back_as_function_calls(scripted) -> None:
    kernel, _ = scripted
    result = run(FMOSChatCompletionClient(kernel).create(ASK, tools=[WEATHER]))
    assert isinstance(result, FMOSCreateResult)
    [call] = result.content
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Rome"})
    assert result.finish_reason == "function_calls"


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        (
            {
                "messages": [
                    UserMessage(content=["hi", Image(PILImage.new("RGB", (1, 1)))], source="u")
                ]
            },
            "FMOS cannot represent Image content",
        ),
        ({"extra_create_args": {"frequency_penalty": 1}}, "'frequency_penalty'"),
        (
            {"tools": [{"name": "t", "parameters": {"type": "array", "properties": {}}}]},
            "tools[0] ('t')",
        ),
        ({"tools": [{"name": "bad name!"}]}, "name"),
        ({"json_output": dict}, "json_output must be a bool or a pydantic model class"),
        (
            {
                "messages": [
                    AssistantMessage(
                        content=[FunctionCall(id="c", name="f", arguments="{oops")], source="a"
                    )
                ]
            },
            "are not JSON",
        ),
        (
            {
                "messages": [
                    FunctionExecutionResultMessage(
                        content=[FunctionExecutionResult(content="x", name="f", call_id="")]
                    )
                ]
            },
            "empty call_id",
        ),
        ({"messages": []}, "messages"),
    ],
)
def test_bad_input_is_a_bad_request_saying_what(scripted, kwargs, says) -> None:
    kernel, recording = scripted
    client = FMOSChatCompletionClient(kernel)
    messages = kwargs.pop("messages", ASK)
    with pytest.raises(BadRequest) as error:
        run(client.create(messages, **kwargs))
    assert says in str(error.value)
    assert recording.requests == []


def test_an_unknown_privilege_is_refused_at_construction(scripted) -> None:
    with pytest.raises(BadRequest, match=r"tool_privileges\['send'\]: unknown privilege 'root'"):
        FMOSChatCompletionClient(scripted[0], tool_privileges={"send": "root"})


def test_model_info_says_what_fmos_offers(scripted) -> None:
    info = FMOSChatCompletionClient(scripted[0]).model_info
    assert info == {
        "vision": False,
        "function_calling": True,
        "json_output": True,
        "structured_output": True,
        "family": "unknown",
    }


def test_a_kernel_without_a_config_file_cannot_be_dumped(scripted) -> None:
    with pytest.raises(ConfigError, match="pass config_path="):
        FMOSChatCompletionClient(scripted[0]).dump_component()


def test_a_passed_kernel_is_left_open_by_close(scripted) -> None:
    kernel, _ = scripted
    client = FMOSChatCompletionClient(kernel)
    run(client.close())
    assert kernel.vfm().invoke("hi").text == "ok"  # still serving


# --- the embedded model -------------------------------------------------------------


@pytest.fixture(scope="module")
def fmos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FMOS]:
    state = tmp_path_factory.mktemp("autogen") / "state.db"
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{state}"},
            "pfms": {"smollm2": {"driver": "llamacpp"}},
            "vfms": {"default": {"pfms": ["smollm2"]}},
            "tenants": {"default": {}, "tight": {}},
        }
    )
    with FMOS(config) as kernel:
        yield kernel


@pytest.mark.model
def test_create_returns_text_with_usage_and_a_trace(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos, max_tokens=16)
    result = run(client.create([UserMessage(content="Name a colour.", source="user")]))
    assert isinstance(result, CreateResult)
    assert isinstance(result.content, str) and result.content.strip()
    assert result.finish_reason in ("stop", "length")
    assert result.usage.prompt_tokens > 0 and 0 < result.usage.completion_tokens <= 16
    assert not result.cached
    assert client.total_usage() == client.actual_usage() == result.usage
    trace = fmos.traces.get(result.fmos_metadata["trace_id"])
    assert (trace.input_tokens, trace.output_tokens) == (
        result.usage.prompt_tokens,
        result.usage.completion_tokens,
    )
    assert result.fmos_metadata["pfm"] == "smollm2"


@pytest.mark.model
def test_a_short_budget_of_tokens_ends_with_length(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos)
    result = run(
        client.create(
            [UserMessage(content="Write a long story about a cat.", source="user")],
            extra_create_args={"max_tokens": 3, "logprobs": True},
        )
    )
    assert result.finish_reason == "length"
    assert result.usage.completion_tokens == 3
    assert result.logprobs is not None and len(result.logprobs) == 3
    assert all(entry.logprob <= 0 for entry in result.logprobs)


@pytest.mark.model
def test_create_stream_yields_text_then_the_result(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos, max_tokens=16)

    async def collect() -> list[str | CreateResult]:
        stream = client.create_stream([UserMessage(content="Count to three.", source="user")])
        return [item async for item in stream]

    items = run(collect())
    *chunks, final = items
    assert len(chunks) > 1 and all(isinstance(c, str) for c in chunks)
    assert isinstance(final, FMOSCreateResult)
    assert "".join(chunks) == final.content  # type: ignore[arg-type]
    assert final.usage.completion_tokens > 0
    assert client.total_usage() == final.usage
    trace = fmos.traces.get(final.fmos_metadata["trace_id"])
    assert trace.output_tokens == final.usage.completion_tokens


@pytest.mark.model
def test_a_tool_call_has_json_arguments_matching_the_schema(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos)
    ask = [UserMessage(content="What is the weather in Paris?", source="user")]
    result = run(client.create(ask, tools=[WEATHER], tool_choice="required"))
    assert result.finish_reason == "function_calls"
    [call] = result.content
    assert isinstance(call, FunctionCall) and call.name == "get_weather" and call.id
    arguments = json.loads(call.arguments)
    jsonschema.validate(arguments, WEATHER.schema["parameters"])
    # the arguments run the real tool
    ran = run(WEATHER.run_json(arguments, CancellationToken()))
    assert ran == f"Sunny and 21 C in {arguments['city']}."


@pytest.mark.model
def test_json_output_with_a_pydantic_model(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos, max_tokens=48)
    ask = [UserMessage(content="Invent a person with a name and an age.", source="user")]
    result = run(client.create(ask, json_output=Person))
    person = Person.model_validate_json(result.content)  # type: ignore[arg-type]
    assert person.name


@pytest.mark.model
def test_count_and_remaining_tokens_agree_with_the_kernel(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos, max_tokens=4)
    ask = [SystemMessage(content="Be brief."), UserMessage(content="Hello there.", source="u")]
    spec = ToolSpec.from_openai({"function": dict(WEATHER.schema)})
    expected = fmos.vfm().count_tokens(
        [
            Message(role="system", content="Be brief."),
            Message(role="user", content="Hello there.", name="u"),
        ],
        tools=[spec],
    )
    counted = client.count_tokens(ask, tools=[WEATHER])
    assert counted == expected > client.count_tokens(ask)
    assert client.remaining_tokens(ask, tools=[WEATHER]) == fmos.vfm().context_window - counted
    # and it is what the call is charged for
    result = run(client.create(ask))
    assert result.usage.prompt_tokens == client.count_tokens(ask)


@pytest.mark.model
def test_a_call_over_budget_raises_and_spends_nothing(fmos: FMOS) -> None:
    fmos.budgets.set("tight", tokens=5)
    client = FMOSChatCompletionClient(fmos, tenant="tight")
    with pytest.raises(BudgetExceeded) as refused:
        run(client.create(ASK))
    assert (refused.value.tenant, refused.value.resource) == ("tight", "tokens")
    status = fmos.budgets.show("tight")
    assert (status.tokens_used, status.tokens_reserved, status.requests_used) == (0, 0, 0)
    assert client.total_usage() == RequestUsage(prompt_tokens=0, completion_tokens=0)


@pytest.mark.model
@pytest.mark.parametrize("stream", [False, True], ids=["create", "create_stream"])
def test_an_assistant_agent_runs_a_real_tool_end_to_end(fmos: FMOS, stream: bool) -> None:
    seen: list[str] = []

    def weather(city: str) -> str:
        """Today's weather for a city."""
        seen.append(city)
        return f"Sunny and 21 C in {city}."

    # AutoGen agents always ask with tool_choice="auto", and with "auto" the 135M model
    # answers from memory; the client's tool_choice="required" replaces "auto" on calls
    # that offer tools, and the reflection call AutoGen makes has none (tool_choice="none")
    client = FMOSChatCompletionClient(fmos, max_tokens=32, session="agent", tool_choice="required")
    agent = AssistantAgent(
        "forecaster",
        model_client=client,
        tools=[FunctionTool(weather, description="Today's weather for a city.")],
        reflect_on_tool_use=True,
        model_client_stream=stream,
    )
    before = {t.id for t in fmos.traces.list(limit=1000)}

    async def drive() -> list[Any]:
        return [item async for item in agent.run_stream(task="What is the weather in Paris?")]

    *events, result = run(drive())
    assert isinstance(result, TaskResult)
    chunks = [e for e in events if isinstance(e, ModelClientStreamingChunkEvent)]
    messages = result.messages
    kinds = [type(m) for m in messages]
    assert kinds == [TextMessage, ToolCallRequestEvent, ToolCallExecutionEvent, TextMessage]
    [call] = messages[1].content
    assert call.name == "weather" and json.loads(call.arguments) == {"city": seen[0]}
    assert "Paris" in seen[0]
    [executed] = messages[2].content
    assert executed.content == f"Sunny and 21 C in {seen[0]}." and not executed.is_error
    answer = messages[3].content
    assert answer.strip()
    if stream:  # the reflection's text arrives in chunks that add up to the answer
        assert len(chunks) > 1 and "".join(c.content for c in chunks) == answer
    else:
        assert chunks == []
    new = [t for t in fmos.traces.list(limit=1000) if t.id not in before]
    assert [t.session for t in new] == ["agent", "agent"]  # the tool call and the reflection
    total = client.total_usage()
    assert total.prompt_tokens == sum(t.input_tokens for t in new)
    assert total.completion_tokens == sum(t.output_tokens for t in new)


@pytest.mark.model
def test_the_component_config_round_trips(fmos: FMOS, tmp_path: Path) -> None:
    toml = tmp_path / "fmos.toml"
    toml.write_text(
        f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n'
        '[pfms.smollm2]\ndriver = "llamacpp"\n'
        '[vfms.default]\npfms = ["smollm2"]\n'
        "[tenants.default]\n[tenants.acme]\n",
        encoding="utf-8",
    )
    client = FMOSChatCompletionClient(
        config_path=toml,
        tenant="acme",
        app="bot",
        session="s1",
        max_tokens=8,
        tool_privileges={"send_email": "write"},
    )
    dumped = client.dump_component()
    assert dumped.provider == "fmos_autogen.FMOSChatCompletionClient"
    assert dumped.component_type == "model"
    assert dumped.config == {
        "config_path": str(toml),
        "vfm": "default",
        "tenant": "acme",
        "app": "bot",
        "session": "s1",
        "max_tokens": 8,
        "tool_privileges": {"send_email": "write"},
        "tool_choice": "auto",
    }
    loaded = ChatCompletionClient.load_component(json.loads(dumped.model_dump_json()))
    assert isinstance(loaded, FMOSChatCompletionClient)
    assert loaded.fmos is not client.fmos
    assert loaded.dump_component().config == dumped.config
    result = run(loaded.create(ASK))
    assert 0 < result.usage.completion_tokens <= 8
    trace = loaded.fmos.traces.get(result.fmos_metadata["trace_id"])
    assert (trace.tenant, trace.app, trace.session) == ("acme", "bot", "s1")
    # reusing a live kernel instead of building one
    reused = FMOSChatCompletionClient.from_component(dumped, fmos=loaded.fmos)
    assert reused.fmos is loaded.fmos
    run(reused.close())
    run(loaded.close())
    run(client.close())


def test_a_cancelled_token_cancels_the_call(scripted) -> None:
    kernel, recording = scripted
    token = CancellationToken()
    token.cancel()
    with pytest.raises(asyncio.CancelledError):
        run(FMOSChatCompletionClient(kernel).create(ASK, cancellation_token=token))
    assert recording.requests == []
