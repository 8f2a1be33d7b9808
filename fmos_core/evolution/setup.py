"""Building a kernel's version registry: the local store, mirrored when configured.

A mirror that cannot even be built (MLflow not installed, a bad option) is a
``ConfigError`` at start; one that fails later only delays mirroring (see
``fmos_core.evolution.mirror``).

Example:
    >>> from fmos_core.config import EvolutionConfig
    >>> from fmos_core.store import Database
    >>> registry = version_registry(Database("sqlite:///:memory:"), EvolutionConfig())
    >>> str(registry.status())
    'no mirror (the local store only): in step'
"""

from __future__ import annotations

from fmos_core.config import EvolutionConfig
from fmos_core.evolution.mirror import MirrorOutbox, VersionRegistry
from fmos_core.evolution.versions import VersionStore
from fmos_core.registry import load_mirror
from fmos_core.store.db import Database


def version_registry(db: Database, config: EvolutionConfig) -> VersionRegistry:
    """The versions in ``db``, mirrored to ``config.mirror`` when one is named."""
    mirror = None if config.mirror is None else load_mirror(config.mirror, config.mirror_options)
    return VersionRegistry(VersionStore(db), mirror, MirrorOutbox(db))
