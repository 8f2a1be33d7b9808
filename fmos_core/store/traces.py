"""Trace records: one per request, with its spans, and the reader that reads them back.

Records are written by ``fmos_core.store.writer.StateWriter``.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> from fmos_core.store.writer import StateWriter
    >>> db = Database(f"sqlite:///{tempfile.mkdtemp()}/s.db")
    >>> writer = StateWriter(db)
    >>> writer.submit(TraceRecord(id="t1", tenant="acme", vfm="default", pfm="smol"))
    >>> writer.close()
    >>> TraceReader(db).get("t1").tenant
    'acme'
"""

from __future__ import annotations

import builtins
import time
from dataclasses import dataclass, field, fields
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update

from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.store import schema
from fmos_core.store.db import Database
from fmos_core.trust.pii import redact, redact_value

MAX_COMMENT = 4000  # characters of a feedback comment


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
    # pydantic models are accepted and dumped to JSON by the writer thread
    traps: list[Any] = field(default_factory=list)  # dicts when read back
    provenance: dict[str, Any] | BaseModel = field(default_factory=dict)
    request: dict[str, Any] | BaseModel = field(default_factory=dict)
    response: dict[str, Any] | BaseModel | None = None
    signals: dict[str, Any] | None = None  # {"ladder": …, "feedback": …}
    created_at: float = field(default_factory=time.time)
    spans: list[Span] = field(default_factory=list)
    redact_pii: bool = False  # not stored: redact request, response and error when written

    def to_row(self) -> dict[str, Any]:
        """The ``traces`` row; pydantic values are dumped (and PII redacted) here, off the
        request path."""
        skip = ("spans", "redact_pii")
        row = {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in skip}
        row["cost_micros"] = round(row.pop("cost") * 1_000_000)
        if self.redact_pii:
            for name in ("request", "response", "error", "traps"):
                row[name] = redact_value(row[name])
        return row


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


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

    def resolve(self, prefix: str) -> str:
        """The full id of the one trace whose id starts with ``prefix``."""
        query = (
            select(schema.traces.c.id)
            .where(schema.traces.c.id.startswith(prefix, autoescape=True))
            .limit(2)
        )
        with self._db.engine.connect() as conn:
            ids = list(conn.execute(query).scalars())
        if len(ids) != 1:
            found = "no trace" if not ids else "several traces"
            raise UnknownRecord(f"{found} with an id starting {prefix!r}; see `fmos traces`")
        return ids[0]

    def ladder_signals(self, vfm: str) -> builtins.list[tuple[str, dict[str, Any]]]:
        """(trace id, signals) of ``vfm``'s traces that carry the ladder's signals, oldest
        first."""
        c = schema.traces.c
        query = select(c.id, c.signals).where(c.vfm == vfm, c.signals.is_not(None))
        with self._db.engine.connect() as conn:
            rows = conn.execute(query.order_by(c.created_at)).all()
        return [(row.id, row.signals) for row in rows if row.signals]

    def feedback(
        self, trace_id: str, score: float, comment: str | None = None, *, tenant: str
    ) -> dict[str, Any]:
        """Store a rating of ``tenant``'s trace ``trace_id`` (0 = bad … 1 = good) with it,
        the ``comment`` PII-redacted like the trace; returns what was stored."""
        if not 0.0 <= score <= 1.0:  # NaN fails both comparisons
            raise BadRequest(f"feedback score must be between 0 and 1, got {score!r}")
        if comment is not None and len(comment) > MAX_COMMENT:
            raise BadRequest(
                f"a feedback comment has at most {MAX_COMMENT} characters, this one "
                f"{len(comment)}; shorten it"
            )
        if comment is not None:
            comment = redact(comment).text
        c = schema.traces.c
        with self._db.begin() as conn:
            row = conn.execute(
                select(c.signals).where(c.id == trace_id, c.tenant == tenant).with_for_update()
            ).first()
            if row is None:
                raise UnknownRecord(
                    f"no trace {trace_id!r} of tenant {tenant!r}; feedback needs the trace id "
                    "a response carries (response.trace_id)"
                )
            signals = dict(row.signals or {})
            stored = {"score": score, "comment": comment, "at": time.time()}
            signals["feedback"] = stored
            conn.execute(update(schema.traces).where(c.id == trace_id).values(signals=signals))
        return stored

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
