"""Judged examples read back from a VFM's traces: what was asked, what was answered,
and whether the answer was good — the material the proposers learn from.

An answer's judgement is the one the learned router uses (``routing.traces.good``):
feedback first, else the ladder's or the app's checks. Only traces of tenants that
share their traces for learning (``[tenants.X] share_learning``, on by default) are
read: the pooled learning of a VFM never sees an opted-out tenant's data, while what
it learns serves every tenant. Offline evaluations (``fmos-evaluation``) are skipped.

Example:
    >>> example = Example("t1", "acme", ("date",), "When?", "2024-05-01", True, None)
    >>> example.good, example.tokens
    (True, 4)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from fmos_core.evolution.rendering import EVALUATION_TAG
from fmos_core.routing.traces import good
from fmos_core.store import schema
from fmos_core.store.db import Database


@dataclass(frozen=True, slots=True)
class Example:
    """One judged answer: the last user turn, the answer, the verdict, the feedback."""

    trace_id: str
    tenant: str
    tags: tuple[str, ...]
    input: str
    output: str
    good: bool
    comment: str | None

    @property
    def tokens(self) -> int:
        """A rough token count (4 characters a token) for budgets of demonstrations."""
        return (len(self.input) + len(self.output)) // 4 + 1


def judged_examples(
    db: Database, vfm: str, *, shares: Callable[[str], bool], tag: str | None = None
) -> list[Example]:
    """Every judged single answer of ``vfm`` from tenants that ``shares`` (and with
    ``tag`` when given), oldest first."""
    c = schema.traces.c
    query = (
        select(c.id, c.tenant, c.request, c.response, c.signals)
        .where(c.vfm == vfm, c.signals.is_not(None))
        .order_by(c.created_at)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = []
    for row in rows:
        if not shares(row.tenant):
            continue
        verdict = good(row.signals or {})
        example = _example(row, verdict)
        if example is None or EVALUATION_TAG in example.tags:
            continue
        if tag is None or tag in example.tags:
            found.append(example)
    return found


def _example(row: Any, verdict: bool | None) -> Example | None:
    request, response = row.request or {}, row.response or {}
    asked = [m for m in request.get("messages", []) if m.get("role") == "user"]
    answer = (response.get("message") or {}).get("content")
    if verdict is None or not asked or not isinstance(answer, str) or not answer.strip():
        return None
    question = asked[-1].get("content")
    if not isinstance(question, str):
        return None  # multi-part content: not replayable as a plain demonstration
    feedback = (row.signals or {}).get("feedback") or {}
    return Example(
        trace_id=row.id,
        tenant=row.tenant,
        tags=tuple(request.get("tags", [])),
        input=question,
        output=answer.strip(),
        good=verdict,
        comment=feedback.get("comment"),
    )
