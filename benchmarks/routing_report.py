"""The routing benchmark's outcomes and tables (``benchmarks/routing.py`` runs them).

Example:
    >>> a = Outcome("q1", "f", "small", True, 100, 1e-5, 5.0)
    >>> b = Outcome("q1", "f", "large", True, 90, 2e-5, 9.0)
    >>> oracle({"small": [a], "large": [b]}, {"small": 1.0, "large": 2.0})[0].pfm
    'small'
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from fmos_core import Request
from fmos_core.profiles import CapabilityProfile
from fmos_core.routing import FEATURE_SET, Option, RouterArtifact, features


@dataclass(frozen=True)
class Outcome:
    """One answered test item: which pFM served it, whether it was right, its price."""

    item: str
    family: str
    pfm: str
    correct: bool
    tokens: int
    cost: float  # USD
    millis: float
    reply: str = ""
    trace_id: str = ""

    def as_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Strategy:
    """A way to pick the pFM of each item, and what it got."""

    name: str
    outcomes: list[Outcome]

    @property
    def accuracy(self) -> float:
        return sum(o.correct for o in self.outcomes) / len(self.outcomes)

    @property
    def tokens(self) -> int:
        return sum(o.tokens for o in self.outcomes)

    @property
    def cost(self) -> float:
        return sum(o.cost for o in self.outcomes)

    @property
    def per_cost(self) -> float:
        """Correct answers per milli-dollar."""
        return sum(o.correct for o in self.outcomes) / (self.cost * 1000) if self.cost else 0.0

    def percentile(self, q: float) -> float:
        ms = sorted(o.millis for o in self.outcomes)
        return ms[min(len(ms) - 1, int(q * len(ms)))]


def oracle(singles: dict[str, list[Outcome]], prices: dict[str, float]) -> list[Outcome]:
    """Per item the cheapest correct pFM's outcome; none correct: the cheapest's."""
    by_price = sorted(singles, key=lambda p: prices[p])
    picked = []
    for row in zip(*(singles[p] for p in by_price), strict=True):
        right = [o for o in row if o.correct]
        picked.append(min(right or row, key=lambda o: (o.cost, by_price.index(o.pfm))))
    return picked


def replay_learned(
    artifact: RouterArtifact,
    test: list[dict[str, Any]],
    singles: dict[str, list[Outcome]],
    prices: dict[str, float],
    *,
    max_tokens: int,
) -> list[Outcome]:
    """The pFM ``artifact``'s router picks for each test item (from the request's
    features, as the kernel computes them), with that pFM's recorded outcome."""
    assert artifact.feature_set == FEATURE_SET
    router = artifact.router()
    pool = [
        Option(p, CapabilityProfile(input_price_per_mtok=c, output_price_per_mtok=c))
        for p, c in prices.items()
    ]
    picked = []
    for i, record in enumerate(test):
        request = Request(
            messages=record["messages"], tags=[record["family"]], max_tokens=max_tokens
        )
        name = router.choose(features(request, router.tags), pool).pfm.name
        picked.append(singles[name][i])
    return picked


def gap_closed(router: Strategy, cheapest: Strategy, best: Strategy) -> str:
    """The share of the accuracy gap cheapest → best that ``router`` closes, and at
    what share of the best pFM's cost."""
    cost = f"{router.cost / best.cost:.0%} of its cost" if best.cost else "n/a"
    gap = best.accuracy - cheapest.accuracy
    if gap <= 0:
        return f"n/a (the cheapest pFM is the best), at {cost}"
    gained = router.accuracy - cheapest.accuracy
    return (
        f"{gained / gap:.0%} of the gap ({gained * 100:+.1f} points against a gap of "
        f"{gap * 100:.1f}), at {cost}"
    )


def print_report(
    strategies: list[Strategy],
    singles: dict[str, list[Outcome]],
    families: list[str],
    *,
    cheapest: str,
) -> bool:
    """Print the tables; True if the learned router's accuracy per cost beats every
    single pFM's."""
    by = {s.name: s for s in strategies}
    alone = [s for s in strategies if s.name.endswith(" alone")]
    best = max(alone, key=lambda s: (s.accuracy, -s.cost))
    print(
        "| strategy | accuracy | tokens | cost µ$ | correct per m$ | p50 ms | p99 ms | served by |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for s in strategies:
        served = ", ".join(
            f"{p} {sum(o.pfm == p for o in s.outcomes) / len(s.outcomes):.0%}" for p in singles
        )
        print(
            f"| {s.name} | {s.accuracy:.1%} | {s.tokens} | {s.cost * 1e6:.1f} "
            f"| {s.per_cost:.1f} | {s.percentile(0.5):.0f} | {s.percentile(0.99):.0f} "
            f"| {served} |"
        )
    print(f"\nGap between the cheapest pFM ({cheapest}) and the best ({best.name}):\n")
    for name in ("rules router", "learned router", "oracle"):
        print(f"- {name}: {gap_closed(by[name], by[cheapest], best)}")
    print("\nAccuracy per family (share served by the larger pFM in brackets for routers):\n")
    print(f"| family | n | {' | '.join(s.name for s in strategies)} |")
    print("|---|---:|" + "---:|" * len(strategies))
    larger = list(singles)[-1]
    for family in families:
        cells = []
        for s in strategies:
            rows = [o for o in s.outcomes if o.family == family]
            cell = f"{sum(o.correct for o in rows) / len(rows):.0%}"
            if not s.name.endswith(" alone"):
                cell += f" ({sum(o.pfm == larger for o in rows) / len(rows):.0%})"
            cells.append(cell)
        n = len([o for o in strategies[0].outcomes if o.family == family])
        print(f"| {family} | {n} | {' | '.join(cells)} |")
    learned = by["learned router"]
    top = max(alone, key=lambda s: s.per_cost)
    met = learned.per_cost > top.per_cost
    print(
        f"\nlearned router: {learned.per_cost:.1f} correct per m$ vs {top.per_cost:.1f} for the "
        f"best single pFM ({top.name}) — target {'MET' if met else 'NOT met'}"
    )
    return met
