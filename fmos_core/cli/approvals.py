"""``fmos approvals``: review privileged actions waiting for a human."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.store.approvals import ApprovalStore

approvals_app = typer.Typer(help="Pending approvals of privileged tool calls.")
app.add_typer(approvals_app, name="approvals")


@approvals_app.command("list")
def list_approvals(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include decided ones.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List pending approvals."""
    rows = ApprovalStore(settings(ctx).database()).list(status=None if all_ else "pending")
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    table = Table("id", "tenant", "session", "kind", "tool", "arguments", "status")
    for r in rows:
        table.add_row(r.id, r.tenant, r.session, r.kind, r.tool, str(r.arguments), r.status)
    out().print(table)


@approvals_app.command("show")
def show(
    ctx: typer.Context,
    approval_id: str,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one approval with the context that raised it."""
    store = ApprovalStore(settings(ctx).database())
    store.expire()
    approval = store.get(approval_id)
    if as_json:
        print_json(asdict(approval))
        return
    console = out()
    console.print(
        f"approval {approval.id}: {approval.kind} of tool {approval.tool!r}, {approval.status}"
    )
    where = f"tenant {approval.tenant}, session {approval.session}"
    console.print(f"{where}, trace {approval.trace_id}")
    context = approval.context or {}
    console.print(f"reason: {context.get('reason', '-')}", markup=False)
    console.print(f"arguments: {approval.arguments}", markup=False)
    if approval.definition:
        console.print(f"new definition: {approval.definition}", markup=False)
    for message in context.get("messages", []):
        console.print(f"  {message['role']}: {message['content'][:300]}", markup=False)


def _decide(
    ctx: typer.Context, approval_id: str, approve: bool, by: str, reason: str | None
) -> None:
    decided = ApprovalStore(settings(ctx).database()).decide(
        approval_id, approve=approve, by=by, reason=reason
    )
    out().print(f"approval {decided.id} {decided.status}")


@approvals_app.command("approve")
def approve(
    ctx: typer.Context,
    approval_id: str,
    by: Annotated[str, typer.Option("--by")] = "cli",
    reason: Annotated[str | None, typer.Option("--reason")] = None,
) -> None:
    """Approve a pending approval."""
    _decide(ctx, approval_id, True, by, reason)


@approvals_app.command("deny")
def deny(
    ctx: typer.Context,
    approval_id: str,
    by: Annotated[str, typer.Option("--by")] = "cli",
    reason: Annotated[str | None, typer.Option("--reason")] = None,
) -> None:
    """Deny a pending approval."""
    _decide(ctx, approval_id, False, by, reason)
