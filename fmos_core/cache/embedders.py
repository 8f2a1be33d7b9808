"""Text embedders for the semantic cache, found by name through entry points.

An embedder is anything with a ``name`` and ``embed(texts) -> vectors``; the entry
point (group ``fmos.embedders``) names a callable taking no argument that returns
one — a class is fine. ``minilm`` (all-MiniLM-L6-v2, in ``fmos[vector]``) ships with
FMOS; ``words`` is a dependency-free hashed bag of words for tests.

Example:
    >>> embedder = load_embedder("words")
    >>> embedder.name, len(embedder.embed(["hello world"])[0])
    ('words', 256)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from fmos_core.config import CacheConfig
from fmos_core.errors import ConfigError, DriverNotInstalled

EMBEDDERS_GROUP = "fmos.embedders"


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to vectors; similar meaning, high cosine similarity.

    ``name`` names the vector space: entries embedded by another embedder never match.
    ``embed`` may block (the cache calls it off the event loop).
    """

    name: str

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def embedder_names() -> list[str]:
    """Every embedder registered in the ``fmos.embedders`` entry-point group."""
    return sorted(ep.name for ep in entry_points(group=EMBEDDERS_GROUP))


def load_embedder(name: str, *, key: str = "embedder") -> Embedder:
    """The embedder registered as ``name``; ``key`` names the setting in errors."""
    found = [ep for ep in entry_points(group=EMBEDDERS_GROUP) if ep.name == name]
    if not found:
        known = ", ".join(embedder_names()) or "none"
        raise ConfigError(f"{key}: unknown embedder {name!r}; installed: {known}")
    try:
        factory = found[0].load()
    except ImportError as exc:
        raise DriverNotInstalled(
            f"{key}: the {name!r} embedder needs packages that are not installed "
            f'({exc.name}); run: pip install "fmos[vector]"'
        ) from None
    embedder = factory()
    if not isinstance(embedder, Embedder):
        raise ConfigError(f"{key}: entry point {name!r} does not make a fmos Embedder")
    return embedder


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """The cosine similarity of two vectors (0 when either is all zeros).

    Example:
        >>> round(cosine([1.0, 0.0], [1.0, 1.0]), 3)
        0.707
    """
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else 0.0


def normalised(vector: Sequence[float]) -> list[float]:
    """``vector`` scaled to unit length (all zeros stay zeros)."""
    norm = math.sqrt(math.fsum(x * x for x in vector))
    return [x / norm for x in vector] if norm else list(vector)


def configured_embedders(caches: Mapping[str, CacheConfig]) -> dict[str, Embedder]:
    """One embedder per name the VFMs' ``[vfms.X.cache]`` tables use with ``semantic =
    true`` (``caches`` maps VFM names to them); an unknown name is a ``ConfigError``
    naming the VFM's key."""
    embedders: dict[str, Embedder] = {}
    for vfm, cache in caches.items():
        if cache.semantic and cache.embedder not in embedders:
            key = f"[vfms.{vfm}.cache] embedder"
            embedders[cache.embedder] = load_embedder(cache.embedder, key=key)
    return embedders
