"""``fmos feedback``: rate an answer, stored with its trace for the learners to use."""

from __future__ import annotations

from typing import Annotated

import typer

from fmos_core.cli._app import app, print_json, settings
from fmos_core.store.traces import TraceReader


@app.command("feedback")
def feedback(
    ctx: typer.Context,
    trace: Annotated[str, typer.Argument(help="A trace id, or a prefix only it has.")],
    score: Annotated[float, typer.Argument(help="0 = bad … 1 = good.")],
    comment: Annotated[str | None, typer.Option("--comment", help="Why (PII redacted).")] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="The trace's tenant (default: its own).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Rate the answer of a trace. The learned ladder, the learned router and reasoning
    tuning read the score; a rating replaces the trace's earlier one."""
    reader = TraceReader(settings(ctx).database())
    trace_id = reader.resolve(trace)
    owner = tenant if tenant is not None else reader.get(trace_id).tenant
    stored = reader.feedback(trace_id, score, comment, tenant=owner)
    if as_json:
        print_json({"trace_id": trace_id, "tenant": owner, **stored})
    else:
        typer.echo(f"rated trace {trace_id} ({owner}): {score:g}")
