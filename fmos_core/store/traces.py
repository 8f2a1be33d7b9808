"""Trace records: one per request, with its spans; written by one buffered worker.

``TraceWriter.submit`` only enqueues (the hot path does no I/O); a single worker
thread writes batches in one transaction each. ``flush`` waits until everything
submitted so far is durable.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> db = Database(f"sqlite:///{tempfile.mkdtemp()}/s.db")
    >>> writer = TraceWriter(db)
    >>> writer.submit(TraceRecord(id="t1", tenant="acme", vfm="default", pfm="smol"))
    >>> writer.close()
    >>> TraceReader(db).get("t1").tenant
    'acme'
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import insert, select

from fmos_core.errors import UnknownRecord
from fmos_core.store import schema
from fmos_core.store.db import Database


@dataclass(slots=True)
class Span:
    """A timed step of a request (a pipeline stage, a tool call)."""

    name: str
    start_ms: float
    duration_ms: float
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class TraceRecord:
    """Everything recorded about one request."""

    id: str
    tenant: str
    vfm: str
    pfm: str
    app: str = "default"
    session: str = "default"
    pfm_version: str = ""
    status: str = "ok"
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    cost: float = 0.0
    latency_ms: float = 0.0
    traps: list[dict[str, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] | None = None
    created_at: float = field(default_factory=time.time)
    spans: list[Span] = field(default_factory=list)

    def to_row(self) -> dict[str, Any]:
        row = asdict(self)
        row.pop("spans")
        row["cost_micros"] = round(row.pop("cost") * 1_000_000)
        return row


_STOP = object()


class TraceWriter:
    """Buffers trace records and writes them from one background thread."""

    def __init__(self, db: Database, *, max_batch: int = 256, max_queue: int = 10_000) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.errors: list[BaseException] = []

    def submit(self, record: TraceRecord) -> None:
        """Enqueue a record (blocks only if the bounded queue is full)."""
        if self._worker is None:
            self._start()
        self._queue.put(record)

    def _start(self) -> None:
        with self._start_lock:
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="fmos-trace-writer", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            batch = [item]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            records = [r for r in batch if r is not _STOP]
            try:
                if records:
                    self._write(records)
            except Exception as exc:  # keep serving; surface on flush
                self.errors.append(exc)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if any(r is _STOP for r in batch):
                return

    def _write(self, records: list[TraceRecord]) -> None:
        span_rows = [{"trace_id": r.id, **asdict(s)} for r in records for s in r.spans]
        with self._db.begin() as conn:
            conn.execute(insert(schema.traces), [r.to_row() for r in records])
            if span_rows:
                conn.execute(insert(schema.spans), span_rows)

    def flush(self) -> None:
        """Block until every submitted record is written; re-raise a write failure."""
        if self._worker is not None:
            self._queue.join()
        if self.errors:
            error = self.errors.pop(0)
            raise error

    def close(self) -> None:
        """Flush and stop the worker."""
        if self._worker is not None:
            self._queue.put(_STOP)
            self._queue.join()
            self._worker.join()
            self._worker = None
        self.flush()


class TraceReader:
    """Reads traces back: newest first, or one by id with its spans."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self, *, limit: int = 20, tenant: str | None = None) -> list[TraceRecord]:
        query = select(schema.traces).order_by(schema.traces.c.created_at.desc()).limit(limit)
        if tenant is not None:
            query = query.where(schema.traces.c.tenant == tenant)
        with self._db.engine.connect() as conn:
            return [_record(row._mapping, []) for row in conn.execute(query)]

    def get(self, trace_id: str) -> TraceRecord:
        with self._db.engine.connect() as conn:
            row = conn.execute(select(schema.traces).where(schema.traces.c.id == trace_id)).first()
            if row is None:
                raise UnknownRecord(f"no trace with id {trace_id!r}; see `fmos traces`")
            spans = conn.execute(
                select(schema.spans)
                .where(schema.spans.c.trace_id == trace_id)
                .order_by(schema.spans.c.start_ms)
            ).all()
        return _record(row._mapping, [_span(s._mapping) for s in spans])


def _record(row: Any, spans: list[Span]) -> TraceRecord:
    values = dict(row)
    values["cost"] = values.pop("cost_micros") / 1_000_000
    return TraceRecord(**values, spans=spans)


def _span(row: Any) -> Span:
    v = dict(row)
    return Span(v["name"], v["start_ms"], v["duration_ms"], v["attributes"])
