"""``fmos audit``: read and verify the hash-chained audit trail."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.store.audit import AuditLog

audit_app = typer.Typer(help="The audit trail of privileged decisions.")
app.add_typer(audit_app, name="audit")


@audit_app.command("list")
def list_records(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List audit records, oldest first."""
    records = AuditLog(settings(ctx).database()).records(tenant=tenant)
    if as_json:
        print_json([asdict(r) for r in records])
        return
    table = Table("seq", "tenant", "actor", "action", "subject")
    for r in records:
        table.add_row(str(r.seq), r.tenant, r.actor, r.action, r.subject)
    out().print(table)


@audit_app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Check the hash chain; exit 1 naming the first modified, inserted or orphaned record."""
    log = AuditLog(settings(ctx).database())
    bad = log.verify()
    if bad is None:
        out().print(f"audit trail intact: {len(log.records())} records")
        return
    out().print(
        f"audit trail broken at record {bad.seq} ({bad.action} {bad.subject} by {bad.actor}): "
        "it was modified, inserted, or a record before it was deleted",
        markup=False,
    )
    raise typer.Exit(1)
