"""``fmos budget``: set and show per-tenant limits."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.errors import UnknownTenant
from fmos_core.store.budgets import BudgetLedger

budget_app = typer.Typer(help="Per-tenant budgets on tokens, cost and requests.")
app.add_typer(budget_app, name="budget")


def _limit(value: float | None) -> str:
    return "∞" if value is None else f"{value:g}"


@budget_app.command("set")
def set_budget(
    ctx: typer.Context,
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant name.")],
    tokens: Annotated[int | None, typer.Option("--tokens", help="Token limit.")] = None,
    cost: Annotated[float | None, typer.Option("--cost", help="Cost limit in USD.")] = None,
    requests: Annotated[int | None, typer.Option("--requests", help="Request limit.")] = None,
) -> None:
    """Set limits for a tenant (limits not given stay as they are)."""
    config = settings(ctx).config()
    if tenant not in config.tenants:
        raise UnknownTenant(
            f"tenant {tenant!r} is not configured; declare [tenants.{tenant}] "
            f"(configured: {', '.join(sorted(config.tenants))})"
        )
    ledger = BudgetLedger(settings(ctx).database())
    ledger.set(tenant, tokens=tokens, cost=cost, requests=requests)
    out().print(f"budget for {tenant!r} set")


@budget_app.command("show")
def show_budgets(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Show every tenant's limits, usage and outstanding reservations."""
    rows = BudgetLedger(settings(ctx).database()).all()
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    table = Table(
        "tenant", "tokens used/limit", "cost used/limit $", "requests used/limit", "reserved"
    )
    for r in rows:
        table.add_row(
            r.tenant,
            f"{r.tokens_used}/{_limit(r.tokens_limit)}",
            f"{r.cost_used:.6f}/{_limit(r.cost_limit)}",
            f"{r.requests_used}/{_limit(r.requests_limit)}",
            f"{r.tokens_reserved} tok, {r.requests_reserved} req",
        )
    out().print(table)
