"""Every notebook under ``notebooks/`` runs from top to bottom on the embedded model.

Each notebook is executed with nbclient in a kernel that runs this interpreter (a
kernelspec installed into a temp dir, found through ``JUPYTER_PATH``), with
``notebooks/`` as its working directory and ``FMOS_HOME`` and ``TMPDIR`` in the test's
temp dir. The executed copy stays in memory; the committed file is never rewritten.
Every notebook must run without an error and draw at least one plot (an ``image/png``
output); ``EXPECTED_OUTPUT`` adds, per notebook, text its outputs must contain. A new
notebook is picked up by the glob; give it an entry there for its own checks.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from ipykernel.kernelspec import install
from nbclient import NotebookClient
from nbformat import NotebookNode

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "fmos-notebooks"
CELL_TIMEOUT_S = 300

#: per notebook: texts its outputs (streams and plain-text results) must contain
EXPECTED_OUTPUT: dict[str, tuple[str, ...]] = {
    "01_harness_comparison.ipynb": (
        "Same governance under all 5 harnesses (direct, langchain, langgraph, autogen, "
        "llamaindex): pFM smollm2 served every call, PII was redacted before the pFM on "
        "every call",
        "the follow-up was refused: BudgetExceeded (requests) with nothing spent",
    ),
    "02_self_evolution.ipynb": (
        "Evolution raised held-out accuracy from",
        "promote by fmos-canary",
        "rollback of v2 by fmos-canary",
        "fmos.default.demonstrations@production → fmos version 1",
        "exported 20 traces to MLflow tracing",
    ),
}


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def outputs(nb: NotebookNode) -> Iterator[NotebookNode]:
    for cell in nb.cells:
        if cell.cell_type == "code":
            yield from cell.get("outputs", [])


def output_text(nb: NotebookNode) -> str:
    """Everything the notebook printed or showed as plain text, in order."""
    parts = []
    for out in outputs(nb):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)


def has_plot(nb: NotebookNode) -> bool:
    return any("image/png" in out.get("data", {}) for out in outputs(nb))


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The name of a kernelspec that starts this interpreter, in a private data dir."""
    prefix = tmp_path_factory.mktemp("kernelspec")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
        env.setenv("JUPYTER_PLATFORM_DIRS", "1")  # no platformdirs migration warning
        spec_dir = Path(install(prefix=str(prefix), kernel_name=KERNEL))
        argv = json.loads((spec_dir / "kernel.json").read_text())["argv"]
        assert argv[0] == sys.executable, f"the kernelspec runs {argv[0]}, not {sys.executable}"
        yield KERNEL


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_committed_notebook_keeps_the_outputs_of_a_run(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(cell.execution_count is not None for cell in code), (
        f"{path.name}: save it executed (nbclient), so that a reader sees its outputs"
    )
    assert has_plot(nb), f"{path.name}: the saved copy shows no plot"


@pytest.mark.model
@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_notebook_runs_and_shows_its_results(
    path: Path, kernel: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the notebooks' temp dirs go
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, with the cell's traceback, on an error

    errors = [out for out in outputs(nb) if out.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    assert has_plot(nb), f"{path.name} draws no plot (no image/png output)"
    text = output_text(nb)
    for expected in EXPECTED_OUTPUT.get(path.name, ()):
        assert expected in text, f"{path.name} did not print {expected!r}"
