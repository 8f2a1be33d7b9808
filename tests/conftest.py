"""Shared fixtures: every test gets its own FMOS_HOME, so nothing touches ./.fmos."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def fmos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "fmos-home"
    monkeypatch.setenv("FMOS_HOME", str(home))
    monkeypatch.delenv("FMOS_CONFIG", raising=False)
    return home


from servers import llama_server  # noqa: E402, F401
