"""Response caches of the Composition Optimizer, scoped by tenant by construction."""

from fmos_core.cache.embedders import Embedder, load_embedder
from fmos_core.cache.exact import ExactCache, cache_key, policy_version
from fmos_core.cache.semantic import SemanticCache

__all__ = [
    "Embedder",
    "ExactCache",
    "SemanticCache",
    "cache_key",
    "load_embedder",
    "policy_version",
]
