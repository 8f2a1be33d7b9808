"""Training the learned router from outcomes, and scoring it against the rules.

An ``Outcome`` is one answered request: which pFM served it, whether the answer was
good (verified, passed the app's checks, or rated ≥ 0.5) and what it cost. Outcomes
of the same request (same messages, tags, tools, schema) form a group; groups are
split into train and held-out by a stable hash of their key (the escalation
ladder's ``held_out``), so a request never sits on both sides.

One logistic success model per pFM is fitted on that pFM's training outcomes (the
ladder's pure-Python fit); the threshold is tuned on the training groups.

**The score.** A routing policy (the rules, or the learned router) is replayed on
the held-out groups: for each, the pFM it would pick; when the group holds an
outcome of that pFM, its success and cost count (``matched``). The learned router
*beats the rules* when both matched at least ``MIN_MATCHED`` groups and it is at
least as accurate (share of good answers) and either more accurate or cheaper (mean
cost per call). Successes per dollar are reported beside it.

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
from fmos_core.routing.features import FEATURE_SET, FEATURES, features
from fmos_core.routing.learned import LearnedRouter, SuccessModel
from fmos_core.routing.rules import Ask, Candidate, RuleRouter

MIN_EXAMPLES = 20
MIN_MATCHED = 5
THRESHOLDS = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # 0.30 … 0.95
SUCCESS_SLACK = 0.02  # thresholds this close to the best training success count as equal


@dataclass(slots=True)
class Outcome:
    """One judged answer: its trace, request group, pFM, verdict, cost and request."""

    trace_id: str
    key: str
    pfm: str
    good: bool
    cost: float
    ask: Ask
    x: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.x:
            self.x = features(self.ask.request)


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
    """Fit the per-pFM models, tune the threshold, score learned vs rules on held-out."""
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
    models = {p.name: _model([o for o in train if o.pfm == p.name], epochs) for p in pool}
    router = LearnedRouter(version=0, models=models, threshold=0.5)
    train_groups, test_groups = _groups(train), _groups(test)
    threshold, train_score = _tune(router, pool, train_groups)
    router = LearnedRouter(version=0, models=models, threshold=threshold)
    learned = replay(_learned_policy(router, pool), test_groups)
    ruled = replay(_rules_policy(RuleRouter(rules), pool), test_groups)
    return RouterArtifact(
        version=0,
        vfm=vfm,
        created_at=time.time(),
        feature_set=FEATURE_SET,
        pfms=[p.name for p in pool],
        models={name: _as_json(m) for name, m in models.items()},
        threshold=threshold,
        trained_on=len(train),
        held_out=len(test),
        metrics={"learned": learned, "rules": ruled, "train": train_score},
        beats_rules=beats(learned, ruled),
    )


def beats(learned: dict[str, float], rules: dict[str, float]) -> bool:
    """At least as accurate as the rules, and more accurate or cheaper (see module)."""
    if min(learned["matched"], rules["matched"]) < MIN_MATCHED:
        return False
    if learned["success"] > rules["success"] + 1e-9:
        return True
    return abs(learned["success"] - rules["success"]) <= 1e-9 and learned["cost"] < rules["cost"]


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


def needs_of(ask: Ask) -> list[str]:
    request = ask.request
    needs = []
    if request.tools and request.tool_choice != "none":
        needs.append("tools")
    if request.response_schema is not None:
        needs.append("json_schema")
    if request.logprobs:
        needs.append("logprobs")
    return needs


def _rules_policy(rules: RuleRouter, pool: Sequence[Candidate]) -> Policy:
    def pick(group: _Group) -> str | None:
        needs = needs_of(group.ask)
        candidates = [p for p in pool if serves(p, group.ask, needs)]
        if not candidates:
            return None
        return rules.choose(group.ask, candidates, pool[0], needs).pfm.name

    return pick


def _learned_policy(router: LearnedRouter, pool: Sequence[Candidate]) -> Policy:
    def pick(group: _Group) -> str | None:
        needs = needs_of(group.ask)
        candidates = [p for p in pool if serves(p, group.ask, needs)]
        return router.choose(group.x, candidates).pfm.name if candidates else None

    return pick


def _tune(
    router: LearnedRouter, pool: Sequence[Candidate], groups: Sequence[_Group]
) -> tuple[float, dict[str, float]]:
    """The threshold of the cheapest policy within ``SUCCESS_SLACK`` of the most
    accurate one on the training groups (ties: the higher threshold)."""
    scored = []
    for t in THRESHOLDS:
        policy = _learned_policy(LearnedRouter(0, router.models, t), pool)
        scored.append((t, replay(policy, groups)))
    best = max(s["success"] for _, s in scored)
    close = [(t, s) for t, s in scored if s["success"] >= best - SUCCESS_SLACK]
    return min(close, key=lambda ts: (ts[1]["cost"], -ts[0]))


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


def _model(rows: Sequence[Outcome], epochs: int) -> SuccessModel:
    """A pFM's success model; with too few or one-sided outcomes, its smoothed rate."""
    k = len(FEATURES)
    labels = [o.good for o in rows]
    if len(rows) < 4 or len(set(labels)) < 2:
        rate = (sum(labels) + 1) / (len(rows) + 2)
        bias = math.log(rate / (1 - rate))
        return SuccessModel((0.0,) * k, bias, (0.0,) * k, (1.0,) * k)
    x = [o.x for o in rows]
    means, scales = standardise(x)
    weights, bias = fit_logistic(x, labels, means, scales, epochs=epochs, l2=0.01)
    return SuccessModel(tuple(weights), bias, tuple(means), tuple(scales))
