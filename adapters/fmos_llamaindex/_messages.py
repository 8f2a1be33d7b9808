"""LlamaIndex ``ChatMessage`` ↔ FMOS ``Message``.

Tool calls travel as ``ToolCallBlock`` blocks (what LlamaIndex agents read) and, in
the OpenAI shape, in ``additional_kwargs["tool_calls"]``; a tool result is a ``tool``
message whose ``additional_kwargs["tool_call_id"]`` names the call it answers.

Example:
    >>> from llama_index.core.llms import ChatMessage
    >>> [m.role for m in to_fmos_messages([ChatMessage(role="user", content="hi")])]
    ['user']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ContentBlock,
    MessageRole,
    TextBlock,
    ToolCallBlock,
)

from fmos_core import BadRequest, Message, ToolCall

# LlamaIndex roles FMOS has a name for; the others (e.g. FUNCTION) are refused.
_ROLES = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "system",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
    MessageRole.TOOL: "tool",
}
# hints with no content for the model: a cache breakpoint, a model's own reasoning trace
_SKIPPED_BLOCKS = frozenset({"cache", "thinking"})


def to_fmos_messages(messages: Sequence[ChatMessage]) -> list[Message]:
    """The FMOS messages for a LlamaIndex chat; what FMOS cannot represent is a BadRequest."""
    return [_to_fmos(message, index) for index, message in enumerate(messages)]


def _to_fmos(message: ChatMessage, index: int) -> Message:
    role = _ROLES.get(message.role)
    if role is None:
        raise BadRequest(
            f"message {index}: role {message.role.value!r} has no FMOS equivalent; "
            f"use one of {sorted({r.value for r in _ROLES})}"
        )
    texts: list[str] = []
    calls: list[ToolCall] = []
    for block in message.blocks:
        kind = block.block_type
        if kind == "text":
            texts.append(block.text)  # type: ignore[union-attr]
        elif kind == "tool_call":
            calls.append(_call_from_block(block, index))  # type: ignore[arg-type]
        elif kind not in _SKIPPED_BLOCKS:
            raise BadRequest(
                f"message {index}: FMOS carries text only, it cannot send a "
                f"{type(block).__name__} (block_type {kind!r})"
            )
    extra = message.additional_kwargs
    if not calls:
        calls = [_call_from_openai(c, index) for c in extra.get("tool_calls", [])]
    fields: dict[str, Any] = {"role": role, "content": "\n".join(texts)}
    if calls:
        fields["tool_calls"] = calls
    if role == "tool":
        fields["tool_call_id"] = extra.get("tool_call_id")
        fields["kind"] = "observation"
        if not fields["tool_call_id"]:
            raise BadRequest(
                f"message {index}: a tool message needs additional_kwargs['tool_call_id'] "
                "(the id of the call it answers)"
            )
    if extra.get("name"):
        fields["name"] = str(extra["name"])
    try:
        return Message(**fields)
    except ValueError as exc:
        raise BadRequest(f"message {index}: {exc}") from None


def _call_from_block(block: ToolCallBlock, index: int) -> ToolCall:
    if not block.tool_call_id:
        raise BadRequest(
            f"message {index}: ToolCallBlock for {block.tool_name!r} has no tool_call_id"
        )
    return ToolCall(
        id=block.tool_call_id,
        name=block.tool_name,
        arguments=_arguments(block.tool_kwargs, block.tool_name, index),
    )


def _call_from_openai(call: Any, index: int) -> ToolCall:
    if hasattr(call, "model_dump"):  # an OpenAI SDK object from another LLM's history
        call = call.model_dump()
    if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
        raise BadRequest(
            f"message {index}: additional_kwargs['tool_calls'] items must be OpenAI-shaped "
            "dicts {'id', 'type': 'function', 'function': {'name', 'arguments'}}"
        )
    function = call["function"]
    name = str(function.get("name", ""))
    if not call.get("id"):
        raise BadRequest(f"message {index}: tool call {name!r} has no 'id'")
    return ToolCall(
        id=str(call["id"]), name=name, arguments=_arguments(function.get("arguments"), name, index)
    )


def _arguments(raw: dict[str, Any] | str | None, name: str, index: int) -> dict[str, Any]:
    if raw is None or raw == "":
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        decoded = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"message {index}: arguments of tool call {name!r} are not JSON: {exc}"
        ) from None
    if not isinstance(decoded, dict):
        raise BadRequest(f"message {index}: arguments of tool call {name!r} are not an object")
    return decoded


def to_chat_message(message: Message) -> ChatMessage:
    """The LlamaIndex assistant message for an FMOS message (text plus tool calls)."""
    blocks: list[ContentBlock] = [TextBlock(text=message.content)]
    blocks.extend(tool_call_blocks(message.tool_calls))
    extra: dict[str, Any] = {}
    if message.tool_calls:
        extra["tool_calls"] = openai_tool_calls(message.tool_calls)
    return ChatMessage(role=MessageRole(message.role), blocks=blocks, additional_kwargs=extra)


def tool_call_blocks(calls: Iterable[ToolCall]) -> list[ToolCallBlock]:
    """``ToolCallBlock``s (with decoded arguments) for FMOS tool calls."""
    return [
        ToolCallBlock(tool_call_id=c.id, tool_name=c.name, tool_kwargs=dict(c.arguments))
        for c in calls
    ]


def openai_tool_calls(calls: Iterable[ToolCall]) -> list[dict[str, Any]]:
    """FMOS tool calls in the OpenAI wire shape (JSON-encoded arguments)."""
    return [
        {
            "id": c.id,
            "type": "function",
            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
        }
        for c in calls
    ]
