"""Judged answers read back from traces, for the learned router.

An answer is *good* when its trace's feedback says so (score ≥ 0.5), else when the
escalation ladder verified the fast answer (``fast_ok``), else when the app's rule
checks passed it (``checks``), else when the VFM's app checks judged it (the route
record's ``checks``) and none failed; it is *bad* when the feedback is below 0.5 or a
check or the ladder failed the fast answer. Answers with neither are unjudged and
skipped.

Example:
    >>> good({"ladder": {"fast_ok": None, "signals": {"rule_failures": 0}},
    ...       "route": {"checks": True}})
    True
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from fmos_core.contract import Request
from fmos_core.routing.rules import Ask
from fmos_core.routing.training import Outcome
from fmos_core.store import schema
from fmos_core.store.db import Database


def good(signals: dict[str, Any]) -> bool | None:
    """Whether the answer was good; None when nothing judged it."""
    feedback = signals.get("feedback")
    if feedback is not None:
        return float(feedback["score"]) >= 0.5
    ladder = signals.get("ladder") or {}
    if ladder.get("fast_ok") is not None:
        return bool(ladder["fast_ok"])
    checks = signals.get("checks")
    if checks is not None:
        return bool(checks["passed"])
    if not ladder:
        return None
    failures = (ladder.get("signals") or {}).get("rule_failures", 0)
    if failures:
        return False
    if (signals.get("route") or {}).get("checks") and ladder.get("outcome", "fast") == "fast":
        return True
    return None


def request_key(request: dict[str, Any]) -> str:
    """Which stored requests count as the same request (outcomes of several pFMs)."""
    shape = {k: request.get(k) for k in ("messages", "tags", "tools", "response_schema")}
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:24]


def outcomes(db: Database, vfm: str) -> list[Outcome]:
    """Every judged answer of ``vfm`` (all tenants), oldest first."""
    c = schema.traces.c
    query = (
        select(c.id, c.pfm, c.request, c.signals, c.input_tokens, c.cost_micros)
        .where(c.vfm == vfm, c.signals.is_not(None))
        .order_by(c.created_at)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = []
    for row in rows:
        verdict = good(row.signals or {})
        if verdict is None or not row.request:
            continue
        try:
            request = Request.model_validate(row.request)
        except ValidationError:
            continue  # stored by another version of the contract: not replayable
        ask = Ask(request, prompt_tokens=row.input_tokens)
        found.append(
            Outcome(row.id, request_key(row.request), row.pfm, verdict, row.cost_micros / 1e6, ask)
        )
    return found
