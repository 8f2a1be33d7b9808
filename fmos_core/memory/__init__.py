"""The Data Agent's memory hierarchy; this slice is the agent filesystem tier.

Example:
    >>> import tempfile
    >>> from fmos_core.store import Database
    >>> fs = AgentFS(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
    >>> fs.write("acme", "s1", "out.txt", b"\\x00\\xff").size
    2
"""

from fmos_core.memory._records import FileHandle, GrepMatch, SnapshotInfo, ToolCallRecord
from fmos_core.memory.fs import DEFAULT_MAX_FILE_BYTES, AgentFS

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "AgentFS",
    "FileHandle",
    "GrepMatch",
    "SnapshotInfo",
    "ToolCallRecord",
]
