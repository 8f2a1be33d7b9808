"""What the learned router sees of a request: a fixed-length vector of numbers.

Length and shape of the prompt, what it asks for (tools, a JSON schema,
log-probabilities, a reasoning level), its tags and the words of its last user
message, both hashed (crc32) into a few indicator buckets. Computed the same way at
training time (from the request a trace stored) and at routing time, without a
tokenizer, so no pFM is needed to compute it.

Example:
    >>> from fmos_core.contract import Request
    >>> x = features(Request(messages=[{"role": "user", "content": "add 2 and 3"}],
    ...                      tags=["math"]))
    >>> len(x) == len(FEATURES), x[FEATURES.index("tools")]
    (True, 0.0)
"""

from __future__ import annotations

import math
import re
import zlib

from fmos_core.contract import Request

TAG_BUCKETS = 8
WORD_BUCKETS = 48
FEATURE_SET = "route-features-1"  # bump when the vector changes: old artifacts then refuse

FEATURES = (
    "log_prompt_chars",
    "log_messages",
    "tools",
    "schema",
    "logprobs",
    "reasoning",
    *(f"tag_{i}" for i in range(TAG_BUCKETS)),
    *(f"word_{i}" for i in range(WORD_BUCKETS)),
)
_LEVELS = {"off": 0.0, "low": 1.0, "medium": 2.0, "high": 3.0, "auto": 1.5}
_WORD = re.compile(r"\w+")


def features(request: Request) -> list[float]:
    """The request's vector, in ``FEATURES`` order."""
    chars = sum(len(m.content) for m in request.messages)
    x = [
        math.log1p(chars),
        math.log1p(len(request.messages)),
        1.0 if request.tools and request.tool_choice != "none" else 0.0,
        1.0 if request.response_schema is not None else 0.0,
        1.0 if request.logprobs else 0.0,
        _level(request.reasoning_level),
    ]
    tags = [0.0] * TAG_BUCKETS
    for tag in request.tags:
        tags[zlib.crc32(tag.encode()) % TAG_BUCKETS] = 1.0
    words = [0.0] * WORD_BUCKETS
    for word in _WORD.findall(last_user_text(request).lower()):
        words[zlib.crc32(word.encode()) % WORD_BUCKETS] = 1.0
    return x + tags + words


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
