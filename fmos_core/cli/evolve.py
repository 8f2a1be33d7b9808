"""``fmos evolve``: one evolution step of a VFM's demonstrations or system prompt."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from fmos_core.cli._app import app, print_json, settings
from fmos_core.evolution.evaluation import eval_set_cases
from fmos_core.kernel import FMOS
from fmos_core.pool.evalset import load_eval_set


@app.command("evolve")
def evolve(
    ctx: typer.Context,
    vfm: Annotated[str, typer.Option("--vfm", help="The VFM to evolve.")] = "default",
    kind: Annotated[
        str, typer.Option("--kind", help="demonstrations or system_prompt.")
    ] = "demonstrations",
    eval_set: Annotated[
        Path | None,
        typer.Option(
            "--eval-set",
            help="JSONL cases to judge candidates on (needed when the VFM has no app checks "
            "in this process, as from the CLI).",
        ),
    ] = None,
    family: Annotated[
        str | None, typer.Option("--family", help="Learn from, and serve, this tag only.")
    ] = None,
    tenant: Annotated[
        str, typer.Option("--tenant", help="Tenant billed for the evaluation calls.")
    ] = "default",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Propose a candidate from the judged traces, evaluate it against what is served
    now, and make it the canary if it is better (a worse one is kept on record)."""
    cases = eval_set_cases(load_eval_set(eval_set)) if eval_set is not None else None
    with FMOS(settings(ctx).config()) as fmos:
        step = fmos.evolve(vfm, kind, family=family, cases=cases, tenant=tenant)
    if as_json:
        print_json({"version": dataclasses.asdict(step.version), "alias": step.alias})
        return
    typer.echo(f"{vfm}/{kind} v{step.version.version} is the {step.alias}")
    if step.candidate is not None and step.baseline is not None:
        typer.echo(
            f"offline: {step.candidate.accuracy:.0%} against {step.baseline.accuracy:.0%} "
            f"served now, on {step.candidate.total} cases"
        )
    else:
        typer.echo(f"held-out evaluation: {step.version.evaluation}")
