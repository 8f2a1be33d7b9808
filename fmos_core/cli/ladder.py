"""``fmos ladder``: train the learned escalation ladder from traces, list its versions."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.config import fmos_home
from fmos_core.errors import UnknownVFM
from fmos_core.escalation import LadderArtifacts
from fmos_core.escalation.examples import train_from_traces
from fmos_core.store.traces import TraceReader

ladder_app = typer.Typer(help="The learned escalation ladder (fast → verify → deliberate → human).")
app.add_typer(ladder_app, name="ladder")

VfmOption = Annotated[str, typer.Option("--vfm", help="The VFM whose ladder it is.")]


def _store() -> LadderArtifacts:
    return LadderArtifacts(fmos_home() / "artifacts" / "ladder")


@ladder_app.command("train")
def train(
    ctx: typer.Context,
    vfm: VfmOption = "default",
    holdout: Annotated[float, typer.Option("--holdout", min=0.05, max=0.9)] = 0.3,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Train on the VFM's labelled traces; saved as the next version, used when it beat
    the rules on the held-out traces and the VFM has ``verify.ladder = "learned"``."""
    config = settings(ctx).config()
    if vfm not in config.vfms:
        raise UnknownVFM(f"no VFM named {vfm!r}; configured: {', '.join(sorted(config.vfms))}")
    traces = TraceReader(settings(ctx).database())
    artifact = train_from_traces(traces, vfm, config.vfms[vfm].verify, _store(), holdout=holdout)
    if as_json:
        print_json(dataclasses.asdict(artifact))
        return
    learned, rules = artifact.metrics["learned"], artifact.metrics["rules"]
    verdict = "beats the rules: used" if artifact.beats_rules else "does not beat the rules: unused"
    out().print(
        f"ladder v{artifact.version} of {vfm}: trained on {artifact.trained_on}, "
        f"held out {artifact.held_out}; held-out J learned {learned['j']:.2f} vs rules "
        f"{rules['j']:.2f} — {verdict}"
    )


@ladder_app.command("list")
def list_versions(vfm: VfmOption = "default") -> None:
    """Every saved version with its held-out scores."""
    store = _store()
    table = Table("version", "trained on", "held out", "J learned", "J rules", "used")
    for version in store.versions(vfm):
        a = store.load(vfm, version)
        table.add_row(
            f"v{version}",
            str(a.trained_on),
            str(a.held_out),
            f"{a.metrics['learned']['j']:.2f}",
            f"{a.metrics['rules']['j']:.2f}",
            "yes" if a.beats_rules else "no",
        )
    out().print(table)
