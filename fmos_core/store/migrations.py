"""Ordered schema migrations, each applied once and recorded in ``fmos_migrations``.

Append new steps to ``MIGRATIONS``; never edit or reorder an applied one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, insert, inspect, select, text

from fmos_core.store import schema

Migration = tuple[str, Callable[[Connection], None]]


def _create_v1_tables(conn: Connection) -> None:
    v1 = [schema.traces, schema.spans, schema.budgets, schema.reservations, schema.approvals]
    schema.metadata.create_all(conn, tables=v1)


def _create_kv(conn: Connection) -> None:
    schema.kv.create(conn)


def _create_agent_filesystem(conn: Connection) -> None:
    tables = [
        schema.fs_blobs,
        schema.fs_versions,
        schema.fs_files,
        schema.fs_state,
        schema.fs_tool_calls,
        schema.fs_snapshots,
        schema.fs_snapshot_files,
        schema.fs_snapshot_state,
    ]
    schema.metadata.create_all(conn, tables=tables)


def _create_trust(conn: Connection) -> None:
    # a store created since 0001 already has these columns (0001 builds today's shape)
    approvals = schema.approvals.name
    present = {c["name"] for c in inspect(conn).get_columns(approvals)}
    for column, kind in (
        ("kind", "VARCHAR(20) NOT NULL DEFAULT 'tool_call'"),
        ("definition", "JSON"),
        ("context", "JSON"),
        ("expires_at", "FLOAT"),
    ):
        if column not in present:
            conn.execute(text(f"ALTER TABLE {approvals} ADD COLUMN {column} {kind}"))
    schema.metadata.create_all(conn, tables=[schema.tool_pins, schema.audit_log])


def _add_trace_signals(conn: Connection) -> None:
    # a store created since 0001 already has it (0001 builds today's shape)
    present = {c["name"] for c in inspect(conn).get_columns(schema.traces.name)}
    if "signals" not in present:
        conn.execute(text(f"ALTER TABLE {schema.traces.name} ADD COLUMN signals JSON"))


def _create_response_cache(conn: Connection) -> None:
    schema.response_cache.create(conn)


def _create_semantic_cache(conn: Connection) -> None:
    schema.semantic_cache.create(conn)


def _create_artifact_versions(conn: Connection) -> None:
    for table in (schema.artifact_versions, schema.artifact_aliases, schema.alias_moves):
        table.create(conn)


def _create_mirror_outbox(conn: Connection) -> None:
    schema.mirror_outbox.create(conn)


MIGRATIONS: list[Migration] = [
    ("0001_traces_budgets_approvals", _create_v1_tables),
    ("0002_key_value", _create_kv),
    ("0003_agent_filesystem", _create_agent_filesystem),
    ("0004_trust", _create_trust),
    ("0005_trace_signals", _add_trace_signals),
    ("0006_response_cache", _create_response_cache),
    ("0007_semantic_cache", _create_semantic_cache),
    ("0008_artifact_versions", _create_artifact_versions),
    ("0009_mirror_outbox", _create_mirror_outbox),
]


def apply(conn: Connection) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied now.

    Runs inside the caller's write transaction, so concurrent starters serialise.
    """
    if not inspect(conn).has_table(schema.migrations.name):
        schema.migrations.create(conn)
    done = set(conn.execute(select(schema.migrations.c.id)).scalars())
    applied = []
    for number, (name, step) in enumerate(MIGRATIONS, start=1):
        if number in done:
            continue
        step(conn)
        conn.execute(insert(schema.migrations).values(id=number, name=name, applied_at=time.time()))
        applied.append(name)
    return applied
