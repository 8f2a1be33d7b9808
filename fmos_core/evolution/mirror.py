"""Mirroring versions, evaluations and alias moves to an outside registry (MLflow).

The local version store is the record FMOS serves from; a mirror is a copy a team
browses. ``VersionRegistry`` sends every change to the mirror after it is committed locally.
When the mirror fails (unreachable, read-only), the change waits in the store's
outbox, serving goes on, ``status()`` says so, and the next change or ``sync()``
sends the backlog first, in order — nothing is lost. Without a mirror, the registry
is the local store alone.

Mirrors are found by name in the entry-point group ``fmos.mirrors`` (``mlflow``).

Example:
    >>> from fmos_core.store import Database
    >>> class Down:
    ...     def describe(self): return "a registry that is down"
    ...     def version(self, version): raise OSError("connection refused")
    >>> db = Database("sqlite:///:memory:")
    >>> versions = VersionRegistry(VersionStore(db), Down(), MirrorOutbox(db))
    >>> v = versions.register("default", "system_prompt", {"text": "Be brief."}, by="ann")
    >>> versions.status().waiting, versions.get("default", "system_prompt", 1).body
    (1, {'text': 'Be brief.'})
"""

from __future__ import annotations

import builtins
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from sqlalchemy import delete, func, insert, select

from fmos_core.evolution.versions import ALIASES, KINDS, AliasMove, Version, VersionStore
from fmos_core.store import schema
from fmos_core.store.db import Database
from fmos_core.store.traces import TraceRecord

_log = logging.getLogger("fmos_core.evolution")


class VersionMirror(Protocol):
    """What a mirror implements; each method may raise when the mirror is unusable."""

    def describe(self) -> str:
        """Where the mirror is, for messages: ``MLflow at sqlite:///…``."""
        ...

    def version(self, version: Version) -> None:
        """Record a new version (idempotent: a version already there is left alone)."""
        ...

    def evaluation(self, version: Version) -> None:
        """Record ``version.evaluation`` (an evaluation run with params and metrics)."""
        ...

    def alias(self, move: AliasMove) -> None:
        """Point the mirror's alias where ``move`` put it (``to_version`` None: unset)."""
        ...

    def traces(self, records: list[TraceRecord]) -> int:
        """Export trace records (spans, inputs, outputs, tokens, traps); how many were
        new (a trace exported before is skipped)."""
        ...


@dataclass(frozen=True, slots=True)
class MirrorStatus:
    """Whether the mirror is in step: ``waiting`` changes not sent, the last error."""

    target: str
    waiting: int
    error: str | None

    def __str__(self) -> str:
        if not self.waiting:
            return f"{self.target}: in step"
        return (
            f"{self.target}: {self.waiting} change(s) not mirrored yet ({self.error}); "
            "FMOS serves from its local store; `fmos versions sync` sends them"
        )


class MirrorOutbox:
    """Changes waiting for the mirror, in the state store (oldest first)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, event: str, payload: dict[str, Any], error: str) -> None:
        row = {"event": event, "payload": payload, "error": error, "at": time.time()}
        with self._db.begin() as conn:
            conn.execute(insert(schema.mirror_outbox).values(**row))

    def waiting(self) -> list[tuple[int, str, dict[str, Any]]]:
        c = schema.mirror_outbox.c
        with self._db.engine.connect() as conn:
            rows = conn.execute(select(c.id, c.event, c.payload).order_by(c.id)).all()
        return [(row.id, row.event, row.payload) for row in rows]

    def last_error(self) -> str | None:
        c = schema.mirror_outbox.c
        with self._db.engine.connect() as conn:
            return conn.execute(select(c.error).order_by(c.id.desc()).limit(1)).scalar()

    def count(self) -> int:
        with self._db.engine.connect() as conn:
            query = select(func.count()).select_from(schema.mirror_outbox)
            return int(conn.execute(query).scalar_one())

    def done(self, entry: int) -> None:
        with self._db.begin() as conn:
            conn.execute(delete(schema.mirror_outbox).where(schema.mirror_outbox.c.id == entry))


class VersionRegistry:
    """The version store, its changes also sent to ``mirror`` when there is one (see
    the module). Reads go to the local store."""

    def __init__(
        self, store: VersionStore, mirror: VersionMirror | None, outbox: MirrorOutbox
    ) -> None:
        self.store = store
        self.mirror = mirror
        self._outbox = outbox

    def get(self, vfm: str, kind: str, version: int) -> Version:
        return self.store.get(vfm, kind, version)

    def list(self, vfm: str, kind: str | None = None) -> list[Version]:
        return self.store.list(vfm, kind)

    def alias(self, vfm: str, kind: str, alias: str) -> int | None:
        return self.store.alias(vfm, kind, alias)

    def history(self, vfm: str, kind: str, alias: str | None = None) -> builtins.list[AliasMove]:
        return self.store.history(vfm, kind, alias)

    def register(
        self, vfm: str, kind: str, body: dict[str, Any], *, by: str, note: str = ""
    ) -> Version:
        version = self.store.register(vfm, kind, body, by=by, note=note)
        self._send("version", _key(version))
        return version

    def evaluate(self, vfm: str, kind: str, version: int, evaluation: dict[str, Any]) -> None:
        self.store.evaluate(vfm, kind, version, evaluation)
        self._send("evaluation", {"vfm": vfm, "kind": kind, "version": version})

    def move(
        self, vfm: str, kind: str, alias: str, version: int | None, *, by: str, reason: str
    ) -> AliasMove:
        return self._moved(self.store.move(vfm, kind, alias, version, by=by, reason=reason))

    def promote(self, vfm: str, kind: str, *, by: str, reason: str) -> AliasMove:
        move = self.store.promote(vfm, kind, by=by, reason=reason)
        self._send("alias", asdict(_cleared(move, "canary")))
        return self._moved(move)

    def rollback(
        self, vfm: str, kind: str, alias: str = "production", *, by: str, reason: str
    ) -> AliasMove:
        return self._moved(self.store.rollback(vfm, kind, alias, by=by, reason=reason))

    def abort_canary(self, vfm: str, kind: str, *, by: str, reason: str) -> AliasMove:
        return self._moved(self.store.abort_canary(vfm, kind, by=by, reason=reason))

    def sync(self, *, backfill: Sequence[str] = ()) -> MirrorStatus:
        """Send every waiting change, oldest first, until one fails. ``backfill`` names
        VFMs whose every version, evaluation and alias is sent again (those made before
        the mirror was configured; the mirror skips what it has)."""
        for vfm in backfill:
            for version in self.store.list(vfm):
                self._send("version", _key(version))
                if version.evaluation:
                    self._send("evaluation", _key(version))
            for kind in KINDS:
                for alias in ALIASES:
                    number = self.store.alias(vfm, kind, alias)
                    if number is not None:
                        move = AliasMove(vfm, kind, alias, None, number, time.time(), "fmos",
                                         "backfill", "backfill")  # fmt: skip
                        self._send("alias", asdict(move))
        self._drain()
        return self.status()

    def status(self) -> MirrorStatus:
        if self.mirror is None:
            return MirrorStatus("no mirror (the local store only)", 0, None)
        waiting = self._outbox.count()
        error = self._outbox.last_error() if waiting else None
        return MirrorStatus(self.mirror.describe(), waiting, error)

    def _moved(self, move: AliasMove) -> AliasMove:
        self._send("alias", asdict(move))
        return move

    def _send(self, event: str, payload: dict[str, Any]) -> None:
        if self.mirror is None:
            return
        if self._drain():
            try:
                self._deliver(event, payload)
                return
            except Exception as exc:  # the mirror failed: keep the change, go on serving
                error = _describe(exc)
                _log.warning("%s: %s; kept to send later", self.mirror.describe(), error)
        else:
            error = self._outbox.last_error() or "earlier changes are waiting"
        self._outbox.put(event, payload, error)

    def _drain(self) -> bool:
        """Send the backlog in order; False when it could not all be sent."""
        if self.mirror is None:
            return True
        for entry, event, payload in self._outbox.waiting():
            try:
                self._deliver(event, payload)
            except Exception as exc:
                _log.warning("%s still fails: %s", self.mirror.describe(), _describe(exc))
                return False
            self._outbox.done(entry)
        return True

    def _deliver(self, event: str, payload: dict[str, Any]) -> None:
        assert self.mirror is not None
        if event == "alias":
            self.mirror.alias(AliasMove(**payload))
            return
        version = self.store.get(payload["vfm"], payload["kind"], payload["version"])
        if event == "version":
            self.mirror.version(version)
        else:
            self.mirror.evaluation(version)


def _key(version: Version) -> dict[str, Any]:
    return {"vfm": version.vfm, "kind": version.kind, "version": version.version}


def _cleared(promotion: AliasMove, alias: str) -> AliasMove:
    return AliasMove(
        promotion.vfm, promotion.kind, alias, promotion.to_version, None,
        promotion.at, promotion.by, promotion.reason, promotion.action,
    )  # fmt: skip


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
