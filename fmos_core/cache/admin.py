"""Housekeeping over both response caches: counts and purges, for ``fmos cache``.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> db = Database(f"sqlite:///{tempfile.mkdtemp()}/s.db")
    >>> stats(db), purge(db)
    ([], {'exact': 0, 'semantic': 0})
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Literal

from sqlalchemy import Table, case, delete, func, select

from fmos_core.cache.semantic import where
from fmos_core.store import schema
from fmos_core.store.db import Database

Kind = Literal["exact", "semantic"]
KINDS: tuple[Kind, ...] = ("exact", "semantic")


def _table(kind: Kind) -> Table:
    return schema.response_cache if kind == "exact" else schema.semantic_cache


def stats(db: Database, *, now: float | None = None) -> list[dict[str, object]]:
    """Rows per (tenant, VFM, kind): how many entries, how many of them expired."""
    now = time.time() if now is None else now
    rows: list[dict[str, object]] = []
    with db.engine.connect() as conn:
        for kind in KINDS:
            c = _table(kind).c
            expired = func.sum(case((c.expires_at <= now, 1), else_=0))
            query = (
                select(c.tenant, c.vfm, func.count(), expired)
                .group_by(c.tenant, c.vfm)
                .order_by(c.tenant, c.vfm)
            )
            for tenant, vfm, entries, stale in conn.execute(query):
                rows.append(
                    {
                        "tenant": tenant,
                        "vfm": vfm,
                        "kind": kind,
                        "entries": int(entries),
                        "expired": int(stale or 0),
                    }
                )
    return sorted(rows, key=lambda r: (str(r["tenant"]), str(r["vfm"]), str(r["kind"])))


def purge(
    db: Database,
    *,
    tenant: str | None = None,
    vfm: str | None = None,
    expired: bool = False,
    kinds: Iterable[Kind] = KINDS,
    now: float | None = None,
) -> dict[str, int]:
    """Drop the entries of ``tenant`` and/or ``vfm`` (all when neither is given) in the
    caches named by ``kinds``; with ``expired``, only those past their TTL. Returns the
    number dropped per kind."""
    now = time.time() if now is None else now
    dropped: dict[str, int] = dict.fromkeys(KINDS, 0)
    with db.begin() as conn:
        for kind in kinds:
            table = _table(kind)
            conditions = where(table, tenant, vfm)
            if expired:
                conditions.append(table.c.expires_at <= now)
            dropped[kind] = int(conn.execute(delete(table).where(*conditions)).rowcount)
    return dropped
