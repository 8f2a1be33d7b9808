"""The audit trail: every privileged decision, append-only and hash-chained.

Each record carries the hash of the one before it, and its own hash covers its
fields and that link, so a modified, inserted or deleted record breaks the chain at
the first place it touches; ``verify`` names that record.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> log = AuditLog(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
    >>> log.append(tenant="acme", actor="ops", action="approval.approve", subject="a1").seq
    1
    >>> log.verify() is None
    True
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import IntegrityError

from fmos_core.store import schema
from fmos_core.store.db import Database

GENESIS = "0" * 64
_LOCK_KEY = 0x464D4F53_4155  # "FMOS" "AU": the advisory lock that orders appends on PostgreSQL
_log = schema.audit_log


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One decision: who (``actor``) did what (``action``) to what (``subject``)."""

    seq: int
    at: float
    tenant: str
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def record_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The hash of a record: its fields (canonical JSON) chained to ``prev_hash``."""
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


class AuditLog:
    """Appends decisions and checks the chain."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def append(
        self,
        *,
        tenant: str,
        actor: str,
        action: str,
        subject: str,
        detail: dict[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> AuditRecord:
        """Append one record; inside ``conn``'s transaction when given (it commits with it)."""
        if conn is not None:
            return self._append(conn, tenant, actor, action, subject, detail or {})
        while True:  # two writers may take the same seq: the loser retries on the new tail
            try:
                with self._db.begin() as own:
                    return self._append(own, tenant, actor, action, subject, detail or {})
            except IntegrityError:
                continue

    def records(self, *, tenant: str | None = None) -> list[AuditRecord]:
        query = select(_log).order_by(_log.c.seq)
        if tenant is not None:
            query = query.where(_log.c.tenant == tenant)
        with self._db.engine.connect() as conn:
            return [AuditRecord(**row._mapping) for row in conn.execute(query)]

    def verify(self) -> AuditRecord | None:
        """The first record that breaks the chain (modified, inserted or after a deletion)."""
        previous, expected_seq = GENESIS, 1
        for record in self.records():
            fields = _fields(
                record.seq,
                record.at,
                record.tenant,
                record.actor,
                record.action,
                record.subject,
                record.detail,
            )
            if (
                record.seq != expected_seq
                or record.prev_hash != previous
                or record.hash != record_hash(previous, fields)
            ):
                return record
            previous, expected_seq = record.hash, record.seq + 1
        return None

    @staticmethod
    def _append(
        conn: Connection,
        tenant: str,
        actor: str,
        action: str,
        subject: str,
        detail: dict[str, Any],
    ) -> AuditRecord:
        if conn.dialect.name == "postgresql":  # one appender at a time (SQLite: BEGIN IMMEDIATE)
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        tail = conn.execute(select(_log.c.seq, _log.c.hash).order_by(_log.c.seq.desc()).limit(1))
        last = tail.first()
        seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
        at = time.time()
        fields = _fields(seq, at, tenant, actor, action, subject, detail)
        digest = record_hash(prev_hash, fields)
        conn.execute(insert(_log).values(**fields, prev_hash=prev_hash, hash=digest))
        return AuditRecord(**fields, prev_hash=prev_hash, hash=digest)


def _fields(
    seq: int, at: float, tenant: str, actor: str, action: str, subject: str, detail: dict[str, Any]
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": at,
        "tenant": tenant,
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": detail,
    }
