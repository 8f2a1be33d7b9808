"""Reasoning policies: the tuned level per task family, as versioned JSON artifacts.

``$FMOS_HOME/artifacts/reasoning/<vfm>/v0001.json`` … are never overwritten: a new
tuning writes the next version (``os.link``, so two processes never share one). Each
records, per tag, the chosen level and every level's measured calls, success, tokens
and reward, so the choice can be checked against the numbers it came from.

Example:
    >>> import tempfile
    >>> store = ReasoningPolicies(Path(tempfile.mkdtemp()))
    >>> store.latest("default") is None
    True
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fmos_core.errors import ConfigError, UnknownRecord
from fmos_core.reasoning.knob import Level
from fmos_core.versioned import versions, write_next


@dataclass(frozen=True, slots=True)
class Arm:
    """What one level measured on one tag: calls, mean success, tokens and reward."""

    level: Level
    calls: int
    success: float
    tokens: float
    reward: float
    spread: float  # standard deviation of the reward


@dataclass(frozen=True, slots=True)
class TagPolicy:
    """The level chosen for one tag and the measurements it was chosen from."""

    level: Level
    calls: int
    arms: list[Arm] = field(default_factory=list)

    def arm(self, level: Level) -> Arm | None:
        return next((a for a in self.arms if a.level == level), None)


@dataclass(frozen=True, slots=True)
class ReasoningPolicy:
    """A VFM's tuned levels by tag. ``version`` is 0 until saved.

    Example:
        >>> p = ReasoningPolicy(version=0, vfm="default", token_weight=0.001, trained_on=0,
        ...                     tags={"math": TagPolicy(level="low", calls=30)})
        >>> p.level_for(["chat", "math"])
        ('math', 'low')
    """

    version: int
    vfm: str
    token_weight: float
    trained_on: int
    tags: dict[str, TagPolicy]
    created_at: float = field(default_factory=time.time)

    def level_for(self, tags: list[str]) -> tuple[str, Level] | None:
        """(tag, level) for the first of ``tags`` this policy has a level for."""
        for tag in tags:
            chosen = self.tags.get(tag)
            if chosen is not None:
                return tag, chosen.level
        return None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReasoningPolicy:
        tags = {
            name: TagPolicy(
                level=parse_level(t["level"]),
                calls=int(t["calls"]),
                arms=[Arm(**{**a, "level": parse_level(a["level"])}) for a in t["arms"]],
            )
            for name, t in data["tags"].items()
        }
        return cls(**{**data, "tags": tags})


def parse_level(value: Any) -> Level:
    if value in ("off", "low", "medium", "high"):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise ValueError(f"{value!r} is not a reasoning level")


class ReasoningPolicies:
    """The versioned policies under ``root`` (``$FMOS_HOME/artifacts/reasoning``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, policy: ReasoningPolicy) -> ReasoningPolicy:
        """Write ``policy`` as the VFM's next version; returns it with that version."""

        def payload(version: int) -> dict[str, Any]:
            return dataclasses.replace(policy, version=version).to_json()

        return dataclasses.replace(policy, version=write_next(self.root / policy.vfm, payload))

    def versions(self, vfm: str) -> list[int]:
        return versions(self.root / vfm)

    def load(self, vfm: str, version: int) -> ReasoningPolicy:
        path = self.root / vfm / f"v{version:04d}.json"
        if not path.exists():
            raise UnknownRecord(
                f"no reasoning policy v{version} for VFM {vfm!r} in {self.root} "
                f"(versions: {self.versions(vfm) or 'none'})"
            )
        try:
            policy = ReasoningPolicy.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConfigError(
                f"reasoning policy {path} is corrupt ({type(exc).__name__}: {exc}); delete it "
                "and tune again with `fmos reasoning tune`"
            ) from None
        if policy.vfm != vfm or policy.version != version:
            raise ConfigError(
                f"reasoning policy {path} says it is v{policy.version} of VFM {policy.vfm!r}; "
                "delete it and tune again with `fmos reasoning tune`"
            )
        return policy

    def latest(self, vfm: str) -> ReasoningPolicy | None:
        """The newest policy of ``vfm``, if any."""
        versions = self.versions(vfm)
        return self.load(vfm, versions[-1]) if versions else None


class PolicyBook:
    """Each VFM's newest policy, read once; ``refresh`` after tuning."""

    def __init__(self, store: ReasoningPolicies) -> None:
        self.store = store
        self._read: dict[str, ReasoningPolicy | None] = {}

    def get(self, vfm: str) -> ReasoningPolicy | None:
        if vfm not in self._read:
            self._read[vfm] = self.store.latest(vfm)
        return self._read[vfm]

    def refresh(self) -> None:
        self._read.clear()
