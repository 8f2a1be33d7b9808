"""``fmos traces``: recent requests, or one in full with its spans."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.errors import UserError
from fmos_core.registry import load_mirror
from fmos_core.store.traces import TraceReader

traces_app = typer.Typer(help="Show request traces.", invoke_without_command=True)
app.add_typer(traces_app, name="traces")


@traces_app.callback()
def list_traces(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List the newest traces."""
    if ctx.invoked_subcommand is not None:
        return
    records = TraceReader(settings(ctx).database()).list(limit=limit)
    if as_json:
        print_json([{k: v for k, v in asdict(r).items() if k != "spans"} for r in records])
        return
    table = Table(
        "trace", "when", "tenant", "vfm", "pfm", "status", "tokens", "cost $", "ms", "traps"
    )
    for r in records:
        when = dt.datetime.fromtimestamp(r.created_at).strftime("%H:%M:%S")
        traps = ", ".join(f"{t['type']}:{t['action']}" for t in r.traps)
        table.add_row(
            r.id[:12],
            when,
            r.tenant,
            r.vfm,
            r.pfm,
            r.status,
            f"{r.input_tokens}+{r.output_tokens}",
            f"{r.cost:.6f}",
            f"{r.latency_ms:.0f}",
            traps,
        )
    out().print(table)


@traces_app.command("show")
def show_trace(
    ctx: typer.Context,
    trace_id: Annotated[str, typer.Argument(help="Trace id (as printed by `fmos traces`).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show one trace with its spans."""
    reader = TraceReader(settings(ctx).database())
    record = reader.get(trace_id if len(trace_id) == 32 else reader.resolve(trace_id))
    if as_json:
        print_json(asdict(record))
        return
    console = out()
    for key, value in asdict(record).items():
        if key not in ("spans", "request", "response"):
            console.print(f"[bold]{key}[/bold]: {value}")
    table = Table("span", "start ms", "duration ms")
    for span in record.spans:
        table.add_row(span.name, f"{span.start_ms:.2f}", f"{span.duration_ms:.2f}")
    console.print(table)


@traces_app.command("export")
def export(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 1000,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Export the newest traces to the configured mirror's tracing (MLflow); traces
    exported before are skipped."""
    config = settings(ctx).config()
    if config.evolution.mirror is None:
        raise UserError('no mirror is configured; set [evolution] mirror = "mlflow"')
    mirror = load_mirror(config.evolution.mirror, config.evolution.mirror_options)
    reader = TraceReader(settings(ctx).database())
    records = [reader.get(r.id) for r in reader.list(limit=limit)]
    try:
        exported = mirror.traces(records)
    except Exception as exc:
        raise UserError(
            f"{mirror.describe()} did not take the traces ({type(exc).__name__}: {exc}); "
            "they stay in FMOS's store — check the tracking URI and retry"
        ) from None
    if as_json:
        print_json({"exported": exported, "read": len(records)})
    else:
        typer.echo(f"exported {exported} new trace(s) of {len(records)} to {mirror.describe()}")
