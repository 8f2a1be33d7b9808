"""The pFM pool: measured profiles of each physical model behind a VFM.

``profile_pool`` measures each pFM of a VFM's pool (load time, time to first token,
tokens/s, success on an eval set) and ``ProfileStore`` keeps every run as a dated,
never-overwritten JSON artifact; ``ProfileStore.latest`` reads the newest.

Example:
    >>> import tempfile
    >>> from pathlib import Path
    >>> ProfileStore(Path(tempfile.mkdtemp())).stamps("smollm2")
    []
"""

from __future__ import annotations

from fmos_core.pool._errors import EvalSetError, UnknownPFM
from fmos_core.pool.artifacts import ProfileStore
from fmos_core.pool.evalset import EvalItem, EvalSet, builtin_eval_set, load_eval_set
from fmos_core.pool.measure import measure_backend
from fmos_core.pool.profiler import pool_members, profile_pool
from fmos_core.pool.record import ItemResult, PoolProfile

__all__ = [
    "EvalItem",
    "EvalSet",
    "EvalSetError",
    "ItemResult",
    "PoolProfile",
    "ProfileStore",
    "UnknownPFM",
    "builtin_eval_set",
    "load_eval_set",
    "measure_backend",
    "pool_members",
    "profile_pool",
]
