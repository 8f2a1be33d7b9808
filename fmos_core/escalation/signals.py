"""What the trust trap knows about a fast answer: its signals, and their feature vector.

Example:
    >>> s = Signals(mean_logprob=-0.1, min_logprob=-2.0, output_tokens=3, tags=("math",))
    >>> round(s.confidence, 3), len(s.vector())
    (0.905, 18)
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

RUNGS = ("fast", "verify", "deliberate", "human")
TAG_BUCKETS = 6  # task families (tags) hashed into this many indicator features

FEATURES = (
    "confidence",
    "min_confidence",
    "has_logprobs",
    "log_output_tokens",
    "truncated",
    "privilege",
    "injection",
    "rule_failures",
    "budget_used",
    "has_schema",
    "risk_tags",
    "no_answer",
    *(f"tag_{i}" for i in range(TAG_BUCKETS)),
)


@dataclass(frozen=True, slots=True)
class Signals:
    """Features of one fast answer, as read in the verify stage and stored in its trace."""

    mean_logprob: float | None = None  # over the answer's tokens; None: no logprobs
    min_logprob: float | None = None
    output_tokens: int = 0
    truncated: bool = False  # stopped at max_tokens
    tags: tuple[str, ...] = ()
    risk_tags: int = 0  # tags the VFM's rules escalate on
    privilege: int = 0  # highest privilege among the tools it called
    injection: bool = False  # the guard found injected instructions in this call
    rule_failures: int = 0  # the app's rule checks that failed
    budget_used: float = 0.0  # the tenant's tightest budget, share used
    has_schema: bool = False
    no_answer: bool = False  # neither text nor tool calls
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        """Geometric-mean token probability; 1.0 when unknown (the rules then ignore it)."""
        return 1.0 if self.mean_logprob is None else math.exp(self.mean_logprob)

    def vector(self) -> list[float]:
        """The features in ``FEATURES`` order."""
        has = self.mean_logprob is not None
        buckets = [0.0] * TAG_BUCKETS
        for tag in self.tags:
            buckets[zlib.crc32(tag.encode()) % TAG_BUCKETS] = 1.0
        return [
            self.confidence if has else 0.0,
            math.exp(self.min_logprob) if self.min_logprob is not None else 0.0,
            float(has),
            math.log1p(self.output_tokens),
            float(self.truncated),
            float(self.privilege),
            float(self.injection),
            float(self.rule_failures),
            self.budget_used,
            float(self.has_schema),
            float(self.risk_tags),
            float(self.no_answer),
            *buckets,
        ]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tags"] = list(self.tags)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signals:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["tags"] = tuple(known.get("tags", ()))
        return cls(**known)


def logprob_stats(logprobs: list[float] | None) -> tuple[float | None, float | None]:
    """(mean, min) of an answer's token logprobs; (None, None) without any."""
    if not logprobs:
        return None, None
    return sum(logprobs) / len(logprobs), min(logprobs)
