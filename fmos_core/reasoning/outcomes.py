"""Scored calls read back from traces: what each level earned on each task family.

A trace counts when the reason stage recorded its tag and level (``signals.reasoning``)
and something says whether its answer was good, in this order: the feedback score
(``FMOS.feedback``, 0 … 1); the ladder's verdict on the answer (``fast_ok``); the
app's rule checks passing (the VFM has checks and none failed); a failed verification
(the trace's error is ``VerificationFailed``: 0). Other traces are unscored and skipped.
Tokens are what the call spent: prompt plus output (reasoning included).

Example:
    >>> success({"reasoning": {"checked": True}, "ladder": {"fast_ok": False}}, "ok", None)
    0.0
    >>> success({"reasoning": {"checked": False}}, "ok", None) is None
    True
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fmos_core.reasoning.bandit import Outcome
from fmos_core.reasoning.policy import parse_level
from fmos_core.store import schema
from fmos_core.store.db import Database


def success(signals: dict[str, Any], status: str, error: str | None) -> float | None:
    """How good the answer was (1 good … 0 bad), or None when nothing says."""
    feedback = signals.get("feedback")
    if feedback is not None:
        return float(feedback["score"])
    ladder = signals.get("ladder") or {}
    if ladder.get("fast_ok") is not None:
        return 1.0 if ladder["fast_ok"] else 0.0
    if status != "ok":
        return 0.0 if (error or "").startswith("VerificationFailed") else None
    if (signals.get("reasoning") or {}).get("checked"):
        rule_failures = (ladder.get("signals") or {}).get("rule_failures", 0)
        return 0.0 if rule_failures else 1.0
    return None


def read_outcomes(db: Database, vfm: str) -> list[Outcome]:
    """Every scored call of ``vfm`` that belongs to a task family, oldest first."""
    c = schema.traces.c
    query = (
        select(c.signals, c.status, c.error, c.input_tokens, c.output_tokens)
        .where(c.vfm == vfm, c.signals.is_not(None))
        .order_by(c.created_at)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    outcomes = []
    for row in rows:
        signals = row.signals or {}
        entry = signals.get("reasoning") or {}
        if not entry.get("tag") or "used" not in entry:
            continue
        score = success(signals, row.status, row.error)
        if score is None:
            continue
        try:
            level = parse_level(entry["used"])
        except ValueError:
            continue  # a level this FMOS does not know: not a measurement of ours
        tokens = row.input_tokens + row.output_tokens
        outcomes.append(Outcome(entry["tag"], level, score, tokens))
    return outcomes
