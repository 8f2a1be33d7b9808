"""Watching a canary: its live scores against production's, then promote or roll back.

The canary's arm is the calls whose provenance names the canary version of the kind
(``v3 (canary)``) since it became the canary; the production arm is every other call
of the VFM in that time. Answers are judged as for learning (feedback, the ladder, the
app's checks); unjudged ones do not count. ``judge`` decides:

- ``window`` canary answers judged: promote when its success rate is at least
  production's minus ``tolerance``, else roll back;
- before that, roll back as soon as the canary cannot get there even if every answer
  still to come in the window succeeds;
- otherwise wait — also while production has fewer than ``min_production(window)``
  judged answers (a quarter of the window, at least 3) to compare with.

Example:
    >>> from fmos_core.config import RolloutConfig
    >>> rollout = RolloutConfig(window=10, tolerance=0.05)
    >>> judge(Arm(good=2, judged=6), Arm(good=18, judged=20), rollout).action
    'rollback'
    >>> judge(Arm(good=9, judged=10), Arm(good=18, judged=20), rollout).action
    'promote'
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from fmos_core.config import RolloutConfig
from fmos_core.evolution.mirror import VersionRegistry
from fmos_core.evolution.rendering import EVALUATION_TAG
from fmos_core.evolution.versions import KINDS
from fmos_core.routing.traces import good
from fmos_core.store import schema
from fmos_core.store.db import Database

_log = logging.getLogger("fmos_core.evolution")


@dataclass(frozen=True, slots=True)
class Arm:
    """Judged answers of one side of a canary rollout, and how many were good."""

    good: int
    judged: int

    @property
    def rate(self) -> float:
        return self.good / self.judged if self.judged else 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the watcher decided for one canary, on what scores, and why."""

    vfm: str
    kind: str
    version: int
    action: str  # promote | rollback | wait
    canary: Arm
    production: Arm
    reason: str


def min_production(window: int) -> int:
    """Judged production answers needed before a canary is compared with production."""
    return max(3, window // 4)


def judge(canary: Arm, production: Arm, rollout: RolloutConfig, *, version: int = 0) -> Verdict:
    """The decision for one canary (see the module); ``vfm`` and ``kind`` left blank."""
    scores = (
        f"canary {canary.good}/{canary.judged} good, production "
        f"{production.good}/{production.judged}"
    )
    if production.judged < min_production(rollout.window):
        return Verdict("", "", version, "wait", canary, production, f"{scores}: too few yet")
    bar = production.rate - rollout.tolerance
    best_reachable = canary.good + max(0, rollout.window - canary.judged)
    if canary.judged >= rollout.window:
        action = "promote" if canary.rate >= bar else "rollback"
        how = "within" if action == "promote" else "below"
        reason = f"{scores}: {how} the tolerance of {rollout.tolerance:.0%}"
        return Verdict("", "", version, action, canary, production, reason)
    if best_reachable < bar * rollout.window:
        reason = f"{scores}: cannot reach production within the window of {rollout.window}"
        return Verdict("", "", version, "rollback", canary, production, reason)
    return Verdict("", "", version, "wait", canary, production, f"{scores}: watching")


class CanaryWatch:
    """Checks each VFM's canaries and acts on the verdict (see the module).

    ``served(vfm)`` is called for every call that may draw a canary; every
    ``check_every``-th starts a check on a background thread (one per VFM at a time).
    ``flush`` makes the latest calls' traces readable before a check.
    """

    def __init__(
        self,
        db: Database,
        versions: VersionRegistry,
        rollouts: dict[str, RolloutConfig],
        *,
        flush: Callable[[], None] = lambda: None,
        on_move: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._versions = versions
        self._rollouts = rollouts
        self._flush = flush
        self._on_move = on_move
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._runs: dict[str, threading.Thread] = {}

    def served(self, vfm: str) -> None:
        rollout = self._rollouts[vfm]
        if not rollout.watch:
            return
        with self._lock:
            count = self._counts.get(vfm, 0) + 1
            self._counts[vfm] = count
            running = self._runs.get(vfm)
            if count % rollout.check_every or (running is not None and running.is_alive()):
                return
            run = threading.Thread(target=self._run, args=(vfm,), name=f"fmos-canary-{vfm}")
            run.daemon = True
            self._runs[vfm] = run
            run.start()

    def wait(self) -> None:
        """Wait for the checks under way (not for the calling thread's own)."""
        with self._lock:
            runs = list(self._runs.values())
        for run in runs:
            if run is not threading.current_thread():
                run.join()

    def check(self, vfm: str) -> list[Verdict]:
        """Judge every canary of ``vfm`` now and act: promote, roll back or wait."""
        self._flush()
        verdicts = []
        for kind in KINDS:
            version = self._versions.alias(vfm, kind, "canary")
            if version is None:
                continue
            verdict = self._judge(vfm, kind, version)
            if verdict.action == "promote":
                self._versions.promote(vfm, kind, by="fmos-canary", reason=verdict.reason)
            elif verdict.action == "rollback":
                self._versions.abort_canary(vfm, kind, by="fmos-canary", reason=verdict.reason)
            if verdict.action != "wait":
                _log.warning("canary v%s of %s/%s: %s", version, vfm, kind, verdict.action)
                self._on_move()
            verdicts.append(verdict)
        return verdicts

    def _run(self, vfm: str) -> None:
        try:
            self.check(vfm)
        except Exception:  # a failed check leaves the aliases as they were; serving goes on
            _log.exception("checking the canaries of VFM %r failed", vfm)

    def _judge(self, vfm: str, kind: str, version: int) -> Verdict:
        since = max(
            (m.at for m in self._versions.history(vfm, kind, "canary") if m.to_version == version),
            default=0.0,
        )
        c = schema.traces.c
        query = select(c.provenance, c.signals, c.request).where(
            c.vfm == vfm, c.created_at >= since, c.signals.is_not(None)
        )
        with self._db.engine.connect() as conn:
            rows = conn.execute(query).all()
        label = f"v{version} (canary)"
        arms = {True: [0, 0], False: [0, 0]}
        for row in rows:
            verdict = good(row.signals or {})
            if verdict is None or EVALUATION_TAG in _tags(row.request):
                continue
            on_canary = ((row.provenance or {}).get("prompt_versions") or {}).get(kind) == label
            arms[on_canary][0] += verdict
            arms[on_canary][1] += 1
        canary, production = Arm(*arms[True]), Arm(*arms[False])
        decided = judge(canary, production, self._rollouts[vfm], version=version)
        return Verdict(vfm, kind, version, decided.action, canary, production, decided.reason)


def _tags(request: dict[str, Any] | None) -> list[str]:
    return list((request or {}).get("tags", []))
