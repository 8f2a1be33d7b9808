"""LangChain messages ↔ FMOS ``Message``s, and a ``Response`` as an ``AIMessage``.

Private: the model, context and guard nodes share it. Only text content crosses;
any other content block (image, audio, file, …) is a ``BadRequest`` naming its type.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call

from fmos_core import BadRequest, Message, Response, ToolCall

_ROLES = {"human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}
_ROLES |= {"system": "system", "developer": "system", "tool": "tool"}
# blocks an AIMessage carries beside ``tool_calls`` that repeat them: not content
_TOOL_CALL_BLOCKS = frozenset({"tool_call", "tool_use"})


def to_fmos_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """The FMOS messages for a LangChain conversation."""
    return [to_fmos_message(m) for m in messages]


def to_fmos_message(message: BaseMessage) -> Message:
    """One LangChain message as an FMOS ``Message``; unrepresentable ones are BadRequest."""
    kind = type(message).__name__
    if isinstance(message, ToolMessage):
        return Message(
            role="tool",
            content=_text(message, kind),
            tool_call_id=message.tool_call_id,
            name=message.name,
            kind="observation",
        )
    if isinstance(message, AIMessage):
        if message.invalid_tool_calls:
            names = ", ".join(str(c.get("name")) for c in message.invalid_tool_calls)
            raise BadRequest(
                f"AIMessage has invalid_tool_calls ({names}), which FMOS cannot represent; "
                "drop or repair them before calling the VFM"
            )
        calls = [
            ToolCall(id=c.get("id") or f"call_{i}", name=c["name"], arguments=c["args"])
            for i, c in enumerate(message.tool_calls)
        ]
        return Message(role="assistant", content=_text(message, kind), tool_calls=calls)
    if isinstance(message, HumanMessage):
        return Message(role="user", content=_text(message, kind), name=message.name)
    if isinstance(message, SystemMessage):
        return Message(role="system", content=_text(message, kind))
    if isinstance(message, ChatMessage):
        role = _ROLES.get(message.role)
        if role is None or role == "tool":
            raise BadRequest(
                f"ChatMessage with role {message.role!r} cannot be sent to FMOS; "
                "use one of user, assistant, system (or a ToolMessage)"
            )
        return Message(role=role, content=_text(message, kind))  # type: ignore[arg-type]
    raise BadRequest(
        f"{kind} cannot be sent to FMOS; use SystemMessage, HumanMessage, AIMessage or ToolMessage"
    )


def _text(message: BaseMessage, kind: str) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
            continue
        block_type = block.get("type")
        if block_type == "text":
            parts.append(str(block.get("text", "")))
        elif block_type in _TOOL_CALL_BLOCKS and isinstance(message, AIMessage):
            continue
        else:
            raise BadRequest(
                f"{kind} has a content block of type {block_type!r}, which FMOS cannot "
                "represent (only text reaches a VFM)"
            )
    return "".join(parts)


def to_langchain_message(message: Message) -> BaseMessage:
    """An FMOS ``Message`` as the matching LangChain message."""
    if message.role == "system":
        return SystemMessage(content=message.content)
    if message.role == "user":
        return HumanMessage(content=message.content, name=message.name)
    if message.role == "tool":
        return ToolMessage(
            content=message.content, tool_call_id=message.tool_call_id or "", name=message.name
        )
    return AIMessage(content=message.content, tool_calls=_lc_tool_calls(message.tool_calls))


def to_ai_message(response: Response) -> AIMessage:
    """A VFM response as an ``AIMessage`` with FMOS provenance in ``response_metadata``."""
    usage = response.usage
    usage_metadata = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        total_tokens=usage.total_tokens,
        input_token_details={"cache_read": usage.cached_tokens},
        output_token_details={"reasoning": usage.reasoning_tokens},
    )
    return AIMessage(
        content=response.text,
        tool_calls=_lc_tool_calls(response.tool_calls),
        id=message_id(response.trace_id),
        response_metadata={
            "fmos": response.fmos_metadata(),
            "model_name": response.pfm,
            "finish_reason": response.finish_reason,
        },
        usage_metadata=usage_metadata,
    )


def message_id(trace_id: str) -> str:
    """The id of the ``AIMessage`` a call produces (a held call's placeholder shares it)."""
    return f"fmos-{trace_id}"


def _lc_tool_calls(calls: Sequence[ToolCall]) -> list[Any]:
    return [tool_call(name=c.name, args=dict(c.arguments), id=c.id) for c in calls]
