"""The embedded llama.cpp driver against the real SmolLM2-135M-Instruct model."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import fmos_llamacpp
import jsonschema
import pytest
from fmos_llamacpp import LlamaCppBackend

from fmos_core.backends import Completion
from fmos_core.contract import Message, Request, ToolCall, ToolSpec
from fmos_core.errors import (
    BackendUnavailable,
    BadRequest,
    ConfigError,
    ContextWindowExceeded,
)
from fmos_core.registry import DriverRegistry

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather for a city.",
    parameters={
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "unit"],
    },
)
ADD = ToolSpec(
    name="add",
    description="Add two integers.",
    parameters={
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
)
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


def ask(text: str, **fields: object) -> Request:
    return Request(messages=[Message(role="user", content=text)], **fields)


@pytest.fixture(scope="module")
def backend() -> Iterator[LlamaCppBackend]:
    """One backend (one loaded model) for the whole module."""
    backend = LlamaCppBackend()
    yield backend
    asyncio.run(backend.aclose())


# -- configuration (no model run) ------------------------------------------------------


def test_exports_and_entry_point() -> None:
    assert fmos_llamacpp.__all__ == ["LlamaCppBackend", "LlamaCppOptions"]
    assert DriverRegistry().load("llamacpp") is LlamaCppBackend


def test_profile_and_version() -> None:
    backend = LlamaCppBackend.from_options({"n_ctx": 1024}, pfm="smol")
    assert backend.version == "smollm2-135m-instruct-q4_1"
    profile = backend.profile
    assert profile.context_window == 1024
    assert (profile.tools, profile.json_schema, profile.logprobs) == (True, True, True)
    assert profile.reasoning_knob == "none"
    assert profile.cost(input_tokens=10**6, output_tokens=10**6) == 0.0


def test_missing_gguf_is_a_config_error_naming_the_path(tmp_path) -> None:
    missing = tmp_path / "nowhere" / "model.gguf"
    with pytest.raises(ConfigError) as err:
        LlamaCppBackend.from_options({"model_path": str(missing)}, pfm="smol")
    assert str(missing) in str(err.value)
    assert "model_path" in str(err.value)


def test_unknown_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown key 'temperature'"):
        LlamaCppBackend.from_options({"temperature": 0.5}, pfm="smol")


def test_unknown_chat_format_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="chat_format"):
        LlamaCppBackend.from_options({"chat_format": "no-such-format"}, pfm="smol")


def test_schema_without_a_grammar_is_a_bad_request(backend: LlamaCppBackend) -> None:
    request = ask("Say something.", response_schema={"not": {"type": "string"}})
    with pytest.raises(BadRequest, match="grammar"):
        asyncio.run(backend.complete(request))


# -- the real model --------------------------------------------------------------------


@pytest.mark.model
async def test_plain_answer_has_content_and_usage(backend: LlamaCppBackend) -> None:
    completion = await backend.complete(ask("Name three colors.", max_tokens=32))
    assert completion.content.strip()
    assert completion.input_tokens > 0
    assert 0 < completion.output_tokens <= 32
    assert completion.finish_reason in ("stop", "length")
    assert completion.tool_calls == []
    assert completion.logprobs is None
    assert completion.model_version == "smollm2-135m-instruct-q4_1"


@pytest.mark.model
async def test_temperature_zero_is_deterministic(backend: LlamaCppBackend) -> None:
    request = ask("Write one sentence about the sea.", max_tokens=24)
    first = await backend.complete(request)
    await backend.complete(ask("Something else entirely: count to five.", max_tokens=12))
    second = await backend.complete(request)
    assert first.content == second.content
    assert first.output_tokens == second.output_tokens


@pytest.mark.model
async def test_max_tokens_stops_with_length(backend: LlamaCppBackend) -> None:
    completion = await backend.complete(ask("Tell me a long story about a dragon.", max_tokens=5))
    assert completion.finish_reason == "length"
    assert completion.output_tokens == 5


@pytest.mark.model
async def test_required_tool_call_matches_the_schema(backend: LlamaCppBackend) -> None:
    request = ask(
        "What is the weather in Paris?", tools=[WEATHER], tool_choice="required", max_tokens=64
    )
    completion = await backend.complete(request)
    assert completion.finish_reason == "tool_calls"
    assert completion.content == ""
    [call] = completion.tool_calls
    assert call.name == "get_weather"
    assert call.id.startswith("call_")
    jsonschema.validate(call.arguments, WEATHER.parameters)
    # the tool instructions count: the estimate equals what llama.cpp really ran
    assert backend.count_tokens(request) == completion.input_tokens
    assert backend.count_tokens(request) > backend.count_tokens(
        ask("What is the weather in Paris?")
    )


@pytest.mark.model
async def test_named_tool_choice_calls_that_tool(backend: LlamaCppBackend) -> None:
    request = ask("What is 2 plus 3?", tools=[WEATHER, ADD], tool_choice="add", max_tokens=48)
    first = await backend.complete(request)
    second = await backend.complete(request)
    [call] = first.tool_calls
    assert call.name == "add"
    jsonschema.validate(call.arguments, ADD.parameters)
    assert call.id != second.tool_calls[0].id  # ids are unique per call


@pytest.mark.model
async def test_auto_tool_choice_gives_a_call_or_an_answer(backend: LlamaCppBackend) -> None:
    completion = await backend.complete(
        ask("What is the weather in Tokyo?", tools=[WEATHER], max_tokens=64)
    )
    if completion.tool_calls:
        assert completion.finish_reason == "tool_calls"
        jsonschema.validate(completion.tool_calls[0].arguments, WEATHER.parameters)
    else:
        assert completion.content.strip()
        assert not completion.content.lstrip().startswith("{")


@pytest.mark.model
async def test_tool_choice_none_is_a_plain_answer(backend: LlamaCppBackend) -> None:
    request = ask("Say hello.", tools=[WEATHER], tool_choice="none", max_tokens=16)
    completion = await backend.complete(request)
    assert completion.tool_calls == []
    assert completion.content.strip()


@pytest.mark.model
async def test_tool_schema_with_defs_is_grammar_constrained(backend: LlamaCppBackend) -> None:
    book = ToolSpec(
        name="book_flight",
        parameters={
            "type": "object",
            "properties": {"route": {"$ref": "#/$defs/Route"}, "seats": {"type": "integer"}},
            "required": ["route", "seats"],
            "$defs": {
                "Route": {
                    "type": "object",
                    "properties": {"origin": {"type": "string"}, "to": {"type": "string"}},
                    "required": ["origin", "to"],
                }
            },
        },
    )
    request = ask(
        "Book two seats from Oslo to Rome.", tools=[book], tool_choice="required", max_tokens=80
    )
    completion = await backend.complete(request)
    [call] = completion.tool_calls
    jsonschema.validate(call.arguments, book.parameters)


@pytest.mark.model
async def test_tool_results_in_the_history_are_understood(backend: LlamaCppBackend) -> None:
    call = ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris", "unit": "celsius"})
    request = Request(
        messages=[
            Message(role="user", content="What is the weather in Paris?"),
            Message(role="assistant", tool_calls=[call]),
            Message(role="tool", tool_call_id="call_1", content="Sunny, 21 degrees."),
        ],
        max_tokens=32,
    )
    completion = await backend.complete(request)
    assert completion.content.strip()
    assert backend.count_tokens(request) == completion.input_tokens


@pytest.mark.model
async def test_response_schema_output_validates(backend: LlamaCppBackend) -> None:
    completion = await backend.complete(
        ask("Invent a person.", response_schema=PERSON, max_tokens=64)
    )
    assert completion.finish_reason == "stop"
    jsonschema.validate(json.loads(completion.content), PERSON)


@pytest.mark.model
async def test_logprobs_one_per_output_token(backend: LlamaCppBackend) -> None:
    request = ask("Name three colors.", max_tokens=24, logprobs=True)
    completion = await backend.complete(request)
    assert completion.logprobs is not None
    assert len(completion.logprobs) == completion.output_tokens > 0
    assert all(lp <= 0.0 for lp in completion.logprobs)
    plain = await backend.complete(ask("Name three colors.", max_tokens=24))
    assert plain.content == completion.content  # logprobs do not change the answer


@pytest.mark.model
async def test_stream_deltas_add_up_to_the_completion(backend: LlamaCppBackend) -> None:
    request = ask("Name three colors.", max_tokens=32)
    deltas: list[str] = []
    final: Completion | None = None
    async for chunk in backend.stream(request):
        assert final is None, "the completion comes last"
        if chunk.delta:
            deltas.append(chunk.delta)
        final = chunk.completion
    assert final is not None
    assert len(deltas) >= 2
    assert "".join(deltas) == final.content
    assert final.input_tokens > 0 and final.output_tokens > 0
    complete = await backend.complete(request)
    assert final.content == complete.content
    assert (final.input_tokens, final.output_tokens) == (
        complete.input_tokens,
        complete.output_tokens,
    )


@pytest.mark.model
async def test_stream_with_logprobs_and_schema(backend: LlamaCppBackend) -> None:
    request = ask("Invent a person.", response_schema=PERSON, max_tokens=64, logprobs=True)
    chunks = [chunk async for chunk in backend.stream(request)]
    final = chunks[-1].completion
    assert final is not None
    jsonschema.validate(json.loads(final.content), PERSON)
    assert final.logprobs is not None and len(final.logprobs) == final.output_tokens


@pytest.mark.model
async def test_stream_with_tools_returns_the_call_last(backend: LlamaCppBackend) -> None:
    request = ask("Weather in Rome?", tools=[WEATHER], tool_choice="required", max_tokens=64)
    chunks = [chunk async for chunk in backend.stream(request)]
    final = chunks[-1].completion
    assert final is not None and final.tool_calls[0].name == "get_weather"


@pytest.mark.model
async def test_abandoned_stream_frees_the_model(backend: LlamaCppBackend) -> None:
    stream = backend.stream(ask("Tell me a long story about a dragon.", max_tokens=200))
    async for chunk in stream:
        if chunk.delta:
            break
    await stream.aclose()  # type: ignore[attr-defined]
    completion = await asyncio.wait_for(backend.complete(ask("Hi", max_tokens=4)), 30)
    assert completion.output_tokens > 0


@pytest.mark.model
async def test_count_tokens_is_never_below_llama_usage(backend: LlamaCppBackend) -> None:
    messages = [
        Message(role="system", content="You are terse."),
        Message(role="user", content="What is the capital of France?"),
    ]
    request = Request(messages=messages, max_tokens=8)
    counted = backend.count_tokens(request)
    completion = await backend.complete(request)
    assert counted >= completion.input_tokens > 0


@pytest.mark.model
async def test_named_chat_format_counts_an_upper_bound() -> None:
    chatml = LlamaCppBackend.from_options({"chat_format": "chatml"}, pfm="smol-chatml")
    try:
        request = Request(messages=[Message(role="user", content="Name a fruit.")], max_tokens=8)
        completion = await chatml.complete(request)
        assert completion.content.strip()
        assert chatml.count_tokens(request) >= completion.input_tokens
    finally:
        await chatml.aclose()


@pytest.mark.model
async def test_calls_run_off_the_event_loop(backend: LlamaCppBackend) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        results = await asyncio.gather(
            backend.complete(ask("Name a color.", max_tokens=16)),
            backend.complete(ask("Name an animal.", max_tokens=16)),
        )
    finally:
        task.cancel()
    assert all(r.content.strip() for r in results)
    assert ticks > 5


@pytest.mark.model
async def test_prompt_longer_than_the_window_is_refused() -> None:
    small = LlamaCppBackend.from_options({"n_ctx": 256}, pfm="smol-256")
    try:
        request = ask("Summarise: " + "the quick brown fox jumps over the lazy dog " * 60)
        assert small.count_tokens(request) > 256
        with pytest.raises(ContextWindowExceeded) as err:
            await small.complete(request)
        assert err.value.pfm == "smol-256"
        with pytest.raises(ContextWindowExceeded):
            async for _ in small.stream(request):
                pass
    finally:
        await small.aclose()


@pytest.mark.model
async def test_a_file_llama_cannot_load_makes_the_pfm_unavailable(tmp_path) -> None:
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"this is not a GGUF file")
    broken = LlamaCppBackend.from_options({"model_path": str(bad)}, pfm="broken")
    with pytest.raises(BackendUnavailable, match=r"broken\.gguf") as err:
        await broken.complete(ask("Hi"))
    assert err.value.pfm == "broken"
    with pytest.raises(BackendUnavailable):
        broken.count_tokens(ask("Hi"))


@pytest.mark.model
async def test_auto_tools_with_response_schema_answer_in_schema(backend: LlamaCppBackend) -> None:
    request = ask("Invent a person.", tools=[WEATHER], response_schema=PERSON, max_tokens=64)
    completion = await backend.complete(request)
    if completion.tool_calls:
        jsonschema.validate(completion.tool_calls[0].arguments, WEATHER.parameters)
    else:
        jsonschema.validate(json.loads(completion.content), PERSON)
