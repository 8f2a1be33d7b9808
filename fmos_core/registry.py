"""Find pFM drivers by name through entry points; built-ins register the same way.

Example:
    >>> DriverRegistry().load("scripted").__name__
    'ScriptedBackend'
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, cast

from fmos_core.backends import Backend
from fmos_core.errors import ConfigError, DriverNotInstalled
from fmos_core.memory.vector import VectorIndex

if TYPE_CHECKING:
    from fmos_core.evolution.mirror import VersionMirror

BACKENDS_GROUP = "fmos.backends"
VECTOR_INDEXES_GROUP = "fmos.vector_indexes"
MIRRORS_GROUP = "fmos.mirrors"

_EXTRA_FOR_DRIVER = {"llamacpp": "llamacpp", "openai": "openai", "chroma": "vector"}


class DriverRegistry:
    """Resolves a driver name (``llamacpp``, ``openai``, …) to its ``Backend`` class."""

    def __init__(self, group: str = BACKENDS_GROUP) -> None:
        self._group = group

    def names(self) -> list[str]:
        """Every driver name registered in the entry-point group."""
        return sorted(ep.name for ep in entry_points(group=self._group))

    def load(self, driver: str) -> type[Backend]:
        """The ``Backend`` class registered as ``driver``."""
        return cast("type[Backend]", _load(self._group, driver, Backend, "pFM driver"))


def load_vector_index(driver: str, options: dict[str, Any]) -> VectorIndex:
    """The vector index registered as ``driver``, built from its ``options``."""
    cls = cast(
        "type[VectorIndex]", _load(VECTOR_INDEXES_GROUP, driver, VectorIndex, "vector index")
    )
    return cls.from_options(options)


def load_mirror(name: str, options: dict[str, Any]) -> VersionMirror:
    """The version mirror registered as ``name`` (``mlflow``), built from ``options``."""
    cls = _load(MIRRORS_GROUP, name, object, "version mirror")
    build = getattr(cls, "from_options", None)
    if build is None:
        raise ConfigError(f"mirror {name!r} has no from_options(options) constructor")
    return cast("VersionMirror", build(options))


def _load(group: str, name: str, base: type, what: str) -> type:
    """The ``base`` subclass registered as ``name`` in the entry-point ``group``."""
    found = [ep for ep in entry_points(group=group) if ep.name == name]
    if not found:
        known = ", ".join(sorted(ep.name for ep in entry_points(group=group))) or "none"
        raise ConfigError(f"unknown {what} {name!r}; installed: {known}")
    try:
        cls = found[0].load()
    except ImportError as exc:
        extra = _EXTRA_FOR_DRIVER.get(name, name)
        raise DriverNotInstalled(
            f"the {name!r} {what} needs packages that are not installed ({exc.name}); "
            f'run: pip install "fmos[{extra}]"'
        ) from None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ConfigError(f"entry point {name!r} does not name a fmos {base.__name__} class")
    return cls
