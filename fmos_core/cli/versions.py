"""``fmos versions``: list, show, diff, promote, roll back and pin artifact versions."""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.evolution import ALIASES, AliasMove
from fmos_core.evolution.canary import CanaryWatch
from fmos_core.evolution.mirror import VersionRegistry
from fmos_core.evolution.setup import version_registry

versions_app = typer.Typer(help="Versions of a VFM's prompts, demonstrations and policies.")
app.add_typer(versions_app, name="versions")

VfmOption = Annotated[str, typer.Option("--vfm", help="The VFM the artifact belongs to.")]
KindOption = Annotated[str, typer.Option("--kind", help="system_prompt, demonstrations or policy.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why; kept in the history.")]
JsonOption = Annotated[bool, typer.Option("--json")]


def _store(ctx: typer.Context) -> VersionRegistry:
    """The versions, mirrored as the config says (``[evolution] mirror``)."""
    return version_registry(settings(ctx).database(), settings(ctx).config().evolution)


def _by() -> str:
    return os.environ.get("USER") or "cli"


def _said(move: AliasMove, as_json: bool) -> None:
    if as_json:
        print_json(dataclasses.asdict(move))
        return
    before = move.from_version if move.from_version is not None else "none"
    after = move.to_version if move.to_version is not None else "none"
    typer.echo(f"{move.vfm}/{move.kind} {move.alias}: {before} -> {after}")


@versions_app.command("list")
def list_(
    ctx: typer.Context,
    vfm: VfmOption = "default",
    kind: KindOption = "",
    as_json: JsonOption = False,
) -> None:
    """Every version of the VFM's artifacts (of one kind with --kind) and its aliases."""
    store = _store(ctx)
    versions = store.list(vfm, kind or None)
    aliases = {
        (v.kind, v.version): [a for a in ALIASES if store.alias(vfm, v.kind, a) == v.version]
        for v in versions
    }
    if as_json:
        print_json(
            [{**dataclasses.asdict(v), "aliases": aliases[v.kind, v.version]} for v in versions]
        )
        return
    table = Table("kind", "version", "aliases", "by", "note", "evaluation")
    for v in versions:
        evaluation = json.dumps(v.evaluation, sort_keys=True) if v.evaluation else ""
        table.add_row(
            v.kind,
            str(v.version),
            ", ".join(aliases[v.kind, v.version]),
            escape(v.created_by),
            escape(v.note),
            escape(evaluation),
        )
    out().print(table)


@versions_app.command("show")
def show(
    ctx: typer.Context,
    version: int,
    vfm: VfmOption = "default",
    kind: KindOption = "system_prompt",
    as_json: JsonOption = False,
) -> None:
    """One version's content, evaluation and the alias moves that touched it."""
    store = _store(ctx)
    found = store.get(vfm, kind, version)
    moves = [m for m in store.history(vfm, kind) if version in (m.from_version, m.to_version)]
    if as_json:
        print_json({**dataclasses.asdict(found), "moves": [dataclasses.asdict(m) for m in moves]})
        return
    typer.echo(f"{vfm}/{kind} v{version} by {found.created_by}: {found.note}")
    typer.echo(json.dumps(found.body, indent=2, sort_keys=True))
    if found.evaluation:
        typer.echo(f"evaluation: {json.dumps(found.evaluation, sort_keys=True)}")
    for m in moves:
        typer.echo(f"{m.alias}: {m.from_version} -> {m.to_version} by {m.by} ({m.reason})")


@versions_app.command("diff")
def diff(
    ctx: typer.Context,
    old: int,
    new: int,
    vfm: VfmOption = "default",
    kind: KindOption = "system_prompt",
) -> None:
    """A unified diff of two versions' content."""
    store = _store(ctx)
    before, after = (
        json.dumps(store.get(vfm, kind, v).body, indent=2, sort_keys=True).splitlines()
        for v in (old, new)
    )
    for line in difflib.unified_diff(before, after, f"v{old}", f"v{new}", lineterm=""):
        typer.echo(line)


@versions_app.command("promote")
def promote(
    ctx: typer.Context,
    version: Annotated[int | None, typer.Argument(help="Default: the canary.")] = None,
    canary: Annotated[bool, typer.Option("--canary", help="Make VERSION the canary.")] = False,
    vfm: VfmOption = "default",
    kind: KindOption = "system_prompt",
    reason: ReasonOption = "promoted by hand",
    as_json: JsonOption = False,
) -> None:
    """Promote the canary to production, or point production (--canary: the canary) at
    VERSION."""
    store = _store(ctx)
    if version is None:
        move = store.promote(vfm, kind, by=_by(), reason=reason)
    else:
        alias = "canary" if canary else "production"
        move = store.move(vfm, kind, alias, version, by=_by(), reason=reason)
    _said(move, as_json)


@versions_app.command("rollback")
def rollback(
    ctx: typer.Context,
    alias: Annotated[str, typer.Option("--alias")] = "production",
    vfm: VfmOption = "default",
    kind: KindOption = "system_prompt",
    reason: ReasonOption = "rolled back by hand",
    as_json: JsonOption = False,
) -> None:
    """Point the alias back at the version it held before its last move."""
    _said(_store(ctx).rollback(vfm, kind, alias, by=_by(), reason=reason), as_json)


@versions_app.command("pin")
def pin(
    ctx: typer.Context,
    version: Annotated[int | None, typer.Argument(help="Omit with --unset.")] = None,
    unset: Annotated[bool, typer.Option("--unset", help="Serve production again.")] = False,
    vfm: VfmOption = "default",
    kind: KindOption = "system_prompt",
    reason: ReasonOption = "pinned by hand",
    as_json: JsonOption = False,
) -> None:
    """Serve VERSION whatever production and the canary say (reproducibility)."""
    if (version is None) == (not unset):
        raise typer.BadParameter("give a VERSION to pin, or --unset")
    move = _store(ctx).move(vfm, kind, "pinned", version, by=_by(), reason=reason)
    _said(move, as_json)


@versions_app.command("sync")
def sync(
    ctx: typer.Context,
    backfill: Annotated[
        bool,
        typer.Option("--all", help="Also send every version and alias made before the mirror."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Send the changes the mirror (MLflow) has not taken yet, oldest first."""
    vfms = sorted(settings(ctx).config().vfms) if backfill else []
    status = _store(ctx).sync(backfill=vfms)
    if as_json:
        print_json(dataclasses.asdict(status))
    else:
        typer.echo(str(status))
    if status.waiting:
        raise typer.Exit(1)


@versions_app.command("status")
def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Whether the mirror (MLflow) has every version, evaluation and alias move."""
    found = _store(ctx).status()
    if as_json:
        print_json(dataclasses.asdict(found))
    else:
        typer.echo(str(found))


@versions_app.command("watch")
def watch(ctx: typer.Context, vfm: VfmOption = "default", as_json: JsonOption = False) -> None:
    """Judge the VFM's canaries on their live scores now: promote, roll back or wait."""
    config = settings(ctx).config()
    registry = _store(ctx)
    rollouts = {name: v.rollout for name, v in config.vfms.items()}
    if vfm not in rollouts:
        raise typer.BadParameter(f"no VFM {vfm!r}; configured: {', '.join(sorted(rollouts))}")
    verdicts = CanaryWatch(settings(ctx).database(), registry, rollouts).check(vfm)
    if as_json:
        print_json([dataclasses.asdict(v) for v in verdicts])
        return
    if not verdicts:
        typer.echo(f"{vfm} has no canary")
    for v in verdicts:
        typer.echo(f"{v.vfm}/{v.kind} canary v{v.version}: {v.action} ({v.reason})")
