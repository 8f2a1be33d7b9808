"""Router artifacts: versioned JSON files, one directory per VFM, never overwritten.

``$FMOS_HOME/artifacts/router/<vfm>/v0001.json`` … Each records the feature set, the
pool it was trained for (in order), one success model per pFM, the cost weight, what
it was trained on and its held-out score beside the rules'. The kernel uses the
newest that beat the rules; one trained for another pool or feature set, or that
cannot be read, is a ``ConfigError`` naming the file and what to do.

Example:
    >>> import tempfile
    >>> store = RouterArtifacts(Path(tempfile.mkdtemp()))
    >>> store.usable("default", ["a", "b"]) is None
    True
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmos_core.errors import ConfigError, UnknownRecord
from fmos_core.routing.features import FEATURE_SET, feature_names
from fmos_core.routing.learned import LearnedRouter, SuccessModel
from fmos_core.versioned import versions, write_next


@dataclass(frozen=True, slots=True)
class RouterArtifact:
    """A trained router and its evaluation. ``version`` 0 until saved.

    ``models`` maps each pFM to ``{"weights", "bias", "means", "scales"}``;
    ``metrics`` holds the held-out ``learned`` and ``rules`` scores (``success``,
    ``cost``, ``matched``, ``success_per_dollar``) and the ``train`` score.
    """

    version: int
    vfm: str
    created_at: float
    feature_set: str
    pfms: list[str]
    models: dict[str, dict[str, Any]]
    cost_weight: float
    trained_on: int
    held_out: int
    metrics: dict[str, dict[str, float]]
    beats_rules: bool
    tags: list[str] = dataclasses.field(default_factory=list)  # the tag vocabulary

    def replace(self, **changes: Any) -> RouterArtifact:
        return dataclasses.replace(self, **changes)

    def router(self) -> LearnedRouter:
        models = {
            name: SuccessModel(
                weights=tuple(m["weights"]),
                bias=float(m["bias"]),
                means=tuple(m["means"]),
                scales=tuple(m["scales"]),
            )
            for name, m in self.models.items()
        }
        return LearnedRouter(self.version, models, self.cost_weight, tuple(self.tags))


class RouterArtifacts:
    """The versioned router artifacts under ``root`` (``$FMOS_HOME/artifacts/router``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, vfm: str, version: int) -> Path:
        return self.root / vfm / f"v{version:04d}.json"

    def save(self, artifact: RouterArtifact) -> RouterArtifact:
        """Write ``artifact`` as the VFM's next version; returns it with that version."""

        def payload(version: int) -> dict[str, Any]:
            return dataclasses.asdict(artifact.replace(version=version))

        return artifact.replace(version=write_next(self.root / artifact.vfm, payload))

    def versions(self, vfm: str) -> list[int]:
        return versions(self.root / vfm)

    def load(self, vfm: str, version: int, pool: Sequence[str] | None = None) -> RouterArtifact:
        """Version ``version``; with ``pool``, it must have been trained for that pool."""
        path = self.path(vfm, version)
        if not path.exists():
            raise UnknownRecord(
                f"no router artifact v{version} for VFM {vfm!r} in {self.root} "
                f"(versions: {self.versions(vfm) or 'none'})"
            )
        retrain = f"delete it, or retrain with `fmos route train --vfm {vfm}`"
        try:
            artifact = RouterArtifact(**json.loads(path.read_text(encoding="utf-8")))
            artifact.router()  # every model must be readable
            sizes = {len(m["weights"]) for m in artifact.models.values()}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise ConfigError(f"router artifact {path} is corrupt ({exc}); {retrain}") from None
        if artifact.feature_set != FEATURE_SET or sizes - {len(feature_names(artifact.tags))}:
            raise ConfigError(
                f"router artifact {path} was trained on other features than this FMOS "
                f"computes ({artifact.feature_set!r}, not {FEATURE_SET!r}); {retrain}"
            )
        if pool is not None and sorted(pool) != sorted(artifact.pfms):
            raise ConfigError(
                f"router artifact {path} was trained for the pool {artifact.pfms}, but VFM "
                f"{vfm!r} now has {list(pool)}; {retrain}"
            )
        return artifact

    def usable(self, vfm: str, pool: Sequence[str]) -> RouterArtifact | None:
        """The newest artifact that beat the rules on held-out traces, if any."""
        for version in reversed(self.versions(vfm)):
            artifact = self.load(vfm, version, pool)
            if artifact.beats_rules:
                return artifact
        return None
