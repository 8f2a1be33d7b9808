"""A deterministic extractive summariser, for where no model is wanted.

It keeps whole sentences, preferring those that share the most frequent content
words of the text, in their original order, within a character budget.

Example:
    >>> extractive_summary("Paris is rainy. Rome is sunny. Paris has rain again.", 40)
    'Paris is rainy. Paris has rain again.'
"""

from __future__ import annotations

import re
from collections import Counter

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z0-9_]{3,}")


def extractive_summary(text: str, max_chars: int) -> str:
    """The best-scoring sentences of ``text``, in order, in at most ``max_chars``."""
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return ""
    words = Counter(w.lower() for w in _WORD.findall(text))

    def score(sentence: str) -> float:
        tokens = [w.lower() for w in _WORD.findall(sentence)]
        return sum(words[t] for t in tokens) / (len(tokens) or 1)

    ranked = sorted(range(len(sentences)), key=lambda i: (-score(sentences[i]), i))
    chosen: list[int] = []
    used = 0
    for i in ranked:
        cost = len(sentences[i]) + (1 if chosen else 0)
        if used + cost <= max_chars:
            chosen.append(i)
            used += cost
    if not chosen:
        return sentences[ranked[0]][: max(0, max_chars - 1)] + "…"
    return " ".join(sentences[i] for i in sorted(chosen))
