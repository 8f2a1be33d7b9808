"""Size-based offload of tool outputs to the agent filesystem.

A tool result above ``max_bytes`` goes to the session's agent filesystem; the
window keeps a one-message stub with its handle, its shape (for JSON) and a short
extractive summary. The bytes stay recoverable, byte-identical, through the handle.
Offloading the same output again (the caller resends its history) reuses the
stored version, so a handle is stable across calls.

Example:
    >>> describe_shape('{"id": 7, "items": [1, 2, 3], "meta": {"a": 1}}')
    'object{id: int, items: array[3], meta: object{a: int}}'
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from fmos_core.context.policies import ContextPolicy, Window, at_least
from fmos_core.context.summarise import extractive_summary
from fmos_core.contract import Message


@dataclass(frozen=True)
class OffloadToolOutputs(ContextPolicy):
    """Tool results above ``max_bytes`` are replaced by a handle, a shape and a summary."""

    max_bytes: int
    summary_chars: int = 300
    name: ClassVar[str] = "offload_tool_outputs"

    def __post_init__(self) -> None:
        at_least(self, "max_bytes", 1)
        at_least(self, "summary_chars", 40)

    def apply(self, messages: list[Message], window: Window) -> list[Message]:
        if window.offload is None:
            return messages  # no state store: nothing to offload into
        out: list[Message] = []
        changed = False
        for m in messages:
            size = len(m.content.encode())
            if m.role == "tool" and size > self.max_bytes:
                digest = hashlib.sha256(m.content.encode()).hexdigest()[:12]
                path = f"tool-outputs/{m.tool_call_id}-{digest}"
                handle = window.offload(path, m.content)
                out.append(m.model_copy(update={"content": self._stub(m, size, handle)}))
                changed = True
            else:
                out.append(m)
        return out if changed else messages

    def _stub(self, message: Message, size: int, handle: str) -> str:
        try:
            shape = describe_shape(message.content)
            summary = message.content[: self.summary_chars]
        except ValueError:
            shape = "text"
            summary = extractive_summary(message.content, self.summary_chars)
        return (
            f"[output of {message.name or 'a tool'} offloaded: {size} bytes, handle {handle}; "
            f"shape: {shape}; starts: {summary}]"
        )


def describe_shape(text: str, depth: int = 2) -> str:
    """A compact description of a JSON document's structure (``ValueError`` if not JSON)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(str(exc)) from None
    return _shape(value, depth)


def _shape(value: Any, depth: int) -> str:
    if isinstance(value, dict):
        if depth == 0:
            return f"object[{len(value)} keys]"
        keys = list(value)[:12]
        inner = ", ".join(f"{k}: {_shape(value[k], depth - 1)}" for k in keys)
        more = f", …{len(value) - len(keys)} more" if len(value) > len(keys) else ""
        return f"object{{{inner}{more}}}"
    if isinstance(value, list):
        return f"array[{len(value)}]"
    return {bool: "bool", int: "int", float: "number", str: "string"}.get(type(value), "null")
