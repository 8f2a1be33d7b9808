"""Snapshots, rollback and fork of a session: statements run inside one transaction.

A snapshot records the session's tree (path → handle; versions are immutable, so
no bytes are copied) and its state rows. Rollback swaps both back; fork copies the
versions, tree and state under a new session name.
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Connection, delete, insert, literal, select

from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.memory._records import SnapshotInfo
from fmos_core.store import schema

_files = schema.fs_files
_state = schema.fs_state
_snaps = schema.fs_snapshots
_snap_files = schema.fs_snapshot_files
_snap_state = schema.fs_snapshot_state
_versions = schema.fs_versions


def take(conn: Connection, tenant: str, session: str, label: str | None) -> SnapshotInfo:
    """Record the session's files and state now; returns the new snapshot."""
    info = SnapshotInfo(id="snap:" + uuid.uuid4().hex[:16], label=label, created_at=time.time())
    conn.execute(
        insert(_snaps).values(
            id=info.id, tenant=tenant, session=session, label=label, created_at=info.created_at
        )
    )
    sid = literal(info.id)
    conn.execute(
        insert(_snap_files).from_select(
            ["snapshot_id", "path", "handle"],
            select(sid, _files.c.path, _files.c.handle).where(
                _files.c.tenant == tenant, _files.c.session == session
            ),
        )
    )
    conn.execute(
        insert(_snap_state).from_select(
            ["snapshot_id", "key", "value"],
            select(sid, _state.c.key, _state.c.value).where(
                _state.c.tenant == tenant, _state.c.session == session
            ),
        )
    )
    return info


def restore(conn: Connection, tenant: str, session: str, snapshot_id: str) -> None:
    """Put the session's files and state back to ``snapshot_id`` (of this session)."""
    owned = conn.execute(
        select(_snaps.c.id).where(
            _snaps.c.id == snapshot_id, _snaps.c.tenant == tenant, _snaps.c.session == session
        )
    ).first()
    if owned is None:
        raise UnknownRecord(f"no snapshot {snapshot_id!r} in this session; see `fmos fs snapshots`")
    conn.execute(delete(_files).where(_files.c.tenant == tenant, _files.c.session == session))
    conn.execute(delete(_state).where(_state.c.tenant == tenant, _state.c.session == session))
    t, s = literal(tenant), literal(session)
    conn.execute(
        insert(_files).from_select(
            ["tenant", "session", "path", "handle"],
            select(t, s, _snap_files.c.path, _snap_files.c.handle).where(
                _snap_files.c.snapshot_id == snapshot_id
            ),
        )
    )
    conn.execute(
        insert(_state).from_select(
            ["tenant", "session", "key", "value"],
            select(t, s, _snap_state.c.key, _snap_state.c.value).where(
                _snap_state.c.snapshot_id == snapshot_id
            ),
        )
    )


def copy_session(conn: Connection, tenant: str, session: str, new_session: str) -> None:
    """Copy versions, tree and state of ``session`` to the empty ``new_session``."""
    if new_session == session:
        raise BadRequest(f"cannot fork session {session!r} onto itself")
    for table in (_versions, _files, _state, schema.fs_tool_calls, _snaps):
        used = conn.execute(
            select(table.c.tenant).where(table.c.tenant == tenant, table.c.session == new_session)
        ).first()
        if used is not None:
            raise BadRequest(
                f"session {new_session!r} already has agent-filesystem data; fork into a new name"
            )
    t, n = literal(tenant), literal(new_session)
    v = _versions.c
    conn.execute(
        insert(_versions).from_select(
            ["tenant", "session", "handle", "path", "sha256", "size", "created_at"],
            select(t, n, v.handle, v.path, v.sha256, v.size, v.created_at).where(
                v.tenant == tenant, v.session == session
            ),
        )
    )
    conn.execute(
        insert(_files).from_select(
            ["tenant", "session", "path", "handle"],
            select(t, n, _files.c.path, _files.c.handle).where(
                _files.c.tenant == tenant, _files.c.session == session
            ),
        )
    )
    conn.execute(
        insert(_state).from_select(
            ["tenant", "session", "key", "value"],
            select(t, n, _state.c.key, _state.c.value).where(
                _state.c.tenant == tenant, _state.c.session == session
            ),
        )
    )


def listing(conn: Connection, tenant: str, session: str) -> list[SnapshotInfo]:
    """The session's snapshots, oldest first."""
    rows = conn.execute(
        select(_snaps.c.id, _snaps.c.label, _snaps.c.created_at)
        .where(_snaps.c.tenant == tenant, _snaps.c.session == session)
        .order_by(_snaps.c.created_at, _snaps.c.id)
    )
    return [SnapshotInfo(r.id, r.label, r.created_at) for r in rows]
