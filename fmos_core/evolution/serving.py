"""Which version of a VFM's artifacts a call gets: pinned, canary or production.

``pinned`` wins; otherwise a share ``canary_share`` of sessions (a stable hash of
tenant, app and session, so a session stays on one side) gets the ``canary``, the
rest ``production``. Aliases and bodies are read from the version store at most once
per ``ttl_s`` per VFM, so a move made by another process takes effect within that.

Example:
    >>> from fmos_core.store import Database
    >>> store = VersionStore(Database("sqlite:///:memory:"))
    >>> _ = store.register("default", "system_prompt", {"text": "Be brief."}, by="ann")
    >>> _ = store.move("default", "system_prompt", "production", 1, by="ann", reason="go")
    >>> chosen = PromptSelector(store).select("default", "acme/app/s1", canary_share=0.1)
    >>> chosen.text, chosen.version, chosen.alias
    ('Be brief.', 1, 'production')
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fmos_core.evolution.versions import VersionStore


@dataclass(frozen=True, slots=True)
class Selected:
    """The version of an artifact a call gets, its body and the alias that chose it."""

    body: dict[str, Any]
    version: int
    alias: str

    @property
    def text(self) -> str:
        """A system prompt's text."""
        return str(self.body.get("text", ""))

    @property
    def label(self) -> str:
        """How provenance names it: ``v3 (canary)``."""
        return f"v{self.version} ({self.alias})"


@dataclass(frozen=True, slots=True)
class _Aliases:
    read_at: float
    pinned: Selected | None
    canary: Selected | None
    production: Selected | None


class PromptSelector:
    """Picks a call's version of each artifact kind (see the module); one per kernel."""

    def __init__(
        self,
        store: VersionStore,
        *,
        ttl_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._clock = clock
        self._read: dict[tuple[str, str], _Aliases] = {}

    def select(
        self, vfm: str, session_key: str, *, canary_share: float, kind: str = "system_prompt"
    ) -> Selected | None:
        """The version for a call of ``session_key``; None when no alias is set."""
        aliases = self._aliases(vfm, kind)
        if aliases.pinned is not None:
            return aliases.pinned
        if aliases.canary is not None and _share(session_key) < canary_share:
            return aliases.canary
        return aliases.production

    def forget(self) -> None:
        """Read the aliases again on the next call (after a move in this process)."""
        self._read.clear()

    def canary(self, vfm: str, kind: str) -> int | None:
        """The canary version calls may draw now (None: no canary, or a pin hides it)."""
        aliases = self._aliases(vfm, kind)
        if aliases.pinned is not None or aliases.canary is None:
            return None
        return aliases.canary.version

    def _aliases(self, vfm: str, kind: str) -> _Aliases:
        now = self._clock()
        cached = self._read.get((vfm, kind))
        if cached is not None and now - cached.read_at < self._ttl_s:
            return cached
        fresh = _Aliases(
            now,
            *(self._version(vfm, kind, alias) for alias in ("pinned", "canary", "production")),
        )
        self._read[(vfm, kind)] = fresh
        return fresh

    def _version(self, vfm: str, kind: str, alias: str) -> Selected | None:
        number = self._store.alias(vfm, kind, alias)
        if number is None:
            return None
        return Selected(self._store.get(vfm, kind, number).body, number, alias)


def _share(key: str) -> float:
    """A stable number in [0, 1) for ``key``."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64
