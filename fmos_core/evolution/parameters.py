"""Tuning a VFM's parameters on its traces: the ``policy`` artifact.

Two parameters are tuned from what the traces recorded, and each is judged on
held-out traces by the same recorded verdicts (no call is replayed: the signals a
parameter acts on are in the trace):

- ``verify.min_confidence`` — the trap threshold below which the ladder verifies an
  answer: the value that best separates bad answers from good ones by confidence
  (the most bad answers caught for the fewest good ones sent to verification);
- ``reasoning.default`` — the level ``"auto"`` calls get: the best success minus
  ``token_weight`` × tokens among the levels the traces used.

A parameter enters the version only when it beats the current value on the held-out
traces. Serving a ``policy`` version overrides those parameters of the VFM's config.

Example:
    >>> from fmos_core.config import VFMConfig
    >>> with_parameters(VFMConfig(pfms=["s"]), {"verify.min_confidence": 0.4}).verify.min_confidence
    0.4
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from fmos_core.config import VFMConfig
from fmos_core.errors import BadRequest
from fmos_core.evolution.rendering import EVALUATION_TAG
from fmos_core.reasoning.bandit import Outcome, tune
from fmos_core.reasoning.outcomes import success
from fmos_core.reasoning.policy import parse_level
from fmos_core.store import schema
from fmos_core.store.db import Database

TUNABLE = ("verify.min_confidence", "reasoning.default")


@dataclass(frozen=True, slots=True)
class Judged:
    """What a judged call recorded: its score, the answer's confidence, its level."""

    trace_id: str
    score: float  # 1 good … 0 bad
    confidence: float | None  # exp(mean logprob) of the answer; None without logprobs
    level: str | None  # the reasoning level it used
    tokens: int


def with_parameters(config: VFMConfig, body: dict[str, Any]) -> VFMConfig:
    """``config`` with the parameters of a ``policy`` version set."""
    unknown = sorted(set(body) - set(TUNABLE))
    if unknown:
        raise BadRequest(f"a policy sets {', '.join(TUNABLE)}; not {', '.join(unknown)}")
    verify, reasoning = config.verify, config.reasoning
    if "verify.min_confidence" in body:
        verify = verify.model_copy(update={"min_confidence": float(body["verify.min_confidence"])})
    if "reasoning.default" in body:
        reasoning = reasoning.model_copy(update={"default": body["reasoning.default"]})
    return config.model_copy(update={"verify": verify, "reasoning": reasoning})


def read_judged(db: Database, vfm: str, *, shares: Callable[[str], bool]) -> list[Judged]:
    """Every judged call of ``vfm`` from tenants that ``shares``, oldest first."""
    c = schema.traces.c
    query = (
        select(c.id, c.tenant, c.signals, c.status, c.error, c.request)
        .add_columns(c.input_tokens, c.output_tokens)
        .where(c.vfm == vfm, c.signals.is_not(None))
        .order_by(c.created_at)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = []
    for row in rows:
        signals = row.signals or {}
        score = success(signals, row.status, row.error)
        if score is None or not shares(row.tenant):
            continue
        if EVALUATION_TAG in (row.request or {}).get("tags", []):
            continue
        logprob = ((signals.get("ladder") or {}).get("signals") or {}).get("mean_logprob")
        level = (signals.get("reasoning") or {}).get("used")
        found.append(
            Judged(
                row.id,
                score,
                None if logprob is None else math.exp(logprob),
                None if level is None else str(level),
                row.input_tokens + row.output_tokens,
            )
        )
    return found


def propose_parameters(
    train: Sequence[Judged], held: Sequence[Judged], config: VFMConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(body, evaluation): the tuned parameters that beat the current values held out,
    and every parameter's held-out score before and after."""
    body: dict[str, Any] = {}
    evaluation: dict[str, Any] = {"train": len(train), "held_out": len(held)}
    threshold = _best_threshold(train)
    if threshold is not None:
        before = _separation(held, config.verify.min_confidence)
        after = _separation(held, threshold)
        evaluation["min_confidence"] = {"value": threshold, "before": before, "after": after}
        if after > before:
            body["verify.min_confidence"] = threshold
    level = _best_level(train, config)
    if level is not None:
        weight = config.reasoning.token_weight
        had = _reward(held, str(config.reasoning.default), weight)
        gets = _reward(held, level, weight)
        evaluation["reasoning_default"] = {"value": level, "before": had, "after": gets}
        if gets is not None and (had is None or gets > had):
            body["reasoning.default"] = level
    return body, evaluation


def _separation(rows: Sequence[Judged], threshold: float) -> float:
    """Share of bad answers flagged minus share of good ones flagged (confidence below)."""
    scored = [r for r in rows if r.confidence is not None]
    bad = [r for r in scored if r.score < 0.5]
    ok = [r for r in scored if r.score >= 0.5]
    if not bad or not ok:
        return 0.0
    caught = sum(r.confidence < threshold for r in bad if r.confidence is not None) / len(bad)
    wasted = sum(r.confidence < threshold for r in ok if r.confidence is not None) / len(ok)
    return caught - wasted


def _best_threshold(rows: Sequence[Judged]) -> float | None:
    values = sorted({round(r.confidence, 4) for r in rows if r.confidence is not None})
    if len(values) < 2:
        return None
    cuts: list[float] = [0.0, *((a + b) / 2 for a, b in itertools.pairwise(values))]
    best = max(cuts, key=lambda t: (_separation(rows, t), -t))
    return round(best, 4)


def _best_level(rows: Sequence[Judged], config: VFMConfig) -> str | None:
    outcomes = [
        Outcome("*", parse_level(r.level), r.score, r.tokens) for r in rows if r.level is not None
    ]
    policy = tune(outcomes, config.reasoning, vfm="*")
    if policy is None or "*" not in policy.tags:
        return None
    level = policy.tags["*"].level
    return level if isinstance(level, str) else None  # a token budget is not a default


def _reward(rows: Sequence[Judged], level: str, token_weight: float) -> float | None:
    rewards = [r.score - token_weight * r.tokens for r in rows if r.level == level]
    return sum(rewards) / len(rewards) if rewards else None
