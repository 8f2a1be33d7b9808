"""The learned router: one success model per pFM, the cheapest likely success wins.

Each pFM of the pool has a logistic model of P(its answer is good | the request's
features). The router takes the cheapest candidate whose predicted success clears
the threshold tuned at training time; when none does, the one most likely to
succeed.

Example:
    >>> from fmos_core.profiles import CapabilityProfile
    >>> from fmos_core.routing.rules import Option
    >>> sure = SuccessModel(weights=(0.0,), bias=4.0, means=(0.0,), scales=(1.0,))
    >>> unsure = SuccessModel(weights=(0.0,), bias=-4.0, means=(0.0,), scales=(1.0,))
    >>> router = LearnedRouter(version=1, models={"a": unsure, "b": sure}, threshold=0.7)
    >>> cheap = Option("a", CapabilityProfile(input_price_per_mtok=0.1))
    >>> dear = Option("b", CapabilityProfile(input_price_per_mtok=9.0))
    >>> router.choose([0.0], [cheap, dear]).pfm.name
    'b'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from fmos_core.routing.rules import C, Choice, by_price


@dataclass(frozen=True, slots=True)
class SuccessModel:
    """Logistic regression on standardised features."""

    weights: tuple[float, ...]
    bias: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def p_good(self, x: Sequence[float]) -> float:
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, x, self.means, self.scales, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True, slots=True)
class LearnedRouter:
    """A trained router (``version`` of its artifact); see the module docstring."""

    version: int
    models: dict[str, SuccessModel]
    threshold: float

    def scores(self, x: Sequence[float], names: Sequence[str]) -> dict[str, float]:
        """Predicted success of each named pFM (a pFM without a model scores 0)."""
        return {n: self.models[n].p_good(x) if n in self.models else 0.0 for n in names}

    def choose(self, x: Sequence[float], candidates: Sequence[C]) -> Choice[C]:
        """The cheapest candidate predicted to succeed, else the likeliest."""
        scores = self.scores(x, [c.name for c in candidates])
        for candidate in by_price(candidates):
            if scores[candidate.name] >= self.threshold:
                reason = (
                    f"the cheapest pFM whose predicted success ({scores[candidate.name]:.2f}) "
                    f"clears {self.threshold:.2f}"
                )
                return Choice(candidate, "learned", reason)
        best = max(candidates, key=lambda c: scores[c.name])
        reason = (
            f"no pFM's predicted success clears {self.threshold:.2f}; the likeliest "
            f"({scores[best.name]:.2f})"
        )
        return Choice(best, "learned", reason)
