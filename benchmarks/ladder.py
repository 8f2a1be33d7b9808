"""Trust benchmark part (b): the escalation ladder on the embedded model.

    python benchmarks/ladder.py [--limit N] [--samples 3]

The tasks are ``benchmarks/data/ladder_tasks.jsonl`` (``make_ladder_tasks.py``): short
questions in several families, each with an app-side rule check that reads no gold
answer, and a gold answer checked by code. Four strategies answer the test split on
SmolLM2-135M-Instruct (llama.cpp), in one process:

- always-fast: one greedy answer, no checks;
- always-slow: every call deliberates — the fast answer plus up to ``--samples``
  sampled answers (temperature 0.7), those failing the app's check dropped, drawing
  stopped once two agree, majority kept; "all n" draws every sample;
- rules ladder: fast, deliberating only when the app's check fails;
- learned ladder: fast, climbing when the ladder trained on the train split's traces
  (signals + feedback) predicts a wrong answer — used only if it beat the rules on
  held-out traces, else the rules.

Success is the share answered correctly (a call that fails verification is a failure);
cost is every token the call spent, read from each strategy's own budget ledger.
Target: learned ladder ≥ 95 % of always-slow's success at ≤ 50 % of its cost, against
the slow path that draws all ``--samples`` (classic self-consistency); the comparison
with the early-stopping slow path is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from generators import load_generator  # beside this script

from fmos_core import FMOS, BadRequest, Config, Request, Response, VerificationFailed

DATA = Path(__file__).with_name("data")
STRATEGIES = ("always-fast", "always-slow", "always-slow, all n", "rules ladder", "learned ladder")
VFM = {
    "always-fast": "fast",
    "always-slow": "slow",
    "always-slow, all n": "slowall",
    "rules ladder": "rules",
    "learned ladder": "learned",
}
TARGET_SUCCESS, TARGET_COST = 0.95, 0.50


@dataclass(frozen=True)
class Outcome:
    strategy: str
    family: str
    correct: bool
    escalated: bool
    millis: float


def tasks_module() -> ModuleType:
    return load_generator("make_ladder_tasks")


def load(limit: int | None) -> list[dict[str, Any]]:
    with (DATA / "ladder_tasks.jsonl").open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    if limit is None:
        return records
    kept: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for r in records:
        if kept[(r["family"], r["split"])] < limit:
            kept[(r["family"], r["split"])] += 1
            out.append(r)
    return out


def config(home: Path, samples: int, families: list[str]) -> Config:
    verify = {"samples": samples}
    vfms = {
        "fast": {"pfms": ["smollm2"], "verify": {"ladder": "off"}},
        "slow": {"pfms": ["smollm2"], "verify": {**verify, "deliberate_tags": ["slow"]}},
        "slowall": {
            "pfms": ["smollm2"],
            "verify": {**verify, "deliberate_tags": ["slow"], "early_stop": False},
        },
        "rules": {"pfms": ["smollm2"], "verify": verify},
        "learned": {"pfms": ["smollm2"], "verify": {**verify, "ladder": "learned"}},
    }
    tenants: dict[str, dict[str, Any]] = {tenant(v, f): {} for v in vfms for f in families}
    return Config.parse(
        {
            "state": {"url": f"sqlite:///{home / 'state.db'}"},
            "pfms": {"smollm2": {"driver": "llamacpp"}},
            "vfms": vfms,
            "tenants": {"default": {}, **tenants},
        }
    )


def tenant(vfm: str, family: str) -> str:
    return f"{vfm}-{family}"


def app_hooks(
    records: list[dict[str, Any]], tasks: ModuleType
) -> tuple[Callable[..., Any], Callable[[str], str]]:
    """The app's rule check and answer key; both find the task by its prompt."""
    by_prompt = {r["prompt"]: r for r in records}
    current: dict[str, dict[str, Any]] = {}

    def check(request: Request, response: Response) -> bool | str:
        record = by_prompt[request.messages[-1].content]
        current["record"] = record
        return tasks.CHECKS[record["check"]](response.text, record) or f"fails {record['check']}"

    def key(text: str) -> str:
        record = current["record"]
        value = tasks.answer_of(text, record)
        return value if value is not None else f"?{text.strip().lower()}"

    return check, key


def ask(fmos: FMOS, strategy: str, record: dict[str, Any], tasks: ModuleType) -> Outcome:
    vfm = VFM[strategy]
    options: dict[str, Any] = {
        "max_tokens": 24,
        "temperature": 0.0,
        "tenant": tenant(vfm, record["family"]),
        "tags": [record["family"], *(["slow"] if vfm.startswith("slow") else [])],
        "logprobs": vfm == "learned",
    }
    began = time.perf_counter()
    try:
        response = fmos.vfm(vfm).invoke(record["prompt"], **options)
        correct, escalated = tasks.is_correct(response.text, record), bool(response.traps)
    except VerificationFailed:
        correct, escalated = False, True
    return Outcome(
        strategy, record["family"], correct, escalated, (time.perf_counter() - began) * 1000
    )


def train(fmos: FMOS, records: list[dict[str, Any]], tasks: ModuleType) -> None:
    """The learned ladder's traces: the train split through it (rules until trained),
    with the app's feedback — whether the answer was right — on each."""
    for record in records:
        options = {
            "max_tokens": 24,
            "temperature": 0.0,
            "logprobs": True,
            "tags": [record["family"]],
        }
        try:
            response = fmos.vfm("learned").invoke(record["prompt"], **options)
        except VerificationFailed:
            continue
        fmos.feedback(response.trace_id, 1.0 if tasks.is_correct(response.text, record) else 0.0)
    try:
        artifact = fmos.train_ladder("learned")
    except BadRequest as exc:  # too few traces (a small --limit): the rules stay
        print(f"learned ladder not trained: {exc}\n")
        return
    learned, rules = artifact.metrics["learned"], artifact.metrics["rules"]
    print(
        f"learned ladder v{artifact.version}: trained on {artifact.trained_on} traces, "
        f"held out {artifact.held_out}; held-out J {learned['j']:.2f} (TPR {learned['tpr']:.0%}, "
        f"FPR {learned['fpr']:.0%}) vs rules {rules['j']:.2f} — "
        f"{'used' if artifact.beats_rules else 'not used: the rules stay'}\n"
    )


def tokens_spent(fmos: FMOS, vfm: str, families: list[str]) -> dict[str, int]:
    fmos.flush()
    spent = {}
    for family in families:
        status = fmos.budgets.show(tenant(vfm, family))
        spent[family] = status.tokens_used if status is not None else 0
    return spent


def report(outcomes: list[Outcome], cost: dict[str, dict[str, int]], families: list[str]) -> bool:
    def success(rows: list[Outcome]) -> float:
        return sum(o.correct for o in rows) / len(rows)

    by = defaultdict(list)
    for o in outcomes:
        by[o.strategy].append(o)
    slow_success = success(by["always-slow"])
    slow_cost = sum(cost["always-slow"].values())
    print(
        "| strategy | success | tokens | success vs slow | tokens vs slow | escalated "
        "| p50 ms | p99 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in STRATEGIES:
        rows, total = by[s], sum(cost[s].values())
        ms = sorted(o.millis for o in rows)
        print(
            f"| {s} | {success(rows):.1%} | {total} | {success(rows) / slow_success:.0%} "
            f"| {total / slow_cost:.0%} | {sum(o.escalated for o in rows) / len(rows):.0%} "
            f"| {statistics.median(ms):.0f} | {ms[min(len(ms) - 1, int(0.99 * len(ms)))]:.0f} |"
        )
    print("\nSuccess per family (tokens in brackets):\n")
    print(f"| family | n | {' | '.join(STRATEGIES)} |")
    print("|---|---:|" + "---:|" * len(STRATEGIES))
    for family in families:
        cells = []
        for s in STRATEGIES:
            rows = [o for o in by[s] if o.family == family]
            cells.append(f"{success(rows):.0%} ({cost[s][family]})")
        n = len([o for o in by[STRATEGIES[0]] if o.family == family])
        print(f"| {family} | {n} | {' | '.join(cells)} |")
    learned = by["learned ladder"]
    met = False
    for slow in ("always-slow", "always-slow, all n"):
        ratio_s = success(learned) / success(by[slow])
        ratio_c = sum(cost["learned ladder"].values()) / sum(cost[slow].values())
        ok = ratio_s >= TARGET_SUCCESS and ratio_c <= TARGET_COST
        met = met or (ok and slow == "always-slow, all n")  # the target's baseline
        print(
            f"\nlearned ladder: {ratio_s:.0%} of {slow}'s success at {ratio_c:.0%} of its "
            f"cost — target (≥ 95 % at ≤ 50 %) {'MET' if ok else 'NOT met'}"
        )
    return met


def run(limit: int | None, samples: int) -> bool:
    """Train on the train split, answer the test split four ways, print the tables;
    True when the learned ladder meets the target."""
    tasks = tasks_module()
    records = load(limit)
    families = sorted({r["family"] for r in records})
    print(
        f"## (b) escalation ladder — SmolLM2-135M-Instruct, {len(records)} tasks, "
        f"samples {samples}\n"
    )
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        os.environ["FMOS_HOME"] = str(home)
        check, key = app_hooks(records, tasks)
        checked = ("slow", "slowall", "rules", "learned")
        hooks = {v: [check] for v in checked}
        keys = {v: key for v in checked}
        with FMOS(config(home, samples, families), checks=hooks, answer_keys=keys) as fmos:
            for name in fmos.config.tenants:
                fmos.budgets.set(name, tokens=10**9)
            began = time.perf_counter()
            train(fmos, [r for r in records if r["split"] == "train"], tasks)
            test = [r for r in records if r["split"] == "test"]
            # interleaved task by task, so drift and load hit every strategy alike
            outcomes = [ask(fmos, s, r, tasks) for r in test for s in STRATEGIES]
            cost = {s: tokens_spent(fmos, VFM[s], families) for s in STRATEGIES}
            met = report(outcomes, cost, families)
            print(f"\n({time.perf_counter() - began:.0f} s in all)")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="tasks per family and split")
    parser.add_argument("--samples", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"$ python benchmarks/ladder.py {' '.join(sys.argv[1:] if argv is None else argv)}\n")
    return 0 if run(args.limit, args.samples) else 1


if __name__ == "__main__":
    raise SystemExit(main())
