"""Why a call went to its pFM, in plain words, from its trace's route record.

Example:
    >>> print(explain({"pfm": "small", "by": "rule", "rule": 0,
    ...                "reason": "rule 1 matched (tagged 'math')",
    ...                "skipped": {"tiny": "cannot do tools"}}, served_by="small"))
    small was chosen by rule 1 of [vfms.X.routing]: rule 1 matched (tagged 'math').
    Passed over: tiny (cannot do tools).
"""

from __future__ import annotations

from typing import Any

_WHO = {
    "default": "by default (no routing rule decided)",
    "trap": "by the budget trap before routing",
    "explore": "to explore",
}


def explain(route: dict[str, Any] | None, *, served_by: str, vfm: str = "X") -> str:
    """Plain-words lines for ``route`` (a trace's ``signals["route"]``)."""
    if not route:
        return (
            f"{served_by} served the call; its trace holds no routing decision (it was "
            "answered from the cache, or recorded before routing was traced)."
        )
    pfm, by = route.get("pfm", "?"), route.get("by", "?")
    if by == "rule":
        who = f"by rule {int(route.get('rule', 0)) + 1} of [vfms.{vfm}.routing]"
    elif by == "learned":
        who = f"by the learned router v{route.get('version')}"
    else:
        who = _WHO.get(by, f"by {by}")
    lines = [f"{pfm} was chosen {who}: {route.get('reason', '')}."]
    scores = route.get("scores") or {}
    if scores:
        weight = route.get("cost_weight") or 0.0
        ranked = ", ".join(f"{name} {p:.2f}" for name, p in scores.items())
        lines.append(f"Predicted success: {ranked} (cost weight {weight:.2f}).")
    skipped = route.get("skipped") or {}
    if skipped:
        lines.append(
            "Passed over: " + ", ".join(f"{name} ({why})" for name, why in skipped.items()) + "."
        )
    if route.get("needs"):
        lines.append(f"The request needed: {', '.join(route['needs'])}.")
    if route.get("note"):
        lines.append(f"Note: {route['note']}.")
    if served_by != pfm:
        lines.append(f"{served_by} finally served it (a fallback or the ladder moved the call).")
    return "\n".join(lines)
