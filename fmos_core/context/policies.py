"""Context policies: declarative rules for the working set a pFM sees.

A policy is a small object with one coroutine, ``apply(messages, window)``, that
returns the messages to send. Policies compose in the order configured; the
pipeline's context stage runs them and names each one that changed something in
the response's provenance. They shape only what the pFM receives: the caller's
own history is never modified.

Example:
    >>> import asyncio
    >>> from fmos_core.contract import Message
    >>> msgs = [Message(role="user", content=str(i)) for i in range(5)]
    >>> [m.content for m in asyncio.run(RecencyWindow(keep_last=2).apply(msgs, Window()))]
    ['3', '4']
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from fmos_core.context.summarise import extractive_summary
from fmos_core.contract import Message
from fmos_core.errors import ConfigError

Summariser = Callable[[str, int], Awaitable[str]]
"""``await summarise(text, max_chars)``: a summary of ``text`` in at most ``max_chars``."""


async def extractive(text: str, max_chars: int) -> str:
    """The deterministic summariser: the most representative sentences, no model."""
    return extractive_summary(text, max_chars)


@dataclass(frozen=True, slots=True)
class Window:
    """What a policy may use: a token counter for the pFM, a summariser, and (with a
    state store) ``offload(path, text) -> handle``, which keeps text in the session's
    agent filesystem."""

    count_tokens: Callable[[list[Message]], int] = lambda ms: sum(
        len(m.content.encode()) // 2 + 8 for m in ms
    )
    offload: Callable[[str, str], str] | None = None
    summarise: Summariser = extractive


class ContextPolicy(abc.ABC):
    """One rule of the working set. ``name`` appears in provenance when it acts."""

    name: ClassVar[str]

    @abc.abstractmethod
    async def apply(self, messages: list[Message], window: Window) -> list[Message]:
        """The messages to send; return ``messages`` itself when nothing changes."""


def at_least(policy: ContextPolicy, field: str, minimum: int) -> None:
    value = getattr(policy, field)
    if not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{policy.name}: {field} must be an integer ≥ {minimum}, got {value!r}")


def tool_name(message: Message, messages: list[Message]) -> str:
    """The tool a result came from: its own ``name``, else the call it answers, else a tool."""
    if message.name:
        return message.name
    for m in messages:
        for call in m.tool_calls:
            if call.id == message.tool_call_id:
                return call.name
    return "a tool"


def _system_prefix(messages: list[Message]) -> int:
    n = 0
    while n < len(messages) and messages[n].role == "system":
        n += 1
    return n


def _clean_cut(messages: list[Message], start: int) -> int:
    """Move a cut back so a tool result never loses the assistant call it answers."""
    while start > 0 and messages[start].role == "tool":
        start -= 1
    return start


@dataclass(frozen=True)
class RecencyWindow(ContextPolicy):
    """Keep the leading system messages and the last ``keep_last`` others."""

    keep_last: int
    name: ClassVar[str] = "recency_window"

    def __post_init__(self) -> None:
        at_least(self, "keep_last", 1)

    async def apply(self, messages: list[Message], window: Window) -> list[Message]:
        head = _system_prefix(messages)
        body = messages[head:]
        if len(body) <= self.keep_last:
            return messages
        start = _clean_cut(body, len(body) - self.keep_last)
        return [*messages[:head], *body[start:]] if start > 0 else messages


@dataclass(frozen=True)
class PruneObservations(ContextPolicy):
    """Keep thoughts and actions; keep only the last ``keep_last`` tool observations in full.

    An older observation becomes a one-line stub naming its tool and size, so the
    model still sees that the call happened.
    """

    keep_last: int
    name: ClassVar[str] = "prune_observations"

    def __post_init__(self) -> None:
        at_least(self, "keep_last", 0)

    async def apply(self, messages: list[Message], window: Window) -> list[Message]:
        tool_turns = [i for i, m in enumerate(messages) if m.role == "tool"]
        old = set(tool_turns[: max(0, len(tool_turns) - self.keep_last)])
        if not old:
            return messages
        return [_stub(m, messages) if i in old else m for i, m in enumerate(messages)]


def _stub(message: Message, messages: list[Message]) -> Message:
    size = len(message.content.encode())
    note = f"[earlier result of {tool_name(message, messages)}: {size} bytes, pruned]"
    return message.model_copy(update={"content": note, "kind": "summary"})


@dataclass(frozen=True)
class SummariseOverBudget(ContextPolicy):
    """Over ``max_tokens``, fold the oldest messages into one extractive summary.

    The leading system messages and the last ``keep_last`` messages stay verbatim;
    what is older becomes a single ``summary`` message of at most ``summary_chars``.
    """

    max_tokens: int
    keep_last: int = 4
    summary_chars: int = 600
    name: ClassVar[str] = "summarise_over_budget"

    def __post_init__(self) -> None:
        at_least(self, "max_tokens", 16)
        at_least(self, "keep_last", 0)
        at_least(self, "summary_chars", 40)

    async def apply(self, messages: list[Message], window: Window) -> list[Message]:
        if window.count_tokens(messages) <= self.max_tokens:
            return messages
        head = _system_prefix(messages)
        body = messages[head:]
        start = _clean_cut(body, max(0, len(body) - self.keep_last))
        older, recent = body[:start], body[start:]
        if not older:
            return messages
        text = "\n".join(f"{m.role}: {m.content}" for m in older if m.content)
        summary = Message(
            role="system",
            kind="summary",
            content="Summary of earlier turns: " + await window.summarise(text, self.summary_chars),
        )
        return [*messages[:head], summary, *recent]
