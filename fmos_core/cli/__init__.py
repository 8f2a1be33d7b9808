"""The ``fmos`` command line: chat, traces, feedback, budgets, approvals, fs, ingest, doctor.

Example:
    >>> from typer.testing import CliRunner
    >>> CliRunner().invoke(app, ["--help"]).exit_code
    0
"""

from __future__ import annotations

from fmos_core.cli import (  # noqa: F401  (registers commands)
    approvals,
    audit,
    budget,
    cache,
    chat,
    doctor,
    evolve,
    feedback,
    fs,
    ingest,
    ladder,
    pool,
    reasoning,
    route,
    traces,
    versions,
)
from fmos_core.cli._app import app, main

__all__ = ["app", "main"]
