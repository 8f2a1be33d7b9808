"""The rules router: ``[vfms.X.routing] rules``, tried in order, first match decides.

A rule matches when every condition it sets holds (``fmos_core.config.RouteRule``);
it decides when the pFM it prefers is among the candidates (the pool's pFMs that can
serve the call). No rule deciding means today's behaviour: keep the call's pFM if it
can serve, else the pool's first that can.

Example:
    >>> from fmos_core.config import RoutingConfig
    >>> from fmos_core.contract import Request
    >>> from fmos_core.profiles import CapabilityProfile
    >>> small = Option("small", CapabilityProfile(input_price_per_mtok=0.1))
    >>> big = Option("big", CapabilityProfile(input_price_per_mtok=5.0))
    >>> config = RoutingConfig.model_validate({"rules": [{"tags": ["hard"], "prefer": "big"}]})
    >>> ask = Ask(Request(messages=[{"role": "user", "content": "hi"}], tags=["hard"]))
    >>> RuleRouter(config).choose(ask, [small, big], small).pfm.name
    'big'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from fmos_core.config import RouteRule, RoutingConfig
from fmos_core.contract import Request
from fmos_core.profiles import CapabilityProfile


class Candidate(Protocol):
    """A pFM as routing sees it (``fmos_core.pipeline.PFM`` is one)."""

    @property
    def name(self) -> str: ...

    @property
    def profile(self) -> CapabilityProfile: ...


C = TypeVar("C", bound=Candidate)


@dataclass(frozen=True, slots=True)
class Option:
    """A candidate without a driver, for training and tests."""

    name: str
    profile: CapabilityProfile


@dataclass(slots=True)
class Ask:
    """What the rules look at: the request, its tenant, its prompt length and (asked
    for only when a rule needs it) the share of the tenant's tightest budget left."""

    request: Request
    prompt_tokens: int = 0
    budget_left: Callable[[], float | None] | None = None
    _left: float | None = field(default=None, init=False, repr=False)
    _asked: bool = field(default=False, init=False, repr=False)

    @property
    def tenant(self) -> str:
        return self.request.identity.tenant

    def budget(self) -> float | None:
        """Share of the tightest budget left (None: unlimited or unknown), read once."""
        if not self._asked:
            self._asked = True
            self._left = None if self.budget_left is None else self.budget_left()
        return self._left


@dataclass(frozen=True, slots=True)
class Choice(Generic[C]):
    """A router's pick and why."""

    pfm: C
    by: str
    reason: str
    rule: int | None = None


def price(profile: CapabilityProfile) -> float:
    """What ``cheapest`` sorts by: input + output price per million tokens."""
    return profile.input_price_per_mtok + profile.output_price_per_mtok


def cheapest(candidates: Sequence[C]) -> C:
    """The lowest-priced candidate (ties: the first in pool order)."""
    return min(candidates, key=lambda c: price(c.profile))


def most_capable(candidates: Sequence[C]) -> C:
    """The highest-priced candidate, price standing for capability (ties: the larger
    window, then pool order)."""
    return max(candidates, key=lambda c: (price(c.profile), c.profile.context_window))


def required_capabilities(request: Request) -> list[str]:
    """Profile flags the request needs, e.g. ``["tools", "logprobs"]``."""
    needs = []
    if request.tools and request.tool_choice != "none":
        needs.append("tools")
    if request.response_schema is not None:
        needs.append("json_schema")
    if request.logprobs:
        needs.append("logprobs")
    return needs


def by_price(candidates: Sequence[C]) -> list[C]:
    """Cheapest first; pool order among equal prices."""
    return sorted(candidates, key=lambda c: price(c.profile))


def matches(rule: RouteRule, ask: Ask, needs: Sequence[str]) -> str | None:
    """Why ``rule`` matches ``ask`` in words, or None if a condition fails."""
    why = []
    if rule.tags:
        hit = [t for t in rule.tags if t in ask.request.tags]
        if not hit:
            return None
        why.append(f"tagged {', '.join(map(repr, hit))}")
    if rule.capability is not None:
        if rule.capability not in needs:
            return None
        why.append(f"needs {rule.capability}")
    if rule.min_prompt_tokens is not None:
        if ask.prompt_tokens < rule.min_prompt_tokens:
            return None
        why.append(f"prompt of {ask.prompt_tokens} tokens ≥ {rule.min_prompt_tokens}")
    if rule.max_prompt_tokens is not None:
        if ask.prompt_tokens > rule.max_prompt_tokens:
            return None
        why.append(f"prompt of {ask.prompt_tokens} tokens ≤ {rule.max_prompt_tokens}")
    if rule.tenants:
        if ask.tenant not in rule.tenants:
            return None
        why.append(f"tenant {ask.tenant!r}")
    if rule.budget_below is not None:
        left = ask.budget()
        if left is None or left >= rule.budget_below:
            return None
        why.append(f"{left:.0%} of the budget left < {rule.budget_below:.0%}")
    return ", ".join(why) or "it matches every call"


class RuleRouter:
    """Decides by a VFM's ordered rules, else by default."""

    def __init__(self, config: RoutingConfig) -> None:
        self._rules = list(config.rules)

    def choose(
        self,
        ask: Ask,
        candidates: Sequence[C],
        current: C,
        needs: Sequence[str] = (),
        skipped: dict[str, str] | None = None,
    ) -> Choice[C]:
        """The pick among ``candidates`` (non-empty); ``current`` is the call's pFM.
        A rule whose pFM cannot serve is noted in ``skipped`` and passed over."""
        for index, rule in enumerate(self._rules):
            why = matches(rule, ask, needs)
            if why is None:
                continue
            picked = _preferred(rule.prefer, candidates)
            if picked is None:
                if skipped is not None:
                    skipped.setdefault(rule.prefer, "cannot serve this call")
                    skipped[f"rule {index + 1}"] = f"prefers {rule.prefer}, which cannot serve"
                continue
            what = rule.prefer if rule.prefer in ("cheapest", "most_capable") else "it"
            reason = f"rule {index + 1} matched ({why}) and prefers {what}"
            return Choice(picked, "rule", reason, rule=index)
        return default_choice(candidates, current)


def default_choice(candidates: Sequence[C], current: C) -> Choice[C]:
    """Today's behaviour: the call's pFM if it can serve, else the pool's first that can."""
    if any(c is current for c in candidates):
        return Choice(current, "default", "the VFM's first pFM can serve the call")
    return Choice(
        candidates[0], "default", f"{current.name} cannot serve it; the pool's first that can"
    )


def _preferred(prefer: str, candidates: Sequence[C]) -> C | None:
    if prefer == "cheapest":
        return cheapest(candidates)
    if prefer == "most_capable":
        return most_capable(candidates)
    return next((c for c in candidates if c.name == prefer), None)
