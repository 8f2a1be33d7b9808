"""The Typer app, shared options and error reporting for every command."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from fmos_core.config import Config
from fmos_core.errors import FmosError, UserError
from fmos_core.store.db import Database

app = typer.Typer(
    help="FMOS: an operating-system layer for foundation models.", no_args_is_help=True
)


@dataclass
class Settings:
    """What the global options resolved to."""

    config_path: Path | None

    def config(self) -> Config:
        return Config.load(self.config_path) if self.config_path else Config()

    def database(self) -> Database:
        config = self.config()
        if not config.state.enabled:
            raise UserError("the state store is disabled in this config ([state] enabled = false)")
        return Database(config.state.resolved_url())


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML config (default: $FMOS_CONFIG, else built-in)."),
    ] = None,
) -> None:
    env = os.environ.get("FMOS_CONFIG")
    ctx.obj = Settings(config or (Path(env) if env else None))


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    assert isinstance(obj, Settings)
    return obj


def out() -> Console:
    """A console for tables; not a terminal (a pipe, CI) gets a fixed 140 columns."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 140)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; FMOS errors print one line and exit 2 (your input) or 1."""
    try:
        code = app(args=argv, standalone_mode=False)
    except FmosError as exc:
        Console(stderr=True, highlight=False).print(
            f"[red]error:[/red] {type(exc).__name__}: {escape(str(exc))}"
        )
        raise SystemExit(2 if isinstance(exc, UserError) else 1) from None
    except typer.Abort:
        raise SystemExit(1) from None
    except Exception as exc:  # usage errors of click, or of the click typer carries
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            raise SystemExit(exit_code) from None
        raise
    if isinstance(code, int) and code:
        raise SystemExit(code)
