"""``WordsEmbedder``: a hashed bag of words, a dependency-free embedder for tests.

Texts sharing most of their words are close; it knows nothing of meaning, so it
proves the cache's plumbing, never that paraphrases match (the ``minilm`` embedder
does that).

Example:
    >>> e = WordsEmbedder()
    >>> a, b, c = e.embed(["the cat sat", "the cat sat down", "stock prices fell"])
    >>> from fmos_core.cache.embedders import cosine
    >>> cosine(a, b) > 0.8 > cosine(a, c)
    True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from fmos_core.cache.embedders import normalised

DIMENSIONS = 256


class WordsEmbedder:
    """Unit vectors of lower-cased word counts hashed into ``DIMENSIONS`` buckets."""

    name = "words"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        return [self._one(text) for text in texts]

    @staticmethod
    def _one(text: str) -> list[float]:
        vector = [0.0] * DIMENSIONS
        for word in re.findall(r"\w+", text.lower()):
            bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
            vector[bucket % DIMENSIONS] += 1.0
        return normalised(vector)
