"""The README's Python examples run as written, on the embedded model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_examples() -> None:
    assert python_blocks(), "README.md should show runnable Python examples"


@pytest.mark.model
@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(python_blocks()[index], f"README.md[python {index}]", "exec"), {})
    assert capsys.readouterr().out.strip(), "the example should print something"
