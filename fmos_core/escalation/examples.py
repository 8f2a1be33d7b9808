"""Labelled fast answers read back from traces, to train the ladder on.

A fast answer's label is what the checks found (``fast_ok``: a rule check failed, the
verifier or the samples disagreed), else — for an answer that stayed fast — the
feedback on its trace (a score below 0.5 means wrong). Answers with neither are
unlabelled and skipped.

Example:
    >>> label({"ladder": {"fast_ok": None, "rung": "fast"}, "feedback": {"score": 0.0}})
    True
"""

from __future__ import annotations

from typing import Any, Protocol

from fmos_core.config import VerifyConfig
from fmos_core.escalation.artifacts import LadderArtifact, LadderArtifacts
from fmos_core.escalation.ladder import RuleLadder
from fmos_core.escalation.signals import Signals
from fmos_core.escalation.training import Example, train_ladder


class TraceSource(Protocol):
    def ladder_signals(self, vfm: str) -> list[tuple[str, dict[str, Any]]]: ...


def label(signals: dict[str, Any]) -> bool | None:
    """Whether the fast answer was wrong; None when nothing says."""
    ladder = signals.get("ladder") or {}
    if ladder.get("fast_ok") is not None:
        return not ladder["fast_ok"]
    feedback = signals.get("feedback")
    if feedback is not None and ladder.get("rung", "fast") == "fast":
        return float(feedback["score"]) < 0.5
    return None


def ladder_examples(traces: TraceSource, vfm: str) -> list[Example]:
    """Every labelled fast answer of ``vfm``, all tenants pooled."""
    examples = []
    for trace_id, signals in traces.ladder_signals(vfm):
        wrong = label(signals)
        if wrong is None or "ladder" not in signals:
            continue
        examples.append(Example(trace_id, Signals.from_json(signals["ladder"]["signals"]), wrong))
    return examples


def train_from_traces(
    traces: TraceSource,
    vfm: str,
    config: VerifyConfig,
    store: LadderArtifacts,
    *,
    holdout: float = 0.3,
) -> LadderArtifact:
    """Train ``vfm``'s ladder on its labelled traces and save it as the next version."""
    artifact = train_ladder(
        ladder_examples(traces, vfm), RuleLadder(config), vfm=vfm, holdout=holdout
    )
    return store.save(artifact)
