"""FMOS types to and from the OpenAI chat-completions wire format. No I/O here.

``request_body`` builds the keyword arguments of ``chat.completions.create``;
``completion_from_wire`` reads a ``ChatCompletion``; ``StreamAssembler`` folds
``ChatCompletionChunk`` objects into text deltas and one final ``Completion``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionTokenLogprob

from fmos_core.backends import Completion
from fmos_core.contract import Message, Request, ToolCall, ToolSpec
from fmos_core.errors import BackendError
from fmos_core.reasoning import ReasoningPlan

StructuredOutput = Literal["json_schema", "json_object", "none"]


def request_body(request: Request, *, structured_output: StructuredOutput) -> dict[str, Any]:
    """The body of one chat-completions call, without ``model`` and ``stream``."""
    body: dict[str, Any] = {
        "messages": [message_to_wire(m) for m in request.messages],
        "max_tokens": request.max_tokens,
    }
    if request.tools:
        body["tools"] = [tool_to_wire(t) for t in request.tools]
        body["tool_choice"] = tool_choice_to_wire(request.tool_choice)
    if request.response_schema is not None and structured_output != "none":
        body["response_format"] = response_format(request.response_schema, structured_output)
    sampling = request.sampling
    if sampling.temperature is not None:
        body["temperature"] = sampling.temperature
    if sampling.top_p is not None:
        body["top_p"] = sampling.top_p
    if sampling.seed is not None:
        body["seed"] = sampling.seed
    if sampling.stop:
        body["stop"] = list(sampling.stop)
    if request.logprobs:
        # top_logprobs=1 because llama-cpp-python returns no logprobs without it.
        body["logprobs"] = True
        body["top_logprobs"] = 1
    return body


def reasoning_to_wire(
    plan: ReasoningPlan, *, budget_field: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(SDK keyword arguments, ``extra_body`` fields) that send ``plan``'s knob.

    ``effort`` is the SDK's ``reasoning_effort``; an ``on_off`` template switch is
    ``chat_template_kwargs.enable_thinking``; a token budget goes to ``budget_field``, a
    dotted path into the body (servers differ: see ``OpenAIOptions``). A prompt-side
    plan (technique, ``/think``) is already in the messages and sends nothing here.

    Example:
        >>> from fmos_core.reasoning import ReasoningPlan
        >>> reasoning_to_wire(ReasoningPlan("low", "token_budget", budget=256),
        ...                   budget_field="chat_template_kwargs.thinking_budget")
        ({}, {'chat_template_kwargs': {'thinking_budget': 256}})
    """
    if plan.knob == "effort" and plan.effort is not None:
        return {"reasoning_effort": plan.effort}, {}
    if plan.knob == "on_off" and plan.switch == "template":
        return {}, {"chat_template_kwargs": {"enable_thinking": bool(plan.thinking)}}
    if plan.knob == "token_budget" and plan.budget is not None:
        *parents, leaf = budget_field.split(".")
        extra: dict[str, Any] = {leaf: plan.budget}
        for parent in reversed(parents):
            extra = {parent: extra}
        return {}, extra
    return {}, {}


def merged(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` merged in, nested dicts key by key (``extra`` wins)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def message_to_wire(message: Message) -> dict[str, Any]:
    """One FMOS message as an OpenAI chat message (``kind`` stays in FMOS)."""
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    wire: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        # content stays a string ("" when empty), never null: llama-cpp-python
        # rejects null, and chat templates read message["content"].
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    if message.name:
        wire["name"] = message.name
    return wire


def tool_to_wire(tool: ToolSpec) -> dict[str, Any]:
    """A tool spec as an OpenAI function tool (the privilege level stays in FMOS)."""
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def tool_choice_to_wire(choice: str) -> str | dict[str, Any]:
    """``auto`` / ``none`` / ``required`` as is; any other value names one tool."""
    if choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def response_format(schema: dict[str, Any], style: StructuredOutput) -> dict[str, Any]:
    """The ``response_format`` that constrains output to ``schema``."""
    if style == "json_object":
        return {"type": "json_object", "schema": schema}
    return {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": schema, "strict": True},
    }


def completion_from_wire(response: ChatCompletion, *, pfm: str) -> Completion:
    """Read the first choice of a ``ChatCompletion`` into a ``Completion``."""
    if not response.choices:
        raise BackendError(f"pfm {pfm!r} answered with no choices", pfm=pfm)
    choice = response.choices[0]
    calls = []
    for call in choice.message.tool_calls or []:
        if call.type != "function":
            raise BackendError(f"pfm {pfm!r} returned a {call.type!r} tool call", pfm=pfm)
        arguments = decode_arguments(call.function.name, call.function.arguments, pfm=pfm)
        calls.append(ToolCall(id=call.id, name=call.function.name, arguments=arguments))
    completion = Completion(
        content=choice.message.content or "",
        tool_calls=calls,
        finish_reason=choice.finish_reason or "stop",
        logprobs=_logprobs(choice.logprobs.content if choice.logprobs else None),
        model_version=response.model,
    )
    apply_usage(completion, response.usage)
    return completion


def decode_arguments(tool: str, raw: str, *, pfm: str) -> dict[str, Any]:
    """JSON-decode a tool call's arguments; an empty string means no arguments."""
    if not raw.strip():
        return {}
    try:
        arguments = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BackendError(
            f"pfm {pfm!r} called tool {tool!r} with arguments that are not valid JSON "
            f"({exc.msg} at position {exc.pos}): {raw[:200]!r}",
            pfm=pfm,
        ) from None
    if not isinstance(arguments, dict):
        raise BackendError(
            f"pfm {pfm!r} called tool {tool!r} with arguments that are not a JSON object: "
            f"{raw[:200]!r}",
            pfm=pfm,
        )
    return arguments


def apply_usage(completion: Completion, usage: CompletionUsage | None) -> None:
    """Copy the server's token accounting, including cached and reasoning tokens."""
    if usage is None:
        completion.usage_reported = False
        return
    completion.input_tokens = usage.prompt_tokens
    completion.output_tokens = usage.completion_tokens
    prompt_details = usage.prompt_tokens_details
    if prompt_details is not None and prompt_details.cached_tokens is not None:
        completion.cached_tokens = prompt_details.cached_tokens
    output_details = usage.completion_tokens_details
    if output_details is not None and output_details.reasoning_tokens is not None:
        completion.reasoning_tokens = output_details.reasoning_tokens


def _logprobs(tokens: list[ChatCompletionTokenLogprob] | None) -> list[float] | None:
    return None if tokens is None else [t.logprob for t in tokens]


@dataclass(slots=True)
class _PartialCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StreamAssembler:
    """Folds streamed chunks into text deltas and, at the end, one ``Completion``.

    Tool-call fragments are joined by their ``index``; a name that a server
    repeats in every fragment (llama-cpp-python does) is kept once.
    """

    pfm: str
    text: list[str] = field(default_factory=list)
    calls: dict[int, _PartialCall] = field(default_factory=dict)
    logprobs: list[float] | None = None
    finish_reason: str = "stop"
    model: str = ""
    usage: CompletionUsage | None = None

    def feed(self, chunk: ChatCompletionChunk) -> str:
        """Take one chunk; return its text delta ("" when it carries none)."""
        self.model = chunk.model or self.model
        if chunk.usage is not None:
            self.usage = chunk.usage
        if not chunk.choices:
            return ""
        choice = chunk.choices[0]
        if choice.finish_reason is not None:
            self.finish_reason = choice.finish_reason
        if choice.logprobs is not None and choice.logprobs.content is not None:
            self.logprobs = (self.logprobs or []) + [t.logprob for t in choice.logprobs.content]
        for fragment in choice.delta.tool_calls or []:
            partial = self.calls.setdefault(fragment.index, _PartialCall())
            partial.id = partial.id or fragment.id or ""
            function = fragment.function
            if function is None:
                continue
            if function.name and function.name != partial.name:
                partial.name += function.name
            if function.arguments:
                partial.arguments.append(function.arguments)
        delta = choice.delta.content or ""
        if delta:
            self.text.append(delta)
        return delta

    def result(self) -> Completion:
        """The whole completion; token counts stay 0 when the server sent no usage."""
        calls = [
            ToolCall(
                id=partial.id or f"call_{index}",
                name=partial.name,
                arguments=decode_arguments(partial.name, "".join(partial.arguments), pfm=self.pfm),
            )
            for index, partial in sorted(self.calls.items())
        ]
        completion = Completion(
            content="".join(self.text),
            tool_calls=calls,
            finish_reason=self.finish_reason,
            logprobs=self.logprobs,
            model_version=self.model,
        )
        apply_usage(completion, self.usage)
        return completion
