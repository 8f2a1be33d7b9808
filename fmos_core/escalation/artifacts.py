"""Ladder artifacts: versioned JSON files, one directory per VFM, never overwritten.

``$FMOS_HOME/artifacts/ladder/<vfm>/v0001.json`` … Each records its features, weights,
thresholds, what it was trained on and its held-out score beside the rules'. The
kernel uses the newest that beat the rules.

Example:
    >>> import tempfile
    >>> store = LadderArtifacts(Path(tempfile.mkdtemp()))
    >>> store.usable("default") is None
    True
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmos_core.errors import ConfigError, UnknownRecord
from fmos_core.escalation.ladder import LearnedLadder
from fmos_core.escalation.signals import FEATURES
from fmos_core.versioned import versions, write_next


@dataclass(frozen=True, slots=True)
class LadderArtifact:
    """A trained ladder and its evaluation. ``version`` 0 until saved."""

    version: int
    vfm: str
    created_at: float
    features: list[str]
    weights: list[float]
    bias: float
    means: list[float]
    scales: list[float]
    threshold: float
    deliberate_at: float
    trained_on: int
    held_out: int
    metrics: dict[str, dict[str, float]]
    beats_rules: bool

    def replace(self, **changes: Any) -> LadderArtifact:
        return dataclasses.replace(self, **changes)

    def ladder(self) -> LearnedLadder:
        return LearnedLadder(
            version=self.version,
            weights=tuple(self.weights),
            bias=self.bias,
            threshold=self.threshold,
            deliberate_at=self.deliberate_at,
            means=tuple(self.means),
            scales=tuple(self.scales),
        )


class LadderArtifacts:
    """The versioned artifacts under ``root`` (``$FMOS_HOME/artifacts/ladder``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, artifact: LadderArtifact) -> LadderArtifact:
        """Write ``artifact`` as the VFM's next version; returns it with that version."""

        def payload(version: int) -> dict[str, Any]:
            return dataclasses.asdict(artifact.replace(version=version))

        return artifact.replace(version=write_next(self.root / artifact.vfm, payload))

    def versions(self, vfm: str) -> list[int]:
        return versions(self.root / vfm)

    def load(self, vfm: str, version: int) -> LadderArtifact:
        path = self.root / vfm / f"v{version:04d}.json"
        if not path.exists():
            raise UnknownRecord(
                f"no ladder artifact v{version} for VFM {vfm!r} in {self.root} "
                f"(versions: {self.versions(vfm) or 'none'})"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            artifact = LadderArtifact(**data)
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"ladder artifact {path} is corrupt ({exc}); delete it and retrain with "
                "`fmos ladder train`"
            ) from None
        if artifact.features != list(FEATURES) or len(artifact.weights) != len(FEATURES):
            raise ConfigError(
                f"ladder artifact {path} was trained on other features than this FMOS "
                "computes; retrain with `fmos ladder train`"
            )
        return artifact

    def usable(self, vfm: str) -> LadderArtifact | None:
        """The newest artifact that beat the rules on held-out traces, if any."""
        for version in reversed(self.versions(vfm)):
            artifact = self.load(vfm, version)
            if artifact.beats_rules:
                return artifact
        return None
