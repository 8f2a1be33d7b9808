"""Small SQL helpers shared by the agent filesystem modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, insert
from sqlalchemy.dialects import postgresql, sqlite


def upsert(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    keys: Sequence[str],
    *,
    replace: bool,
) -> None:
    """Insert ``values``; on a key clash replace the row (``replace``) or keep it.

    One statement on SQLite and PostgreSQL, so concurrent writers cannot collide.
    """
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        make = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = make(table).values(**values)
        if replace:
            changed = {k: stmt.excluded[k] for k in values if k not in keys}
            conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changed))
        else:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=list(keys)))
        return
    match = and_(*(table.c[k] == values[k] for k in keys))
    if replace:  # other dialects: the transaction's lock serialises this pair
        conn.execute(delete(table).where(match))
    elif conn.execute(table.select().where(match)).first() is not None:
        return
    conn.execute(insert(table).values(**values))
