"""``fmos route``: why a call went to its pFM, and the learned router's versions."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.config import fmos_home
from fmos_core.routing import RouterArtifacts, explain
from fmos_core.store.traces import TraceReader

route_app = typer.Typer(help="Routing: why a pFM was chosen; the learned router.")
app.add_typer(route_app, name="route")

VfmOption = Annotated[str, typer.Option("--vfm", help="The VFM whose router it is.")]


@route_app.command("explain")
def explain_trace(
    ctx: typer.Context,
    trace_id: Annotated[str, typer.Argument(help="A trace id or a unique prefix of one.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Say in plain words why the call of TRACE_ID went to its pFM."""
    reader = TraceReader(settings(ctx).database())
    trace = reader.get(reader.resolve(trace_id))
    route = (trace.signals or {}).get("route")
    if as_json:
        print_json({"trace_id": trace.id, "vfm": trace.vfm, "pfm": trace.pfm, "route": route})
        return
    text = explain(route, served_by=trace.pfm, vfm=trace.vfm)
    out().print(escape(f"trace {trace.id} (VFM {trace.vfm}, tenant {trace.tenant}):\n{text}"))


@route_app.command("train")
def train(
    ctx: typer.Context,
    vfm: VfmOption = "default",
    holdout: Annotated[float, typer.Option("--holdout", min=0.05, max=0.9)] = 0.3,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train on the VFM's judged traces; saved as the next version, used when it beat
    the rules on the held-out traces and the VFM has ``routing.learned = true``."""
    from fmos_core.kernel import FMOS  # the pool's profiles price the pFMs

    with FMOS(settings(ctx).config()) as fmos:
        artifact = fmos.train_router(vfm, holdout=holdout)
    if as_json:
        print_json(dataclasses.asdict(artifact))
        return
    learned, rules = artifact.metrics["learned"], artifact.metrics["rules"]
    verdict = "beats the rules: used" if artifact.beats_rules else "does not beat the rules: unused"
    out().print(
        f"router v{artifact.version} of {vfm}: trained on {artifact.trained_on}, held out "
        f"{artifact.held_out}; held-out success learned {learned['success']:.0%} at "
        f"${learned['cost']:.6f}/call vs rules {rules['success']:.0%} at "
        f"${rules['cost']:.6f}/call — {verdict}"
    )


@route_app.command("list")
def list_versions(vfm: VfmOption = "default") -> None:
    """Every saved router version with its held-out scores."""
    store = RouterArtifacts(fmos_home() / "artifacts" / "router")
    table = Table(
        "version", "pool", "trained on", "held out", "success learned", "success rules",
        "cost learned", "cost rules", "cost weight", "used",
    )  # fmt: skip
    for version in store.versions(vfm):
        a = store.load(vfm, version)
        learned, rules = a.metrics["learned"], a.metrics["rules"]
        table.add_row(
            f"v{version}",
            ", ".join(a.pfms),
            str(a.trained_on),
            str(a.held_out),
            f"{learned['success']:.0%}",
            f"{rules['success']:.0%}",
            f"{learned['cost']:.6f}",
            f"{rules['cost']:.6f}",
            f"{a.cost_weight:.2f}",
            "yes" if a.beats_rules else "no",
        )
    out().print(table)
