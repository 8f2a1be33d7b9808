"""The route record: why a call went to its pFM, stored in its trace's ``signals``.

``by`` says who decided: ``default`` (the pool's first pFM that can serve), ``rule``
(``rule`` is its index in ``[vfms.X.routing] rules``), ``learned`` (``version``,
``scores`` per candidate and ``cost_weight``), ``explore`` or ``trap`` (the budget
trap downgraded the call before routing, and the route kept that pFM).

Example:
    >>> record = RouteRecord(pfm="small", by="rule", rule=0, reason="tags include 'math'")
    >>> record.to_json()["by"], RouteRecord.from_json(record.to_json()).rule
    ('rule', 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RouteRecord:
    """One routing decision: the pFM chosen, by whom, and what was weighed."""

    pfm: str
    by: str  # default | rule | learned | explore | trap
    reason: str = ""
    previous: str = ""  # the call's pFM before routing
    rule: int | None = None
    version: int | None = None  # of the learned router
    scores: dict[str, float] = field(default_factory=dict)  # predicted success per pFM
    cost_weight: float | None = None
    skipped: dict[str, str] = field(default_factory=dict)  # pFM -> why it could not serve
    needs: list[str] = field(default_factory=list)
    explore: bool = False
    checks: bool = False  # the app's rule checks judge this VFM's answers
    note: str = ""  # e.g. learned routing asked for but no artifact beat the rules

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pfm": self.pfm, "by": self.by, "reason": self.reason}
        optional = {
            "previous": self.previous,
            "rule": self.rule,
            "version": self.version,
            "scores": self.scores,
            "cost_weight": self.cost_weight,
            "skipped": self.skipped,
            "needs": self.needs,
            "explore": self.explore,
            "checks": self.checks,
            "note": self.note,
        }
        data.update({k: v for k, v in optional.items() if _given(v)})
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RouteRecord:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def _given(value: Any) -> bool:
    """Whether a field is worth storing (``0`` is: a rule index)."""
    if value is None or value is False:
        return False
    return not (isinstance(value, str | dict | list) and not value)
