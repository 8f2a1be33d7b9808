"""Profile artifacts: ``$FMOS_HOME/artifacts/profiles/<pfm>/<UTC timestamp>.json``.

Each run of a pFM is a new file, never overwritten (written to a temp file, then
hard-linked to its name, which fails if the name exists). ``latest(pfm)`` reads the
newest; a corrupt file is a ``ConfigError`` naming it.

Example:
    >>> import tempfile
    >>> store = ProfileStore(Path(tempfile.mkdtemp()))
    >>> store.latest("smollm2") is None
    True
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from fmos_core.errors import ConfigError
from fmos_core.pool.record import PoolProfile, format_time
from fmos_core.versioned import write_once

_STAMP = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")


class ProfileStore:
    """The profiles under ``root`` (``$FMOS_HOME/artifacts/profiles``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, profile: PoolProfile) -> PoolProfile:
        """Write ``profile`` under its date; a taken name moves the date on by 1 µs."""
        folder = self._folder(profile.pfm)
        folder.mkdir(parents=True, exist_ok=True)
        while not write_once(folder / f"{profile.stamp}.json", profile.to_dict()):
            later = profile.created + timedelta(microseconds=1)
            profile = profile.replace(created_at=format_time(later))
        return profile

    def stamps(self, pfm: str) -> list[str]:
        """The saved profiles' file stems, oldest first."""
        folder = self._folder(pfm)
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.json") if _STAMP.match(p.stem))

    def load(self, pfm: str, stamp: str) -> PoolProfile:
        path = self._folder(pfm) / f"{stamp}.json"
        try:
            profile = PoolProfile.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            raise ConfigError(
                f"profile artifact {path} is corrupt ({exc}); delete it and run "
                f"`fmos pool profile --pfm {pfm}` again"
            ) from None
        if profile.pfm != pfm:
            raise ConfigError(
                f"profile artifact {path} belongs to pFM {profile.pfm!r}, not {pfm!r}; "
                "move or delete it"
            )
        return profile

    def latest(self, pfm: str) -> PoolProfile | None:
        """The newest profile of ``pfm``, or None if it was never profiled."""
        stamps = self.stamps(pfm)
        return self.load(pfm, stamps[-1]) if stamps else None

    def _folder(self, pfm: str) -> Path:
        if not _SAFE_NAME.match(pfm):
            raise ConfigError(
                f"pFM name {pfm!r} cannot name a profile folder; use letters, digits, "
                "'.', '_' and '-' in [pfms.*] names"
            )
        return self.root / pfm
