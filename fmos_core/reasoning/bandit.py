"""The bandit that tunes a VFM's reasoning level per task family (a request tag).

Each level is an arm. A call's reward is its success (1 = good … 0 = bad; see
``fmos_core.reasoning.outcomes``) minus ``token_weight`` × the tokens it spent. More
reasoning is not assumed to be better: ``tune`` picks, per tag with ``min_calls``
scored calls, the level with the highest *measured* mean reward (ties: fewer tokens).
``choose`` serves ``"auto"``: the tuned level, except that a share ``explore`` of calls
Thompson-samples a level from the measured rewards (untried levels first), seeded by
a stable hash of the call so that a rerun chooses the same.

Example:
    >>> from fmos_core.config import ReasoningConfig
    >>> config = ReasoningConfig(min_calls=2, token_weight=0.01)
    >>> calls = [Outcome("math", "off", 0.0, 10), Outcome("math", "low", 1.0, 30),
    ...          Outcome("math", "off", 0.0, 10), Outcome("math", "low", 1.0, 30)]
    >>> tune(calls, config, vfm="default").tags["math"].level
    'low'
"""

from __future__ import annotations

import hashlib
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from fmos_core.config import ReasoningConfig
from fmos_core.reasoning.knob import Level
from fmos_core.reasoning.policy import Arm, ReasoningPolicy, TagPolicy

_PRIOR_SPREAD = 0.5  # the reward spread assumed for a level measured once or never


@dataclass(frozen=True, slots=True)
class Outcome:
    """One scored call: its tag, the level it used, its success and tokens."""

    tag: str
    level: Level
    success: float
    tokens: int

    def reward(self, token_weight: float) -> float:
        return self.success - token_weight * self.tokens


@dataclass(frozen=True, slots=True)
class Choice:
    """What ``choose`` resolved ``"auto"`` to, and why."""

    level: Level
    tag: str | None  # the task family the call counts for
    tuned: bool  # the level came from a policy
    explored: bool  # the level was sampled to explore
    policy: int  # the policy version consulted (0: none)


def tune(
    outcomes: Iterable[Outcome], config: ReasoningConfig, *, vfm: str
) -> ReasoningPolicy | None:
    """A policy for every tag with ``config.min_calls`` scored calls; None if no tag has."""
    by_tag: dict[str, dict[Level, list[Outcome]]] = defaultdict(lambda: defaultdict(list))
    for outcome in outcomes:
        by_tag[outcome.tag][outcome.level].append(outcome)
    tags: dict[str, TagPolicy] = {}
    trained_on = 0
    for tag, by_level in sorted(by_tag.items()):
        calls = sum(len(group) for group in by_level.values())
        if calls < config.min_calls:
            continue
        arms = [_arm(level, group, config.token_weight) for level, group in by_level.items()]
        best = max(arms, key=lambda a: (a.reward, -a.tokens, -_rank(a.level)))
        tags[tag] = TagPolicy(level=best.level, calls=calls, arms=sorted(arms, key=_arm_order))
        trained_on += calls
    if not tags:
        return None
    return ReasoningPolicy(
        version=0, vfm=vfm, token_weight=config.token_weight, trained_on=trained_on, tags=tags
    )


def choose(
    config: ReasoningConfig,
    policy: ReasoningPolicy | None,
    tags: list[str],
    key: str,
    *,
    levels: list[Level] | None = None,
) -> Choice:
    """The level for an ``"auto"`` call with ``tags``; ``key`` seeds exploration, which
    samples among ``levels`` (default ``config.levels``)."""
    version = policy.version if policy is not None else 0
    found = policy.level_for(tags) if policy is not None else None
    tag = found[0] if found is not None else (tags[0] if tags else None)
    digest = hashlib.sha256(key.encode()).digest()
    share = int.from_bytes(digest[:8], "big") / 2**64
    if config.tune and tag is not None and share < config.explore:
        tagged = policy.tags.get(tag) if policy is not None else None
        rng = random.Random(int.from_bytes(digest[8:16], "big"))
        candidates = config.levels if levels is None else levels
        if candidates:
            return Choice(_sample(candidates, tagged, rng), tag, False, True, version)
    if found is not None:
        return Choice(found[1], tag, True, False, version)
    return Choice(config.default, tag, False, False, version)


def _sample(levels: list[Level], tagged: TagPolicy | None, rng: random.Random) -> Level:
    """Thompson sampling: a draw from each level's reward estimate; the highest wins."""
    draws = []
    for level in levels:
        arm = tagged.arm(level) if tagged is not None else None
        if arm is None:  # never tried: tried first, in random order
            draws.append((1.0, rng.random(), level))
            continue
        spread = max(arm.spread, _PRIOR_SPREAD if arm.calls < 2 else 0.05)
        draws.append((0.0, rng.gauss(arm.reward, spread / arm.calls**0.5), level))
    return max(draws, key=lambda d: (d[0], d[1]))[2]


def _arm(level: Level, group: list[Outcome], token_weight: float) -> Arm:
    rewards = [o.reward(token_weight) for o in group]
    return Arm(
        level=level,
        calls=len(group),
        success=statistics.fmean(o.success for o in group),
        tokens=statistics.fmean(o.tokens for o in group),
        reward=statistics.fmean(rewards),
        spread=statistics.pstdev(rewards) if len(rewards) > 1 else _PRIOR_SPREAD,
    )


def _rank(level: Level) -> int:
    """Cheaper first among equal rewards: off < low < medium < high < budgets."""
    named = ("off", "low", "medium", "high")
    return named.index(level) if isinstance(level, str) else 4 + level


def _arm_order(arm: Arm) -> int:
    return _rank(arm.level)
