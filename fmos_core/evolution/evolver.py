"""One evolution step of a VFM's artifact: propose from traces, evaluate, roll out.

1. Read the judged examples of the VFM, pooled across the tenants that share (and of
   a task ``family`` tag when given).
2. Split them by a stable hash of the trace id into train and held-out (when no cases
   are given, the held-out questions are replayed and judged by the VFM's app checks).
3. Propose a candidate from the train examples: ``demonstrations`` curated from good
   answers, or a ``system_prompt`` rewritten by a pFM from the failures.
4. Replay the cases with the artifacts served now (production) and with the candidate.
5. Register the candidate with its evaluation. If it beats production — by more than
   chance explains: a one-sided sign test on the cases only one of them passed, p ≤
   ``max_p`` — it becomes the canary (or production, with ``canary_share = 0``); if
   not, ``CandidateRejected`` says by how much, and the version stays on record,
   serving nothing.

Example:
    >>> split([f"trace-{i}" for i in range(10)], 0.3, key=str)[1]
    ['trace-7', 'trace-1', 'trace-9']
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fmos_core.config import RolloutConfig, VFMConfig
from fmos_core.errors import BadRequest
from fmos_core.evolution.demonstrations import curate
from fmos_core.evolution.evaluation import Candidate, Case, Score
from fmos_core.evolution.examples import Example
from fmos_core.evolution.instructions import ProposalRejected, propose_instruction
from fmos_core.evolution.mirror import VersionRegistry
from fmos_core.evolution.parameters import Judged, propose_parameters
from fmos_core.evolution.versions import Version

_T = TypeVar("_T")
EVOLVABLE = ("demonstrations", "system_prompt", "policy")


class CandidateRejected(BadRequest):
    """A candidate version did not beat the version in production offline."""

    def __init__(self, message: str, *, version: Version) -> None:
        super().__init__(message)
        self.version = version


@dataclass(frozen=True, slots=True)
class Evolution:
    """The outcome of one step: the version, where it went, and for prompts and
    demonstrations the replayed scores of production and the candidate (a policy's
    held-out evaluation is in ``version.evaluation``)."""

    version: Version
    alias: str  # canary | production
    baseline: Score | None = None
    candidate: Score | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What to evolve and how to judge it."""

    kind: str
    family: str | None = None
    holdout: float = 0.3
    max_examples: int = 4
    max_tokens: int = 400  # the demonstrations' token budget
    min_gain: float = 0.0  # accuracy points (0..1) a candidate must add
    max_p: float = 0.1  # how likely chance alone may explain its gain (sign test)
    by: str = "fmos-evolution"


def split(
    items: Sequence[_T],
    holdout: float,
    *,
    key: Callable[[_T], str],
    stratum: Callable[[_T], object] = lambda item: None,
) -> tuple[list[_T], list[_T]]:
    """(train, held-out): within each ``stratum`` (e.g. good / bad answers), items in
    the order of a stable hash of ``key(item)``, the first ``holdout`` share held out —
    so both sides get their share of a rare kind."""
    groups: dict[object, list[_T]] = {}
    for item in items:
        groups.setdefault(stratum(item), []).append(item)
    train: list[_T] = []
    held: list[_T] = []
    for group in groups.values():
        group.sort(key=lambda item: hashlib.sha256(key(item).encode()).digest())
        cut = round(holdout * len(group))
        held += group[:cut]
        train += group[cut:]
    return train, held


async def evolve(
    vfm: str,
    plan: Plan,
    examples: list[Example],
    *,
    versions: VersionRegistry,
    served: Candidate,
    evaluate: Callable[[Candidate, Sequence[Case]], Awaitable[Score]],
    ask: Callable[[str], Awaitable[str]],
    rollout: RolloutConfig,
    cases: Sequence[Case] | None = None,
    has_checks: bool = False,
) -> Evolution:
    """One evolution step of ``vfm`` (see the module)."""
    if plan.kind not in EVOLVABLE[:2]:
        raise BadRequest(f"FMOS evolves {', '.join(EVOLVABLE)}, not {plan.kind!r}")
    if cases is None:
        if not has_checks:
            raise BadRequest(
                f"held-out traces of {vfm!r} can only be re-judged by its app checks, and it "
                "has none; name an eval set (--eval-set FILE) or give the VFM checks"
            )
        train, held = split(
            examples, plan.holdout, key=lambda e: e.trace_id, stratum=lambda e: e.good
        )
        cases = [Case(e.input, tags=e.tags) for e in held]
    else:
        train = examples
    if not cases:
        raise BadRequest(
            f"no cases to evaluate a candidate of {vfm!r} on; collect more judged traces "
            "or name an eval set"
        )
    candidate, body = await _propose(plan, train, served, ask)
    baseline = await evaluate(served, cases)
    scored = await evaluate(candidate, cases)
    p_chance = scored.p_better_than(baseline)
    evaluation = {
        "accuracy": scored.accuracy,
        "baseline_accuracy": baseline.accuracy,
        "delta": scored.accuracy - baseline.accuracy,
        "cases": scored.total,
        "tokens": scored.tokens,
        "baseline_tokens": baseline.tokens,
        "source": "held-out traces" if len(cases) and cases[0].check is None else "eval set",
        "train_examples": len(train),
        "p_chance": p_chance,
    }
    evaluation["passed"] = (
        scored.accuracy > baseline.accuracy + plan.min_gain and p_chance <= plan.max_p
    )
    family = f" of {plan.family}" if plan.family else ""
    note = f"proposed from {len(train)} judged traces{family}"
    version = versions.register(vfm, plan.kind, body, by=plan.by, note=note)
    versions.evaluate(vfm, plan.kind, version.version, evaluation)
    if not evaluation["passed"]:
        raise CandidateRejected(
            f"candidate v{version.version} of {vfm}/{plan.kind} scored "
            f"{scored.accuracy:.0%} on {scored.total} cases against {baseline.accuracy:.0%} "
            f"for what is served now (chance alone explains that with p = "
            f"{p_chance:.2f}, above {plan.max_p}); it is kept on record with its "
            "evaluation and serves nothing (collect more judged traces, or promote it by hand)",
            version=version,
        )
    reason = f"offline {scored.accuracy:.0%} vs {baseline.accuracy:.0%} on {scored.total} cases"
    alias = _roll_out(versions, vfm, plan, version, rollout, reason)
    return Evolution(versions.get(vfm, plan.kind, version.version), alias, baseline, scored)


def evolve_policy(
    vfm: str,
    plan: Plan,
    judged: list[Judged],
    config: VFMConfig,
    *,
    versions: VersionRegistry,
) -> Evolution:
    """Tune ``vfm``'s parameters on the train traces, keep those that beat the current
    values on the held-out ones, register them as a ``policy`` version and roll it out."""
    train, held = split(judged, plan.holdout, key=lambda j: j.trace_id, stratum=lambda j: j.score)
    body, evaluation = propose_parameters(train, held, config)
    if not held or not train:
        raise BadRequest(
            f"tuning {vfm!r} needs judged traces on both sides of the split; it has "
            f"{len(train)} to train on and {len(held)} held out"
        )
    evaluation["passed"] = bool(body)
    note = f"tuned on {len(train)} judged traces, judged on {len(held)}"
    version = versions.register(vfm, "policy", body, by=plan.by, note=note)
    versions.evaluate(vfm, "policy", version.version, evaluation)
    if not body:
        raise CandidateRejected(
            f"no parameter of {vfm} beat its current value on {len(held)} held-out traces "
            f"(v{version.version} is kept on record with its evaluation and serves nothing)",
            version=version,
        )
    reason = f"held-out: {', '.join(f'{k} = {v}' for k, v in body.items())} beat the current"
    alias = _roll_out(versions, vfm, plan, version, config.rollout, reason)
    return Evolution(versions.get(vfm, "policy", version.version), alias)


def _roll_out(
    versions: VersionRegistry,
    vfm: str,
    plan: Plan,
    version: Version,
    rollout: RolloutConfig,
    reason: str,
) -> str:
    alias = "canary" if rollout.canary_share > 0 else "production"
    versions.move(vfm, plan.kind, alias, version.version, by=plan.by, reason=reason)
    return alias


async def _propose(
    plan: Plan,
    train: list[Example],
    served: Candidate,
    ask: Callable[[str], Awaitable[str]],
) -> tuple[Candidate, dict[str, Any]]:
    if plan.kind == "demonstrations":
        chosen = curate(train, max_examples=plan.max_examples, max_tokens=plan.max_tokens)
        if not chosen:
            raise ProposalRejected(
                "no verified good answers to curate demonstrations from; collect judged "
                "traces (app checks or `fmos feedback`) first"
            )
        body = {"examples": chosen, "family": plan.family}
        return Candidate(served.system_prompt, chosen), body
    failures = [e for e in train if not e.good]
    text = await propose_instruction(served.system_prompt, failures, ask)
    return Candidate(text, served.demonstrations), {"text": text}
