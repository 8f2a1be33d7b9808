"""The agent filesystem: a session's files, state, tool-call log, snapshots and forks.

Every method takes ``tenant`` and ``session`` and every query filters on both, so
no call reaches another tenant's (or session's) rows. A write stores one immutable
*version* and names it by a handle (``"fs:…"``): ``read(handle)`` returns exactly
those bytes forever, while ``read_path`` follows the path to its latest version.
Bytes are kept once per tenant by SHA-256, so snapshots and forks copy no data.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> fs = AgentFS(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
    >>> h = fs.write("acme", "s1", "notes/a.txt", "one\\ntwo\\n")
    >>> _ = fs.write("acme", "s1", "notes/a.txt", "changed")
    >>> fs.read("acme", "s1", h.id), fs.read_path("acme", "s1", "notes/a.txt")
    (b'one\\ntwo\\n', b'changed')
    >>> snap = fs.snapshot("acme", "s1")
    >>> fs.delete("acme", "s1", "notes/a.txt")
    True
    >>> fs.rollback("acme", "s1", snap); [f.path for f in fs.list("acme", "s1")]
    ['notes/a.txt']
"""

from __future__ import annotations

import builtins
import fnmatch
import hashlib
import json
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select

from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.memory import _history
from fmos_core.memory._records import (
    FileHandle,
    GrepMatch,
    SnapshotInfo,
    ToolCallRecord,
    dump_json,
    normalize_path,
    to_bytes,
)
from fmos_core.memory._sql import upsert
from fmos_core.store import schema
from fmos_core.store.db import Database

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024

_blobs = schema.fs_blobs
_versions = schema.fs_versions
_files = schema.fs_files
_state = schema.fs_state
_calls = schema.fs_tool_calls
_MISSING = object()


class AgentFS:
    """Files, key-value state, a tool-call log and snapshots per (tenant, session).

    ``max_file_bytes`` caps one file (default 64 MiB); a larger write raises
    ``BadRequest`` naming the limit.

    Example:
        >>> import tempfile
        >>> from fmos_core.store.db import Database
        >>> fs = AgentFS(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
        >>> _ = fs.write("acme", "main", "plan.md", "step 1\\nstep 2\\n")
        >>> child = fs.fork("acme", "main", "sub-agent")
        >>> _ = fs.write("acme", child, "plan.md", "mine now")
        >>> [m.text for m in fs.grep("acme", "main", "step 2")]
        ['step 2']
    """

    def __init__(self, db: Database, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        if max_file_bytes < 0:
            raise BadRequest(f"max_file_bytes must be ≥ 0, got {max_file_bytes}")
        self._db = db
        self.max_file_bytes = max_file_bytes

    # --- files ------------------------------------------------------------------------------

    def write(
        self, tenant: str, session: str, path: str, data: bytes | bytearray | str
    ) -> FileHandle:
        """Store ``data`` as the new version of ``path``; returns its handle."""
        return self.write_many(tenant, session, {path: data})[0]

    def write_many(
        self, tenant: str, session: str, files: Mapping[str, bytes | bytearray | str]
    ) -> list[FileHandle]:
        """Write several files in one transaction: all of them or none."""
        _check_scope(tenant, session)
        prepared = []
        for path, data in files.items():
            raw = to_bytes(data)
            if len(raw) > self.max_file_bytes:
                raise BadRequest(
                    f"file {path!r} is {len(raw)} bytes; the limit is {self.max_file_bytes} "
                    "bytes (AgentFS(db, max_file_bytes=N) sets it)"
                )
            prepared.append((normalize_path(path), raw))
        now = time.time()
        handles = []
        with self._db.begin() as conn:
            for path, raw in prepared:
                digest = hashlib.sha256(raw).hexdigest()
                handle = FileHandle("fs:" + uuid.uuid4().hex[:16], path, len(raw), digest, now)
                upsert(
                    conn,
                    _blobs,
                    {"tenant": tenant, "sha256": digest, "size": len(raw), "data": raw},
                    ("tenant", "sha256"),
                    replace=False,
                )
                conn.execute(
                    insert(_versions).values(
                        tenant=tenant,
                        session=session,
                        handle=handle.id,
                        path=path,
                        sha256=digest,
                        size=len(raw),
                        created_at=now,
                    )
                )
                upsert(
                    conn,
                    _files,
                    {"tenant": tenant, "session": session, "path": path, "handle": handle.id},
                    ("tenant", "session", "path"),
                    replace=True,
                )
                handles.append(handle)
        return handles

    def stat(self, tenant: str, session: str, path: str) -> FileHandle:
        """The handle of the latest version of ``path``."""
        path = normalize_path(path)
        v = _versions.c
        query = (
            _version_query(tenant, session)
            .join(_files, (_files.c.handle == v.handle) & (_files.c.session == v.session))
            .where(_files.c.tenant == tenant, _files.c.path == path)
        )
        with self._db.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise UnknownRecord(f"no file {path!r} in this session; see `fmos fs ls`")
        return _handle(row)

    def handle(self, tenant: str, session: str, handle: str) -> FileHandle:
        """The version named by ``handle`` (``UnknownRecord`` if this session cannot see it)."""
        with self._db.engine.connect() as conn:
            return _handle(_one_version(conn, tenant, session, handle))

    def read(self, tenant: str, session: str, handle: str) -> bytes:
        """Exactly the bytes written when ``handle`` was made."""
        with self._db.engine.connect() as conn:
            version = _one_version(conn, tenant, session, handle)
            return _blob(conn, tenant, version.sha256)

    def read_path(self, tenant: str, session: str, path: str) -> bytes:
        """The latest bytes of ``path``."""
        return self.read(tenant, session, self.stat(tenant, session, path).id)

    def read_range(
        self, tenant: str, session: str, handle: str, start: int, end: int | None = None
    ) -> bytes:
        """Bytes ``[start, end)`` of a version (0-based, ``end=None``: to the end)."""
        if start < 0 or (end is not None and end < start):
            raise BadRequest(f"byte range [{start}, {end}) must have 0 ≤ start ≤ end")
        with self._db.engine.connect() as conn:
            version = _one_version(conn, tenant, session, handle)
            stop = version.size if end is None else min(end, version.size)
            if start >= stop:
                return b""
            part = conn.execute(
                select(func.substr(_blobs.c.data, start + 1, stop - start)).where(
                    _blobs.c.tenant == tenant, _blobs.c.sha256 == version.sha256
                )
            ).scalar_one()
        return bytes(part)

    def read_lines(
        self, tenant: str, session: str, handle: str, first: int, last: int | None = None
    ) -> bytes:
        """Lines ``first..last`` of a version, 1-based and inclusive (as ``grep`` numbers them),
        with their line endings; ``last=None`` reads to the end."""
        if first < 1 or (last is not None and last < first):
            raise BadRequest(f"line range {first}..{last} must have 1 ≤ first ≤ last")
        lines = _lines(self.read(tenant, session, handle))
        return b"".join(lines[first - 1 : last])

    def list(self, tenant: str, session: str, prefix: str = "") -> builtins.list[FileHandle]:
        """The latest version of every file whose path starts with ``prefix``, by path."""
        prefix = prefix.lstrip("/")
        v = _versions.c
        query = (
            _version_query(tenant, session)
            .join(_files, (_files.c.handle == v.handle) & (_files.c.session == v.session))
            .where(_files.c.tenant == tenant)
            .order_by(_files.c.path)
        )
        if prefix:
            query = query.where(_files.c.path.startswith(prefix, autoescape=True))
        with self._db.engine.connect() as conn:
            return [_handle(row) for row in conn.execute(query)]

    def glob(self, tenant: str, session: str, pattern: str) -> builtins.list[FileHandle]:
        """Files whose path matches the shell pattern (``*`` also crosses ``/``)."""
        pattern = pattern.lstrip("/")
        return [f for f in self.list(tenant, session) if fnmatch.fnmatchcase(f.path, pattern)]

    def grep(
        self,
        tenant: str,
        session: str,
        pattern: str,
        paths: str = "*",
        *,
        max_matches: int = 1000,
    ) -> builtins.list[GrepMatch]:
        """Lines matching the regular expression ``pattern`` in files matching ``paths``.

        Files are read as UTF-8 (undecodable bytes become U+FFFD); results are ordered
        by path, then line number, and stop after ``max_matches``.
        """
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise BadRequest(f"grep pattern {pattern!r} is not a valid regex: {exc}") from None
        found: builtins.list[GrepMatch] = []
        for file in self.glob(tenant, session, paths):
            data = self.read(tenant, session, file.id)
            for number, line in enumerate(_lines(data), start=1):
                text = line.rstrip(b"\r\n").decode("utf-8", errors="replace")
                if regex.search(text):
                    found.append(GrepMatch(file.path, number, text))
                    if len(found) >= max_matches:
                        return found
        return found

    def delete(self, tenant: str, session: str, path: str) -> bool:
        """Remove ``path`` from the tree (its handles stay readable); False if absent."""
        path = normalize_path(path)
        c = _files.c
        with self._db.begin() as conn:
            done = conn.execute(
                delete(_files).where(c.tenant == tenant, c.session == session, c.path == path)
            )
        return bool(done.rowcount)

    # --- key-value state ----------------------------------------------------------------------

    def set_state(self, tenant: str, session: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable ``value`` under ``key`` (snapshots include it)."""
        _check_scope(tenant, session)
        if not key or len(key) > 500:
            raise BadRequest(f"state key must be 1 to 500 characters, got {key!r}")
        row = {"tenant": tenant, "session": session, "key": key}
        with self._db.begin() as conn:
            upsert(
                conn,
                _state,
                {**row, "value": dump_json(value, f"state {key!r}")},
                ("tenant", "session", "key"),
                replace=True,
            )

    def get_state(self, tenant: str, session: str, key: str, default: Any = None) -> Any:
        """The value under ``key``, or ``default``."""
        c = _state.c
        with self._db.engine.connect() as conn:
            value = conn.execute(
                select(c.value).where(c.tenant == tenant, c.session == session, c.key == key)
            ).scalar()
        return default if value is None else json.loads(value)

    def state(self, tenant: str, session: str) -> dict[str, Any]:
        """Every state key of the session and its value."""
        c = _state.c
        query = select(c.key, c.value).where(c.tenant == tenant, c.session == session)
        with self._db.engine.connect() as conn:
            return {r.key: json.loads(r.value) for r in conn.execute(query.order_by(c.key))}

    def delete_state(self, tenant: str, session: str, key: str) -> bool:
        """Remove ``key``; False if it was not set."""
        c = _state.c
        with self._db.begin() as conn:
            done = conn.execute(
                delete(_state).where(c.tenant == tenant, c.session == session, c.key == key)
            )
        return bool(done.rowcount)

    # --- tool-call log --------------------------------------------------------------------------

    def log_tool_call(
        self,
        tenant: str,
        session: str,
        name: str,
        arguments: dict[str, Any],
        result_summary: str,
        handle: str | None = None,
    ) -> ToolCallRecord:
        """Append a tool call; ``handle`` (optional) points at its full output.

        The log is an audit record: rollback does not rewind it and fork does not copy it.
        """
        _check_scope(tenant, session)
        args = dump_json(arguments, "tool-call arguments")
        now = time.time()
        with self._db.begin() as conn:
            if handle is not None:
                _one_version(conn, tenant, session, handle)
            seq = conn.execute(
                insert(_calls)
                .values(
                    tenant=tenant,
                    session=session,
                    created_at=now,
                    name=name,
                    arguments=args,
                    result_summary=result_summary,
                    handle=handle,
                )
                .returning(_calls.c.id)
            ).scalar_one()
        return ToolCallRecord(seq, now, name, json.loads(args), result_summary, handle)

    def tool_calls(self, tenant: str, session: str) -> builtins.list[ToolCallRecord]:
        """The session's tool calls in the order they were logged."""
        c = _calls.c
        query = select(_calls).where(c.tenant == tenant, c.session == session).order_by(c.id)
        with self._db.engine.connect() as conn:
            return [
                ToolCallRecord(
                    r.id, r.created_at, r.name, json.loads(r.arguments), r.result_summary, r.handle
                )
                for r in conn.execute(query)
            ]

    # --- snapshots and forks --------------------------------------------------------------------

    def snapshot(self, tenant: str, session: str, label: str | None = None) -> str:
        """Save the session's files and state; returns the snapshot id (``"snap:…"``)."""
        _check_scope(tenant, session)
        with self._db.begin() as conn:
            return _history.take(conn, tenant, session, label).id

    def snapshots(self, tenant: str, session: str) -> builtins.list[SnapshotInfo]:
        """The session's snapshots, oldest first."""
        with self._db.engine.connect() as conn:
            return _history.listing(conn, tenant, session)

    def rollback(self, tenant: str, session: str, snapshot_id: str) -> None:
        """Put files and state back exactly as at ``snapshot_id``, in one transaction.

        Versions written since stay readable by handle; the tool-call log is kept.
        """
        with self._db.begin() as conn:
            _history.restore(conn, tenant, session, snapshot_id)

    def fork(self, tenant: str, session: str, new_session: str) -> str:
        """Copy the session's files, handles and state to ``new_session`` and return it.

        The two sessions are independent afterwards. ``new_session`` must be unused.
        """
        _check_scope(tenant, new_session)
        with self._db.begin() as conn:
            _history.copy_session(conn, tenant, session, new_session)
        return new_session


def _check_scope(tenant: str, session: str) -> None:
    for name, value in (("tenant", tenant), ("session", session)):
        if not isinstance(value, str) or not value or len(value) > 200:
            raise BadRequest(f"{name} must be a non-empty string of ≤ 200 characters")


def _version_query(tenant: str, session: str) -> Any:
    v = _versions.c
    return select(v.handle, v.path, v.size, v.sha256, v.created_at).where(
        v.tenant == tenant, v.session == session
    )


def _one_version(conn: Connection, tenant: str, session: str, handle: str) -> Row[Any]:
    row = conn.execute(_version_query(tenant, session).where(_versions.c.handle == handle)).first()
    if row is None:  # the same words whether it is missing or someone else's
        raise UnknownRecord(f"no file version {handle!r} in this session")
    return row


def _blob(conn: Connection, tenant: str, digest: str) -> bytes:
    data = conn.execute(
        select(_blobs.c.data).where(_blobs.c.tenant == tenant, _blobs.c.sha256 == digest)
    ).scalar_one()
    return bytes(data)


def _handle(row: Row[Any]) -> FileHandle:
    return FileHandle(row.handle, row.path, row.size, row.sha256, row.created_at)


def _lines(data: bytes) -> builtins.list[bytes]:
    """Split after each ``\\n``, keeping it; a final line without one still counts."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
