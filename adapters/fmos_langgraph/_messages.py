"""LangChain messages ↔ FMOS messages for graph state, on the LangChain adapter's translation.

Example:
    >>> from langchain_core.messages import HumanMessage
    >>> to_fmos_message(HumanMessage("hi")).role
    'user'
"""

from __future__ import annotations

from collections.abc import Sequence

from fmos_langchain.messages import from_contract, to_contract
from fmos_langchain.messages import to_ai_message as _ai_message
from langchain_core.messages import AIMessage, BaseMessage

from fmos_core import Message, Response


def to_fmos_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """The FMOS messages for a LangChain conversation (unrepresentable ones: BadRequest)."""
    return to_contract(messages)


def to_fmos_message(message: BaseMessage) -> Message:
    return to_contract([message])[0]


def to_langchain_message(message: Message) -> BaseMessage:
    return from_contract([message])[0]


def to_ai_message(response: Response) -> AIMessage:
    """The ``AIMessage`` of a VFM response, with an id a held call's placeholder shares."""
    message = _ai_message(response)
    message.id = message_id(response.trace_id)
    return message


def message_id(trace_id: str) -> str:
    """The id of the ``AIMessage`` a call produces (a held call's placeholder shares it)."""
    return f"fmos-{trace_id}"
