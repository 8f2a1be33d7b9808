"""Shared helpers for the tests: a streaming scripted pFM, usage and store checks, the CLI."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import func, select

from fmos_core import FMOS, Chunk, Completion, Request
from fmos_core.cli import main
from fmos_core.store import schema
from fmos_core.testing import ScriptedBackend

LONG_PROMPT = "please summarise this text " * 20  # ~280 bytes: ~150 estimated tokens


class ChunkedBackend(ScriptedBackend):
    """A scripted pFM that streams its reply word by word, like a real one.

    ``open_streams`` counts streams begun and not yet closed (a real driver holds a
    connection for each).
    """

    open_streams = 0

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        self.open_streams += 1
        try:
            completion = await self.complete(request)
            for piece in re.findall(r"\S+\s*", completion.content):
                yield Chunk(delta=piece)
            yield Chunk(completion=completion)
        finally:
            self.open_streams -= 1


def usage(content: str = "done", *, input_tokens: int = 20, output_tokens: int = 10) -> Completion:
    """A completion with fixed, known usage."""
    return Completion(
        content=content,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        model_version="scripted-7",
    )


def trace_rows(fmos: FMOS) -> int:
    fmos.flush()
    with fmos.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.traces)).scalar_one()


def reservation_rows(fmos: FMOS) -> int:
    with fmos.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(schema.reservations)).scalar_one()


def assert_settled(fmos: FMOS, tenant: str, *, tokens: int, requests: int) -> None:
    status = fmos.budgets.show(tenant)
    assert (status.tokens_used, status.requests_used) == (tokens, requests)
    assert (status.tokens_reserved, status.requests_reserved, status.cost_reserved) == (0, 0, 0)
    assert reservation_rows(fmos) == 0


def run_cli(capsys: pytest.CaptureFixture[Any], *args: str) -> tuple[int, Any, Any]:
    """Run ``fmos ARGS…`` in-process as the console script does: (exit code, out, err)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def load_script(path: Path) -> ModuleType:
    """A script that is not in a package (``benchmarks/…``) as a module, registered in
    ``sys.modules`` so its dataclasses resolve."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
