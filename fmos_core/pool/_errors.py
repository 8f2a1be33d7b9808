"""The pool's typed errors: both are the user's to fix (``ConfigError`` family)."""

from __future__ import annotations

from pathlib import Path

from fmos_core.errors import ConfigError


class UnknownPFM(ConfigError):
    """A pFM was named (``--pfm``) that the VFM's pool does not hold."""


class EvalSetError(ConfigError):
    """An eval file is missing, empty or malformed; ``line`` is 1-based, None for the file."""

    def __init__(self, message: str, *, path: Path, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"eval file {where}: {message}")
        self.path = path
        self.line = line
