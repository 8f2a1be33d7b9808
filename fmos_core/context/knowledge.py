"""A rule-based knowledge trap: the request needs memory that is not in the window.

The detector fires when the newest user message

- names an agent-filesystem handle (``fs:…``) or a file path of the session, or
- with the vector tier on, names an entity (an identifier such as ``ORD-1137``, a
  quoted phrase) that an indexed item contains, or is close in meaning to an item
  (cosine similarity ≥ ``min_score``) — an item offloaded in this session or a
  document the tenant ingested — and that item is not already in the window.

The handler pages the items into the working set, best first, while the prompt
still fits the pFM's window (at most ``max_bytes`` an item), re-reserves the
budget for the larger prompt, and records what it added in provenance: ``fs:``
handles, and ``doc:`` ids for ingested chunks.

Example:
    >>> sorted(named_items("compare fs:0123456789abcdef with notes/plan.md please"))
    ['fs:0123456789abcdef', 'notes/plan.md']
    >>> named_entities('Where is ORD-1137 and the "blue crate"?')
    ['ORD-1137', 'blue crate']
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection

from fmos_core.context.mentions import mentions
from fmos_core.context.recall import RECALL_TOOL, handles_in
from fmos_core.contract import Message
from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.memory import AgentFS
from fmos_core.memory.vector import VectorHit, VectorIndex
from fmos_core.pipeline.accounts import Accounts, switch_pfm
from fmos_core.pipeline.call import Call
from fmos_core.traps import Trap

_HANDLE = re.compile(r"\bfs:[0-9a-f]{16}\b")
_ENTITY = re.compile(r"\b[A-Za-z][A-Za-z_]*[-_]?\d[\w-]*\b|\"([^\"]{3,60})\"")
_PATH = re.compile(r"(?<![\w:/])(?:[\w.-]+/)+[\w.-]+\.\w{1,8}\b")
_MAX_NAMED = 5
_MAX_SCAN_BYTES = 4 * 1024 * 1024  # items scanned for entities; larger ones need the index


def named_items(text: str) -> set[str]:
    """Handles and file-like paths that ``text`` names (at most a few)."""
    found = set(_HANDLE.findall(text)) | set(_PATH.findall(text))
    return set(sorted(found)[:_MAX_NAMED])


def named_entities(text: str) -> list[str]:
    """Identifiers (letters then digits, e.g. ``ORD-1137``) and quoted phrases in ``text``."""
    found = [m.group(1) or m.group(0) for m in _ENTITY.finditer(text)]
    return [f for f in dict.fromkeys(found) if len(f) >= 4][:_MAX_NAMED]


class MemoryRecall:
    """The detector and the handler of the knowledge trap, over the memory tiers."""

    def __init__(
        self,
        fs: AgentFS,
        accounts: Accounts | None,
        *,
        index: VectorIndex | None = None,
        max_bytes: int = 4000,
        k: int = 3,
        min_score: float = 0.45,
    ) -> None:
        self._fs = fs
        self._accounts = accounts
        self._index = index
        self._max_bytes = max_bytes
        self._k = k
        self._min_score = min_score

    async def detect(self, call: Call) -> Trap | None:
        """The knowledge trap, if the newest user message needs memory; the vector tier's
        queries (embedding the text, searching) run on a worker thread."""
        users = [m for m in call.request.messages if m.role == "user"]
        if not users:
            return None
        text = users[-1].content
        found = self._named(call, text)
        texts = self._mentioned(call, text, exclude=found)
        if self._index is not None:
            exclude = {*found, *texts}
            texts.update(await asyncio.to_thread(self._indexed, call, text, exclude))
        found.update({key: path for key, (path, _) in texts.items()})
        if not found:
            return None
        return Trap(
            type="knowledge",
            reason=f"the request needs {', '.join(sorted(found))}, held in memory",
            capability="retrieve",
            snapshot={"items": found, "texts": {key: t for key, (_, t) in texts.items()}},
        )

    def _named(self, call: Call, text: str) -> dict[str, str]:
        """Handles and files the text names: ``{handle: path}``."""
        identity = call.request.identity
        found = {}
        for item in sorted(named_items(text)):
            try:
                version = (
                    self._fs.handle(identity.tenant, identity.session, item)
                    if item.startswith("fs:")
                    else self._fs.stat(identity.tenant, identity.session, item)
                )
            except (UnknownRecord, BadRequest):
                continue
            found[version.id] = version.path
        return found

    def _mentioned(
        self, call: Call, text: str, exclude: Collection[str]
    ) -> dict[str, tuple[str, str]]:
        """Lines that mention the text's entities in the items whose handles are in the window.

        An item offloaded in this very call is found here, before any index has it.
        """
        entities = named_entities(text)
        if not entities:
            return {}
        identity = call.request.identity
        found: dict[str, tuple[str, str]] = {}
        for handle in handles_in(call.request.messages)[:_MAX_NAMED]:
            if handle in exclude:
                continue
            try:
                item = self._fs.handle(identity.tenant, identity.session, handle)
                if item.size > _MAX_SCAN_BYTES:
                    continue
                data = self._fs.read(identity.tenant, identity.session, handle)
            except UnknownRecord:
                continue
            parts = mentions(data.decode("utf-8", errors="replace"), entities)
            if parts:
                found[handle] = (f"{item.path}, about {', '.join(entities)}", "\n".join(parts))
        return found

    def _indexed(
        self, call: Call, text: str, exclude: Collection[str]
    ) -> dict[str, tuple[str, str]]:
        """Indexed chunks the text names or means, not in the window: ``{key: (path, text)}``."""
        assert self._index is not None
        identity = call.request.identity
        if self._index.count(identity.tenant) == 0:
            return {}
        scope = [{"source": "offload", "session": identity.session}, {"source": "ingest"}]
        hits = [
            hit
            for entity in named_entities(text)
            for hit in self._index.containing(identity.tenant, entity, k=self._k, where=scope)
        ]
        hits += [
            hit
            for hit in self._index.query(identity.tenant, text, k=self._k, where=scope)
            if hit.score >= self._min_score
        ]
        window = "\n".join(m.content for m in call.request.messages)
        found: dict[str, tuple[str, str]] = {}
        for hit in hits:
            key = _key(hit)
            if key in exclude or key in found or hit.text[:200] in window:
                continue
            found[key] = (str(hit.metadata.get("path", key)), hit.text)
            if len(found) >= self._k:
                break
        return found

    async def __call__(self, trap: Trap, call: Call) -> str:
        identity = call.request.identity
        pages: list[Message] = []
        room = call.pfm.profile.context_window - call.request.max_tokens
        texts = trap.snapshot.get("texts", {})
        for key, path in trap.snapshot["items"].items():
            if key in texts:  # an indexed chunk: the part of the item that matched
                text = texts[key][: self._max_bytes]
                label = f"From memory ({path}, {key}):"
            else:
                data = self._fs.read_range(
                    identity.tenant, identity.session, key, 0, self._max_bytes
                )
                text = data.decode("utf-8", errors="replace")
                label = f"[recalled {path} ({key}), first {len(data)} bytes]"
            page = Message(role="system", kind="page", content=f"{label}\n{text}")
            if call.guard is not None:  # memory is untrusted like any retrieved document
                [page] = call.guard.admit(call, [page])
            if call.prompt_tokens_of(_with_pages(call, [*pages, page])) > room:
                continue  # would not fit the window: leave it in memory
            pages.append(page)
            if key not in call.memory_handles:
                call.memory_handles.append(key)
        if not pages:
            return "nothing from memory fits the window"
        update: dict[str, object] = {"messages": _with_pages(call, pages)}
        if call.recall is not None:  # what the request names is here: no need to page more
            update["tools"] = [t for t in call.request.tools if t is not RECALL_TOOL]
            call.recall = None
        call.request = call.request.model_copy(update=update)
        switch_pfm(call, call.pfm, self._accounts)  # the bigger prompt is reserved anew
        return f"added {len(pages)} item(s) from memory"


def _key(hit: VectorHit) -> str:
    """An offloaded chunk is known by its item's handle; an ingested one by its chunk id."""
    handle = hit.metadata.get("handle")
    return str(handle) if handle else f"doc:{hit.id}"


def _with_pages(call: Call, pages: list[Message]) -> list[Message]:
    """The call's messages with ``pages`` just before the newest user message when it is
    the last one, else at the end (after the tool results the model answers from)."""
    messages = list(call.request.messages)
    if messages[-1].role != "user":
        return [*messages, *pages]
    messages[-1:-1] = pages
    return messages
