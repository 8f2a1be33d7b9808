"""Routing benchmark: each pFM alone, the rules, the learned router and the oracle.

    python benchmarks/routing.py [--limit N] [--passes 1] [--fresh] [--no-semantic-cache]

The tasks are ``benchmarks/data/routing_tasks.jsonl`` (``make_routing_tasks.py``): short
questions in ten families (the family is the request's tag), answers checked by code.
The pool is two embedded llama.cpp models, priced in proportion to their parameters:
SmolLM2-135M-Instruct (0.135 USD per Mtok in and out) and Gemma 3 270M base (0.27).
Both get the same few-shot chat, rendered by one plain ``Q:``/``A:`` chat format
registered with llama-cpp-python (``fewshot-qa``): fair to an instruct and a base model.

On the test split, through FMOS:
- each pFM alone — every (item, pFM) outcome is cached in
  ``benchmarks/out/routing_outcomes.jsonl`` so re-runs are quick (``--fresh`` redoes them);
- the rules router — the rule set in ``RULES``, as a user would write it: the cheapest
  pFM unless the family looks hard (translation, multiplication, spelling backwards);
- the learned router — the train split served by the VFM with ``explore = 1.0`` (each
  call to a random pFM), every trace given ``fmos.feedback`` from the code check,
  ``FMOS.train_router``, then the test split through the VFM with ``learned = true``
  (used only if it beat the rules on held-out traces, else the rules decide);
- the oracle — per item the cheapest correct pFM (none correct: the cheapest).

Reported: accuracy, tokens, cost, correct answers per milli-dollar, p50/p99 latency,
and the share of the accuracy gap between the cheapest and the best pFM each router
closes, at what share of the best pFM's cost. Target: the learned router's accuracy
per cost beats the best single pFM's.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from generators import load_generator  # beside this script
from llama_cpp.llama_chat_format import ChatFormatterResponse, register_chat_format

from fmos_core import FMOS, BadRequest, Config
from fmos_core.routing import RouterArtifact

sys.path.insert(0, str(Path(__file__).parent))
from routing_report import Outcome, Strategy, oracle, print_report, replay_learned

HERE = Path(__file__).parent
DATA = HERE / "data"
CACHE = HERE / "out" / "routing_outcomes.jsonl"
CHAT_FORMAT = "fewshot-qa"
MAX_TOKENS = 10
PRICES = {"smollm2": 0.135, "gemma": 0.27}  # USD per Mtok, in and out: ∝ parameters
HARD = ["to_french", "to_spanish", "to_german", "multiply", "reverse"]
RULES = [{"tags": HARD, "prefer": "most_capable"}, {"prefer": "cheapest"}]


@register_chat_format(CHAT_FORMAT)
def fewshot_qa(messages: list[Any], **_: Any) -> ChatFormatterResponse:
    """User turns as ``Q:``, assistant turns as ``A:``, then an open ``A:``; stop at a
    newline. A system message, if any, leads as plain text."""
    lines = []
    for m in messages:
        if m["role"] == "system":
            lines.append(f"{m['content']}\n\n")
        elif m["role"] == "user":
            lines.append(f"Q: {m['content']}\n")
        else:
            lines.append(f"A: {m['content']}\n\n")
    return ChatFormatterResponse(prompt="".join(lines) + "A:", stop=["\n"])


def tasks_module() -> ModuleType:
    return load_generator("make_routing_tasks")


def load(limit: int | None) -> list[dict[str, Any]]:
    with (DATA / "routing_tasks.jsonl").open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    kept: dict[tuple[str, str], int] = {}
    out = []
    for r in records:
        k = (r["family"], r["split"])
        if limit is None or kept.get(k, 0) < limit:
            kept[k] = kept.get(k, 0) + 1
            out.append(r)
    return out


def config(home: Path, routing: dict[str, Any]) -> Config:
    def pfm(options: dict[str, Any], price: float) -> dict[str, Any]:
        prices = {"input_price_per_mtok": price, "output_price_per_mtok": price}
        return {
            "driver": "llamacpp",
            "options": {**options, "chat_format": CHAT_FORMAT},
            "profile": prices,
        }

    pool = ["smollm2", "gemma"]
    return Config.parse(
        {
            "state": {"url": f"sqlite:///{home / 'state.db'}"},
            "pfms": {
                "smollm2": pfm({}, PRICES["smollm2"]),
                "gemma": pfm({"model": "gemma3-270m"}, PRICES["gemma"]),
            },
            "vfms": {
                "smollm2": {"pfms": ["smollm2"]},
                "gemma": {"pfms": ["gemma"]},
                "rules": {"pfms": pool, "routing": {"rules": RULES}},
                "routed": {"pfms": pool, "routing": routing},
            },
        }
    )


def ask(fmos: FMOS, vfm: str, record: dict[str, Any], tasks: ModuleType) -> Outcome:
    """One call of ``record`` through ``vfm``, judged by the code check."""
    began = time.perf_counter()
    response = fmos.vfm(vfm).invoke(
        record["messages"], max_tokens=MAX_TOKENS, temperature=0.0, tags=[record["family"]]
    )
    usage = response.usage
    return Outcome(
        item=record["id"],
        family=record["family"],
        pfm=response.pfm,
        correct=tasks.is_correct(response.text, record),
        tokens=usage.input_tokens + usage.output_tokens,
        cost=usage.cost,
        millis=(time.perf_counter() - began) * 1000,
        reply=response.text,
        trace_id=response.trace_id,
    )


def fingerprint(record: dict[str, Any], pfm: str) -> str:
    """What a cached outcome depends on: the item, the pFM, its price, the call's shape."""
    shape = [record["messages"], record["answer"], pfm, PRICES[pfm], MAX_TOKENS, CHAT_FORMAT]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def single_pfm_outcomes(
    fmos: FMOS, test: list[dict[str, Any]], tasks: ModuleType, fresh: bool
) -> dict[str, list[Outcome]]:
    """Every (test item, pFM) outcome, from the cache where it holds one."""
    cached: dict[str, Outcome] = {}
    if CACHE.exists() and not fresh:
        with CACHE.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                key = row.pop("key")
                cached[key] = Outcome(**row)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Outcome]] = {p: [] for p in PRICES}
    with CACHE.open("w" if fresh else "a", encoding="utf-8") as sink:
        for record in test:
            for pfm in PRICES:
                key = fingerprint(record, pfm)
                if key not in cached:
                    cached[key] = ask(fmos, pfm, record, tasks)
                    sink.write(json.dumps({"key": key, **cached[key].as_dict()}) + "\n")
                    sink.flush()
                out[pfm].append(cached[key])
    return out


def explore_and_train(
    home: Path, train: list[dict[str, Any]], tasks: ModuleType, passes: int
) -> tuple[str, RouterArtifact | None]:
    """The learned router's traces: the train split ``passes`` times with ``explore =
    1.0`` (each call draws its pFM afresh) and feedback from the code check; then train
    it. Returns a line saying what came out, and the artifact."""
    with FMOS(config(home, {"explore": 1.0, "rules": RULES})) as fmos:
        for record in train * passes:
            outcome = ask(fmos, "routed", record, tasks)
            fmos.feedback(outcome.trace_id, 1.0 if outcome.correct else 0.0)
        fmos.flush()
    with FMOS(config(home, {"learned": True, "rules": RULES})) as fmos:
        try:
            artifact = fmos.train_router("routed", holdout=0.3)
        except BadRequest as exc:  # too few traces (a small --limit): the rules stay
            return f"learned router not trained: {exc}", None
    learned, rules = artifact.metrics["learned"], artifact.metrics["rules"]
    return (
        f"learned router v{artifact.version}: trained on {artifact.trained_on} traces, "
        f"held out {artifact.held_out}; held-out success {learned['success']:.0%} at "
        f"{learned['cost'] * 1e6:.1f} µ$/call vs rules {rules['success']:.0%} at "
        f"{rules['cost'] * 1e6:.1f} µ$/call (cost weight {artifact.cost_weight:.2f}) — "
        f"{'used' if artifact.beats_rules else 'not used: the rules decide'}"
    ), artifact


def learned_router_rows(
    home: Path,
    train: list[dict[str, Any]],
    test: list[dict[str, Any]],
    tasks: ModuleType,
    passes: int = 1,
) -> tuple[list[Outcome], str, RouterArtifact | None]:
    """Train the learned router from explored, judged traces; serve the test split with it."""
    note, artifact = explore_and_train(home, train, tasks, passes)
    with FMOS(config(home, {"learned": True, "rules": RULES})) as fmos:
        return [ask(fmos, "routed", r, tasks) for r in test], note, artifact


def run(limit: int | None, fresh: bool, passes: int = 1) -> bool:
    """Measure every strategy on the test split, print the tables; True if the learned
    router's accuracy per cost beats every single pFM's."""
    tasks = tasks_module()
    records = load(limit)
    train = [r for r in records if r["split"] == "train"]
    test = [r for r in records if r["split"] == "test"]
    families = sorted({r["family"] for r in records})
    print(
        f"## Routing — {len(test)} test items, {len(families)} families; the learned router "
        f"trained on {passes} explore pass(es) over {len(train)} train items\n"
    )
    began = time.perf_counter()
    previous_home = os.environ.get("FMOS_HOME")
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        os.environ["FMOS_HOME"] = str(home)
        try:
            with FMOS(config(home, {})) as fmos:
                singles = single_pfm_outcomes(fmos, test, tasks, fresh)
                ruled = [ask(fmos, "rules", r, tasks) for r in test]
            learned, note, artifact = learned_router_rows(home, train, test, tasks, passes)
        finally:
            os.environ.pop("FMOS_HOME")
            if previous_home is not None:
                os.environ["FMOS_HOME"] = previous_home
    strategies = [
        Strategy("SmolLM2-135M alone", singles["smollm2"]),
        Strategy("Gemma 3 270M alone", singles["gemma"]),
        Strategy("rules router", ruled),
        Strategy("learned router", learned),
        Strategy("oracle", oracle(singles, PRICES)),
    ]
    if artifact is not None and not artifact.beats_rules:  # what it would have done
        forced = replay_learned(artifact, test, singles, PRICES, max_tokens=MAX_TOKENS)
        strategies.insert(4, Strategy("learned model if forced (replayed)", forced))
    print(note + "\n")
    met = print_report(strategies, singles, families, cheapest="SmolLM2-135M alone")
    print(f"\n({time.perf_counter() - began:.0f} s in all)")
    return met


def semantic_cache(limit: int | None) -> None:
    """The cache half of the benchmark, from ``semantic_cache.py`` when it is there."""
    path = HERE / "semantic_cache.py"
    if not path.exists():
        return
    spec = importlib.util.spec_from_file_location("semantic_cache", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    run_cache: Callable[..., list[dict[str, Any]]] = module.run
    rows = run_cache(limit=limit)
    print("\n## Semantic cache (benchmarks/semantic_cache.py)\n")
    print(module.table(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="items per family and split")
    parser.add_argument("--fresh", action="store_true", help="ignore cached pFM outcomes")
    parser.add_argument("--passes", type=int, default=3, help="explore passes over the train split")
    parser.add_argument("--no-semantic-cache", action="store_true", help="skip the cache part")
    args = parser.parse_args(argv)
    print(f"$ python benchmarks/routing.py {' '.join(sys.argv[1:] if argv is None else argv)}\n")
    met = run(args.limit, args.fresh, args.passes)
    if not args.no_semantic_cache:
        semantic_cache(args.limit)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
