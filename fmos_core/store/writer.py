"""One buffered writer for what the hot path must not wait on: traces and settlements.

``submit`` only enqueues; a single worker thread writes each batch in one
transaction (trace rows, their spans, and budget settlements together), so many
calls share one durable commit. The worker lingers up to ``linger_ms`` to fill a
batch, which keeps its commits few and out of the way of budget reservations
(SQLite has one write lock). ``flush`` waits until everything submitted so far
is written. A settlement still pending keeps its whole reservation held, so a
budget is never overspent while it waits.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> from fmos_core.store.budgets import BudgetLedger
    >>> db = Database(f"sqlite:///{tempfile.mkdtemp()}/s.db")
    >>> ledger = BudgetLedger(db); ledger.set("acme", tokens=100)
    >>> writer = StateWriter(db)
    >>> writer.submit(Settlement(ledger.reserve("acme", tokens=60, cost=0), tokens=42))
    >>> writer.flush()
    >>> ledger.show("acme").tokens_used
    42
    >>> writer.close()
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import insert

from fmos_core.store import schema
from fmos_core.store.budgets import Reservation, close_reservation
from fmos_core.store.db import Database
from fmos_core.store.traces import TraceRecord


@dataclass(frozen=True, slots=True)
class Settlement:
    """Close ``reservation`` with actual usage (``requests=0`` releases it unused)."""

    reservation: Reservation
    tokens: int = 0
    cost_micros: int = 0
    requests: int = 1


_STOP = object()
_WAKE = object()


class StateWriter:
    """Buffers trace records and settlements; one background thread writes them."""

    def __init__(
        self,
        db: Database,
        *,
        max_batch: int = 256,
        max_queue: int = 10_000,
        linger_ms: float = 50.0,
    ) -> None:
        self._db = db
        self._max_batch = max_batch
        self._linger = linger_ms / 1000
        self._flushing = threading.Event()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self.errors: list[BaseException] = []

    def submit(self, item: TraceRecord | Settlement) -> None:
        """Enqueue a record or settlement (blocks only if the bounded queue is full)."""
        if self._worker is None:
            self._start()
        self._queue.put(item)

    @property
    def pending(self) -> bool:
        """Whether anything submitted is not written yet."""
        return self._queue.unfinished_tasks > 0

    def _start(self) -> None:
        with self._start_lock:
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="fmos-state-writer", daemon=True
                )
                self._worker.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + self._linger
            while len(batch) < self._max_batch and batch[-1] is not _STOP:
                remaining = deadline - time.monotonic()
                try:
                    if self._flushing.is_set() or remaining <= 0:
                        batch.append(self._queue.get_nowait())
                    else:
                        batch.append(self._queue.get(timeout=remaining))
                except queue.Empty:
                    break
            try:
                self._write([i for i in batch if isinstance(i, TraceRecord | Settlement)])
            except Exception as exc:  # keep serving; surfaced by flush()
                self.errors.append(exc)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if batch[-1] is _STOP:
                return

    def _write(self, items: list[TraceRecord | Settlement]) -> None:
        if not items:
            return
        records = [r for r in items if isinstance(r, TraceRecord)]
        settlements = [s for s in items if isinstance(s, Settlement)]
        span_rows = [{"trace_id": r.id, **asdict(s)} for r in records for s in r.spans]
        with self._db.begin() as conn:
            for s in settlements:
                close_reservation(
                    conn,
                    s.reservation,
                    tokens=s.tokens,
                    cost_micros=s.cost_micros,
                    requests=s.requests,
                )
            if records:
                conn.execute(insert(schema.traces), [r.to_row() for r in records])
            if span_rows:
                conn.execute(insert(schema.spans), span_rows)

    def flush(self) -> None:
        """Block until everything submitted is written; re-raise a write failure."""
        if self._worker is not None:
            self._flushing.set()
            try:
                self._queue.put(_WAKE)  # cut the worker's linger short
                self._queue.join()
            finally:
                self._flushing.clear()
        if self.errors:
            raise self.errors.pop(0)

    def close(self) -> None:
        """Flush and stop the worker."""
        if self._worker is not None:
            self._queue.put(_STOP)
            self._queue.join()
            self._worker.join()
            self._worker = None
        self.flush()
