"""A VFM's router: the budget trap's choice, explore, learned, rules, default.

In that order: a pFM the budget trap downgraded the call to is kept; an ``explore``
share of calls (a stable hash of the trace id) goes to a candidate drawn uniformly
(another hash of it); with ``learned = true`` and an artifact that beat the rules,
the learned router decides; else the rules; else the default (the call's pFM if it
can serve, else the pool's first that can). ``Routers`` keeps one per VFM.

Example:
    >>> from fmos_core.config import RoutingConfig
    >>> from fmos_core.contract import Request
    >>> from fmos_core.profiles import CapabilityProfile
    >>> a, b = Option("a", CapabilityProfile()), Option("b", CapabilityProfile())
    >>> router = Router(RoutingConfig(explore=1.0))
    >>> ask = Ask(Request(messages=[{"role": "user", "content": "hi"}]))
    >>> router.decide(ask, [a, b], a, trace_id="t1").by
    'explore'
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from fmos_core.config import RoutingConfig, VFMConfig
from fmos_core.routing.artifacts import RouterArtifacts
from fmos_core.routing.features import features
from fmos_core.routing.learned import LearnedRouter
from fmos_core.routing.record import RouteRecord
from fmos_core.routing.rules import Ask, C, Choice, Option, RuleRouter

__all__ = ["Option", "Router", "Routers", "explores"]


def explores(trace_id: str, share: float) -> bool:
    """Whether the call of ``trace_id`` explores (stable; independent of the held-out
    split, which hashes the request)."""
    return share > 0 and zlib.crc32(f"explore:{trace_id}".encode()) % 10_000 < share * 10_000


def _draw(trace_id: str, n: int) -> int:
    return zlib.crc32(f"draw:{trace_id}".encode()) % n


class Router:
    """Decides one VFM's calls; see the module docstring."""

    def __init__(
        self,
        config: RoutingConfig,
        learned: LearnedRouter | None = None,
        *,
        note: str = "",
        checks: bool = False,
    ) -> None:
        self.config = config
        self.rules = RuleRouter(config)
        self.learned = learned
        self.note = note
        self.checks = checks

    def decide(
        self,
        ask: Ask,
        candidates: Sequence[C],
        current: C,
        *,
        trace_id: str,
        trapped: bool = False,
        needs: Sequence[str] = (),
        skipped: dict[str, str] | None = None,
    ) -> RouteRecord:
        """The record of the pick among ``candidates`` (non-empty)."""
        skipped = {} if skipped is None else skipped
        record = RouteRecord(
            pfm="", by="", previous=current.name, skipped=skipped, needs=list(needs),
            checks=self.checks, note=self.note,
        )  # fmt: skip
        choice: Choice[C]
        if trapped and any(c is current for c in candidates):
            choice = Choice(current, "trap", "the budget trap moved the call here (downgrade)")
        elif explores(trace_id, self.config.explore):
            picked = candidates[_draw(trace_id, len(candidates))]
            share = f"{self.config.explore:.0%}"
            choice = Choice(picked, "explore", f"explored: {share} of calls try a random pFM")
            record.explore = True
        elif self.learned is not None:
            x = features(ask.request, self.learned.tags)
            choice = self.learned.choose(x, candidates)
            record.version = self.learned.version
            record.cost_weight = self.learned.cost_weight
            record.scores = {
                k: round(v, 4)
                for k, v in self.learned.scores(x, [c.name for c in candidates]).items()
            }
        else:
            choice = self.rules.choose(ask, candidates, current, needs, skipped)
        record.pfm, record.by, record.reason, record.rule = (
            choice.pfm.name,
            choice.by,
            choice.reason,
            choice.rule,
        )
        return record


class Routers:
    """Each VFM's router, built on first use; ``refresh`` after training a new one.

    ``checks`` names the VFMs whose answers the app's rule checks judge (their
    traces then say so, for learning).
    """

    def __init__(self, artifacts: RouterArtifacts | None, checks: frozenset[str] = frozenset()):
        self.artifacts = artifacts
        self._checks = checks
        self._built: dict[str, Router] = {}

    def for_vfm(self, name: str, config: VFMConfig) -> Router:
        router = self._built.get(name)
        if router is None:
            router = self._build(name, config)
            self._built[name] = router
        return router

    def _build(self, name: str, config: VFMConfig) -> Router:
        learned, note = None, ""
        if config.routing.learned:
            artifact = None if self.artifacts is None else self.artifacts.usable(name, config.pfms)
            if artifact is not None:
                learned = artifact.router()
            else:
                note = "learned routing is on, but no router artifact beat the rules yet"
        return Router(config.routing, learned, note=note, checks=name in self._checks)

    def refresh(self) -> None:
        self._built.clear()
