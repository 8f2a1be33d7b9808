"""How FMOS versions look in MLflow: prompt names, templates and tags (no MLflow calls).

One registered prompt per (VFM, kind), named ``fmos.<vfm>.<kind>``. MLflow allows only
letters, digits, ``-``, ``_`` and ``.`` in a name; a VFM name with other characters is
rewritten (``_`` for each) and gets a short hash so two VFMs never share a prompt.

The template is what a call is served:
- ``system_prompt``: the text itself;
- ``demonstrations``: a chat template, a user turn (input) and an assistant turn (output)
  per example, the order the context stage places them in; the task family, if any, is a
  tag;
- ``policy`` (and demonstrations without examples): the JSON body, indented, keys sorted.

Example:
    >>> prompt_name("default", "system_prompt")
    'fmos.default.system_prompt'
    >>> prompt_name("team a/b", "policy")[:17]
    'fmos.team_a_b-0ea'
    >>> template("demonstrations", {"examples": [{"input": "1+1?", "output": "2"}]})
    [{'role': 'user', 'content': '1+1?'}, {'role': 'assistant', 'content': '2'}]
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from fmos_core.evolution.versions import AliasMove, Version

TAG_VALUE_MAX = 5000  # MLflow 3.5's limit on a registry tag value
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_\-]")
_METRIC_KEY = re.compile(r"[^\w\-./ ]")


def prompt_name(vfm: str, kind: str) -> str:
    """The registered prompt that mirrors ``vfm``'s ``kind`` (see the module)."""
    safe = _NOT_ALLOWED.sub("_", vfm)
    if safe != vfm or not safe:
        safe = f"{safe}-{hashlib.sha256(vfm.encode()).hexdigest()[:6]}"
    return f"fmos.{safe}.{kind}"


def template(kind: str, body: dict[str, Any]) -> str | list[dict[str, str]]:
    """The prompt template that shows ``body`` (see the module)."""
    if kind == "system_prompt" and isinstance(body.get("text"), str):
        return str(body["text"]) or "(empty system prompt)"
    examples = body.get("examples") if kind == "demonstrations" else None
    if examples:
        turns: list[dict[str, str]] = []
        for example in examples:
            turns.append({"role": "user", "content": str(example.get("input", ""))})
            turns.append({"role": "assistant", "content": str(example.get("output", ""))})
        return turns
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False)


def version_tags(version: Version) -> dict[str, str]:
    """The tags that tie a prompt version to its FMOS version."""
    tags = {
        "fmos.vfm": version.vfm,
        "fmos.kind": version.kind,
        "fmos.version": str(version.version),
        "fmos.created_by": version.created_by,
        "fmos.created_at": f"{version.created_at:.3f}",
        "fmos.note": version.note,
    }
    if version.kind == "demonstrations" and version.body.get("family") is not None:
        tags["fmos.family"] = str(version.body["family"])
    if version.evaluation:
        tags.update(evaluation_tags(version.evaluation))
    return {key: clip(value) for key, value in tags.items()}


def numbers(evaluation: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Every numeric field of ``evaluation`` (nested dicts as ``a.b``), as metrics."""
    found: dict[str, float] = {}
    for key, value in evaluation.items():
        name = _METRIC_KEY.sub("_", f"{prefix}{key}")
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found[name] = float(value)
        elif isinstance(value, dict):
            found.update(numbers(value, f"{name}."))
    return found


def params(evaluation: dict[str, Any]) -> dict[str, str]:
    """The top-level fields of ``evaluation`` that describe it rather than score it —
    strings, flags and whole counts (source, dataset, n items) — as run params."""
    return {
        _METRIC_KEY.sub("_", key): clip(str(value), 500)
        for key, value in evaluation.items()
        if isinstance(value, str | bool | int) or value is None
    }


def evaluation_tags(evaluation: dict[str, Any]) -> dict[str, str]:
    """The evaluation summary a prompt version carries: ``fmos.eval.<metric>``."""
    return {f"fmos.eval.{key}": f"{value:g}" for key, value in numbers(evaluation).items()}


def evaluation_digest(evaluation: dict[str, Any]) -> str:
    """A fingerprint of an evaluation, so the same one is never recorded twice."""
    text = json.dumps(evaluation, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def move_record(move: AliasMove) -> str:
    """An alias move as a tag value: ``{"action", "alias", "from", "to", "by", "reason", "at"}``."""
    record = {
        "action": move.action,
        "alias": move.alias,
        "from": move.from_version,
        "to": move.to_version,
        "by": move.by,
        "reason": move.reason,
        "at": round(move.at, 3),
    }
    return clip(json.dumps(record, ensure_ascii=False))


def clip(value: str, limit: int = TAG_VALUE_MAX) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
