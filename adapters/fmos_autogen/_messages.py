"""AutoGen ``LLMMessage`` lists to FMOS ``Message`` lists."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from autogen_core import FunctionCall
from autogen_core.models import (
    AssistantMessage,
    FunctionExecutionResultMessage,
    LLMMessage,
    SystemMessage,
    UserMessage,
)

from fmos_core.contract import Message, ToolCall
from fmos_core.errors import BadRequest


def to_fmos_messages(messages: Sequence[LLMMessage]) -> list[Message]:
    """The FMOS messages for an AutoGen conversation; what FMOS cannot carry is ``BadRequest``.

    A ``FunctionExecutionResultMessage`` becomes one ``tool`` message (an ``observation``)
    per result.
    """
    converted: list[Message] = []
    for index, message in enumerate(messages):
        if isinstance(message, SystemMessage):
            converted.append(Message(role="system", content=message.content))
        elif isinstance(message, UserMessage):
            converted.append(_user(message, index))
        elif isinstance(message, AssistantMessage):
            converted.append(_assistant(message, index))
        elif isinstance(message, FunctionExecutionResultMessage):
            converted.extend(_results(message, index))
        else:
            raise BadRequest(
                f"messages[{index}]: FMOS cannot represent a {type(message).__name__}; "
                "use SystemMessage, UserMessage, AssistantMessage or "
                "FunctionExecutionResultMessage"
            )
    return converted


def _user(message: UserMessage, index: int) -> Message:
    if isinstance(message.content, str):
        return Message(role="user", content=message.content, name=message.source or None)
    parts: list[str] = []
    for part_index, part in enumerate(message.content):
        if not isinstance(part, str):
            raise BadRequest(
                f"messages[{index}].content[{part_index}]: FMOS cannot represent "
                f"{type(part).__name__} content in a UserMessage; "
                "only text is supported"
            )
        parts.append(part)
    return Message(role="user", content="\n".join(parts), name=message.source or None)


def _assistant(message: AssistantMessage, index: int) -> Message:
    if isinstance(message.content, str):
        return Message(role="assistant", content=message.content, name=message.source or None)
    calls = [_tool_call(call, index, i) for i, call in enumerate(message.content)]
    return Message(
        role="assistant",
        content=message.thought or "",
        tool_calls=calls,
        name=message.source or None,
    )


def _tool_call(call: FunctionCall, index: int, call_index: int) -> ToolCall:
    where = f"messages[{index}].content[{call_index}]"
    try:
        arguments: Any = json.loads(call.arguments) if call.arguments.strip() else {}
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"{where}: the arguments of the call to {call.name!r} are not JSON ({exc})"
        ) from None
    if not isinstance(arguments, dict):
        raise BadRequest(
            f"{where}: the arguments of the call to {call.name!r} must be a JSON object, "
            f"got {type(arguments).__name__}"
        )
    if not call.id:
        raise BadRequest(f"{where}: the call to {call.name!r} has an empty id")
    return ToolCall(id=call.id, name=call.name, arguments=arguments)


def _results(message: FunctionExecutionResultMessage, index: int) -> list[Message]:
    results = []
    for result_index, result in enumerate(message.content):
        if not result.call_id:
            raise BadRequest(
                f"messages[{index}].content[{result_index}]: the result of {result.name!r} "
                "has an empty call_id; FMOS needs the id of the call it answers"
            )
        results.append(
            Message(
                role="tool",
                content=result.content,
                tool_call_id=result.call_id,
                name=result.name or None,
                kind="observation",
            )
        )
    return results
