"""What the learned router sees of a request: a fixed-length vector of numbers.

Length and shape of the prompt, what it asks for (tools, a JSON schema,
log-probabilities, a reasoning level), its tags — one indicator per tag of the
router's vocabulary (the tags seen in training; tags name task families, so they must
not share a slot) plus one for any other tag — and the words of its last user message,
hashed (crc32) into indicator buckets. Computed the same way at training time (from
the request a trace stored) and at routing time, without a tokenizer, so no pFM is
needed to compute it.

Example:
    >>> from fmos_core.contract import Request
    >>> ask = Request(messages=[{"role": "user", "content": "add 2 and 3"}], tags=["math"])
    >>> x = features(ask, tags=("math", "poetry"))
    >>> names = feature_names(("math", "poetry"))
    >>> len(x) == len(names), x[names.index("tag:math")], x[names.index("tag:poetry")]
    (True, 1.0, 0.0)
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence

from fmos_core.contract import Request

MAX_TAGS = 64  # the vocabulary: the most frequent tags of the training requests
WORD_BUCKETS = 16  # few: on a few hundred traces, more buckets mostly add noise
FEATURE_SET = "route-features-2"  # bump when the vector changes: old artifacts then refuse

BASE = ("log_prompt_chars", "log_messages", "tools", "schema", "logprobs", "reasoning")
WORDS = tuple(f"word_{i}" for i in range(WORD_BUCKETS))


def feature_names(tags: Sequence[str]) -> tuple[str, ...]:
    """The names of the vector's entries for a router whose tag vocabulary is ``tags``."""
    return (*BASE, *(f"tag:{t}" for t in tags), "tag:other", *WORDS)


def vocabulary(tag_lists: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """The ``MAX_TAGS`` most frequent tags (ties by name), sorted by name."""
    counts = Counter(t for tags in tag_lists for t in set(tags))
    top = sorted(counts, key=lambda t: (-counts[t], t))[:MAX_TAGS]
    return tuple(sorted(top))


_LEVELS = {"off": 0.0, "low": 1.0, "medium": 2.0, "high": 3.0, "auto": 1.5}
_WORD = re.compile(r"\w+")


def features(request: Request, tags: Sequence[str] = ()) -> list[float]:
    """The request's vector, in ``feature_names(tags)`` order."""
    chars = sum(len(m.content) for m in request.messages)
    x = [
        math.log1p(chars),
        math.log1p(len(request.messages)),
        1.0 if request.tools and request.tool_choice != "none" else 0.0,
        1.0 if request.response_schema is not None else 0.0,
        1.0 if request.logprobs else 0.0,
        _level(request.reasoning_level),
    ]
    known = [1.0 if tag in request.tags else 0.0 for tag in tags]
    other = 1.0 if any(tag not in tags for tag in request.tags) else 0.0
    words = [0.0] * WORD_BUCKETS
    for word in _WORD.findall(last_user_text(request).lower()):
        words[zlib.crc32(word.encode()) % WORD_BUCKETS] = 1.0
    return [*x, *known, other, *words]


def last_user_text(request: Request) -> str:
    """The content of the request's last user message ('' if none)."""
    for message in reversed(request.messages):
        if message.role == "user":
            return message.content
    return ""


def _level(level: object) -> float:
    if isinstance(level, int):  # a thinking-token budget
        return min(3.0, math.log2(1 + level / 256))
    return _LEVELS.get(str(level), 0.0)
