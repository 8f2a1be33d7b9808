"""Find pFM drivers by name through entry points; built-ins register the same way.

Example:
    >>> DriverRegistry().load("scripted").__name__
    'ScriptedBackend'
"""

from __future__ import annotations

from importlib.metadata import entry_points

from fmos_core.backends import Backend
from fmos_core.errors import ConfigError, DriverNotInstalled

BACKENDS_GROUP = "fmos.backends"

_EXTRA_FOR_DRIVER = {"llamacpp": "llamacpp", "openai": "openai"}


class DriverRegistry:
    """Resolves a driver name (``llamacpp``, ``openai``, …) to its ``Backend`` class."""

    def __init__(self, group: str = BACKENDS_GROUP) -> None:
        self._group = group

    def names(self) -> list[str]:
        """Every driver name registered in the entry-point group."""
        return sorted(ep.name for ep in entry_points(group=self._group))

    def load(self, driver: str) -> type[Backend]:
        """The ``Backend`` class registered as ``driver``."""
        found = [ep for ep in entry_points(group=self._group) if ep.name == driver]
        if not found:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(f"unknown pFM driver {driver!r}; installed drivers: {known}")
        try:
            cls = found[0].load()
        except ImportError as exc:
            extra = _EXTRA_FOR_DRIVER.get(driver, driver)
            raise DriverNotInstalled(
                f"the {driver!r} driver needs packages that are not installed ({exc.name}); "
                f'run: pip install "fmos[{extra}]"'
            ) from None
        if not (isinstance(cls, type) and issubclass(cls, Backend)):
            raise ConfigError(f"entry point {driver!r} does not name a fmos Backend class")
        return cls
