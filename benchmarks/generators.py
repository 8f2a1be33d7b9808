"""Loading a data generator (``benchmarks/data/make_*.py``) as a module by its path.

The generators are scripts, not a package; benchmarks import their checking code
(``is_correct``, ``answer_of``…) from them so the data and its checks cannot drift.

Example:
    >>> load_generator("make_ladder_tasks").__name__
    'make_ladder_tasks'
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

DATA = Path(__file__).with_name("data")


def load_generator(name: str) -> ModuleType:
    """``benchmarks/data/<name>.py`` as a module (registered in ``sys.modules``)."""
    if name in sys.modules:
        return sys.modules[name]
    if str(DATA) not in sys.path:  # generators import their neighbours (jsonl_file)
        sys.path.insert(0, str(DATA))
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
