"""The parts of a stored item that mention given terms, small enough to page in.

In JSON, a part is the innermost object that holds a term in one of its own values
(one order of a list of orders, not the whole list). In text, it is the matching
line, or for a long line the text around each match.

Example:
    >>> doc = '{"orders": [{"id": "ORD-1", "s": "ok"}, {"id": "ORD-2", "s": "lost"}]}'
    >>> mentions(doc, ["ord-2"])
    ['{"id": "ORD-2", "s": "lost"}']
    >>> mentions("a\\nthe vault code is 4417\\nb", ["VAULT"])
    ['2: the vault code is 4417']
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_AROUND = 160  # characters kept on each side of a match inside a long line
_LONG_LINE = 400


def mentions(text: str, terms: list[str], *, limit: int = 20) -> list[str]:
    """Up to ``limit`` parts of ``text`` that mention any of ``terms`` (case-insensitive)."""
    needles = [t.lower() for t in terms if t]
    if not needles:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return _text_mentions(text, needles, limit)
    found = [json.dumps(obj) for obj in _objects_mentioning(value, needles)]
    return found[:limit]


def _objects_mentioning(value: Any, needles: list[str]) -> Iterator[Any]:
    if isinstance(value, dict):
        own = " ".join(str(v) for v in value.values() if not isinstance(v, dict | list)).lower()
        if any(n in own for n in needles):
            yield value
            return
        for child in value.values():
            yield from _objects_mentioning(child, needles)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, dict | list):
                yield from _objects_mentioning(child, needles)
            elif any(n in str(child).lower() for n in needles):
                yield child


def _text_mentions(text: str, needles: list[str], limit: int) -> list[str]:
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        lowered = line.lower()
        if not any(n in lowered for n in needles):
            continue
        if len(line) <= _LONG_LINE:
            found.append(f"{number}: {line}")
        else:
            for start in sorted({lowered.find(n) for n in needles if n in lowered}):
                cut = line[max(0, start - _AROUND) : start + _AROUND]
                found.append(f"{number}: …{cut}…")
        if len(found) >= limit:
            break
    return found[:limit]
