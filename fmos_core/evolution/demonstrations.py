"""Curating demonstrations: few-shot examples picked from verified good answers.

Only answers judged good are candidates. Near-duplicates go (the same question up to
case, spacing and punctuation, or word overlap ≥ ``near``); then examples are chosen
greedily for diversity — each next one the candidate least like those already taken
(word-set distance), shorter first on ties — until ``max_examples`` or the token
budget ``max_tokens`` is reached.

Example:
    >>> from fmos_core.evolution.examples import Example
    >>> pool = [Example(f"t{i}", "acme", (), q, a, True, None) for i, (q, a) in enumerate([
    ...     ("Date of: born 3 May 1990", "1990-05-03"),
    ...     ("Date of: born 3 May 1990!", "1990-05-03"),
    ...     ("Date of: the meeting is on 12 Jan 2021", "2021-01-12"),
    ... ])]
    >>> [e["trace"] for e in curate(pool, max_examples=4, max_tokens=200)]
    ['t0', 't2']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fmos_core.evolution.examples import Example

_WORD = re.compile(r"\w+")


def curate(
    examples: Sequence[Example], *, max_examples: int, max_tokens: int, near: float = 0.8
) -> list[dict[str, Any]]:
    """Up to ``max_examples`` diverse good examples within ``max_tokens`` (see module)."""
    candidates = _distinct([e for e in examples if e.good], near)
    candidates.sort(key=lambda e: (e.tokens, e.trace_id))
    chosen: list[tuple[Example, frozenset[str]]] = []
    spent = 0
    while candidates and len(chosen) < max_examples:
        taken = [words for _, words in chosen]
        best = max(candidates, key=lambda e: (_novelty(e, taken), -e.tokens))
        candidates.remove(best)
        if spent + best.tokens > max_tokens:
            continue
        chosen.append((best, _words(best)))
        spent += best.tokens
    return [{"input": e.input, "output": e.output, "trace": e.trace_id} for e, _ in chosen]


def _distinct(examples: list[Example], near: float) -> list[Example]:
    kept: list[Example] = []
    seen: set[str] = set()
    for example in examples:
        key = " ".join(_WORD.findall(example.input.lower()))
        if key in seen or any(1 - _distance(_words(example), _words(k)) >= near for k in kept):
            continue
        seen.add(key)
        kept.append(example)
    return kept


def _novelty(example: Example, taken: list[frozenset[str]]) -> float:
    """How unlike the examples taken ``example`` is: its least distance to one of them."""
    words = _words(example)
    return min((_distance(words, other) for other in taken), default=1.0)


def _words(example: Example) -> frozenset[str]:
    return frozenset(_WORD.findall(f"{example.input} {example.output}".lower()))


def _distance(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard distance of two word sets."""
    union = len(a | b)
    return 1.0 - len(a & b) / union if union else 0.0
