"""``fmos fs``: look into and manage a session's agent filesystem."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.memory import AgentFS

fs_app = typer.Typer(help="The agent filesystem: files, snapshots, forks of a session.")
app.add_typer(fs_app, name="fs")

Tenant = Annotated[str, typer.Option("--tenant", "-t", help="Tenant that owns the session.")]
Session = Annotated[str, typer.Option("--session", "-s", help="Agent session.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _fs(ctx: typer.Context) -> AgentFS:
    return AgentFS(settings(ctx).database())


@fs_app.command("ls")
def ls(
    ctx: typer.Context,
    session: Session,
    prefix: Annotated[str, typer.Argument(help="Only paths starting with this.")] = "",
    tenant: Tenant = "default",
    as_json: AsJson = False,
) -> None:
    """List the latest version of each file."""
    files = _fs(ctx).list(tenant, session, prefix)
    if as_json:
        print_json([asdict(f) for f in files])
        return
    table = Table("path", "bytes", "handle")
    for f in files:
        table.add_row(f.path, str(f.size), f.id)
    out().print(table)


@fs_app.command("cat")
def cat(
    ctx: typer.Context,
    session: Session,
    target: Annotated[str, typer.Argument(help="A path, or a handle with --handle.")],
    tenant: Tenant = "default",
    handle: Annotated[bool, typer.Option("--handle", help="TARGET is a handle (fs:…).")] = False,
) -> None:
    """Write a file's bytes to stdout, exactly as stored."""
    fs = _fs(ctx)
    data = fs.read(tenant, session, target) if handle else fs.read_path(tenant, session, target)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@fs_app.command("grep")
def grep(
    ctx: typer.Context,
    session: Session,
    pattern: Annotated[str, typer.Argument(help="A regular expression.")],
    paths: Annotated[str, typer.Argument(help="Shell pattern of the files to search.")] = "*",
    tenant: Tenant = "default",
    as_json: AsJson = False,
) -> None:
    """Print matching lines as PATH:LINE:TEXT."""
    matches = _fs(ctx).grep(tenant, session, pattern, paths)
    if as_json:
        print_json([asdict(m) for m in matches])
        return
    for m in matches:
        sys.stdout.write(f"{m.path}:{m.line}:{m.text}\n")


@fs_app.command("snapshot")
def snapshot(
    ctx: typer.Context,
    session: Session,
    tenant: Tenant = "default",
    label: Annotated[str | None, typer.Option("--label", help="A note to find it by.")] = None,
) -> None:
    """Save the session's files and state; prints the snapshot id."""
    sys.stdout.write(_fs(ctx).snapshot(tenant, session, label) + "\n")


@fs_app.command("snapshots")
def snapshots(
    ctx: typer.Context, session: Session, tenant: Tenant = "default", as_json: AsJson = False
) -> None:
    """List the session's snapshots, oldest first."""
    rows = _fs(ctx).snapshots(tenant, session)
    if as_json:
        print_json([asdict(s) for s in rows])
        return
    for s in rows:
        sys.stdout.write(f"{s.id}\t{s.label or ''}\n")


@fs_app.command("rollback")
def rollback(
    ctx: typer.Context,
    session: Session,
    snapshot_id: Annotated[str, typer.Argument(help="A snapshot of this session.")],
    tenant: Tenant = "default",
) -> None:
    """Put the session's files and state back to a snapshot."""
    _fs(ctx).rollback(tenant, session, snapshot_id)
    out().print(f"session {session!r} rolled back to {snapshot_id}")


@fs_app.command("fork")
def fork(
    ctx: typer.Context,
    session: Session,
    new_session: Annotated[str, typer.Argument(help="Name of the new, unused session.")],
    tenant: Tenant = "default",
) -> None:
    """Copy the session's files and state into a new, independent session."""
    sys.stdout.write(_fs(ctx).fork(tenant, session, new_session) + "\n")
