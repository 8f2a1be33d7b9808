"""A tenant-scoped key-value tier in the state store, for harness state and memory.

Values are bytes with a ``kind`` tag naming how they were serialised; keys sort
as strings within a namespace. Every method takes the tenant, so no call can read
or change another tenant's rows.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> kv = KeyValueStore(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
    >>> kv.put("acme", "notes", "a", b"hello")
    >>> kv.get("acme", "notes", "a").value, kv.get("other", "notes", "a")
    (b'hello', None)
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, delete, insert, select, tuple_

from fmos_core.store import schema
from fmos_core.store.db import Database


@dataclass(frozen=True, slots=True)
class KVItem:
    """One stored value."""

    namespace: str
    key: str
    kind: str
    value: bytes
    updated_at: float


class KeyValueStore:
    """Put, get, list and delete bytes by (tenant, namespace, key)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, tenant: str, namespace: str, key: str, value: bytes, kind: str = "bytes") -> None:
        """Store ``value`` (replacing what was there)."""
        self.put_many(tenant, [(namespace, key, kind, value)])

    def put_many(self, tenant: str, items: Iterable[tuple[str, str, str, bytes]]) -> None:
        """Store several ``(namespace, key, kind, value)`` at once, in one transaction."""
        rows = [
            {"tenant": tenant, "namespace": ns, "key": k, "kind": kind, "value": bytes(v)}
            for ns, k, kind, v in items
        ]
        if not rows:
            return
        now = time.time()
        c = schema.kv.c
        with self._db.begin() as conn:
            conn.execute(
                delete(schema.kv).where(
                    c.tenant == tenant,
                    tuple_(c.namespace, c.key).in_([(r["namespace"], r["key"]) for r in rows]),
                )
            )
            conn.execute(insert(schema.kv), [{**r, "updated_at": now} for r in rows])

    def get(self, tenant: str, namespace: str, key: str) -> KVItem | None:
        c = schema.kv.c
        query = select(schema.kv).where(c.tenant == tenant, c.namespace == namespace, c.key == key)
        with self._db.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _item(row._mapping)

    def list(
        self,
        tenant: str,
        namespace: str,
        *,
        prefix: str = "",
        before: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[KVItem]:
        """Items of a namespace by key (``before``: keys strictly lower than it)."""
        c = schema.kv.c
        where = [c.tenant == tenant, c.namespace == namespace]
        if prefix:
            where.append(c.key.startswith(prefix, autoescape=True))
        if before is not None:
            where.append(c.key < before)
        order = c.key.desc() if descending else c.key
        query = select(schema.kv).where(and_(*where)).order_by(order).limit(limit)
        with self._db.engine.connect() as conn:
            return [_item(row._mapping) for row in conn.execute(query)]

    def namespaces(self, tenant: str, prefix: str = "") -> builtins.list[str]:
        """Namespaces of ``tenant`` that start with ``prefix``, sorted."""
        c = schema.kv.c
        query = (
            select(c.namespace)
            .distinct()
            .where(c.tenant == tenant, c.namespace.startswith(prefix, autoescape=True))
            .order_by(c.namespace)
        )
        with self._db.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def delete(self, tenant: str, namespace: str, key: str | None = None) -> int:
        """Delete one key, or the whole namespace when ``key`` is None; returns rows deleted."""
        c = schema.kv.c
        where = [c.tenant == tenant, c.namespace == namespace]
        if key is not None:
            where.append(c.key == key)
        with self._db.begin() as conn:
            return int(conn.execute(delete(schema.kv).where(*where)).rowcount)

    def delete_prefix(self, tenant: str, namespace_prefix: str) -> int:
        """Delete every namespace of ``tenant`` starting with ``namespace_prefix``."""
        c = schema.kv.c
        where = [c.tenant == tenant, c.namespace.startswith(namespace_prefix, autoescape=True)]
        with self._db.begin() as conn:
            return int(conn.execute(delete(schema.kv).where(*where)).rowcount)


def _item(row: object) -> KVItem:
    v = dict(row)  # type: ignore[call-overload]
    return KVItem(v["namespace"], v["key"], v["kind"], bytes(v["value"]), v["updated_at"])
