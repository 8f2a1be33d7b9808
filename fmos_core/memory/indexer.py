"""Feeds the vector tier: offloaded items in the background, ingested documents at once.

Embedding a 200 KB tool output takes seconds on a CPU, so the context stage only
queues it; one worker thread chunks and indexes what was queued. The agent
filesystem stays the source of truth: the index is derived from it, so an item not
yet indexed is still recoverable through its handle. ``flush`` waits until every
queued item is indexed; ``close`` flushes and stops the worker.

Example:
    >>> item_ids("fs:0123456789abcdef", 3)
    ['fs:0123456789abcdef#0', 'fs:0123456789abcdef#1', 'fs:0123456789abcdef#2']
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from dataclasses import dataclass

from fmos_core.memory.vector import MetadataValue, VectorIndex, VectorItem, chunk_text

log = logging.getLogger(__name__)

MAX_CHUNKS_PER_ITEM = 256  # of an offloaded item: about 200 KB at the default chunk size


@dataclass(frozen=True, slots=True)
class _Job:
    tenant: str
    key: str
    text: str
    metadata: dict[str, MetadataValue]


def item_ids(key: str, n: int) -> list[str]:
    """The chunk ids of an item: its key, then ``#`` and the chunk number."""
    return [f"{key}#{i}" for i in range(n)]


class MemoryIndexer:
    """Chunks text and adds it to a ``VectorIndex``; one worker thread per kernel."""

    def __init__(self, index: VectorIndex, *, chunk_chars: int = 800) -> None:
        self.index = index
        self._chunk_chars = chunk_chars
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="fmos-indexer", daemon=True)
        self._worker.start()
        self._closed = False
        self.failures = 0  # items the index refused; the filesystem still holds them

    def submit_offloaded(
        self, tenant: str, session: str, handle: str, path: str, text: str
    ) -> None:
        """Queue an offloaded item for indexing, scoped to its session."""
        metadata: dict[str, MetadataValue] = {
            "source": "offload",
            "session": session,
            "handle": handle,
            "path": path,
        }
        self._queue.put(_Job(tenant, handle, text, metadata))

    def ingest(self, tenant: str, path: str, text: str) -> int:
        """Index a whole document for the tenant now; returns its number of chunks.

        Re-ingesting a path replaces its earlier chunks: the new ones are added first,
        then the old ones beyond the new count go, so a failure keeps a full version.
        """
        key = "doc:" + hashlib.sha256(path.encode()).hexdigest()[:16]
        job = _Job(tenant, key, text, {"source": "ingest", "path": path})
        count = self._index(job, max_chunks=None)
        stale = count  # chunks are numbered 0..n-1: the old version's tail starts here
        while self.index.delete(tenant, {"source": "ingest", "path": path, "chunk": stale}):
            stale += 1
        return count

    def flush(self) -> None:
        """Wait until everything queued so far is indexed."""
        self._queue.join()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._worker.join()
        self.index.close()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._index(job)
            except Exception:  # the item stays recoverable by handle; count and go on
                self.failures += 1
                log.exception("indexing %s failed", job.key if job else "?")
            finally:
                self._queue.task_done()

    def _index(self, job: _Job, max_chunks: int | None = MAX_CHUNKS_PER_ITEM) -> int:
        chunks = chunk_text(job.text, max_chars=self._chunk_chars)[:max_chunks]
        ids = item_ids(job.key, len(chunks))
        items = [
            VectorItem(id=i, text=c, metadata={**job.metadata, "chunk": n})
            for n, (i, c) in enumerate(zip(ids, chunks, strict=True))
        ]
        if items:
            self.index.add(job.tenant, items)
        return len(items)
