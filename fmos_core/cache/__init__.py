"""Response caches of the Composition Optimizer, scoped by tenant by construction."""

from fmos_core.cache.exact import ExactCache, cache_key, policy_version

__all__ = ["ExactCache", "cache_key", "policy_version"]
