"""Policies that unload context once it has served: post-use offload and skill unloading.

*Post-use offload*: a fetched page or document (a ``page`` message, or a tool
result) that an assistant turn already followed — an answer, or the agent's next
step — has been used; it goes to the agent filesystem and the window keeps a
pointer and a summary.

*Skill unloading*: a skill's instructions (a ``skill`` message, or one that opens
with the usual ``name:`` / ``description:`` front matter) that the assistant has
acted on shrink to a one-line capability header and a handle to page them back in.

Either way the model can ``recall`` the handle, and the bytes stay byte-identical.

Example:
    >>> skill_header("---\\nname: invoices\\ndescription: Parse supplier invoices.\\n---\\nStep 1")
    'invoices: Parse supplier invoices.'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar

from fmos_core.context.policies import ContextPolicy, Window, at_least, tool_name
from fmos_core.contract import Message

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_FIELD = re.compile(r"^(name|description)\s*:\s*(.+?)\s*$", re.M)
_HEADER_CHARS = 160


def _last_assistant(messages: list[Message]) -> int:
    """Index of the last assistant turn; -1 if there is none."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "assistant":
            return i
    return -1


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@dataclass(frozen=True)
class PostUseOffload(ContextPolicy):
    """Offload pages and tool results above ``min_bytes`` once an assistant turn used them."""

    min_bytes: int = 512
    summary_chars: int = 200
    name: ClassVar[str] = "post_use_offload"

    def __post_init__(self) -> None:
        at_least(self, "min_bytes", 0)
        at_least(self, "summary_chars", 40)

    async def apply(self, messages: list[Message], window: Window) -> list[Message]:
        if window.offload is None:
            return messages
        used = _last_assistant(messages)
        out = list(messages)
        changed = False
        for i in range(used):
            m = messages[i]
            if m.kind == "summary" or not (m.kind == "page" or m.role == "tool"):
                continue
            data = m.content.encode()
            if len(data) <= self.min_bytes:
                continue
            what = "page" if m.kind == "page" else f"result of {tool_name(m, messages)}"
            handle = window.offload(f"used/{m.kind}-{_digest(data)}", m.content)
            summary = await window.summarise(m.content, self.summary_chars)
            note = (
                f"[{what} used earlier, offloaded: {len(data)} bytes, handle {handle}; {summary}]"
            )
            out[i] = m.model_copy(update={"content": note, "kind": "summary"})
            changed = True
        return out if changed else messages


@dataclass(frozen=True)
class UnloadSkills(ContextPolicy):
    """After the assistant has acted on a skill, keep its one-line header and a handle."""

    name: ClassVar[str] = "unload_skills"

    async def apply(self, messages: list[Message], window: Window) -> list[Message]:
        if window.offload is None:
            return messages
        last_assistant = max(
            (i for i, m in enumerate(messages) if m.role == "assistant"), default=-1
        )
        out = list(messages)
        changed = False
        for i in range(last_assistant):
            m = messages[i]
            header = skill_header(m.content) if m.kind == "skill" or m.role != "tool" else None
            if header is None and m.kind == "skill":
                header = (m.content.strip().splitlines() or ["skill"])[0][:_HEADER_CHARS]
            if header is None:
                continue
            data = m.content.encode()
            slug = re.sub(r"[^\w.-]+", "-", header.split(":")[0])[:40].strip("-") or "skill"
            handle = window.offload(f"skills/{slug}-{_digest(data)}", m.content)
            note = f"[skill {header} — unloaded; recall {handle} to read it again]"
            out[i] = m.model_copy(update={"content": note, "kind": "summary"})
            changed = True
        return out if changed else messages


def skill_header(text: str) -> str | None:
    """``name: description`` from a skill's front matter; None if ``text`` has none."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None
    fields = dict(_FIELD.findall(match.group(1)))
    if "name" not in fields:
        return None
    header = fields["name"] + (f": {fields['description']}" if "description" in fields else "")
    return header[:_HEADER_CHARS]
