"""The ``recall`` tool: the model pages offloaded memory back in, by handle.

While a handle (``fs:`` + 16 hex digits) is in the window and the caller lets the
model choose tools (``tool_choice="auto"``), the context stage offers ``recall``
beside the caller's own tools. When the model calls it, the kernel runs it — the
caller never sees the call — and asks the model again with the result: the whole
item, a line range, a byte range, or the lines containing a text. The last round
offers no ``recall``, so the model must answer. Each round's tokens are reserved
before it runs and charged with the call. A caller that offers its own tool named
``recall`` keeps it: the kernel then offers nothing.

Example:
    >>> handles_in([Message(role="user", content="[… handle fs:00112233aabbccdd; …]")])
    ['fs:00112233aabbccdd']
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from fmos_core.backends import Completion
from fmos_core.contract import Message, Privilege, ToolCall, ToolSpec
from fmos_core.errors import BadRequest, BudgetExceeded, UnknownRecord
from fmos_core.memory import AgentFS

if TYPE_CHECKING:
    from fmos_core.pipeline.accounts import Accounts
    from fmos_core.pipeline.call import Call
    from fmos_core.pipeline.failover import Failover

RECALL = "recall"
_HANDLE = re.compile(r"\bfs:[0-9a-f]{16}\b")

RECALL_TOOL = ToolSpec(
    name=RECALL,
    description=(
        "Read back an item kept outside the conversation, by its handle (fs:...). "
        "Optionally give a text to return only the lines containing it, or a line range."
    ),
    parameters={
        "type": "object",
        "properties": {
            "handle": {"type": "string", "description": "fs: and 16 hex digits"},
            "contains": {"type": "string"},
            "start_line": {"type": "integer", "minimum": 1},
            "end_line": {"type": "integer", "minimum": 1},
            "offset": {"type": "integer", "minimum": 0},
            "length": {"type": "integer", "minimum": 1},
        },
        "required": ["handle"],
    },
    privilege=Privilege.SAFE,
)


def handles_in(messages: list[Message]) -> list[str]:
    """Every handle the messages mention, in order of first mention."""
    seen: dict[str, None] = {}
    for m in messages:
        if "fs:" in m.content:
            seen.update(dict.fromkeys(_HANDLE.findall(m.content)))
    return list(seen)


class Recall:
    """Offers ``recall`` and serves it from the agent filesystem, within the tenant's session."""

    def __init__(
        self,
        fs: AgentFS,
        accounts: Accounts | None,
        *,
        max_bytes: int = 4000,
        max_rounds: int = 2,
        failover: Failover | None = None,
    ) -> None:
        self._fs = fs
        self._accounts = accounts
        self._failover = failover
        self.max_bytes = max_bytes
        self.max_rounds = max_rounds

    def offer(self, call: Call) -> None:
        """Add ``recall`` to the call's tools when a handle is in the window."""
        request = call.request
        if not call.vfm.recall or request.tool_choice != "auto" or request.response_schema:
            return
        if any(t.name == RECALL for t in request.tools):
            return  # the caller's own tool of that name wins
        if not handles_in(request.messages):
            return
        call.request = request.model_copy(update={"tools": [*request.tools, RECALL_TOOL]})
        call.recall = self

    @staticmethod
    def wanted(completion: Completion) -> bool:
        """Whether the model called ``recall``."""
        return any(c.name == RECALL for c in completion.tool_calls)

    async def serve(self, call: Call, completion: Completion) -> Completion:
        """Run the model's ``recall`` calls and ask again, until it answers or rounds end."""
        spent = Completion(content="", usage_reported=True)
        for round_ in range(1, self.max_rounds + 1):
            mine = [c for c in completion.tool_calls if c.name == RECALL]
            if not mine:
                break
            others = [c for c in completion.tool_calls if c.name != RECALL]
            if others:  # the caller's tools win; a recall beside them is dropped
                completion = replace(completion, tool_calls=others)
                break
            spent = _add(spent, completion)
            results = [self._message(call, c) for c in mine]
            if call.guard is not None:  # recalled text is untrusted like any tool result
                results = call.guard.admit(call, results)
            asked = Message(role="assistant", content=completion.content, tool_calls=mine)
            tools = call.request.tools
            if round_ == self.max_rounds:  # the last round must answer
                tools = [t for t in tools if t.name != RECALL]
            base = [*call.request.messages, asked]
            call.request = call.request.model_copy(update={"messages": base, "tools": tools})
            call.request = call.request.model_copy(
                update={"messages": [*base, *self._fit(call, results)]}
            )
            call.completion = spent  # charged if the next round cannot be reserved
            self._reserve_round(call)
            if self._failover is not None:  # a round stays on the pFM that asked for it
                completion = await self._failover.side(call, call.pfm, call.request)
            else:
                completion = await call.pfm.backend.complete(call.request)
        return _add(spent, completion)

    def _fit(self, call: Call, results: list[Message]) -> list[Message]:
        """``results`` cut so the next round's prompt and ``max_tokens`` fit the pFM's window."""
        window = call.pfm.profile.context_window - call.request.max_tokens
        empty = [m.model_copy(update={"content": ""}) for m in results]
        room = window - call.prompt_tokens_of([*call.request.messages, *empty])
        budget = max(0, room) * 2  # bytes: a generous guess, checked below
        while True:
            share = budget // max(1, len(results))
            fitted = [_cut(m, share) for m in results]
            if call.prompt_tokens_of([*call.request.messages, *fitted]) <= window:
                return fitted
            if share == 0:
                return fitted  # even empty results overflow: the window trap's job, not ours
            budget = budget * 3 // 4

    def read(self, tenant: str, session: str, arguments: dict[str, Any]) -> str:
        """What ``recall(**arguments)`` returns to the model (errors are text too)."""
        handle = str(arguments.get("handle", ""))
        try:
            item = self._fs.handle(tenant, session, handle)
            data, more = self._slice(tenant, session, handle, arguments)
        except (UnknownRecord, BadRequest) as exc:
            return f"recall failed: {exc}"
        if len(data) > self.max_bytes:
            data = data[: self.max_bytes]
            more = more or "ask for a narrower range"
        text = data.decode("utf-8", errors="ignore" if more else "replace")
        if more:
            return f"{text}\n[… {item.path} has more ({item.size} bytes in all); {more}]"
        return text or f"(nothing in {item.path} matches)"

    def _slice(
        self, tenant: str, session: str, handle: str, args: dict[str, Any]
    ) -> tuple[bytes, str]:
        """The bytes asked for, and how to read on when they were cut."""
        if args.get("contains"):
            needle = str(args["contains"]).lower()
            data = self._fs.read(tenant, session, handle)
            lines = data.decode("utf-8", errors="replace").splitlines()
            hits = [f"{n}: {line}" for n, line in enumerate(lines, 1) if needle in line.lower()]
            return "\n".join(hits).encode(), ""
        if args.get("start_line") or args.get("end_line"):
            first = int(args.get("start_line") or 1)
            return self._fs.read_lines(tenant, session, handle, first, args.get("end_line")), ""
        offset = int(args.get("offset") or 0)
        length = min(int(args.get("length") or self.max_bytes), self.max_bytes)
        data = self._fs.read_range(tenant, session, handle, offset, offset + length + 1)
        if len(data) > length:
            return data[:length], f"ask with offset={offset + length} to read on"
        return data, ""

    def _message(self, call: Call, tool_call: ToolCall) -> Message:
        identity = call.request.identity
        arguments = dict(tool_call.arguments)
        handle = arguments["handle"] = _resolve(call, str(arguments.get("handle", "")))
        content = self.read(identity.tenant, identity.session, arguments)
        if not content.startswith("recall failed") and handle not in call.memory_handles:
            call.memory_handles.append(str(handle))
        return Message(
            role="tool", content=content, tool_call_id=tool_call.id, name=RECALL, kind="page"
        )

    def _reserve_round(self, call: Call) -> None:
        """Hold what the next round may use, beside the call's first reservation."""
        if self._accounts is None or call.reservation is None:
            return
        tokens, cost = call.pfm.estimate(call.request, call.prompt_tokens(call.pfm))
        try:
            extra = self._accounts.reserve(call.request.identity.tenant, tokens=tokens, cost=cost)
        except BudgetExceeded as exc:
            exc.trace_id = call.trace_id
            raise
        if extra is not None:
            call.extra_reservations.append(extra)


def _resolve(call: Call, name: str) -> str:
    """A handle as given, or the one handle in the window of the tool result ``name`` names.

    Small models often pass the tool's name instead of the handle its output was given.
    """
    if _HANDLE.fullmatch(name):
        return name
    owned = {h for m in call.request.messages if m.name == name for h in handles_in([m])}
    return owned.pop() if len(owned) == 1 else name


def _cut(message: Message, max_bytes: int) -> Message:
    """``message`` with its content cut to ``max_bytes`` and a note saying so."""
    data = message.content.encode()
    if len(data) <= max_bytes:
        return message
    if max_bytes < 200:
        note = "recall failed: no room left in the context window; answer with what you have"
        return message.model_copy(update={"content": note})
    kept = data[: max_bytes - 120].decode("utf-8", errors="ignore")
    note = "\n[… cut to fit the context window; ask for a narrower range or a text to find]"
    return message.model_copy(update={"content": kept + note})


def _add(total: Completion, more: Completion) -> Completion:
    """``more`` with ``total``'s token counts added to its own."""
    return replace(
        more,
        input_tokens=total.input_tokens + more.input_tokens,
        output_tokens=total.output_tokens + more.output_tokens,
        cached_tokens=total.cached_tokens + more.cached_tokens,
        reasoning_tokens=total.reasoning_tokens + more.reasoning_tokens,
        usage_reported=total.usage_reported and more.usage_reported,
    )
