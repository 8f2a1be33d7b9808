"""Size-based offload of tool outputs to the agent filesystem.

A tool result above ``max_bytes`` goes to the session's agent filesystem; the
window keeps a one-message stub with its handle, its shape (for JSON) and a short
summary. The bytes stay recoverable, byte-identical, through the handle.
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

from fmos_core.context.policies import ContextPolicy, Window, at_least, tool_name
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

    async def apply(self, messages: list[Message], window: Window) -> list[Message]:
        if window.offload is None:
            return messages  # no state store: nothing to offload into
        out: list[Message] = []
        changed = False
        for m in messages:
            if m.role != "tool" or m.kind == "summary" or len(m.content) <= self.max_bytes // 4:
                out.append(m)  # a stub already, or too short to pass the limit in any encoding
                continue
            data = m.content.encode()
            if len(data) <= self.max_bytes:
                out.append(m)
                continue
            path = f"tool-outputs/{m.tool_call_id}-{hashlib.sha256(data).hexdigest()[:12]}"
            handle = window.offload(path, m.content)
            stub = await self._stub(m, tool_name(m, messages), len(data), handle, window)
            out.append(m.model_copy(update={"content": stub, "kind": "summary"}))
            changed = True
        return out if changed else messages

    async def _stub(
        self, message: Message, tool: str, size: int, handle: str, window: Window
    ) -> str:
        try:
            shape = describe_shape(message.content)
            summary = "starts: " + message.content[: self.summary_chars]
        except ValueError:
            shape = "text"
            summary = "summary: " + await window.summarise(message.content, self.summary_chars)
        return (
            f"[output of {tool} offloaded: {size} bytes, handle {handle}; "
            f"shape: {shape}; {summary}]"
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
