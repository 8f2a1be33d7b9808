"""Train the prompt-injection classifier and write its artifact.

    python benchmarks/train_injection_classifier.py           # (re)write the artifact
    python benchmarks/train_injection_classifier.py --check   # exit 1 if it is stale
    python benchmarks/train_injection_classifier.py --search  # the CV grid behind the choice
    python benchmarks/train_injection_classifier.py --policies  # how to combine with the rules

Trains ``fmos_core.trust.classifier`` on the **dev** and **tune** splits of
``benchmarks/data/injection.jsonl`` (``TRAIN_SPLITS``); the test split is never read
here. ``tune`` holds new phrasings of every style written to generalise the detector
without looking at test (``benchmarks/data/injection_tune.py``). The decision threshold
is chosen by cross-validation within dev + tune: 5 folds stratified by style, repeated
with 3 seeds; the threshold is the lowest (to two decimals) at which the pooled
out-of-fold FPR stays within ``FPR_BUDGET``, so the classifier spends at most that much
of the 5 % false-positive target on top of the rules. The hyperparameters below won
that CV comparison on dev (``--search`` reruns it; word 1-2 grams beat 1-3 grams and
added character 3-5 grams in the same comparison).

How the detector combines rules and classifier was decided with ``--policies``, before
the test split was measured, by a rule fixed before that comparison was run: a policy
is admissible when its pooled out-of-fold FPR is at most 5 % and it flags at most 1 %
of 1,000 stdlib docstrings (ordinary text unlike the set, as ``benchmarks/trust.py
--ood`` reads them); of those, the highest out-of-fold TPR wins, ties going to the
policy in which the classifier decides most (the rules were tuned on dev + tune, so
their rate there is a fit). Result on dev + tune (rerun after the tune split was added):

| policy | dev+tune TPR | dev+tune FPR | docstring FPR |
|---|---:|---:|---:|
| rules | 95.1% | 0.0% | 0.0% |
| classifier | 63.5% | 2.5% | 4.0% |
| rules+classifier (confirms weak rule hits) | 98.0% | 0.4% | 0.2% |
| rules or classifier | 99.1% | 2.5% | 4.0% |

The classifier alone flags 4.0 % of docstrings (terse imperative API text: "Continue
execution until the current function returns", "Call every command that was set for
the current active breakpoint"), so "rules or classifier" is not admissible, and
``InjectionDetector`` keeps the classifier as a confirmer of weak rule hits.

Deterministic: fixed seeds, weights rounded to 6 decimals, so the artifact only
changes when the data, the features or this script do (``--check`` tells).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmos_core.trust import InjectionDetector
from fmos_core.trust.classifier import DIM, InjectionClassifier, train

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "injection.jsonl"
OUT = ROOT / "fmos_core" / "trust" / "data" / "injection_classifier.json"
HYPER: dict[str, float] = {"epochs": 150, "learning_rate": 1.0, "l2": 0.01, "seed": 0}
FOLDS, CV_SEEDS = 5, (1, 2, 3)
FPR_BUDGET = 0.03
POLICIES = ("rules", "classifier", "rules+classifier", "rules or classifier")
OOD_DOCSTRINGS = 1000


@dataclass(frozen=True)
class Record:
    text: str
    label: int
    style: str
    source: str


TRAIN_SPLITS = ("dev", "tune")  # never "test"


def dev_records(path: Path = DATA) -> list[Record]:
    """The training records: the dev and tune splits (the test split is skipped unread)."""
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [
        Record(r["text"], r["label"], r["style"], r["source"])
        for r in rows
        if r["split"] in TRAIN_SPLITS
    ]


def folds(records: list[Record], seed: int) -> list[int]:
    """A fold number per record: within each style, shuffled and dealt round-robin."""
    rng = random.Random(seed)
    by_style: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        by_style[record.style].append(i)
    fold = [0] * len(records)
    for style in sorted(by_style):
        members = by_style[style]
        rng.shuffle(members)
        for k, i in enumerate(members):
            fold[i] = k % FOLDS
    return fold


def fit(
    records: list[Record], hyper: dict[str, float], threshold: float = 0.5
) -> InjectionClassifier:
    return train(
        [(r.text, r.label) for r in records],
        threshold=threshold,
        epochs=int(hyper["epochs"]),
        learning_rate=hyper["learning_rate"],
        l2=hyper["l2"],
        seed=int(hyper["seed"]),
    )


def out_of_fold(records: list[Record], hyper: dict[str, float]) -> list[tuple[int, float]]:
    """(label, probability) for every record and CV seed, each from a model that did
    not see the record."""
    pairs = []
    for seed in CV_SEEDS:
        fold = folds(records, seed)
        for k in range(FOLDS):
            model = fit([r for r, f in zip(records, fold, strict=True) if f != k], hyper)
            held = [r for r, f in zip(records, fold, strict=True) if f == k]
            pairs += [(r.label, model.score(r.text)) for r in held]
    return pairs


def choose_threshold(pairs: list[tuple[int, float]]) -> float:
    """The lowest threshold (two decimals) with a pooled FPR within ``FPR_BUDGET``."""
    benign = sorted((p for label, p in pairs if label == 0), reverse=True)
    allowed = math.floor(FPR_BUDGET * len(benign))
    above = benign[allowed] if allowed < len(benign) else 0.0
    return min(0.99, max(0.5, math.floor(above * 100 + 1) / 100))


def rates(pairs: list[tuple[int, float]], threshold: float) -> dict[str, float]:
    attacks = [p for label, p in pairs if label == 1]
    benign = [p for label, p in pairs if label == 0]
    auc = sum((a > b) + 0.5 * (a == b) for a in attacks for b in benign)
    return {
        "tpr": round(sum(p >= threshold for p in attacks) / len(attacks), 4),
        "fpr": round(sum(p >= threshold for p in benign) / len(benign), 4),
        "auc": round(auc / (len(attacks) * len(benign)), 4),
    }


def build() -> dict[str, Any]:
    """The artifact, as a JSON-ready dict."""
    records = dev_records()
    pairs = out_of_fold(records, HYPER)
    threshold = choose_threshold(pairs)
    model = fit(records, HYPER, threshold)
    fitted = [(r.label, model.score(r.text)) for r in records]
    attacks = sum(r.label for r in records)
    meta = {
        "format": "fmos injection classifier",
        "trained_on": {
            "data": DATA.relative_to(ROOT).as_posix(),
            "sha256": hashlib.sha256(DATA.read_bytes()).hexdigest(),
            "split": "+".join(TRAIN_SPLITS),
            "attacks": attacks,
            "benign": len(records) - attacks,
        },
        "features": "normalised text; words and word pairs; CRC-32 signed hashing; unit length",
        "hyperparameters": HYPER,
        "threshold_rule": f"lowest with pooled out-of-fold dev+tune FPR <= {FPR_BUDGET}",
        "dev_metrics": {
            "cross_validation": {
                "folds": FOLDS,
                "seeds": list(CV_SEEDS),
                **rates(pairs, threshold),
            },
            "training_fit": rates(fitted, threshold),
        },
    }
    return InjectionClassifier(model.weights, model.bias, threshold, DIM, meta).to_dict()


def render(artifact: dict[str, Any]) -> str:
    """One line per weight, the rest indented: small, and diffs read well."""
    head = json.dumps({k: v for k, v in artifact.items() if k != "weights"}, indent=2)
    rows = ",\n".join("    " + json.dumps(pair) for pair in artifact["weights"])
    return f'{head[:-2]},\n  "weights": [\n{rows}\n  ]\n}}\n'


def search() -> None:
    """Out-of-fold TPR at the FPR budget across a small hyperparameter grid."""
    records = dev_records()
    print("| l2 | learning rate | epochs | CV TPR at budget | CV AUC |")
    print("|---:|---:|---:|---:|---:|")
    for l2, lr, epochs in itertools.product((0.001, 0.003, 0.01), (1.0, 3.0), (60, 150)):
        hyper: dict[str, float] = {"epochs": epochs, "learning_rate": lr, "l2": l2, "seed": 0}
        pairs = out_of_fold(records, hyper)
        got = rates(pairs, choose_threshold(pairs))
        print(f"| {l2} | {lr} | {epochs} | {got['tpr']:.3f} | {got['auc']:.3f} |", flush=True)


def policies() -> None:
    """Each way of combining the rules and the classifier, out of fold on dev and on
    stdlib docstrings: the evidence for the detector's policy (see the module doc)."""
    records = dev_records()
    threshold = choose_threshold(out_of_fold(records, HYPER))
    rules = InjectionDetector(classifier=None)
    by_rules = [rules.scan(r.text, source=r.source).flagged for r in records]  # type: ignore[arg-type]
    flagged: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    for seed in CV_SEEDS:
        fold = folds(records, seed)
        for k in range(FOLDS):
            model = fit([r for r, f in zip(records, fold, strict=True) if f != k], HYPER, threshold)
            both = InjectionDetector(classifier=model)
            for i in (i for i, f in enumerate(fold) if f == k):
                r = records[i]
                alone = model.assess(r.text).flagged
                flagged["rules"].append((r.label, by_rules[i]))
                flagged["classifier"].append((r.label, alone))
                flagged["rules+classifier"].append(
                    (r.label, both.scan(r.text, source=r.source).flagged)  # type: ignore[arg-type]
                )
                flagged["rules or classifier"].append((r.label, by_rules[i] or alone))
    texts = _docstrings(OOD_DOCSTRINGS)
    model = fit(records, HYPER, threshold)
    both = InjectionDetector(classifier=model)
    ood = {
        "rules": sum(rules.scan(t, source="document").flagged for t in texts),
        "classifier": sum(model.assess(t).flagged for t in texts),
        "rules+classifier": sum(both.scan(t, source="document").flagged for t in texts),
        "rules or classifier": sum(
            rules.scan(t, source="document").flagged or model.assess(t).flagged for t in texts
        ),
    }
    print(
        f"classifier threshold {threshold} (CV on dev); dev out of fold, {FOLDS} folds x "
        f"{len(CV_SEEDS)} seeds; {len(texts)} stdlib docstrings read as documents\n"
    )
    print("| policy | dev TPR | dev FPR | docstring FPR |\n|---|---:|---:|---:|")
    for policy in POLICIES:
        pairs = flagged[policy]
        attacks = [f for label, f in pairs if label == 1]
        benign = [f for label, f in pairs if label == 0]
        print(
            f"| {policy} | {sum(attacks) / len(attacks):.1%} | {sum(benign) / len(benign):.1%} "
            f"| {ood[policy] / len(texts):.1%} ({ood[policy]}) |"
        )


def _docstrings(limit: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from trust import docstrings  # benchmarks/trust.py: the same texts its --ood reads

    return docstrings(limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the artifact is stale")
    parser.add_argument("--search", action="store_true", help="print the CV grid")
    parser.add_argument("--policies", action="store_true", help="compare combination policies")
    args = parser.parse_args(argv)
    if args.search:
        search()
        return 0
    if args.policies:
        policies()
        return 0
    text = render(build())
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text.encode()) // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
