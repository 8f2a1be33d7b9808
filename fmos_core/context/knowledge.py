"""A rule-based knowledge trap: the request names memory that is not in the window.

The detector fires when the newest user message names an agent-filesystem handle
(``fs:…``) or a file path of the session's filesystem; the handler pages that
content into the working set (up to ``max_bytes`` an item), re-reserves the budget
for the larger prompt, and records the handles in provenance. The vector tier's
retrieval will join it here.

Example:
    >>> sorted(named_items("compare fs:0123456789abcdef with notes/plan.md please"))
    ['fs:0123456789abcdef', 'notes/plan.md']
"""

from __future__ import annotations

import re

from fmos_core.contract import Message
from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.memory import AgentFS
from fmos_core.pipeline.accounts import Accounts, switch_pfm
from fmos_core.pipeline.call import Call
from fmos_core.traps import Trap

_HANDLE = re.compile(r"\bfs:[0-9a-f]{16}\b")
_PATH = re.compile(r"(?<![\w:/])(?:[\w.-]+/)+[\w.-]+\.\w{1,8}\b")
_MAX_NAMED = 5


def named_items(text: str) -> set[str]:
    """Handles and file-like paths that ``text`` names (at most a few)."""
    found = set(_HANDLE.findall(text)) | set(_PATH.findall(text))
    return set(sorted(found)[:_MAX_NAMED])


class MemoryRecall:
    """The detector and the handler of the knowledge trap, over the agent filesystem."""

    def __init__(self, fs: AgentFS, accounts: Accounts | None, *, max_bytes: int = 4000) -> None:
        self._fs = fs
        self._accounts = accounts
        self._max_bytes = max_bytes

    def detect(self, call: Call) -> Trap | None:
        users = [m for m in call.request.messages if m.role == "user"]
        if not users:
            return None
        named = named_items(users[-1].content)
        if not named:
            return None
        identity = call.request.identity
        found = {}
        for item in sorted(named):
            try:
                version = (
                    self._fs.handle(identity.tenant, identity.session, item)
                    if item.startswith("fs:")
                    else self._fs.stat(identity.tenant, identity.session, item)
                )
            except (UnknownRecord, BadRequest):
                continue
            found[version.id] = version.path
        if not found:
            return None
        return Trap(
            type="knowledge",
            reason=f"the request names {', '.join(sorted(named))}, held in memory",
            capability="retrieve",
            snapshot={"items": found},
        )

    async def __call__(self, trap: Trap, call: Call) -> str:
        identity = call.request.identity
        pages = []
        for handle, path in trap.snapshot["items"].items():
            data = self._fs.read_range(
                identity.tenant, identity.session, handle, 0, self._max_bytes
            )
            text = data.decode("utf-8", errors="replace")
            pages.append(
                Message(
                    role="system",
                    kind="page",
                    content=f"[recalled {path} ({handle}), first {len(data)} bytes]\n{text}",
                )
            )
            call.memory_handles.append(handle)
        messages = list(call.request.messages)
        last_user = max(i for i, m in enumerate(messages) if m.role == "user")
        messages[last_user:last_user] = pages
        call.request = call.request.model_copy(update={"messages": messages})
        switch_pfm(call, call.pfm, self._accounts)  # the bigger prompt is reserved anew
        return f"added {len(pages)} item(s) from memory"
