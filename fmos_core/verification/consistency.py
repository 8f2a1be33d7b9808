"""Self-consistency: answers compared by a normalised key, the majority picked.

Example:
    >>> answer_key(' The answer is "42". ') == answer_key('the answer is "42"')
    True
    >>> majority(["a", "b", "b"])
    (1, 0.6666666666666666)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence

from fmos_core.contract import ToolCall

AnswerKey = Callable[[str], str]  # an app's key of an answer's text, e.g. the number in it
_SPACE = re.compile(r"\s+")
_EDGE = " \t\n.!?;:,'\"`*"


def answer_key(text: str, tool_calls: Sequence[ToolCall] = ()) -> str:
    """A key under which equivalent answers are equal: JSON canonicalised, tool calls by
    name and arguments, text case-folded with its spacing and closing punctuation dropped."""
    if tool_calls:
        calls = [[c.name, c.arguments] for c in tool_calls]
        return "tools:" + json.dumps(calls, sort_keys=True, ensure_ascii=False)
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            return "json:" + json.dumps(json.loads(stripped), sort_keys=True, ensure_ascii=False)
        except json.JSONDecodeError:
            pass
    return _SPACE.sub(" ", stripped.casefold()).strip(_EDGE)


def majority(keys: Sequence[str]) -> tuple[int, float]:
    """(index of the first answer of the most common key, that key's share); ties go to
    the key seen first."""
    if not keys:
        raise ValueError("majority of no answers")
    counts = Counter(keys)
    best = max(counts.values())
    index = next(i for i, key in enumerate(keys) if counts[key] == best)
    return index, best / len(keys)
