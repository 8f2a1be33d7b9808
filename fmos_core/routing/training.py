"""Training the learned router from outcomes, and scoring it against the rules.

An ``Outcome`` is one answered request: which pFM served it, whether the answer was
good (verified, passed the app's checks, or rated ≥ 0.5) and what it cost. Outcomes
of the same request (same messages, tags, tools, schema) form a group; groups are
split into train and held-out by a stable hash of their key (the escalation
ladder's ``held_out``), so a request never sits on both sides.

One logistic success model per pFM is fitted on that pFM's training outcomes (the
ladder's pure-Python fit); the cost weight is tuned on the training groups.

**The score.** A routing policy (the rules, or the learned router) is replayed on
the held-out groups: for each, the pFM it would pick; when the group holds an
outcome of that pFM, its success and cost count (``matched``). The learned router
*beats the rules* when both matched at least ``MIN_MATCHED`` groups and it gives more
good answers, or — giving up at most ``MAX_SUCCESS_DROP`` of the rules' share of good
answers — more good answers per dollar (so "always the cheapest pFM" never wins by
being cheap alone).

Example:
    >>> from fmos_core.config import RoutingConfig
    >>> from fmos_core.contract import Request
    >>> from fmos_core.profiles import CapabilityProfile
    >>> from fmos_core.routing.rules import Option
    >>> pool = [Option("a", CapabilityProfile(input_price_per_mtok=1.0)),
    ...         Option("b", CapabilityProfile(input_price_per_mtok=9.0))]
    >>> def outcome(i, pfm):
    ...     word = "hard" if i % 2 else "easy"
    ...     good = pfm == "b" or word == "easy"
    ...     ask = Ask(Request(messages=[{"role": "user", "content": f"{word} {i}"}]))
    ...     return Outcome(f"{pfm}{i}", f"k{i}", pfm, good, 1.0 if pfm == "a" else 9.0, ask)
    >>> data = [outcome(i, p) for i in range(60) for p in ("a", "b")]
    >>> artifact = train_router(data, RoutingConfig(), pool, vfm="v")
    >>> artifact.beats_rules, artifact.metrics["learned"]["success"]
    (True, 1.0)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fmos_core.config import RoutingConfig
from fmos_core.errors import BadRequest
from fmos_core.logistic import fit_logistic, held_out, standardise
from fmos_core.reasoning import expresses
from fmos_core.routing.artifacts import RouterArtifact
from fmos_core.routing.features import FEATURE_SET, feature_names, features, vocabulary
from fmos_core.routing.learned import LearnedRouter, SuccessModel
from fmos_core.routing.rules import Ask, Candidate, RuleRouter, required_capabilities

MIN_EXAMPLES = 20
MIN_MATCHED = 5
MAX_SUCCESS_DROP = 0.05
L2 = 0.1  # few outcomes per pFM and many sparse features: keep the weights small
COST_WEIGHTS = tuple(round(0.05 * i, 2) for i in range(21))  # 0.00 … 1.00
SUCCESS_SLACK = 0.02  # weights this close to the best training success count as equal


@dataclass(slots=True)
class Outcome:
    """One judged answer: its trace, request group, pFM, verdict, cost and request."""

    trace_id: str
    key: str
    pfm: str
    good: bool
    cost: float
    ask: Ask
    x: list[float] = field(default_factory=list)  # set by training, over its tag vocabulary


@dataclass(slots=True)
class _Group:
    ask: Ask
    x: list[float]
    results: dict[str, list[tuple[bool, float]]] = field(default_factory=dict)


Policy = Callable[[_Group], str | None]


def train_router(
    outcomes: Sequence[Outcome],
    rules: RoutingConfig,
    pool: Sequence[Candidate],
    *,
    vfm: str,
    holdout: float = 0.3,
    epochs: int = 300,
) -> RouterArtifact:
    """Fit the per-pFM models, tune the cost weight, score learned vs rules on held-out."""
    if len(pool) < 2:
        raise BadRequest(
            f"VFM {vfm!r} has one pFM ({pool[0].name if pool else 'none'}); a router chooses "
            f"between pFMs — add another to [vfms.{vfm}] pfms"
        )
    names = {p.name for p in pool}
    known = [o for o in outcomes if o.pfm in names]
    train = [o for o in known if not held_out(o.key, holdout)]
    test = [o for o in known if held_out(o.key, holdout)]
    if len(train) < MIN_EXAMPLES or not test:
        raise BadRequest(
            f"{len(known)} judged answers of VFM {vfm!r} ({len(train)} to train on, "
            f"{len(test)} held out); at least {MIN_EXAMPLES} to train on and one held out "
            f"are needed — serve more calls with [vfms.{vfm}.routing] explore > 0 so every "
            "pFM is tried, and judge answers (the app's checks, the ladder, FMOS.feedback)"
        )
    tags = vocabulary(o.ask.request.tags for o in train)
    for o in known:
        o.x = features(o.ask.request, tags)
    k = len(feature_names(tags))
    models = {p.name: _model([o for o in train if o.pfm == p.name], k, epochs) for p in pool}
    router = LearnedRouter(0, models, 0.5, tags)
    train_groups, test_groups = _groups(train), _groups(test)
    weight, train_score = _tune(router, pool, train_groups)
    router = LearnedRouter(0, models, weight, tags)
    learned = replay(_learned_policy(router, pool), test_groups)
    ruled = replay(_rules_policy(RuleRouter(rules), pool), test_groups)
    return RouterArtifact(
        version=0,
        vfm=vfm,
        created_at=time.time(),
        feature_set=FEATURE_SET,
        pfms=[p.name for p in pool],
        models={name: _as_json(m) for name, m in models.items()},
        cost_weight=weight,
        trained_on=len(train),
        held_out=len(test),
        metrics={"learned": learned, "rules": ruled, "train": train_score},
        beats_rules=beats(learned, ruled),
        tags=list(tags),
    )


def beats(learned: dict[str, float], rules: dict[str, float]) -> bool:
    """More accurate than the rules, or more good answers per dollar at most
    ``MAX_SUCCESS_DROP`` less accurate (see the module docstring).

    Example:
        >>> rules = {"success": 0.60, "cost": 15.0, "matched": 50.0}
        >>> beats({"success": 0.57, "cost": 12.0, "matched": 50.0}, rules)
        True
        >>> beats({"success": 0.45, "cost": 9.0, "matched": 50.0}, rules)  # cheap alone
        False
    """
    if min(learned["matched"], rules["matched"]) < MIN_MATCHED:
        return False
    if learned["success"] > rules["success"] + 1e-9:
        return True
    if learned["success"] < rules["success"] - MAX_SUCCESS_DROP - 1e-9:
        return False
    if learned["cost"] <= 0 or rules["cost"] <= 0:  # free pFMs: the cheaper one
        return learned["cost"] < rules["cost"]
    return learned["success"] / learned["cost"] > rules["success"] / rules["cost"] + 1e-12


def replay(policy: Policy, groups: Sequence[_Group]) -> dict[str, float]:
    """Success, mean cost and matched count of ``policy`` on ``groups`` (module doc)."""
    good = cost = 0.0
    matched = 0
    for group in groups:
        results = group.results.get(policy(group) or "")
        if not results:
            continue
        matched += 1
        good += sum(g for g, _ in results) / len(results)
        cost += sum(c for _, c in results) / len(results)
    success = good / matched if matched else 0.0
    mean_cost = cost / matched if matched else 0.0
    score = {"success": success, "cost": mean_cost, "matched": float(matched)}
    if mean_cost > 0:
        score["success_per_dollar"] = success / mean_cost
    return score


def serves(profile_of: Candidate, ask: Ask, needs: Sequence[str]) -> bool:
    """Whether a pool pFM can serve a replayed request: capabilities and window."""
    profile = profile_of.profile
    fits = ask.prompt_tokens + ask.request.max_tokens <= profile.context_window
    capable = all(getattr(profile, need) for need in needs)
    return fits and capable and expresses(profile, ask.request.reasoning_level)


def _rules_policy(rules: RuleRouter, pool: Sequence[Candidate]) -> Policy:
    def pick(group: _Group) -> str | None:
        needs = required_capabilities(group.ask.request)
        candidates = [p for p in pool if serves(p, group.ask, needs)]
        if not candidates:
            return None
        return rules.choose(group.ask, candidates, pool[0], needs).pfm.name

    return pick


def _learned_policy(router: LearnedRouter, pool: Sequence[Candidate]) -> Policy:
    def pick(group: _Group) -> str | None:
        needs = required_capabilities(group.ask.request)
        candidates = [p for p in pool if serves(p, group.ask, needs)]
        return router.choose(group.x, candidates).pfm.name if candidates else None

    return pick


def _tune(
    router: LearnedRouter, pool: Sequence[Candidate], groups: Sequence[_Group]
) -> tuple[float, dict[str, float]]:
    """The cost weight in the middle of those whose policies are within
    ``SUCCESS_SLACK`` of the most accurate on the training groups: the models were
    fitted on those groups, so the edges of that range are where training flatters
    them most."""
    scored = []
    for t in COST_WEIGHTS:
        policy = _learned_policy(LearnedRouter(0, router.models, t, router.tags), pool)
        scored.append((t, replay(policy, groups)))
    best = max(s["success"] for _, s in scored)
    close = [(t, s) for t, s in scored if s["success"] >= best - SUCCESS_SLACK]
    return close[len(close) // 2]


def _groups(outcomes: Sequence[Outcome]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for o in outcomes:
        group = groups.setdefault(o.key, _Group(o.ask, o.x))
        group.results.setdefault(o.pfm, []).append((o.good, o.cost))
    return list(groups.values())


def _as_json(model: SuccessModel) -> dict[str, Any]:
    return {
        "weights": list(model.weights),
        "bias": model.bias,
        "means": list(model.means),
        "scales": list(model.scales),
    }


def _model(rows: Sequence[Outcome], k: int, epochs: int) -> SuccessModel:
    """A pFM's success model over ``k`` features; with too few or one-sided outcomes,
    its smoothed rate."""
    labels = [o.good for o in rows]
    if len(rows) < 4 or len(set(labels)) < 2:
        rate = (sum(labels) + 1) / (len(rows) + 2)
        bias = math.log(rate / (1 - rate))
        return SuccessModel((0.0,) * k, bias, (0.0,) * k, (1.0,) * k)
    x = [o.x for o in rows]
    means, scales = standardise(x)
    weights, bias = fit_logistic(x, labels, means, scales, epochs=epochs, l2=L2, balanced=False)
    return SuccessModel(tuple(weights), bias, tuple(means), tuple(scales))
