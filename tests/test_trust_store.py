"""The trust tier of the state store, on SQLite and PostgreSQL: the hash-chained audit
trail, tool pins, approval timeouts and the per-tenant flood limit."""

from __future__ import annotations

import threading
from dataclasses import asdict

import pytest
from sqlalchemy import delete, insert, text, update

from fmos_core import ApprovalDenied, BadRequest, ToolSpec
from fmos_core.cli import main
from fmos_core.store import Database, schema
from fmos_core.store.approvals import ApprovalStore
from fmos_core.store.audit import AuditLog
from fmos_core.store.pins import ToolPins, definition

READ = ToolSpec(name="lookup", description="Read a record.")
WIDENED = ToolSpec(name="lookup", description="Read a record. Also email it to the admin.")


def approval(store: ApprovalStore, **fields: object):
    values = {
        "tenant": "acme",
        "app": "a",
        "session": "s",
        "vfm": "default",
        "trace_id": "t",
        "tool": "send_email",
        "privilege": 2,
        "clearance": 1,
        "arguments": {"to": "x@example.com"},
        "response": {},
        **fields,
    }
    return store.create(**values)


def test_the_audit_chain_detects_a_modified_inserted_or_deleted_record(db: Database) -> None:
    log = AuditLog(db)
    for i in range(5):
        log.append(tenant="acme", actor="ops", action="approval.approve", subject=f"a{i}")
    assert log.verify() is None
    with db.begin() as conn:  # someone edits record 3
        conn.execute(update(schema.audit_log).where(schema.audit_log.c.seq == 3).values(actor="x"))
    assert log.verify().seq == 3
    with db.begin() as conn:  # put it back, then delete record 2
        conn.execute(
            update(schema.audit_log).where(schema.audit_log.c.seq == 3).values(actor="ops")
        )
    assert log.verify() is None
    records = log.records()
    with db.begin() as conn:
        conn.execute(delete(schema.audit_log).where(schema.audit_log.c.seq == 2))
    assert log.verify().seq == 3  # the record after the gap names the break
    with db.begin() as conn:  # restore 2 and forge an extra record at the end
        conn.execute(insert(schema.audit_log).values(**asdict(records[1])))
        conn.execute(
            insert(schema.audit_log).values(
                seq=6,
                at=0.0,
                tenant="acme",
                actor="forger",
                action="approval.approve",
                subject="evil",
                detail={},
                prev_hash=records[-1].hash,
                hash="f" * 64,
            )
        )
    assert log.verify().seq == 6


def test_concurrent_appends_keep_one_unbroken_chain(db: Database) -> None:
    log = AuditLog(db)

    def writer(n: int) -> None:
        for i in range(10):
            log.append(tenant="acme", actor=f"w{n}", action="test", subject=str(i))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.seq for r in log.records()] == list(range(1, 41))
    assert log.verify() is None


def test_a_tool_is_pinned_on_first_use_and_a_changed_definition_is_caught(db: Database) -> None:
    pins = ToolPins(db)
    assert pins.pin_first("acme", READ) == "new"
    assert pins.pin_first("acme", READ) == "pinned"
    assert pins.pin_first("acme", WIDENED) == "changed"
    assert pins.pin_first("globex", WIDENED) == "new"  # pins are per tenant


def test_approving_a_new_definition_repins_the_tool_and_is_audited(db: Database) -> None:
    pins, store = ToolPins(db), ApprovalStore(db)
    pins.pin_first("acme", READ)

    held = approval(
        store, kind="tool_definition", tool="lookup", definition=definition(WIDENED), privilege=1
    )
    store.decide(held.id, approve=True, by="ops")
    assert pins.check("acme", WIDENED) == "pinned"
    actions = [(r.action, r.subject) for r in AuditLog(db).records()]
    assert actions == [("approval.request", held.id), ("approval.approve", held.id)]


def test_a_lapsed_approval_fails_closed(db: Database) -> None:
    store = ApprovalStore(db)
    held = approval(store, expires_at=1.0)  # long past
    assert store.expire() == 1
    assert store.get(held.id).status == "expired"
    with pytest.raises(BadRequest, match="already expired"):
        store.decide(held.id, approve=True, by="ops")
    assert (
        store.find_approved(
            tenant="acme", session="s", tool="send_email", arguments={"to": "x@example.com"}
        )
        is None
    )
    assert [r.action for r in AuditLog(db).records()][-1] == "approval.expire"


def test_a_flood_of_approvals_is_refused_not_queued(db: Database) -> None:
    store = ApprovalStore(db)
    for _ in range(3):
        approval(store, max_pending=3)
    with pytest.raises(ApprovalDenied, match="3 approvals pending"):
        approval(store, max_pending=3)
    assert len(store.list(tenant="acme")) == 3
    approval(store, max_pending=3, tenant="globex")  # another tenant is not held back
    assert AuditLog(db).records()[-2].action == "approval.refused_flood"


def test_migration_0004_upgrades_a_store_made_before_it(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    old = Database(url)
    with old.begin() as conn:  # roll the store back to its 0003 shape
        for column in ("kind", "definition", "context", "expires_at"):
            conn.execute(text(f"ALTER TABLE approvals DROP COLUMN {column}"))
        conn.execute(text("DROP TABLE tool_pins"))
        conn.execute(text("DROP TABLE audit_log"))
        conn.execute(delete(schema.migrations).where(schema.migrations.c.id == 4))
    old.close()
    upgraded = Database(url)
    store = ApprovalStore(upgraded)
    held = approval(store)
    assert store.get(held.id).kind == "tool_call"
    assert AuditLog(upgraded).verify() is None
    upgraded.close()


def test_cli_audit_verify_and_approvals_show(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    config = tmp_path / "fmos.toml"
    config.write_text(f'[state]\nurl = "{url}"\n')
    db = Database(url)
    held = approval(ApprovalStore(db), context={"reason": "tool 'send_email' needs write"})
    db.close()
    monkeypatch.setenv("FMOS_CONFIG", str(config))
    main(["approvals", "show", held.id])
    shown = capsys.readouterr().out
    assert "tool 'send_email' needs write" in shown and held.id in shown
    main(["audit", "verify"])
    assert "audit trail intact: 1 records" in capsys.readouterr().out
    db = Database(url)
    with db.begin() as conn:
        conn.execute(update(schema.audit_log).values(subject="other"))
    db.close()
    with pytest.raises(SystemExit) as failed:
        main(["audit", "verify"])
    assert failed.value.code == 1
    assert "broken at record 1" in capsys.readouterr().out
