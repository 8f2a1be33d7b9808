"""Training the learned ladder from labelled fast answers, and scoring it against the rules.

Logistic regression by batch gradient descent on standardised features (pure Python:
the core carries no numerical dependency). Examples are split into train and held-out
by a stable hash of their trace id; the threshold is chosen on train; both ladders are
scored on held-out by Youden's J — the share of wrong answers escalated minus the
share of right answers escalated — and the learned one is usable only if it scores
higher.

Example:
    >>> from fmos_core.config import VerifyConfig
    >>> examples = [Example(f"t{i}", Signals(mean_logprob=-i / 10), wrong=i > 12)
    ...             for i in range(40)]
    >>> artifact = train_ladder(examples, RuleLadder(VerifyConfig()), vfm="v")
    >>> artifact.beats_rules
    True
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from fmos_core.errors import BadRequest
from fmos_core.escalation.artifacts import LadderArtifact
from fmos_core.escalation.ladder import Ladder, RuleLadder
from fmos_core.escalation.signals import FEATURES, Signals
from fmos_core.logistic import fit_logistic, held_out, standardise

MIN_EXAMPLES = 20


@dataclass(frozen=True, slots=True)
class Example:
    """A fast answer's signals, whether it was wrong, and its trace id (for the split)."""

    trace_id: str
    signals: Signals
    wrong: bool


def youden(escalated: Sequence[bool], wrong: Sequence[bool]) -> dict[str, float]:
    """TPR (wrong answers escalated), FPR (right ones escalated) and J = TPR − FPR."""
    wrongs = sum(wrong)
    rights = len(wrong) - wrongs
    tp = sum(e and w for e, w in zip(escalated, wrong, strict=True))
    fp = sum(e and not w for e, w in zip(escalated, wrong, strict=True))
    tpr = tp / wrongs if wrongs else 0.0
    fpr = fp / rights if rights else 0.0
    return {"tpr": tpr, "fpr": fpr, "j": tpr - fpr, "escalated": sum(escalated) / len(wrong)}


def score(ladder: Ladder, examples: Sequence[Example]) -> dict[str, float]:
    escalated = [ladder.decide(e.signals).rung != "fast" for e in examples]
    return youden(escalated, [e.wrong for e in examples])


def train_ladder(
    examples: Sequence[Example],
    rules: RuleLadder,
    *,
    vfm: str,
    holdout: float = 0.3,
    epochs: int = 400,
    l2: float = 0.01,
) -> LadderArtifact:
    """Fit, pick thresholds on train, score learned vs rules on held-out."""
    train = [e for e in examples if not held_out(e.trace_id, holdout)]
    test = [e for e in examples if held_out(e.trace_id, holdout)]
    if len(train) < MIN_EXAMPLES or not test:
        raise BadRequest(
            f"{len(examples)} labelled fast answers of VFM {vfm!r} ({len(train)} to train on, "
            f"{len(test)} held out); at least {MIN_EXAMPLES} to train and one held out are "
            "needed — serve more calls with the ladder on, or give feedback on their traces"
        )
    if len({e.wrong for e in train}) < 2:
        raise BadRequest(
            f"the {len(train)} training answers of VFM {vfm!r} are all "
            f"{'wrong' if train[0].wrong else 'right'}; a ladder needs both kinds to learn from"
        )
    rows = [e.signals.vector() for e in train]
    means, scales = standardise(rows)
    weights, bias = fit_logistic(
        rows, [e.wrong for e in train], means, scales, epochs=epochs, l2=l2
    )
    draft = LadderArtifact(
        version=0, vfm=vfm, created_at=time.time(), features=list(FEATURES),
        weights=weights, bias=bias, means=means, scales=scales, threshold=0.5,
        deliberate_at=2.0, trained_on=len(train), held_out=len(test), metrics={},
        beats_rules=False,
    )  # fmt: skip
    p_train = [draft.ladder().p_wrong(e.signals) for e in train]
    forced = [e.signals.rule_failures > 0 for e in train]  # escalated whatever p says
    threshold = _best_threshold(p_train, [e.wrong for e in train], forced)
    deliberate_at = _sure_threshold(p_train, [e.wrong for e in train], threshold)
    fitted = draft.replace(threshold=threshold, deliberate_at=deliberate_at)
    learned_score, rules_score = score(fitted.ladder(), test), score(rules, test)
    return fitted.replace(
        metrics={"learned": learned_score, "rules": rules_score},
        beats_rules=learned_score["j"] > rules_score["j"],
    )


def _best_threshold(p: list[float], wrong: list[bool], forced: list[bool]) -> float:
    """The threshold with the best J on the training answers, counting the ``forced``
    ones (a failed rule check) as escalated whatever the threshold (ties: the higher)."""
    candidates = sorted(set(p))
    best, best_j = 1.01, youden(forced, wrong)["j"]
    for t in candidates:
        j = youden([f or pi >= t for pi, f in zip(p, forced, strict=True)], wrong)["j"]
        if j > best_j or (j == best_j and t > best):
            best, best_j = t, j
    return best


def _sure_threshold(
    p: list[float], wrong: list[bool], floor: float, precision: float = 0.9
) -> float:
    """The lowest threshold at or above ``floor`` above which ≥ 90 % of training answers
    were wrong (verifying those is wasted); 2.0 (never) if there is none."""
    for t in sorted(set(pi for pi in p if pi >= floor)):
        above = [w for pi, w in zip(p, wrong, strict=True) if pi >= t]
        if len(above) >= 5 and sum(above) / len(above) >= precision:
            return t
    return 2.0
