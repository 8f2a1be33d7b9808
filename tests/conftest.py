"""Shared fixtures: a private FMOS_HOME for every test, the loopback llama.cpp server,
and ``make``, a factory of kernels on scripted pFMs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from servers import llama_server  # noqa: F401  (a session fixture for server tests)
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from fmos_core import FMOS, Config
from fmos_core.store import Database
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


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_or_skip() -> None:
    try:
        engine = create_engine(PG_SERVER, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except (OperationalError, ModuleNotFoundError) as exc:
        reason = f"PostgreSQL is unreachable at {PG_SERVER} ({type(exc).__name__}: {exc})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests")
        pytest.skip(f"{reason}; set up PostgreSQL with trust auth to run these tests")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, private state store URL: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/s.db"
        return
    _postgres_or_skip()
    name = f"fmos_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.close()
