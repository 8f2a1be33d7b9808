"""``FMOSCheckpointSaver``: LangGraph checkpoints in the FMOS state store (``fmos.kv``).

Layout, in the saver's tenant, under namespaces ``{prefix}:{thread}:{part}:{ns}``
(thread id and checkpoint namespace percent-encoded, so no two threads share a
namespace prefix):

- ``c`` — one item per checkpoint, key = checkpoint id (ids sort by time): the
  checkpoint without its channel values, its metadata and its parent's id;
- ``b`` — channel values, key = ``{channel}:{version}``: a value is stored once, by
  the checkpoint that gave the channel that version (or ``empty``);
- ``w`` — pending writes, key = ``{checkpoint id}:{task id}:{index}``.

Every value is the saver's ``serde.dumps_typed`` output: the type tag is the kv
``kind``, the bytes its value.
"""

from __future__ import annotations

import asyncio
import builtins
import secrets
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any
from urllib.parse import quote, unquote

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    PendingWrite,
    SerializerProtocol,
    get_checkpoint_id,
    get_checkpoint_metadata,
    writes_sort_key,
)

from fmos_core import FMOS
from fmos_core.store.kv import KeyValueStore, KVItem

_EMPTY = "empty"  # kind of a channel version that holds no value


class FMOSCheckpointSaver(BaseCheckpointSaver[str]):
    """A LangGraph checkpointer on the FMOS state store, scoped to one tenant.

    Threads survive the process: a new kernel on the same state file (or the same
    PostgreSQL database) continues them. Checkpoints of another tenant are invisible.

    Example::

        saver = FMOSCheckpointSaver(fmos, tenant="acme")
        graph = builder.compile(checkpointer=saver)
        graph.invoke({"messages": [("user", "hi")]}, {"configurable": {"thread_id": "t1"}})
        saver.get_tuple({"configurable": {"thread_id": "t1"}}).checkpoint["id"]
    """

    def __init__(
        self,
        fmos: FMOS,
        *,
        tenant: str = "default",
        prefix: str = "langgraph.checkpoints",
        serde: SerializerProtocol | None = None,
    ) -> None:
        super().__init__(serde=serde)
        self.kv: KeyValueStore = fmos.kv
        self.tenant = tenant
        self.prefix = prefix

    # -- namespaces -----------------------------------------------------------------

    def _thread_prefix(self, thread_id: str) -> str:
        return f"{self.prefix}:{quote(str(thread_id), safe='')}:"

    def _ns(self, thread_id: str, part: str, checkpoint_ns: str) -> str:
        return f"{self._thread_prefix(thread_id)}{part}:{quote(checkpoint_ns, safe='')}"

    def _checkpoint_namespaces(self, thread_id: str | None) -> builtins.list[tuple[str, str]]:
        """(thread id, checkpoint ns) of every stored checkpoint namespace."""
        root = self._thread_prefix(thread_id) if thread_id is not None else f"{self.prefix}:"
        found = []
        for namespace in self.kv.namespaces(self.tenant, root):
            thread, part, checkpoint_ns = namespace[len(self.prefix) + 1 :].split(":")
            if part == "c":
                found.append((unquote(thread), unquote(checkpoint_ns)))
        return found

    # -- reading --------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        checkpoint_ns = configurable.get("checkpoint_ns", "")
        namespace = self._ns(thread_id, "c", checkpoint_ns)
        if checkpoint_id := get_checkpoint_id(config):
            item = self.kv.get(self.tenant, namespace, checkpoint_id)
        else:
            latest = self.kv.list(self.tenant, namespace, descending=True, limit=1)
            item = latest[0] if latest else None
        if item is None:
            return None
        return self._tuple(thread_id, checkpoint_ns, item)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        configurable = (config or {}).get("configurable") or {}
        thread_id = configurable.get("thread_id")
        wanted_ns = configurable.get("checkpoint_ns")
        wanted_id = configurable.get("checkpoint_id")
        before_id = get_checkpoint_id(before) if before else None
        remaining = limit
        for thread, checkpoint_ns in self._checkpoint_namespaces(
            None if thread_id is None else str(thread_id)
        ):
            if wanted_ns is not None and checkpoint_ns != wanted_ns:
                continue
            items = self.kv.list(
                self.tenant,
                self._ns(thread, "c", checkpoint_ns),
                before=before_id,
                descending=True,
                limit=remaining if not filter and not wanted_id else None,
            )
            for item in items:
                if wanted_id and item.key != wanted_id:
                    continue
                if remaining is not None and remaining <= 0:
                    return
                record = self.serde.loads_typed((item.kind, item.value))
                metadata = record["metadata"]
                if filter and any(metadata.get(k) != v for k, v in filter.items()):
                    continue
                if remaining is not None:
                    remaining -= 1
                yield self._tuple(thread, checkpoint_ns, item, record)

    def _tuple(
        self,
        thread_id: str,
        checkpoint_ns: str,
        item: KVItem,
        record: dict[str, Any] | None = None,
    ) -> CheckpointTuple:
        if record is None:
            record = self.serde.loads_typed((item.kind, item.value))
        checkpoint: Checkpoint = record["checkpoint"]
        checkpoint_id = item.key
        parent_id = record["parent"]
        return CheckpointTuple(
            config=_config(thread_id, checkpoint_ns, checkpoint_id),
            checkpoint={
                **checkpoint,
                "channel_values": self._channel_values(
                    thread_id, checkpoint_ns, checkpoint["channel_versions"]
                ),
            },
            metadata=record["metadata"],
            parent_config=_config(thread_id, checkpoint_ns, parent_id) if parent_id else None,
            pending_writes=self._pending_writes(thread_id, checkpoint_ns, checkpoint_id),
        )

    def _channel_values(
        self, thread_id: str, checkpoint_ns: str, versions: ChannelVersions
    ) -> dict[str, Any]:
        namespace = self._ns(thread_id, "b", checkpoint_ns)
        values = {}
        for channel, version in versions.items():
            item = self.kv.get(self.tenant, namespace, _blob_key(channel, version))
            if item is not None and item.kind != _EMPTY:
                values[channel] = self.serde.loads_typed((item.kind, item.value))
        return values

    def _pending_writes(
        self, thread_id: str, checkpoint_ns: str, checkpoint_id: str
    ) -> builtins.list[PendingWrite]:
        namespace = self._ns(thread_id, "w", checkpoint_ns)
        stored = []
        for item in self.kv.list(self.tenant, namespace, prefix=f"{checkpoint_id}:"):
            task_id, channel, value, task_path, idx = self.serde.loads_typed(
                (item.kind, item.value)
            )
            stored.append((writes_sort_key(task_path, task_id, idx), (task_id, channel, value)))
        stored.sort(key=lambda pair: pair[0])
        return [write for _, write in stored]

    # -- writing --------------------------------------------------------------------

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        checkpoint_ns = configurable.get("checkpoint_ns", "")
        stored: dict[str, Any] = dict(checkpoint)
        values: dict[str, Any] = stored.pop("channel_values")
        blobs = self._ns(thread_id, "b", checkpoint_ns)
        items = []
        for channel, version in new_versions.items():
            if channel in values:
                kind, data = self.serde.dumps_typed(values[channel])
            else:
                kind, data = _EMPTY, b""
            items.append((blobs, _blob_key(channel, version), kind, data))
        record = {
            "checkpoint": stored,
            "metadata": get_checkpoint_metadata(config, metadata),
            "parent": configurable.get("checkpoint_id"),
        }
        kind, data = self.serde.dumps_typed(record)
        items.append((self._ns(thread_id, "c", checkpoint_ns), checkpoint["id"], kind, data))
        self.kv.put_many(self.tenant, items)  # one transaction: values with their checkpoint
        return _config(thread_id, checkpoint_ns, checkpoint["id"])

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        checkpoint_ns = configurable.get("checkpoint_ns", "")
        checkpoint_id = configurable["checkpoint_id"]
        namespace = self._ns(thread_id, "w", checkpoint_ns)
        task_prefix = f"{checkpoint_id}:{quote(task_id, safe='')}:"
        existing = {i.key for i in self.kv.list(self.tenant, namespace, prefix=task_prefix)}
        items = []
        for position, (channel, value) in enumerate(writes):
            idx = WRITES_IDX_MAP.get(channel, position)
            key = f"{task_prefix}{idx}"
            if idx >= 0 and key in existing:  # a task's regular writes are stored once
                continue
            kind, data = self.serde.dumps_typed((task_id, channel, value, task_path, idx))
            items.append((namespace, key, kind, data))
        self.kv.put_many(self.tenant, items)

    def delete_thread(self, thread_id: str) -> None:
        self.kv.delete_prefix(self.tenant, self._thread_prefix(str(thread_id)))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        source = self._thread_prefix(str(source_thread_id))
        target = self._thread_prefix(str(target_thread_id))
        items = []
        for namespace in self.kv.namespaces(self.tenant, source):
            copied = target + namespace[len(source) :]
            for item in self.kv.list(self.tenant, namespace):
                items.append((copied, item.key, item.kind, item.value))
        self.kv.put_many(self.tenant, items)

    def get_next_version(self, current: str | None, channel: None) -> str:
        """``{n:032}.{random}``: increasing in ``n``, unique across forks of a thread."""
        number = 0 if current is None else int(str(current).split(".")[0])
        return f"{number + 1:032d}.{secrets.token_hex(8)}"

    # -- async twins: the store is synchronous, so they run it in a worker thread --------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await asyncio.to_thread(self.get_tuple, config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        found = await asyncio.to_thread(
            lambda: builtins.list(self.list(config, filter=filter, before=before, limit=limit))
        )
        for checkpoint_tuple in found:
            yield checkpoint_tuple

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.delete_thread, thread_id)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await asyncio.to_thread(self.copy_thread, source_thread_id, target_thread_id)


def _config(thread_id: str, checkpoint_ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": checkpoint_ns,
            "checkpoint_id": checkpoint_id,
        }
    }


def _blob_key(channel: str, version: str | int | float) -> str:
    return f"{quote(channel, safe='')}:{version}"
