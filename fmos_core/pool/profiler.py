"""Profile a VFM's pool: resolve which pFMs, build each from the config, measure, save.

All pFMs are measured before any profile is saved, so a run that fails writes nothing.

Example:
    >>> from fmos_core.config import Config
    >>> cfg = Config.parse({"pfms": {"a": {"driver": "scripted"}, "b": {"driver": "scripted"}},
    ...                     "vfms": {"default": {"pfms": ["a", "b"]}}})
    >>> pool_members(cfg, "default", None), pool_members(cfg, "default", "b")
    (['a', 'b'], ['b'])
"""

from __future__ import annotations

from collections.abc import Callable

from fmos_core.backends import Backend
from fmos_core.config import Config
from fmos_core.errors import UnknownVFM
from fmos_core.pool._errors import UnknownPFM
from fmos_core.pool.artifacts import ProfileStore
from fmos_core.pool.evalset import EvalSet
from fmos_core.pool.measure import measure_backend
from fmos_core.pool.record import PoolProfile
from fmos_core.registry import DriverRegistry


def pool_members(config: Config, vfm: str, pfm: str | None) -> list[str]:
    """The pFMs of ``vfm``'s pool to profile: all of them, or just ``pfm``."""
    if vfm not in config.vfms:
        raise UnknownVFM(f"no VFM named {vfm!r}; configured: {', '.join(sorted(config.vfms))}")
    pool = config.vfms[vfm].pfms
    if pfm is None:
        return list(pool)
    if pfm not in pool:
        declared = " (it is declared, but not in this pool)" if pfm in config.pfms else ""
        raise UnknownPFM(
            f"pFM {pfm!r} is not in the pool of VFM {vfm!r}{declared}; name one of "
            f"{', '.join(pool)}, or add it to [vfms.{vfm}] pfms"
        )
    return [pfm]


async def profile_pool(
    config: Config,
    evalset: EvalSet,
    store: ProfileStore,
    *,
    vfm: str = "default",
    pfm: str | None = None,
    registry: DriverRegistry | None = None,
) -> list[PoolProfile]:
    """Measure each pFM (one at a time: they share the machine), then save them all."""
    names = pool_members(config, vfm, pfm)
    registry = registry or DriverRegistry()
    classes = {name: registry.load(config.pfms[name].driver) for name in names}
    measured = [
        await measure_backend(
            _builder(classes[name], config, name),
            evalset,
            pfm=name,
            driver=config.pfms[name].driver,
        )
        for name in names
    ]
    return [store.save(profile) for profile in measured]


def _builder(cls: type[Backend], config: Config, name: str) -> Callable[[], Backend]:
    options = config.pfms[name].options
    return lambda: cls.from_options(options, pfm=name)
