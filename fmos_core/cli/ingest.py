"""``fmos ingest``: index text files into a tenant's vector tier."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from fmos_core.cli._app import Settings, app, settings
from fmos_core.config import Config
from fmos_core.errors import UnknownTenant, UserError
from fmos_core.kernel import FMOS
from fmos_core.memory.indexer import MAX_CHUNKS_PER_ITEM


def read_text(path: Path, *, named: bool = True) -> str | None:
    """The file's text; None for a binary file found in a directory walk (skipped).

    A named binary file, a non-UTF-8 file or an unreadable one is a ``UserError``
    naming the file and what to do.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if b"\0" in data:
        if not named:
            return None
        raise UserError(
            f"{path}: a binary file (it holds NUL bytes); only UTF-8 text files can be "
            "ingested — leave it out or ingest a text export of it"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it, e.g. iconv -f latin1 -t utf-8, or leave it out"
        ) from None


def _walk(root: Path) -> Iterator[tuple[Path, bool]]:
    """The files under ``root`` in name order, skipping hidden entries; ``(file, named)``."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(folder) / name, False


def collect(paths: list[Path]) -> list[tuple[Path, bool]]:
    """Every file to ingest, once, with whether the user named it (not found in a walk)."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UserError(
            f"no such file or directory: {', '.join(repr(str(p)) for p in missing)} "
            f"(relative paths start at {Path.cwd()}); check the path"
        )
    found: dict[Path, tuple[Path, bool]] = {}
    for path in paths:
        for file, named in _walk(path) if path.is_dir() else [(path, True)]:
            found.setdefault(file.resolve(), (file, named))
    return list(found.values())


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Text files, or directories to walk.", metavar="PATH")
    ],
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="Tenant that owns them.")] = (
        "default"
    ),
    config_path: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="TOML config (overrides the global --config)."),
    ] = None,
) -> None:
    """Index UTF-8 text files into the tenant's vector tier (memory.vector).

    Directories are walked recursively, skipping hidden and binary files.
    Re-ingesting a file replaces its chunks. A file that is not UTF-8 text
    is reported and left out; the others are still ingested.
    """
    config: Config = (Settings(config_path) if config_path else settings(ctx)).config()
    if tenant not in config.tenants:
        raise UnknownTenant(
            f"tenant {tenant!r} is not configured; declare [tenants.{tenant}] "
            f"(configured: {', '.join(sorted(config.tenants))})"
        )
    files = collect(paths)
    failed = files_done = chunks_done = 0
    with FMOS(config) as fmos:
        vectors = fmos.vectors  # a ConfigError when the vector tier is off
        for file, named in files:
            try:
                text = read_text(file, named=named)
            except UserError as exc:
                sys.stderr.write(f"error: {exc}\n")
                failed += 1
                continue
            if text is None:
                sys.stdout.write(f"{file}: skipped (binary)\n")
                continue
            chunks = vectors.ingest(tenant, str(file.resolve()), text)
            files_done, chunks_done = files_done + 1, chunks_done + chunks
            limit = " (the per-file limit: text beyond it is not indexed)"
            sys.stdout.write(
                f"{file}: {chunks} chunks{limit if chunks >= MAX_CHUNKS_PER_ITEM else ''}\n"
            )
    sys.stdout.write(f"ingested {files_done} files, {chunks_done} chunks for tenant {tenant!r}\n")
    if failed:
        raise UserError(f"{failed} file(s) not ingested (see above); the others were")
