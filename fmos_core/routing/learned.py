"""The learned router: one success model per pFM; the best success for its price wins.

Each pFM of the pool has a logistic model of P(its answer is good | the request's
features). The router takes the candidate with the highest predicted success minus
``cost_weight`` × its price relative to the dearest candidate (ties: the cheaper), with
``cost_weight`` tuned at training time. Where no pFM is likely to succeed, the
cheapest wins (paying more buys nothing); where only a dear one is, it wins when its
edge in predicted success outweighs its price — the label it imitates is "the
cheapest pFM whose answer was good".

Example:
    >>> from fmos_core.profiles import CapabilityProfile
    >>> from fmos_core.routing.rules import Option
    >>> sure = SuccessModel(weights=(0.0,), bias=4.0, means=(0.0,), scales=(1.0,))
    >>> unsure = SuccessModel(weights=(0.0,), bias=-4.0, means=(0.0,), scales=(1.0,))
    >>> router = LearnedRouter(version=1, models={"a": unsure, "b": sure}, cost_weight=0.3)
    >>> cheap = Option("a", CapabilityProfile(input_price_per_mtok=0.1))
    >>> dear = Option("b", CapabilityProfile(input_price_per_mtok=9.0))
    >>> router.choose([0.0], [cheap, dear]).pfm.name
    'b'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from fmos_core.routing.rules import C, Choice, by_price, price


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
    cost_weight: float  # predicted success a price as high as the dearest candidate's costs
    tags: tuple[str, ...] = field(default=())  # the tag vocabulary of its features

    def scores(self, x: Sequence[float], names: Sequence[str]) -> dict[str, float]:
        """Predicted success of each named pFM (a pFM without a model scores 0)."""
        return {n: self.models[n].p_good(x) if n in self.models else 0.0 for n in names}

    def choose(self, x: Sequence[float], candidates: Sequence[C]) -> Choice[C]:
        """The candidate with the best predicted success for its price (module doc)."""
        scores = self.scores(x, [c.name for c in candidates])
        dearest = max(price(c.profile) for c in candidates)

        def utility(candidate: C) -> float:
            share = price(candidate.profile) / dearest if dearest > 0 else 0.0
            return scores[candidate.name] - self.cost_weight * share

        best = max(by_price(candidates), key=utility)  # the first maximum: the cheaper
        reason = (
            f"the best predicted success ({scores[best.name]:.2f}) for its price "
            f"(cost weight {self.cost_weight:.2f})"
        )
        return Choice(best, "learned", reason)
