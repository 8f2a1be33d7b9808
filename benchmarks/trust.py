"""Trust benchmarks.

    python benchmarks/trust.py [--part a|b|all] [--data PATH] [--threshold T] [--repeat N]

Part (a): the prompt-injection detector over ``benchmarks/data/injection.jsonl``
(rebuild it with ``benchmarks/data/make_injection_set.py``). One markdown table per
split with a row per style — records, TPR on the attacks, FPR on the benign texts,
p50/p99 scan latency in µs — then the overall TPR/FPR of each split and whether the
test split meets the target (TPR ≥ 90 % at FPR ≤ 5 %). Each record is scanned
``--repeat`` times; its latency is the median of those runs. The rules were tuned on
the dev split only.

Part (b), the escalation ladder, is not written yet.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from fmos_core.trust import InjectionDetector

DATA = Path(__file__).with_name("data") / "injection.jsonl"
TARGET_TPR, TARGET_FPR = 0.90, 0.05


@dataclass(frozen=True)
class Outcome:
    style: str
    split: str
    label: int
    flagged: bool
    micros: float


def load(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run_detector(
    records: list[dict[str, object]], detector: InjectionDetector, repeat: int
) -> list[Outcome]:
    outcomes = []
    for record in records:
        text, source = str(record["text"]), record["source"]
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            verdict = detector.scan(text, source=source)  # type: ignore[arg-type]
            times.append((time.perf_counter() - began) * 1e6)
        outcomes.append(
            Outcome(
                style=str(record["style"]),
                split=str(record["split"]),
                label=int(record["label"]),  # type: ignore[call-overload]
                flagged=verdict.flagged,
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
    by_style: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_style[o.style].append(o)
    print(f"\n### split: {split}\n")
    print("| style | label | n | TPR | FPR | p50 µs | p99 µs |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for style, group in sorted(by_style.items(), key=lambda kv: (-kv[1][0].label, kv[0])):
        tpr, fpr = rates(group)
        micros = [o.micros for o in group]
        print(
            f"| {style} | {group[0].label} | {len(group)} | {pct(tpr)} | {pct(fpr)} "
            f"| {percentile(micros, 0.5):.0f} | {percentile(micros, 0.99):.0f} |"
        )
    tpr, fpr = rates(outcomes)
    micros = [o.micros for o in outcomes]
    print(
        f"| **all** | | {len(outcomes)} | **{pct(tpr)}** | **{pct(fpr)}** "
        f"| {percentile(micros, 0.5):.0f} | {percentile(micros, 0.99):.0f} |"
    )


def part_a(args: argparse.Namespace) -> bool:
    """The injection detector on the labelled set; True when test meets the target."""
    records = load(args.data)
    detector = InjectionDetector(threshold=args.threshold)
    outcomes = run_detector(records, detector, args.repeat)
    print(f"## (a) prompt-injection detector — {args.data.name}, threshold {args.threshold}")
    for split in ("dev", "test"):
        table(split, [o for o in outcomes if o.split == split])
    print("\n| split | attacks | benign | TPR | FPR |")
    print("|---|---:|---:|---:|---:|")
    for split in ("dev", "test"):
        group = [o for o in outcomes if o.split == split]
        tpr, fpr = rates(group)
        attacks = sum(o.label for o in group)
        print(f"| {split} | {attacks} | {len(group) - attacks} | {pct(tpr)} | {pct(fpr)} |")
    tpr, fpr = rates([o for o in outcomes if o.split == "test"])
    met = tpr is not None and fpr is not None and tpr >= TARGET_TPR and fpr <= TARGET_FPR
    print(
        f"\ntest split: TPR {pct(tpr)}, FPR {pct(fpr)} — target TPR ≥ {TARGET_TPR:.0%} at "
        f"FPR ≤ {TARGET_FPR:.0%}: {'met' if met else 'NOT met'}"
    )
    return met


def part_b(args: argparse.Namespace) -> bool:
    """The escalation ladder (fast → deliberate → human): not written yet."""
    print("## (b) escalation ladder — not yet")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["a", "b", "all"], default="all")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--repeat", type=int, default=5, help="scans per record for latency")
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
