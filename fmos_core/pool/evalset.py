"""Eval sets: a JSONL file, one item a line, each answer checked by a regex.

Each non-blank line is a JSON object::

    {"prompt": "What is 2 + 2? Answer with a number.", "expect": "\\b4\\b"}

``prompt`` (a non-empty string) is sent as the only user message; ``expect`` is a
Python regular expression searched (``re.search``) in the answer — write ``(?i)`` for
case-insensitive; an optional ``max_tokens`` (1-4096, default 32) bounds the answer.
Other keys are errors. Blank lines are skipped; a file with no item is an error.

Example:
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "e.jsonl"
    >>> _ = path.write_text('{"prompt": "2+2?", "expect": "4"}\\n', encoding="utf-8")
    >>> evalset = load_eval_set(path)
    >>> len(evalset.items), evalset.items[0].check("It is 4.")
    (1, True)
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmos_core.pool._errors import EvalSetError

DEFAULT_MAX_TOKENS = 32
_KEYS = {"prompt", "expect", "max_tokens"}
_BUILTIN = (  # used when no eval file is named: a quick smoke check, not a benchmark
    ("What is the capital of France? Answer in one word.", "(?i)paris"),
    ("What is 2 + 2? Answer with a number.", r"(?i)\b(4|four)\b"),
    ("What color is the sky on a clear day? Answer in one word.", "(?i)blue"),
    ("How many days are in a week? Answer with a number.", r"(?i)\b(7|seven)\b"),
    ("Say the word hello.", "(?i)hello"),
)


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One prompt and the pattern its answer must contain."""

    prompt: str
    expect: re.Pattern[str]
    max_tokens: int = DEFAULT_MAX_TOKENS

    def check(self, answer: str) -> bool:
        """True when ``expect`` matches somewhere in ``answer``."""
        return self.expect.search(answer) is not None


@dataclass(frozen=True, slots=True)
class EvalSet:
    """The items of one eval file, with the file's path and sha256 (for the record)."""

    path: Path
    sha256: str
    items: tuple[EvalItem, ...]


def load_eval_set(path: str | Path) -> EvalSet:
    """Read and check every line of ``path``; any problem is an ``EvalSetError``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EvalSetError("does not exist; pass an existing JSONL file", path=path) from None
    except OSError as exc:
        raise EvalSetError(f"cannot be read ({exc.strerror})", path=path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise EvalSetError("is not UTF-8 text; save it as UTF-8 JSONL", path=path) from None
    items = tuple(
        _item(line, number, path)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    )
    if not items:
        raise EvalSetError(
            'holds no item; add one JSON object a line: {"prompt": ..., "expect": ...}',
            path=path,
        )
    return EvalSet(path=path, sha256=hashlib.sha256(raw).hexdigest(), items=items)


def builtin_eval_set() -> EvalSet:
    """Five easy questions, for a profile run that names no eval file.

    Example:
        >>> builtin_eval_set().path.name, len(builtin_eval_set().items)
        ('<builtin>', 5)
    """
    lines = [json.dumps({"prompt": p, "expect": e}) for p, e in _BUILTIN]
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    items = tuple(EvalItem(prompt=p, expect=re.compile(e)) for p, e in _BUILTIN)
    return EvalSet(path=Path("<builtin>"), sha256=hashlib.sha256(raw).hexdigest(), items=items)


def _item(line: str, number: int, path: Path) -> EvalItem:
    try:
        data: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalSetError(
            f"is not JSON ({exc.msg}); write one JSON object per line (JSONL)",
            path=path,
            line=number,
        ) from None
    if not isinstance(data, dict):
        raise EvalSetError(
            f'holds a JSON {type(data).__name__}, not an object; write {{"prompt": ..., '
            '"expect": ...}',
            path=path,
            line=number,
        )
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise EvalSetError(
            f"unknown key {', '.join(map(repr, unknown))}; the keys are prompt, expect "
            "and max_tokens",
            path=path,
            line=number,
        )
    prompt, expect = data.get("prompt"), data.get("expect")
    if not isinstance(prompt, str) or not prompt.strip():
        raise EvalSetError('needs "prompt", a non-empty string', path=path, line=number)
    if not isinstance(expect, str) or not expect:
        raise EvalSetError(
            'needs "expect", a non-empty regular expression the answer must match',
            path=path,
            line=number,
        )
    try:
        pattern = re.compile(expect)
    except re.error as exc:
        raise EvalSetError(
            f"expect {expect!r} is not a valid regular expression ({exc}); fix the pattern",
            path=path,
            line=number,
        ) from None
    max_tokens = data.get("max_tokens", DEFAULT_MAX_TOKENS)
    if (
        isinstance(max_tokens, bool)
        or not isinstance(max_tokens, int)
        or not 1 <= max_tokens <= 4096
    ):
        raise EvalSetError(
            f"max_tokens must be a whole number from 1 to 4096, not {max_tokens!r}",
            path=path,
            line=number,
        )
    return EvalItem(prompt=prompt, expect=pattern, max_tokens=max_tokens)
