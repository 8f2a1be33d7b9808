"""Versioned JSON artifacts: files written once, atomically, never replaced.

A learned ladder, a router, a reasoning policy and a pool profile are each a JSON
file in a folder of versions (``v0001.json``, ``v0002.json`` …, or dated names). A
file is written beside its name and hard-linked into place: a reader never sees half
a file, and a name another process or thread took first is never overwritten.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "default"
    >>> write_next(folder, lambda v: {"version": v}), write_next(folder, lambda v: {"version": v})
    (1, 2)
    >>> versions(folder), write_once(folder / "v0001.json", {})
    ([1, 2], False)
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


def versions(folder: Path) -> list[int]:
    """The version numbers of the ``vNNNN.json`` files in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    stems = (p.stem[1:] for p in folder.glob("v[0-9]*.json"))
    return sorted(int(s) for s in stems if s.isdigit())


def write_next(folder: Path, payload: Callable[[int], dict[str, Any]]) -> int:
    """Write ``payload(version)`` as ``folder``'s next version; returns that version."""
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        version = max(versions(folder), default=0) + 1
        if write_once(folder / f"v{version:04d}.json", payload(version)):
            return version


def write_once(path: Path, data: dict[str, Any]) -> bool:
    """Write ``data`` as JSON at ``path`` unless the name is taken (then False)."""
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    try:  # link, not rename: a file someone else wrote first is never replaced
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    return True
