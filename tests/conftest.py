"""Shared fixtures: a private FMOS_HOME for every test, the loopback llama.cpp server,
and ``make``, a factory of kernels on scripted pFMs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers import llama_server  # noqa: F401  (a session fixture for server tests)

from fmos_core import FMOS, Config
from fmos_core.testing import ScriptedBackend


@pytest.fixture(autouse=True)
def fmos_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "fmos-home"
    monkeypatch.setenv("FMOS_HOME", str(home))
    monkeypatch.delenv("FMOS_CONFIG", raising=False)
    return home


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., FMOS]]:
    """Build kernels on a fresh SQLite file; every kernel is closed after the test."""
    made: list[FMOS] = []

    def build(
        backends: dict[str, ScriptedBackend],
        *,
        vfms: dict[str, dict] | None = None,
        tenants: dict[str, dict] | None = None,
        profiles: dict[str, dict] | None = None,
        state: bool = True,
    ) -> FMOS:
        profiles = profiles or {}
        pfms = {
            name: {"driver": "scripted", "profile": profiles.get(name, {})} for name in backends
        }
        cfg = Config.parse(
            {
                "state": {"url": f"sqlite:///{tmp_path}/s.db", "enabled": state},
                "pfms": pfms,
                "vfms": vfms or {"default": {"pfms": list(backends)}},
                "tenants": tenants
                or {"default": {}, "acme": {"clearance": "read"}, "ops": {"clearance": "admin"}},
            }
        )
        kernel = FMOS(cfg, backends=backends)
        made.append(kernel)
        return kernel

    yield build
    for kernel in made:
        kernel.close()
