"""``fmos approvals``: review privileged actions waiting for a human.

What a reviewer reads — arguments the model chose, the conversation that raised the
approval — may come from an attacker's tool output, so it is printed as plain text:
no console markup, and control, format (bidi, zero-width) and line-break characters
shown as escapes, so nothing can restyle, hide or forge a line of the review.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

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
        cells = (r.id, r.tenant, r.session, r.kind, r.tool, str(r.arguments), r.status)
        table.add_row(*(Text(printable(cell)) for cell in cells))
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
    context = approval.context or {}
    lines = [
        f"approval {approval.id}: {approval.kind} of tool {approval.tool!r}, {approval.status}",
        f"tenant {approval.tenant}, session {approval.session}, trace {approval.trace_id}",
        f"reason: {context.get('reason', '-')}",
        f"arguments: {approval.arguments}",
    ]
    if approval.definition:
        lines.append(f"new definition: {approval.definition}")
    lines += [f"  {m['role']}: {m['content'][:300]}" for m in context.get("messages", [])]
    console = out()
    for line in lines:
        console.print(Text(printable(line)))


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


def printable(text: str) -> str:
    """``text`` with every non-printable character (control, format, line break, lone
    surrogate) written as its escape, e.g. ``\\u202e``."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
