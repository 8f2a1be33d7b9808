"""Probe: where does the slow path help SmolLM2-135M on ``ladder_tasks.jsonl``?

    python benchmarks/ladder_probe.py [--split train] [--limit 40] [--n 5] [--family F ...]

For each task, through ``FMOS`` with the default embedded VFM: one greedy answer
(``temperature=0``, with logprobs) — the fast path — and ``--n`` answers sampled at
``--temperature`` with seeds 1..n — the slow path: the samples that pass the family's
rule check vote, ties and no-pass go to the greedy answer. Tables: accuracy by rule
check; mean logprob of right and wrong answers, the AUC of each feature as a predictor
of a right answer and the best logprob cut; tokens per task; the slow path with only
the first k samples; and a ladder that escalates when the rule check fails or the mean
logprob is below a threshold, against always-fast and always-slow. The slow path's
cost includes the greedy call (its tie-breaker). Tune on the train split only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from fmos_core import FMOS, Config

sys.path.insert(0, str(Path(__file__).with_name("data")))
from make_ladder_tasks import CHECKS, answer_of, is_correct

DATA = Path(__file__).with_name("data") / "ladder_tasks.jsonl"
THRESHOLDS = [-0.3, -0.4, -0.5, -0.6, -0.75, -1.0]


@dataclass(frozen=True)
class Probe:
    family: str
    correct: bool  # the greedy answer
    passes: bool  # the greedy answer passes the rule check
    mean_lp: float
    min_lp: float
    slow_by_k: tuple[bool, ...]  # the vote over the first k samples is right, k = 1..n
    fast_tokens: int
    sample_tokens_by_k: tuple[int, ...]  # tokens of the first k samples
    adaptive: tuple[bool, int]  # sampling until two check passes agree: right, tokens
    fast_s: float
    slow_s: float

    @property
    def slow_correct(self) -> bool:
        return self.slow_by_k[-1]

    @property
    def slow_tokens(self) -> int:  # the greedy call (tie-breaker) and the samples
        return self.fast_tokens + self.sample_tokens_by_k[-1]


def load(path: Path, split: str, limit: int, families: list[str] | None) -> list[dict]:
    per: dict[str, list[dict]] = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for record in map(json.loads, filter(str.strip, f)):
            if record["split"] == split and (not families or record["family"] in families):
                per[record["family"]].append(record)
    return [r for records in per.values() for r in records[:limit]]


def vote(greedy: str, samples: list[str], record: dict) -> str | None:
    """The value most samples that pass the rule check give; ties and no-pass: greedy's."""
    check = CHECKS[record["check"]]
    ranked = Counter(answer_of(s, record) for s in samples if check(s, record)).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return answer_of(greedy, record)
    return ranked[0][0]


def adaptive(greedy: str, samples: list[str], record: dict) -> tuple[str | None, int]:
    """Draw samples until two that pass the rule check agree: the value and samples drawn."""
    seen: Counter[str | None] = Counter()
    for k, sample in enumerate(samples, 1):
        if CHECKS[record["check"]](sample, record):
            value = answer_of(sample, record)
            seen[value] += 1
            if seen[value] == 2:
                return value, k
    return vote(greedy, samples, record), len(samples)


def probe(fmos: FMOS, record: dict, n: int, temperature: float) -> Probe:
    vfm = fmos.vfm()
    messages = [{"role": "user", "content": record["prompt"]}]
    began = time.perf_counter()
    fast = vfm.invoke(messages, max_tokens=24, temperature=0.0, logprobs=True)
    fast_s = time.perf_counter() - began
    lps = fast.logprobs or [0.0]
    samples, tokens = [], [0]
    for seed in range(1, n + 1):
        r = vfm.invoke(messages, max_tokens=24, temperature=temperature, seed=seed)
        samples.append(r.text)
        tokens.append(tokens[-1] + r.usage.total_tokens)
    gold = str(record["gold"]).lower()
    slow_s = time.perf_counter() - began
    value, drawn = adaptive(fast.text, samples, record)
    return Probe(
        family=record["family"],
        correct=is_correct(fast.text, record),
        passes=CHECKS[record["check"]](fast.text, record),
        mean_lp=statistics.fmean(lps),
        min_lp=min(lps),
        slow_by_k=tuple(vote(fast.text, samples[:k], record) == gold for k in range(1, n + 1)),
        fast_tokens=fast.usage.total_tokens,
        sample_tokens_by_k=tuple(tokens[1:]),
        adaptive=(value == gold, tokens[drawn]),
        fast_s=fast_s,
        slow_s=slow_s,
    )


def auc(scores: list[float], labels: list[bool]) -> float:
    """P(score of a right answer > score of a wrong one), ties count half."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def pct(xs: list[bool]) -> str:
    return f"{100 * sum(xs) / len(xs):.0f} % ({len(xs)})" if xs else "–"


def mean(xs: list[float]) -> str:
    return f"{statistics.fmean(xs):.3f}" if xs else "–"


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def groups(probes: list[Probe]) -> list[tuple[str, list[Probe]]]:
    families = dict.fromkeys(p.family for p in probes)
    return [*((f, [p for p in probes if p.family == f]) for f in families), ("all", probes)]


def delta(ps: list[Probe]) -> str:
    return f"{100 * (sum(p.slow_correct for p in ps) - sum(p.correct for p in ps)) / len(ps):+.0f}"


def best_threshold(ps: list[Probe]) -> str:
    """Among check passes: the mean-lp cut maximising TPR(wrong) - FPR(right), Youden's J."""
    passes = [p for p in ps if p.passes]
    wrong, right = [p for p in passes if not p.correct], [p for p in passes if p.correct]
    if not wrong or not right:
        return f"– ({len(wrong)} wrong / {len(passes)} passes)"

    def below(group: list[Probe], t: float) -> float:
        return sum(p.mean_lp < t for p in group) / len(group)

    cuts = sorted({p.mean_lp for p in passes} | {0.0})
    best = max((below(wrong, t) - below(right, t), t) for t in cuts)  # ties: the larger cut
    return f"{best[1]:.2f} (J={best[0]:.2f}; {len(wrong)} wrong / {len(passes)} passes)"


def report(probes: list[Probe]) -> None:
    table(
        "Accuracy: greedy, by rule check, slow (n samples, check-filtered vote)",
        ["family", "greedy", "check pass", "acc if pass", "acc if fail", "slow", "Δ slow"],
        [
            [name, pct([p.correct for p in ps]), pct([p.passes for p in ps]),
             pct([p.correct for p in ps if p.passes]), pct([p.correct for p in ps if not p.passes]),
             pct([p.slow_correct for p in ps]), delta(ps)]
            for name, ps in groups(probes)
        ],
    )  # fmt: skip
    table(
        "Confidence of the greedy answer: mean logprob, AUC as a predictor of right, "
        "and the cut that best flags wrong answers among check passes",
        ["family", "lp right", "lp wrong", "AUC mean lp", "AUC min lp", "lp cut"],
        [
            [name, mean([p.mean_lp for p in ps if p.correct]),
             mean([p.mean_lp for p in ps if not p.correct]),
             *(f"{auc([f(p) for p in ps], [p.correct for p in ps]):.2f}"
               for f in (lambda p: p.mean_lp, lambda p: p.min_lp)),
             best_threshold(ps)]
            for name, ps in groups(probes)
        ],
    )  # fmt: skip
    table(
        "Cost per task: tokens (prompt + answer) and seconds",
        ["family", "fast tok", "slow tok", "slow/fast", "fast s", "slow s"],
        [
            [name, f"{statistics.fmean(p.fast_tokens for p in ps):.0f}",
             f"{statistics.fmean(p.slow_tokens for p in ps):.0f}",
             f"{sum(p.slow_tokens for p in ps) / sum(p.fast_tokens for p in ps):.1f}×",
             f"{statistics.fmean(p.fast_s for p in ps):.2f}",
             f"{statistics.fmean(p.slow_s for p in ps):.2f}"]
            for name, ps in groups(probes)
        ],
    )  # fmt: skip
    table(
        "Slow path with the first k samples: success, tokens per task, and the ladder "
        "'escalate when the check fails' against it",
        ["k", "slow", "slow tok", "ladder success / slow", "ladder cost / slow"],
        [by_k(probes, k) for k in range(1, len(probes[0].slow_by_k) + 1)],
    )
    table(
        "Rule ladder on all probed tasks: escalate when the check fails or mean lp < t",
        ["policy", "escalated", "success", "cost (tok)", "success / slow", "cost / slow"],
        ladder_rows(probes),
    )


def by_k(probes: list[Probe], k: int) -> list[str]:
    slow = [p.slow_by_k[k - 1] for p in probes]
    cost = [p.fast_tokens + p.sample_tokens_by_k[k - 1] for p in probes]
    ladder = [p.correct if p.passes else s for p, s in zip(probes, slow, strict=True)]
    ladder_cost = sum(p.fast_tokens if p.passes else c for p, c in zip(probes, cost, strict=True))
    return [str(k), pct(slow), f"{statistics.fmean(cost):.0f}",
            f"{sum(ladder) / max(sum(slow), 1):.2f}", f"{ladder_cost / sum(cost):.2f}"]  # fmt: skip


def ladder_rows(probes: list[Probe]) -> list[list[str]]:
    """Each policy: which tasks escalate, and to n samples or to adaptive sampling."""
    slow_ok, slow_cost = sum(p.slow_correct for p in probes), sum(p.slow_tokens for p in probes)
    always, fails = [True] * len(probes), [not p.passes for p in probes]
    policies = [("always-fast", [False] * len(probes), False), ("always-slow", always, False),
                ("check fails", fails, False)]  # fmt: skip
    policies += [
        (f"check fails or lp < {t}", [not p.passes or p.mean_lp < t for p in probes], False)
        for t in THRESHOLDS
    ]
    policies += [("adaptive: always", always, True), ("adaptive: check fails", fails, True)]
    rows = []
    for name, up, adapt in policies:
        ok, cost = [], 0
        for p, escalate in zip(probes, up, strict=True):
            slow = p.adaptive if adapt else (p.slow_correct, p.sample_tokens_by_k[-1])
            right, extra = slow if escalate else (p.correct, 0)
            ok.append(right)
            cost += p.fast_tokens + extra
        rows.append([name, pct(up), pct(ok), str(cost), f"{sum(ok) / max(slow_ok, 1):.2f}",
                     f"{cost / slow_cost:.2f}"])  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", default="train", choices=["train", "test"])
    parser.add_argument("--limit", type=int, default=40, help="tasks per family")
    parser.add_argument("--n", type=int, default=5, help="samples on the slow path")
    parser.add_argument("--temperature", type=float, default=0.7)
    parser.add_argument("--family", nargs="*", help="only these families")
    args = parser.parse_args()
    records = load(args.data, args.split, args.limit, args.family)
    print(f"{len(records)} tasks ({args.split}), n={args.n}, T={args.temperature}")
    probes = []
    with FMOS(Config.parse({"state": {"enabled": False}})) as fmos:
        for i, record in enumerate(records, 1):
            probes.append(probe(fmos, record, args.n, args.temperature))
            if i % 40 == 0:
                print(f"  {i}/{len(records)}", file=sys.stderr)
    report(probes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
