"""The records the agent filesystem returns, and the checks on what it is given."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any

from fmos_core.errors import BadRequest

MAX_PATH = 1000


@dataclass(frozen=True, slots=True)
class FileHandle:
    """One immutable version of a file: ``id`` (``"fs:…"``) reads exactly these bytes."""

    id: str
    path: str
    size: int
    sha256: str
    created_at: float

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class GrepMatch:
    """One matching line: ``line`` is 1-based, ``text`` has no line ending."""

    path: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class ToolCallRecord:
    """One entry of a session's tool-call log, in call order (``seq``)."""

    seq: int
    created_at: float
    name: str
    arguments: dict[str, Any]
    result_summary: str
    handle: str | None


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """A saved point of a session's files and state."""

    id: str
    label: str | None
    created_at: float


def normalize_path(path: str) -> str:
    """``"/notes//a.txt"`` → ``"notes/a.txt"``; rejects empty, ``..`` and NUL paths."""
    if not isinstance(path, str) or "\x00" in path:
        raise BadRequest(f"file path must be a string without NUL bytes, got {path!r}")
    clean = posixpath.normpath("/" + path.replace("\\", "/")).lstrip("/")
    if not clean or clean == "." or ".." in path.replace("\\", "/").split("/"):
        raise BadRequest(f"file path {path!r} must name a file and may not contain '..'")
    if len(clean) > MAX_PATH:
        raise BadRequest(f"file path is {len(clean)} characters; the limit is {MAX_PATH}")
    return clean


def to_bytes(data: bytes | bytearray | memoryview | str) -> bytes:
    """Text is stored as UTF-8; bytes are stored as given."""
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    raise BadRequest(f"file data must be bytes or str, got {type(data).__name__}")


def dump_json(value: Any, what: str) -> str:
    """JSON text of ``value``, or ``BadRequest`` saying why it cannot be stored."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"{what} must be JSON-serialisable: {exc}") from None
