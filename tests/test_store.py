"""The state store: migrations, SQLite durability settings, traces, approvals, budgets.

The ledger, trace and approval tests run on SQLite and on PostgreSQL (``db_url``).
PostgreSQL is expected at ``postgresql+psycopg://postgres@127.0.0.1:5432/test``; when it
is unreachable the PostgreSQL runs fail if ``CI`` is set and are skipped otherwise.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from fmos_core import BadRequest, BudgetExceeded, ConfigError, UnknownRecord
from fmos_core.store import (
    ApprovalStore,
    BudgetLedger,
    Database,
    StateWriter,
    TraceReader,
    TraceRecord,
    migrations,
    schema,
)
from fmos_core.store.db import integrity_ok
from fmos_core.store.traces import Span


def rows(db: Database, table) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table))]


# --- migrations ---------------------------------------------------------------------------------


def test_migrations_are_applied_once(db_url):
    first = Database(db_url)
    applied = rows(first, schema.migrations)
    assert [(r["id"], r["name"]) for r in applied] == [
        (number, name) for number, (name, _) in enumerate(migrations.MIGRATIONS, start=1)
    ]
    first.close()

    second = Database(db_url)  # opening again applies nothing
    assert rows(second, schema.migrations) == applied
    with second.begin() as conn:
        assert migrations.apply(conn) == []
    assert rows(second, schema.migrations) == applied
    second.close()


def test_migrations_create_every_table(db):
    with db.engine.connect() as conn:
        for table in (
            schema.traces,
            schema.spans,
            schema.budgets,
            schema.reservations,
            schema.approvals,
        ):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
        count = select(func.count()).select_from(schema.migrations)
        assert conn.execute(count).scalar_one() == len(migrations.MIGRATIONS)


def test_a_new_migration_is_applied_on_next_open(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/s.db"
    Database(url).close()
    ran: list[int] = []

    def step(conn):
        ran.append(1)
        conn.execute(text("CREATE TABLE extra (x INTEGER)"))

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("0002_extra", step)])
    db = Database(url)
    Database(url).close()
    assert ran == [1]
    assert [r["name"] for r in rows(db, schema.migrations)][-1] == "0002_extra"
    db.close()


# --- SQLite settings ----------------------------------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/s.db")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert integrity_ok(db)
    db.close()
    assert (tmp_path / "s.db").exists()


def test_sqlite_creates_the_parent_directory(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/deep/er/s.db")
    assert (tmp_path / "deep" / "er" / "s.db").exists()
    db.close()


def test_bad_state_urls_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not a database URL"):
        Database("not a url")
    with pytest.raises(ConfigError, match="no database driver"):
        Database("nosuchdb://x/y")
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(ConfigError, match="cannot open the state store"):
        Database(f"sqlite:///{tmp_path}/dir.db")


# --- traces -------------------------------------------------------------------------------------


def _record(trace_id: str, **fields) -> TraceRecord:
    return TraceRecord(
        id=trace_id,
        tenant=fields.pop("tenant", "acme"),
        vfm="default",
        pfm="small",
        **fields,
    )


def test_trace_writer_flush_makes_records_readable(db):
    writer = StateWriter(db)
    record = _record(
        "t1",
        app="shop",
        session="s1",
        pfm_version="v2",
        status="error",
        error="BudgetExceeded: no",
        input_tokens=11,
        output_tokens=7,
        cached_tokens=2,
        reasoning_tokens=1,
        cost=0.001234,
        latency_ms=12.5,
        traps=[{"type": "budget", "reason": "r", "action": "raised BudgetExceeded"}],
        provenance={"policies": ["p"], "prompt_versions": {}, "memory_handles": []},
        request={"messages": [{"role": "user", "content": "hi"}]},
        response=None,
        spans=[Span("admit", 0.1, 0.2, {"k": "v"}), Span("execute", 0.4, 10.0)],
    )
    writer.submit(record)
    writer.flush()
    stored = TraceReader(db).get("t1")
    assert stored == record
    writer.close()


def test_trace_list_is_newest_first_and_filters_by_tenant(db):
    writer = StateWriter(db)
    now = time.time()
    for i, tenant in enumerate(["acme", "beta", "acme"]):
        writer.submit(_record(f"t{i}", tenant=tenant, created_at=now + i))
    writer.close()
    reader = TraceReader(db)
    assert [r.id for r in reader.list()] == ["t2", "t1", "t0"]
    assert [r.id for r in reader.list(tenant="acme")] == ["t2", "t0"]
    assert [r.id for r in reader.list(limit=1)] == ["t2"]


def test_trace_writer_batches_many_records(db):
    writer = StateWriter(db, max_batch=16)
    for i in range(200):
        writer.submit(_record(f"t{i}", spans=[Span("execute", 0.0, 1.0)]))
    writer.flush()
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.traces)).scalar_one() == 200
        assert conn.execute(select(func.count()).select_from(schema.spans)).scalar_one() == 200
    writer.close()


def test_trace_write_failure_surfaces_on_flush_and_the_writer_keeps_going(db):
    writer = StateWriter(db)
    writer.submit(_record("dup"))
    writer.flush()
    writer.submit(_record("dup"))
    with pytest.raises(IntegrityError):
        writer.flush()
    writer.submit(_record("after"))
    writer.close()
    assert TraceReader(db).get("after").id == "after"


def test_unknown_trace_id(db):
    with pytest.raises(UnknownRecord, match="no trace with id 'nope'"):
        TraceReader(db).get("nope")


# --- approvals ----------------------------------------------------------------------------------


def _approval(store: ApprovalStore, **fields):
    values = {
        "tenant": "acme",
        "app": "a",
        "session": "s",
        "vfm": "default",
        "trace_id": "t1",
        "tool": "send_email",
        "privilege": 2,
        "clearance": 1,
        "arguments": {"to": "bob"},
        "response": {"message": {"role": "assistant"}},
        **fields,
    }
    return store.create(**values)


def test_approvals_round_trip(db):
    store = ApprovalStore(db)
    created = _approval(store)
    assert store.get(created.id) == created
    assert created.status == "pending"
    other = _approval(store, tenant="beta")
    assert [a.id for a in store.list()] == [created.id, other.id]
    assert [a.id for a in store.list(tenant="beta")] == [other.id]
    decided = store.decide(created.id, approve=False, by="ops", reason="no")
    assert (decided.status, decided.decided_by, decided.reason) == ("denied", "ops", "no")
    assert decided.decided_at is not None
    assert [a.id for a in store.list()] == [other.id]
    assert [a.id for a in store.list(status="denied")] == [created.id]
    assert len(store.list(status=None)) == 2


def test_an_approval_decided_twice_is_a_bad_request(db):
    store = ApprovalStore(db)
    approval = _approval(store)
    store.decide(approval.id, approve=True, by="alice")
    with pytest.raises(BadRequest, match="already approved"):
        store.decide(approval.id, approve=False, by="mallory")
    with pytest.raises(BadRequest, match="already approved"):
        store.decide(approval.id, approve=True)
    kept = store.get(approval.id)
    assert (kept.status, kept.decided_by) == ("approved", "alice")


def test_unknown_approval(db):
    store = ApprovalStore(db)
    with pytest.raises(UnknownRecord, match="no approval with id 'nope'"):
        store.get("nope")
    with pytest.raises(UnknownRecord):
        store.decide("nope", approve=True)


# --- the ledger on each database ------------------------------------------------------------------


def test_ledger_reserve_settle_release(db):
    ledger = BudgetLedger(db)
    assert ledger.reserve("acme", tokens=5, cost=0.1) is None
    ledger.set("acme", tokens=100, cost=1.0, requests=3)
    first = ledger.reserve("acme", tokens=60, cost=0.5)
    second = ledger.reserve("acme", tokens=40, cost=0.5)
    with pytest.raises(BudgetExceeded) as info:
        ledger.reserve("acme", tokens=1, cost=0)
    assert info.value.resource == "tokens"
    ledger.settle(first, tokens=30, cost=0.25)
    ledger.settle(first, tokens=30, cost=0.25)  # twice: counted once
    ledger.release(second)
    status = ledger.show("acme")
    assert (status.tokens_used, status.cost_used, status.requests_used) == (30, 0.25, 1)
    assert (status.tokens_reserved, status.cost_reserved, status.requests_reserved) == (0, 0, 0)
    assert rows(db, schema.reservations) == []


def test_ledger_threads_never_overspend(db):
    ledger = BudgetLedger(db)
    ledger.set("acme", tokens=400)
    successes: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        while True:
            try:
                held = ledger.reserve("acme", tokens=25, cost=0)
            except BudgetExceeded:
                return
            except BaseException as exc:
                failures.append(exc)
                return
            time.sleep(0.002)
            ledger.settle(held, tokens=20, cost=0)
            successes.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    status = ledger.show("acme")
    assert len(successes) == 19  # see test_budgets: exactly 19 calls of 20 fit in 400
    assert (status.tokens_used, status.requests_used) == (380, 19)
    assert status.tokens_reserved == 0
    assert rows(db, schema.reservations) == []
