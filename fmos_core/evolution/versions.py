"""Versions of a VFM's evolvable artifacts, the aliases that pick one, and their history.

An artifact ``kind`` (``system_prompt``, ``demonstrations``, ``policy``) of a VFM has
numbered, immutable versions. The aliases ``production`` and ``canary`` point at
versions; ``pinned`` overrides both (for reproducibility). Every alias move —
register-time promotion, canary, promote, rollback, pin — is appended to a history
with who did it and why, so a rollback knows where to go back to and a rollback past
the first version is an error. This is the local record FMOS serves from; MLflow
mirrors it when configured.

Example:
    >>> from fmos_core.store import Database
    >>> store = VersionStore(Database("sqlite:///:memory:"))
    >>> one = store.register("default", "system_prompt", {"text": "Be brief."}, by="ann")
    >>> two = store.register("default", "system_prompt", {"text": "Be exact."}, by="ann")
    >>> _ = store.move("default", "system_prompt", "production", 1, by="ann", reason="first")
    >>> _ = store.move("default", "system_prompt", "production", 2, by="ann", reason="better")
    >>> store.rollback("default", "system_prompt", by="ann", reason="worse").to_version
    1
"""

from __future__ import annotations

import builtins
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.store import schema
from fmos_core.store.db import Database

KINDS = ("system_prompt", "demonstrations", "policy")
ALIASES = ("production", "canary", "pinned")


@dataclass(frozen=True, slots=True)
class Version:
    """One immutable version of an artifact, and its evaluation once it has one."""

    vfm: str
    kind: str
    version: int
    body: dict[str, Any]
    note: str
    created_at: float
    created_by: str
    evaluation: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AliasMove:
    """One move of an alias: from which version to which (None: unset), by whom, why."""

    vfm: str
    kind: str
    alias: str
    from_version: int | None
    to_version: int | None
    at: float
    by: str
    reason: str
    action: str = "move"  # move | promote | rollback


class VersionStore:
    """The versions, aliases and alias history in the state store (see the module)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register(
        self, vfm: str, kind: str, body: dict[str, Any], *, by: str, note: str = ""
    ) -> Version:
        """Store ``body`` as the next version of ``vfm``'s ``kind``; no alias moves."""
        _check_kind(kind)
        for _ in range(20):  # two writers may pick the same number: the key decides
            try:
                with self._db.begin() as conn:
                    number = _latest(conn, vfm, kind) + 1
                    version = Version(vfm, kind, number, body, note, time.time(), by)
                    conn.execute(
                        insert(schema.artifact_versions).values(
                            vfm=vfm, kind=kind, version=number, body=body, note=note,
                            created_at=version.created_at, created_by=by,
                        )
                    )  # fmt: skip
                    return version
            except IntegrityError:
                continue
        raise RuntimeError(f"could not register a version of {vfm}/{kind}: too much contention")

    def get(self, vfm: str, kind: str, version: int) -> Version:
        c = schema.artifact_versions.c
        query = select(schema.artifact_versions).where(
            c.vfm == vfm, c.kind == kind, c.version == version
        )
        with self._db.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            known = [v.version for v in self.list(vfm, kind)]
            raise UnknownRecord(
                f"no version {version} of {vfm}/{kind} (versions: {known or 'none'}); "
                "see `fmos versions list`"
            )
        return _version(row._mapping)

    def list(self, vfm: str, kind: str | None = None) -> list[Version]:
        c = schema.artifact_versions.c
        query = select(schema.artifact_versions).where(c.vfm == vfm)
        if kind is not None:
            query = query.where(c.kind == kind)
        with self._db.engine.connect() as conn:
            rows = conn.execute(query.order_by(c.kind, c.version)).all()
        return [_version(row._mapping) for row in rows]

    def evaluate(self, vfm: str, kind: str, version: int, evaluation: dict[str, Any]) -> None:
        """Store an evaluation's result with the version (replacing an earlier one)."""
        self.get(vfm, kind, version)
        c = schema.artifact_versions.c
        with self._db.begin() as conn:
            conn.execute(
                update(schema.artifact_versions)
                .where(c.vfm == vfm, c.kind == kind, c.version == version)
                .values(evaluation=evaluation)
            )

    def alias(self, vfm: str, kind: str, alias: str) -> int | None:
        """The version ``alias`` points at, or None."""
        c = schema.artifact_aliases.c
        query = select(c.version).where(c.vfm == vfm, c.kind == kind, c.alias == alias)
        with self._db.engine.connect() as conn:
            return conn.execute(query).scalar()

    def serving(self, vfm: str, kind: str) -> int | None:
        """The version calls get unless a canary draws them: pinned, else production."""
        pinned = self.alias(vfm, kind, "pinned")
        return pinned if pinned is not None else self.alias(vfm, kind, "production")

    def move(
        self, vfm: str, kind: str, alias: str, version: int | None, *, by: str, reason: str
    ) -> AliasMove:
        """Point ``alias`` at ``version`` (None: unset it); recorded in the history."""
        _check_kind(kind)
        if alias not in ALIASES:
            raise BadRequest(f"unknown alias {alias!r}; use one of {', '.join(ALIASES)}")
        if version is not None:
            self.get(vfm, kind, version)
        with self._db.begin() as conn:
            return _move(conn, vfm, kind, alias, version, by, reason, "move")

    def promote(self, vfm: str, kind: str, *, by: str, reason: str) -> AliasMove:
        """Make the canary the production version; the canary alias is cleared."""
        with self._db.begin() as conn:
            canary = _alias_for_update(conn, vfm, kind, "canary")
            if canary is None:
                raise BadRequest(
                    f"{vfm}/{kind} has no canary to promote; set one with "
                    f"`fmos versions promote --canary VERSION`"
                )
            _move(conn, vfm, kind, "canary", None, by, reason, "promote")
            return _move(conn, vfm, kind, "production", canary, by, reason, "promote")

    def rollback(
        self, vfm: str, kind: str, alias: str = "production", *, by: str, reason: str
    ) -> AliasMove:
        """Point ``alias`` back at the version it held before the current one; rolling
        back again goes further back, never past the first."""
        with self._db.begin() as conn:
            current = _alias_for_update(conn, vfm, kind, alias)
            c = schema.alias_moves.c
            moves = conn.execute(
                select(c.to_version, c.action)
                .where(c.vfm == vfm, c.kind == kind, c.alias == alias)
                .order_by(c.id)
            ).all()
            held: list[int | None] = []  # the versions the alias went through, undone ones out
            for move in moves:
                if move.action == "rollback":
                    held.pop()
                else:
                    held.append(move.to_version)
            if current is None or len(held) < 2 or held[-2] is None:
                raise BadRequest(
                    f"{vfm}/{kind} {alias} has no earlier version to roll back to "
                    f"(it is at {current if current is not None else 'none'}, its first); "
                    f"move it to a version with `fmos versions promote`"
                )
            return _move(conn, vfm, kind, alias, held[-2], by, reason, "rollback")

    def abort_canary(self, vfm: str, kind: str, *, by: str, reason: str) -> AliasMove:
        """Take the canary out of service (a rollback of the canary alias)."""
        with self._db.begin() as conn:
            if _alias_for_update(conn, vfm, kind, "canary") is None:
                raise BadRequest(f"{vfm}/{kind} has no canary to roll back")
            return _move(conn, vfm, kind, "canary", None, by, reason, "rollback")

    def history(self, vfm: str, kind: str, alias: str | None = None) -> builtins.list[AliasMove]:
        """Every move of the aliases of ``vfm``'s ``kind`` (or of one alias), oldest first."""
        c = schema.alias_moves.c
        query = select(schema.alias_moves).where(c.vfm == vfm, c.kind == kind)
        if alias is not None:
            query = query.where(c.alias == alias)
        with self._db.engine.connect() as conn:
            rows = conn.execute(query.order_by(c.id)).all()
        return [
            AliasMove(
                r.vfm, r.kind, r.alias, r.from_version, r.to_version, r.at, r.by, r.reason, r.action
            )
            for r in rows
        ]


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise BadRequest(f"unknown artifact kind {kind!r}; use one of {', '.join(KINDS)}")


def _latest(conn: Connection, vfm: str, kind: str) -> int:
    c = schema.artifact_versions.c
    query = select(func.max(c.version)).where(c.vfm == vfm, c.kind == kind)
    return int(conn.execute(query).scalar() or 0)


def _alias_for_update(conn: Connection, vfm: str, kind: str, alias: str) -> int | None:
    c = schema.artifact_aliases.c
    query = select(c.version).where(c.vfm == vfm, c.kind == kind, c.alias == alias)
    return conn.execute(query.with_for_update()).scalar()


def _move(
    conn: Connection,
    vfm: str,
    kind: str,
    alias: str,
    version: int | None,
    by: str,
    reason: str,
    action: str,
) -> AliasMove:
    """Move ``alias`` inside the caller's transaction and append the move to history."""
    previous = _alias_for_update(conn, vfm, kind, alias)
    now = time.time()
    c = schema.artifact_aliases.c
    where = (c.vfm == vfm, c.kind == kind, c.alias == alias)
    if version is None:
        conn.execute(delete(schema.artifact_aliases).where(*where))
    elif previous is None:
        conn.execute(
            insert(schema.artifact_aliases).values(
                vfm=vfm, kind=kind, alias=alias, version=version, updated_at=now
            )
        )
    else:
        conn.execute(
            update(schema.artifact_aliases).where(*where).values(version=version, updated_at=now)
        )
    move = AliasMove(vfm, kind, alias, previous, version, now, by, reason, action)
    conn.execute(
        insert(schema.alias_moves).values(
            vfm=vfm, kind=kind, alias=alias, from_version=previous, to_version=version,
            action=action, at=now, by=by, reason=reason,
        )
    )  # fmt: skip
    return move


def _version(row: Any) -> Version:
    return Version(
        vfm=row["vfm"],
        kind=row["kind"],
        version=row["version"],
        body=row["body"],
        note=row["note"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        evaluation=row["evaluation"],
    )
