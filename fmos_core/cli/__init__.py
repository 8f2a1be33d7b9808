"""The ``fmos`` command line: chat, traces, budgets, approvals, doctor.

Example:
    >>> from typer.testing import CliRunner
    >>> CliRunner().invoke(app, ["--help"]).exit_code
    0
"""

from __future__ import annotations

from fmos_core.cli import approvals, budget, chat, doctor, fs, traces  # noqa: F401  (registers commands)
from fmos_core.cli._app import app, main

__all__ = ["app", "main"]
