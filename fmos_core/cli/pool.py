"""``fmos pool``: measure the pFMs behind a VFM and list their latest profiles."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.config import fmos_home
from fmos_core.pool import (
    PoolProfile,
    ProfileStore,
    builtin_eval_set,
    load_eval_set,
    pool_members,
    profile_pool,
)

pool_app = typer.Typer(help="The pool of physical models (pFMs) behind each VFM.")
app.add_typer(pool_app, name="pool")

VfmOption = Annotated[str, typer.Option("--vfm", help="The VFM whose pool it is.")]


def _store() -> ProfileStore:
    return ProfileStore(fmos_home() / "artifacts" / "profiles")


@pool_app.command("profile")
def profile(
    ctx: typer.Context,
    vfm: VfmOption = "default",
    pfm: Annotated[
        str | None, typer.Option("--pfm", help="Profile only this pFM of the pool.")
    ] = None,
    eval_file: Annotated[
        Path | None,
        typer.Option(
            "--eval",
            help='JSONL, one {"prompt": ..., "expect": REGEX} a line (default: 5 built-in items).',
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Measure load time, time to first token, tokens/s and eval success of each pFM;
    each profile is saved under $FMOS_HOME/artifacts/profiles/<pfm>/ with its date."""
    config = settings(ctx).config()
    evalset = load_eval_set(eval_file) if eval_file is not None else builtin_eval_set()
    pool_members(config, vfm, pfm)  # bad names fail before any model loads
    profiles = asyncio.run(profile_pool(config, evalset, _store(), vfm=vfm, pfm=pfm))
    if as_json:
        print_json([p.to_dict() for p in profiles])
        return
    table = Table("pFM", "driver", "load s", "TTFT ms", "tok/s", "success", "date")
    for p in profiles:
        table.add_row(p.pfm, p.driver, *_figures(p), _date(p))
    out().print(table)


@pool_app.command("list")
def list_pool(ctx: typer.Context, vfm: VfmOption = "default") -> None:
    """The VFM's pool, in order, with each pFM's latest profile and its age."""
    config = settings(ctx).config()
    store = _store()
    now = datetime.now(UTC)
    table = Table("pFM", "driver", "version", "load s", "TTFT ms", "tok/s", "success", "age")
    for name in pool_members(config, vfm, None):
        latest = store.latest(name)
        driver = config.pfms[name].driver
        if latest is None:
            table.add_row(name, driver, "-", "-", "-", "-", "-", "never profiled")
            continue
        table.add_row(
            name, driver, latest.model_version, *_figures(latest), _age(now, latest.created)
        )
    out().print(table)


def _figures(p: PoolProfile) -> tuple[str, str, str, str]:
    return (
        f"{p.load_s:.2f}",
        f"{p.ttft_ms:.0f}",
        f"{p.tokens_per_s:.1f}",
        f"{p.successes}/{p.items}",
    )


def _date(p: PoolProfile) -> str:
    return p.created.strftime("%Y-%m-%d %H:%M:%S UTC")


def _age(now: datetime, then: datetime) -> str:
    """A short age: ``42s``, ``5m``, ``3h``, ``2d``."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
