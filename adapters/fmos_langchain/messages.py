"""LangChain messages to contract ``Message``s and back: shared by the LangChain and
LangGraph adapters (``fmos[langgraph]`` installs ``fmos[langchain]``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import InputTokenDetails, OutputTokenDetails, UsageMetadata
from langchain_core.messages.tool import tool_call_chunk

from fmos_core.contract import Message, Response, ToolCall, Usage
from fmos_core.errors import BadRequest

PROVIDER = "fmos"
_ROLES = {"system": "system", "user": "user", "human": "user", "assistant": "assistant"}
# blocks an assistant turn may carry beside ``AIMessage.tool_calls``, which hold the calls
_CALL_BLOCKS = frozenset({"tool_call", "tool_use", "function_call"})


def to_contract(messages: Sequence[BaseMessage]) -> list[Message]:
    """Contract messages for a LangChain history; unrepresentable content is a ``BadRequest``.

    Example:
        >>> from langchain_core.messages import HumanMessage
        >>> to_contract([HumanMessage("hi")])[0].role
        'user'
    """
    return [_one(message) for message in messages]


def _one(message: BaseMessage) -> Message:
    name = message.name or None
    if isinstance(message, SystemMessage):
        return Message(role="system", content=_text(message), name=name)
    if isinstance(message, HumanMessage):
        return Message(role="user", content=_text(message), name=name)
    if isinstance(message, AIMessage):
        calls = [
            ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["args"])
            for i, c in enumerate(message.tool_calls)
        ]
        return Message(
            role="assistant", content=_text(message, skip=_CALL_BLOCKS), tool_calls=calls, name=name
        )
    if isinstance(message, ToolMessage):
        return Message(
            role="tool",
            content=_text(message),
            tool_call_id=message.tool_call_id,
            name=name,
            kind="observation",
        )
    if isinstance(message, ChatMessage) and message.role in _ROLES:
        return Message(role=_ROLES[message.role], content=_text(message), name=name)  # type: ignore[arg-type]
    raise BadRequest(
        f"FMOS cannot represent a LangChain {type(message).__name__}"
        + (f" with role {message.role!r}" if isinstance(message, ChatMessage) else "")
        + "; use System/Human/AI/ToolMessage"
    )


def _text(message: BaseMessage, *, skip: frozenset[str] = frozenset()) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
            continue
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind not in skip:
            raise BadRequest(
                f"FMOS cannot represent {kind!r} content in a {type(message).__name__}: "
                "VFM messages carry text only (no image, audio, file or other blocks)"
            )
    return "".join(parts)


def usage_metadata(usage: Usage) -> UsageMetadata:
    """LangChain's usage dict for a contract ``Usage``."""
    meta = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
    )
    if usage.cached_tokens:
        meta["input_token_details"] = InputTokenDetails(cache_read=usage.cached_tokens)
    if usage.reasoning_tokens:
        meta["output_token_details"] = OutputTokenDetails(reasoning=usage.reasoning_tokens)
    return meta


def response_metadata(response: Response) -> dict[str, Any]:
    """``model_name`` (the VFM), ``model_provider``, ``finish_reason`` and ``fmos``."""
    meta: dict[str, Any] = {
        "model_name": response.vfm,
        "model_provider": PROVIDER,
        "finish_reason": response.finish_reason,
        "fmos": response.fmos_metadata(),
    }
    if response.logprobs is not None:
        meta["logprobs"] = response.logprobs
    return meta


def to_ai_message(response: Response) -> AIMessage:
    """The ``AIMessage`` for a VFM response.

    Example:
        >>> from fmos_core import Message, Response
        >>> r = Response(message=Message(role="assistant", content="hi"), vfm="default",
        ...              pfm="smol", trace_id="t1")
        >>> to_ai_message(r).response_metadata["fmos"]["trace_id"]
        't1'
    """
    return AIMessage(
        content=response.text,
        tool_calls=[
            {"name": c.name, "args": c.arguments, "id": c.id, "type": "tool_call"}
            for c in response.tool_calls
        ],
        usage_metadata=usage_metadata(response.usage),
        response_metadata=response_metadata(response),
    )


def text_chunk(delta: str) -> AIMessageChunk:
    return AIMessageChunk(content=delta)


def tool_chunk(call: ToolCall, index: int) -> AIMessageChunk:
    """A streamed tool call: FMOS streams a call whole, so it is one complete chunk."""
    chunk = tool_call_chunk(
        name=call.name, args=json.dumps(call.arguments), id=call.id, index=index
    )
    return AIMessageChunk(content="", tool_call_chunks=[chunk])


def last_chunk(response: Response) -> AIMessageChunk:
    """The final chunk: usage and response metadata, marked as the stream's end."""
    return AIMessageChunk(
        content="",
        usage_metadata=usage_metadata(response.usage),
        response_metadata=response_metadata(response),
        chunk_position="last",
    )


def from_contract(messages: Sequence[Message]) -> list[BaseMessage]:
    """LangChain messages for contract messages (what a context policy returned).

    Example:
        >>> from fmos_core import Message
        >>> type(from_contract([Message(role="system", content="Be terse.")])[0]).__name__
        'SystemMessage'
    """
    out: list[BaseMessage] = []
    for m in messages:
        if m.role == "system":
            out.append(SystemMessage(m.content, name=m.name))
        elif m.role == "user":
            out.append(HumanMessage(m.content, name=m.name))
        elif m.role == "assistant":
            calls = [
                {"name": c.name, "args": c.arguments, "id": c.id, "type": "tool_call"}
                for c in m.tool_calls
            ]
            out.append(AIMessage(m.content, name=m.name, tool_calls=calls))
        else:
            out.append(ToolMessage(m.content, tool_call_id=m.tool_call_id or "", name=m.name))
    return out
