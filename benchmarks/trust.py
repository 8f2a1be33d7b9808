"""Trust benchmarks.

    python benchmarks/trust.py [--part a|b|all] [--data PATH] [--threshold T] [--repeat N]
                               [--ood N] [--limit N] [--samples N]

Part (a): the prompt-injection detector over ``benchmarks/data/injection.jsonl``
(rebuild it with ``benchmarks/data/make_injection_set.py``) in four variants: the
rules alone; the classifier alone (``fmos_core.trust.classifier``, trained on dev by
``benchmarks/train_injection_classifier.py``); ``rules+classifier``, the detector with
its classifier, which weighs the texts the rules found suspicious but not enough to
flag (what ``InjectionDetector()`` runs by default); and ``rules or classifier``, a text
flagged when either flags it — not used by FMOS (the classifier alone flags ordinary
prose; see the out-of-distribution table), shown for comparison. One markdown table
per split with a row per
style — records, each variant's TPR on the attacks or FPR on the benign texts, p50/p99
latency of the default in µs — then per variant and split TPR, FPR and p50/p99
latency, whether the default meets the target on the test split (TPR ≥ 90 % at
FPR ≤ 5 %), and each variant's FPR on out-of-distribution benign text: up to ``--ood``
docstrings of the Python standard library, read as documents. Each record is scanned
``--repeat`` times; its latency is the median of those runs. The rules and the
classifier were tuned and trained on the dev split only.

Part (b), the escalation ladder on the embedded model, is ``benchmarks/ladder.py``
(``--limit`` tasks per family and split, ``--samples`` per deliberation): success and
tokens of always-fast, always-slow, the rules ladder and the learned ladder.
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import shlex
import statistics
import sys
import sysconfig
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmos_core.trust import InjectionClassifier, InjectionDetector

DATA = Path(__file__).with_name("data") / "injection.jsonl"
TARGET_TPR, TARGET_FPR = 0.90, 0.05
VARIANTS = ("rules", "classifier", "rules+classifier", "rules or classifier")
DEFAULT = "rules+classifier" if InjectionDetector().classifier is not None else "rules"
Flag = Callable[[str, Any], bool]  # (text, source)


@dataclass(frozen=True)
class Outcome:
    variant: str
    style: str
    split: str
    label: int
    flagged: bool
    micros: float


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def flaggers(threshold: float) -> dict[str, Flag]:
    """Each variant as ``(text, source) -> flagged``."""
    rules = InjectionDetector(threshold=threshold, classifier=None)
    both = InjectionDetector(threshold=threshold, classifier=InjectionClassifier.load())
    classifier = InjectionClassifier.load()
    return {
        "rules": lambda text, source: rules.scan(text, source=source).flagged,
        "classifier": lambda text, source: classifier.assess(text).flagged,
        "rules+classifier": lambda text, source: both.scan(text, source=source).flagged,
        "rules or classifier": lambda text, source: (
            rules.scan(text, source=source).flagged or classifier.assess(text).flagged
        ),
    }


def run(records: list[dict[str, object]], variant: str, flag: Flag, repeat: int) -> list[Outcome]:
    outcomes = []
    for record in records:
        text, source = str(record["text"]), str(record["source"])
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            flagged = flag(text, source)
            times.append((time.perf_counter() - began) * 1e6)
        outcomes.append(
            Outcome(
                variant=variant,
                style=str(record["style"]),
                split=str(record["split"]),
                label=int(record["label"]),  # type: ignore[call-overload]
                flagged=flagged,
                micros=statistics.median(times),
            )
        )
    return outcomes


def rates(outcomes: list[Outcome]) -> tuple[float | None, float | None]:
    """(TPR, FPR); None where the group has no attacks or no benign texts."""
    attacks = [o for o in outcomes if o.label == 1]
    benign = [o for o in outcomes if o.label == 0]
    tpr = sum(o.flagged for o in attacks) / len(attacks) if attacks else None
    fpr = sum(o.flagged for o in benign) / len(benign) if benign else None
    return tpr, fpr


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def table(split: str, outcomes: list[Outcome]) -> None:
    """Per style: each variant's rate (TPR for attacks, FPR for benign), default latency."""
    by_style: dict[str, dict[str, list[Outcome]]] = defaultdict(lambda: defaultdict(list))
    for o in outcomes:
        by_style[o.style][o.variant].append(o)
    print(f"\n### split: {split}\n")
    print(f"| style | label | n | {' | '.join(VARIANTS)} | p50 µs | p99 µs |")
    print("|---|---:|---:|" + "---:|" * len(VARIANTS) + "---:|---:|")
    styles = sorted(by_style.items(), key=lambda kv: (-kv[1][DEFAULT][0].label, kv[0]))
    for style, variants in styles:
        label = variants[DEFAULT][0].label
        cells = [pct(rates(variants[v])[0 if label else 1]) for v in VARIANTS]
        micros = [o.micros for o in variants[DEFAULT]]
        print(
            f"| {style} | {label} | {len(micros)} | {' | '.join(cells)} "
            f"| {percentile(micros, 0.5):.0f} | {percentile(micros, 0.99):.0f} |"
        )


def docstrings(limit: int) -> list[str]:
    """Up to ``limit`` docstrings (40–2000 characters) of the standard library, in a
    seeded order: benign text unlike anything in the labelled set."""
    found: set[str] = set()
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
                doc = ast.get_docstring(node)
                if doc and 40 <= len(doc) <= 2000:
                    found.add(doc)
    texts = sorted(found)
    random.Random(0).shuffle(texts)
    return texts[:limit]


def part_a(args: argparse.Namespace) -> bool:
    """The injection detector on the labelled set; True when the default meets the
    target on the test split."""
    records = load(args.data)
    flags = flaggers(args.threshold)
    outcomes = [o for v in VARIANTS for o in run(records, v, flags[v], args.repeat)]
    print(
        f"## (a) prompt-injection detector — {args.data.name}, threshold {args.threshold}, "
        f"default: {DEFAULT}"
    )
    for split in ("dev", "test"):
        table(split, [o for o in outcomes if o.split == split])
    print("\n| variant | split | attacks | benign | TPR | FPR | p50 µs | p99 µs |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for variant in VARIANTS:
        for split in ("dev", "test"):
            group = [o for o in outcomes if o.split == split and o.variant == variant]
            tpr, fpr = rates(group)
            attacks = sum(o.label for o in group)
            micros = [o.micros for o in group]
            name = f"**{variant}** (default)" if variant == DEFAULT else variant
            print(
                f"| {name} | {split} | {attacks} | {len(group) - attacks} | {pct(tpr)} "
                f"| {pct(fpr)} | {percentile(micros, 0.5):.0f} | {percentile(micros, 0.99):.0f} |"
            )
    tpr, fpr = rates([o for o in outcomes if o.split == "test" and o.variant == DEFAULT])
    met = tpr is not None and fpr is not None and tpr >= TARGET_TPR and fpr <= TARGET_FPR
    print(
        f"\ntest split, {DEFAULT}: TPR {pct(tpr)}, FPR {pct(fpr)} — target TPR ≥ "
        f"{TARGET_TPR:.0%} at FPR ≤ {TARGET_FPR:.0%}: {'met' if met else 'NOT met'}"
    )
    if args.ood:
        texts = docstrings(args.ood)
        version = ".".join(map(str, sys.version_info[:3]))
        print(f"\nout of distribution: {len(texts)} docstrings of the Python {version} stdlib")
        print("\n| variant | benign | FPR |\n|---|---:|---:|")
        for variant in VARIANTS:
            flagged = sum(flags[variant](text, "document") for text in texts)
            print(f"| {variant} | {len(texts)} | {pct(flagged / len(texts))} |")
    return met


def part_b(args: argparse.Namespace) -> bool:
    """The escalation ladder; True when the learned ladder meets its target."""
    from ladder import run  # benchmarks/ladder.py, beside this script

    return run(args.limit, args.samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["a", "b", "all"], default="all")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=5, help="scans per record for latency")
    parser.add_argument("--ood", type=int, default=1000, help="stdlib docstrings (0: none)")
    parser.add_argument("--limit", type=int, default=None, help="(b) tasks per family, split")
    parser.add_argument("--samples", type=int, default=3, help="(b) samples per deliberation")
    args = parser.parse_args(argv)
    print("$ " + shlex.join([Path(sys.executable).name, *sys.argv]) + "\n")
    ok = True
    if args.part in ("a", "all"):
        ok = part_a(args) and ok
    if args.part in ("b", "all"):
        print()
        ok = part_b(args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
