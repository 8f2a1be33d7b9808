"""``fmos cache``: count and purge the response caches (exact and semantic)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cache.admin import KINDS, Kind, purge, stats
from fmos_core.cli._app import app, out, print_json, settings

cache_app = typer.Typer(help="The response caches: entries per tenant and VFM, purges.")
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def show_stats(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Entries per tenant, VFM and cache kind, and how many of them expired."""
    rows = stats(settings(ctx).database())
    if as_json:
        print_json(rows)
        return
    table = Table("tenant", "vfm", "kind", "entries", "expired")
    for row in rows:
        table.add_row(*(str(row[k]) for k in ("tenant", "vfm", "kind", "entries", "expired")))
    out().print(table if rows else "the response caches are empty")


@cache_app.command("purge")
def purge_entries(
    ctx: typer.Context,
    tenant: Annotated[str | None, typer.Option("--tenant", help="Only this tenant's.")] = None,
    vfm: Annotated[str | None, typer.Option("--vfm", help="Only this VFM's.")] = None,
    expired: Annotated[bool, typer.Option("--expired", help="Only expired entries.")] = False,
    semantic: Annotated[bool, typer.Option("--semantic", help="Only the semantic cache.")] = False,
    exact: Annotated[bool, typer.Option("--exact", help="Only the exact cache.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Drop cached answers (every one matching the filters; both caches unless
    ``--semantic`` or ``--exact`` picks one)."""
    kinds: list[Kind] = []
    if exact:
        kinds.append("exact")
    if semantic:
        kinds.append("semantic")
    kinds = kinds or list(KINDS)
    dropped = purge(settings(ctx).database(), tenant=tenant, vfm=vfm, expired=expired, kinds=kinds)
    if as_json:
        print_json(dropped)
        return
    out().print(", ".join(f"{kind}: {n} dropped" for kind, n in dropped.items() if kind in kinds))
