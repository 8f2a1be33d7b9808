"""Who decides how far a fast answer climbs: the rules, or a learned model that beat them.

``decide`` returns the first rung to run and why. Rule checks that failed always start
at ``deliberate`` (the answer is known to be wrong); otherwise the rules look at tags
and confidence, and a learned ladder at its estimate that the answer is wrong.

Example:
    >>> from fmos_core.config import VerifyConfig
    >>> rules = RuleLadder(VerifyConfig(min_confidence=0.5))
    >>> rules.decide(Signals(mean_logprob=-2.0)).rung
    'verify'
    >>> rules.decide(Signals(tags=("high_stakes",), risk_tags=1)).rung
    'deliberate'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from fmos_core.config import VerifyConfig
from fmos_core.escalation.signals import Signals


@dataclass(frozen=True, slots=True)
class Decision:
    """The first rung to run, why, and who decided (``rules`` or ``learned vN``)."""

    rung: str
    reason: str
    decider: str
    p_wrong: float | None = None


class Ladder(Protocol):
    @property
    def name(self) -> str: ...

    def decide(self, signals: Signals) -> Decision: ...


class RuleLadder:
    """The hand-written rules: failed checks → deliberate, tags → their rung, low
    confidence → verify, anything else stays fast."""

    name = "rules"

    def __init__(self, config: VerifyConfig) -> None:
        self._config = config

    def decide(self, signals: Signals) -> Decision:
        config = self._config
        if signals.rule_failures:
            return Decision("deliberate", f"{signals.rule_failures} rule check(s) failed", "rules")
        tags = set(signals.tags)
        if tags & set(config.deliberate_tags):
            named = ", ".join(sorted(tags & set(config.deliberate_tags)))
            return Decision("deliberate", f"tagged {named}", "rules")
        if tags & set(config.verify_tags):
            named = ", ".join(sorted(tags & set(config.verify_tags)))
            return Decision("verify", f"tagged {named}", "rules")
        if signals.mean_logprob is not None and signals.confidence < config.min_confidence:
            return Decision(
                "verify",
                f"confidence {signals.confidence:.2f} below {config.min_confidence:.2f}",
                "rules",
            )
        return Decision("fast", "no rule fired", "rules")


@dataclass(frozen=True, slots=True)
class LearnedLadder:
    """Logistic regression over ``FEATURES`` estimating that the fast answer is wrong.

    At or above ``threshold`` the answer is verified; at or above ``deliberate_at`` it
    goes straight to deliberation. Built from a ``LadderArtifact``.
    """

    version: int
    weights: tuple[float, ...]
    bias: float
    threshold: float
    deliberate_at: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    @property
    def name(self) -> str:
        return f"learned v{self.version}"

    def p_wrong(self, signals: Signals) -> float:
        x = signals.vector()
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, x, self.means, self.scales, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def decide(self, signals: Signals) -> Decision:
        if signals.rule_failures:
            return Decision(
                "deliberate", f"{signals.rule_failures} rule check(s) failed", self.name
            )
        p = self.p_wrong(signals)
        if p >= self.deliberate_at:
            rung = "deliberate"
        elif p >= self.threshold:
            rung = "verify"
        else:
            rung = "fast"
        return Decision(rung, f"p(wrong)={p:.2f}", self.name, p_wrong=p)
