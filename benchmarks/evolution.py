"""Self-evolution benchmark: held-out accuracy before and after FMOS evolves a VFM.

    python benchmarks/evolution.py [--runs 20] [--no-dspy] [--limit N]

The task family is ``benchmarks/evolution_tasks.py``: a customer message in, the order
number and city out as strict JSON, checked by parsing (240 items, train / test).
The VFM serves the embedded SmolLM2-135M-Instruct with the family's initial prompt;
the app's check is registered as its rule check, so every answer is judged.

1. **Initial**: the test split replayed with the initial prompt.
2. **Traffic**: the train split served through the VFM (judged traces).
3. **Evolve**: ``FMOS.evolve("default", "demonstrations")`` curates demonstrations from
   the verified answers of 70 % of the train traces and must beat production on the
   other 30 %; then a ``system_prompt`` rewrite by the same model is tried.
4. **Canary**: live train traffic in new sessions until the canary watch promotes or
   rolls back the candidate on its live scores.
5. **Evolved**: the test split replayed with what production serves now.
6. **DSPy**: ``BootstrapFewShot`` on the same model (a ``llama_cpp.server`` on
   loopback), same check as metric, on the first ``--dspy-limit`` items of the same
   train and test splits (its prompts make each call several times slower).
7. **Planted regressions**: ``--runs`` seeded runs, each planting demonstrations that
   answer in prose as the canary (``canary_share`` 0.5) and serving shuffled train
   traffic until the watch acts; the target is a rollback within the window every time.

Every version, evaluation and alias move is mirrored to MLflow in the run's FMOS_HOME.
Results go to ``benchmarks/out/evolution.json``; tables are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from evolution_tasks import INITIAL_PROMPT, Item, check, load_items

from fmos_core import FMOS, Config
from fmos_core.errors import BadRequest, VerificationFailed
from fmos_core.evolution.evaluation import Case, replay

OUT = Path(__file__).parent / "out" / "evolution.json"
MAX_TOKENS = 40
WINDOW = 20
REASON = re.compile(r"canary (\d+)/(\d+) good, production (\d+)/(\d+)")


def config(home: Path, *, canary_share: float) -> Config:
    return Config.parse(
        {
            "state": {"url": f"sqlite:///{home}/state.db"},
            "pfms": {"smol": {"driver": "llamacpp"}},
            "vfms": {
                "default": {
                    "pfms": ["smol"],
                    "system_prompt": INITIAL_PROMPT,
                    "verify": {"ladder": "off"},
                    "rollout": {
                        "canary_share": canary_share,
                        "window": WINDOW,
                        "tolerance": 0.05,
                        "check_every": 1,
                    },
                }
            },
            "evolution": {"mirror": "mlflow"},
        }
    )


def app_check(items: dict[str, Item]):
    """The app's rule check: the reply must parse to the item's record."""

    def parses_to_the_record(request, response) -> bool | str:
        item = items.get(request.messages[-1].content)
        if item is None:
            return True  # not a task of this family
        return check(response.text, item) or "the reply is not the record as JSON"

    return parses_to_the_record


def ask(fmos: FMOS, item: Item, session: str) -> bool:
    try:
        fmos.vfm().invoke(item.input, session=session, temperature=0.0, max_tokens=MAX_TOKENS)
        return True
    except VerificationFailed:
        return False


def accuracy(fmos: FMOS, items: list[Item]) -> dict[str, float]:
    cases = [
        Case(i.input, check=lambda text, i=i: check(text, i), max_tokens=MAX_TOKENS) for i in items
    ]
    started = time.perf_counter()
    score = fmos.loop.run(replay(fmos.vfm(), fmos.served(), cases))
    return {
        "accuracy": score.accuracy,
        "passed": score.passed,
        "total": score.total,
        "seconds": time.perf_counter() - started,
    }


def serve_until_decided(fmos: FMOS, items: list[Item], *, seed: int, cap: int) -> dict[str, Any]:
    """Shuffled traffic in new sessions until the canary alias is cleared."""
    rng = random.Random(seed)
    calls = 0
    while calls < cap:
        item = rng.choice(items)
        ask(fmos, item, session=f"live-{seed}-{rng.getrandbits(48):x}")
        calls += 1
        fmos.canaries.wait()
        if fmos.versions.alias("default", "demonstrations", "canary") is None:
            break
    last = fmos.versions.history("default", "demonstrations", "canary")[-1]
    found = REASON.search(last.reason)
    canary_judged = int(found[2]) if found else None
    return {
        "calls": calls,
        "action": last.action,
        "canary_judged": canary_judged,
        "reason": last.reason,
    }


def planted(fmos: FMOS, items: list[Item], runs: int) -> list[dict[str, Any]]:
    """Seeded runs, each with a regressive canary: demonstrations answering in prose."""
    results = []
    for seed in range(runs):
        shots = [
            {"input": i.input, "output": f"Order {i.record['order']} goes to {i.record['city']}."}
            for i in random.Random(seed).sample(items, 3)
        ]
        bad = fmos.versions.register(
            "default", "demonstrations", {"examples": shots, "family": None},
            by="benchmark", note=f"planted regression, seed {seed}",
        )  # fmt: skip
        fmos.versions.move(
            "default", "demonstrations", "canary", bad.version, by="benchmark", reason="planted"
        )
        fmos.prompt_versions.forget()
        outcome = serve_until_decided(fmos, items, seed=seed, cap=400)
        outcome["seed"] = seed
        outcome["rolled_back"] = outcome["action"] == "rollback"
        results.append(outcome)
        action, calls, reason = outcome["action"], outcome["calls"], outcome["reason"]
        print(f"  run {seed:2d}: {action} after {calls} calls ({reason})")
    return results


def dspy_runs(train: list[Item], test: list[Item]) -> dict[str, Any]:
    """DSPy's BootstrapFewShot on the same model (a loopback llama_cpp.server), its
    ChatAdapter with the JSON fallback, 4 bootstrapped and 4 gold labeled demos."""
    from dspy_baseline import run_bootstrap_fewshot

    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    from servers import run_llama_server

    print(f"DSPy BootstrapFewShot on {len(train)} train / {len(test)} test items …")
    with run_llama_server() as server:
        run = run_bootstrap_fewshot(
            train, test, base_url=server.base_url, model=server.model,
            max_bootstrapped_demos=4, max_labeled_demos=4,
        )  # fmt: skip
    zero, compiled = run["zero_shot"]["accuracy"], run["compiled"]["accuracy"]
    print(f"  zero-shot {zero:.1%}, compiled {compiled:.1%}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="planted-regression runs")
    parser.add_argument("--no-dspy", action="store_true", help="skip the DSPy comparison")
    parser.add_argument("--limit", type=int, default=None, help="items per split (quick runs)")
    parser.add_argument(
        "--dspy-limit", type=int, default=30, help="items per split for DSPy (its prompts are slow)"
    )
    args = parser.parse_args()

    items = load_items()
    train = [i for i in items if i.split == "train"][: args.limit]
    test = [i for i in items if i.split == "test"][: args.limit]
    home = Path(tempfile.mkdtemp(prefix="fmos-evolution-"))
    os.environ["FMOS_HOME"] = str(home)
    results: dict[str, Any] = {"train": len(train), "test": len(test), "home": str(home)}
    by_input = {i.input: i for i in items}
    with FMOS(config(home, canary_share=0.5), checks={"default": [app_check(by_input)]}) as fmos:
        print(f"initial prompt on {len(test)} test items …")
        results["initial"] = accuracy(fmos, test)
        print(f"  {results['initial']['accuracy']:.1%}")

        print(f"serving {len(train)} train items …")
        started = time.perf_counter()
        passed = sum(ask(fmos, item, session=f"train-{n}") for n, item in enumerate(train))
        results["traffic"] = {"passed": passed, "seconds": time.perf_counter() - started}

        print("evolving demonstrations …")
        step = fmos.evolve("default", "demonstrations")
        results["demonstrations"] = {
            "version": step.version.version,
            "examples": step.version.body["examples"],
            "evaluation": step.version.evaluation,
        }
        print(f"  v{step.version.version}: {step.version.evaluation}")
        print("evolving the system prompt (a rewrite by the same 135M model) …")
        try:
            rewrite = fmos.evolve("default", "system_prompt")
            results["system_prompt"] = {
                "version": rewrite.version.version,
                "evaluation": rewrite.version.evaluation,
                "text": rewrite.version.body["text"],
            }
        except BadRequest as refused:  # ProposalRejected, CandidateRejected
            results["system_prompt"] = {"rejected": f"{type(refused).__name__}: {refused}"}
        print(f"  {results['system_prompt']}")

        print("canary rollout on live traffic …")
        results["canary"] = serve_until_decided(fmos, train, seed=1000, cap=400)
        print(f"  {results['canary']['action']} after {results['canary']['calls']} calls")

        print("evolved production on the test items …")
        results["evolved"] = accuracy(fmos, test)
        print(f"  {results['evolved']['accuracy']:.1%}")

        print(f"{args.runs} planted regressions …")
        results["planted"] = planted(fmos, train, args.runs)
        results["mlflow"] = str(fmos.versions.status())

    if not args.no_dspy:
        results["dspy"] = dspy_runs(train[: args.dspy_limit], test[: args.dspy_limit])

    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2, default=str))
    report(results)


def report(results: dict[str, Any]) -> None:
    rows = [
        ("initial prompt", results["initial"]),
        ("FMOS evolved (production)", results["evolved"]),
    ]
    if "dspy" in results:
        run = results["dspy"]
        rows.append(("DSPy Predict, zero-shot", _dspy_row(run["zero_shot"])))
        rows.append(("DSPy BootstrapFewShot", _dspy_row(run["compiled"])))
    print()
    print(f"held-out accuracy, SmolLM2-135M, {results['test']} test items")
    print("| | accuracy | passed |")  # DSPy: on the first --dspy-limit items of each split
    print("|---|---:|---:|")
    for name, row in rows:
        print(f"| {name} | {row['accuracy']:.1%} | {row['passed']}/{row['total']} |")
    gain = results["evolved"]["accuracy"] - results["initial"]["accuracy"]
    print(f"gain: {gain * 100:+.1f} points (target +15)")
    runs = results["planted"]
    judged = [r["canary_judged"] for r in runs if r["canary_judged"] is not None]
    rolled = sum(r["rolled_back"] for r in runs)
    within = sum(r["rolled_back"] and (r["canary_judged"] or 0) <= WINDOW for r in runs)
    print()
    n = len(runs)
    print(f"planted regressions: {rolled}/{n} rolled back, {within}/{n} within the window {WINDOW}")
    if judged:
        median, most = statistics.median(judged), max(judged)
        print(f"canary answers judged at the decision: median {median:.0f}, max {most}")
        calls = [r["calls"] for r in runs]
        median, most = statistics.median(calls), max(calls)
        print(f"calls served per run until the decision: median {median:.0f}, max {most}")


def _dspy_row(row: dict[str, Any]) -> dict[str, Any]:
    passed = round(row["accuracy"] * row["n"])
    return {"accuracy": row["accuracy"], "passed": passed, "total": row["n"]}


if __name__ == "__main__":
    main()
