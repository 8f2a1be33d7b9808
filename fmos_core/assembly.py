"""Building a kernel's parts from its config: the pFMs and the context stage.

Example:
    >>> from fmos_core.config import Config
    >>> from fmos_core.registry import DriverRegistry
    >>> cfg = Config.parse({"pfms": {"s": {"driver": "scripted", "profile": {"logprobs": True}}},
    ...                     "vfms": {"default": {"pfms": ["s"]}}})
    >>> build_pfms(cfg, {}, DriverRegistry())["s"].profile.logprobs
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError

from fmos_core.backends import Backend
from fmos_core.config import Config, explain
from fmos_core.context.model_summary import ModelSummariser
from fmos_core.context.policies import ContextPolicy
from fmos_core.context.recall import Recall
from fmos_core.errors import ConfigError
from fmos_core.evolution import PromptSelector
from fmos_core.memory import AgentFS
from fmos_core.memory.indexer import MemoryIndexer
from fmos_core.pipeline import PFM, Context
from fmos_core.pipeline.accounts import Accounts
from fmos_core.pipeline.failover import Failover
from fmos_core.registry import DriverRegistry

_T = TypeVar("_T")


def build_pfms(
    config: Config, given: dict[str, Backend], registry: DriverRegistry
) -> dict[str, PFM]:
    """Each configured pFM: a ``given`` backend or its driver built from its options,
    with its profile overrides applied (the driver sees the merged profile too)."""
    pfms = {}
    for name, pfm in config.pfms.items():
        backend = given.get(name)
        if backend is None:
            backend = registry.load(pfm.driver).from_options(pfm.options, pfm=name)
        try:
            profile = backend.profile.merged(pfm.profile) if pfm.profile else backend.profile
        except ValidationError as exc:
            raise ConfigError(f"[pfms.{name}.profile]: {explain(exc)}") from None
        backend.profile = profile  # the driver maps reasoning levels by the merged profile
        pfms[name] = PFM(name, backend, profile)
    return pfms


def context_stage(
    config: Config,
    pfms: dict[str, PFM],
    policies: dict[str, list[ContextPolicy]],
    fs: AgentFS | None,
    accounts: Accounts | None,
    failover: Failover,
    indexer: MemoryIndexer | None,
    versions: PromptSelector | None = None,
    on_canary: Callable[[str], None] | None = None,
) -> Context:
    """The context stage: system prompts, context policies (configured, then ``policies``
    given in code), model summarisers, the kernel's ``recall`` tool and the versions of
    the system prompt the version store serves."""
    return Context(
        {n: v.system_prompt for n, v in config.vfms.items() if v.system_prompt},
        {
            n: [*(spec.build() for spec in v.context), *policies.get(n, [])]
            for n, v in config.vfms.items()
        },
        fs,
        summarisers={
            n: ModelSummariser(pfms[config.summary_pfm(n)])
            for n, v in config.vfms.items()
            if v.summariser == "model"
        },
        recall=Recall(fs, accounts, failover=failover) if fs is not None else None,
        indexer=indexer,
        versions=versions,
        on_canary=on_canary,
    )


def known_vfms(per_vfm: dict[str, _T], config: Config, what: str) -> dict[str, _T]:
    """``per_vfm`` unchanged, after checking that it names only configured VFMs."""
    unknown = sorted(set(per_vfm) - set(config.vfms))
    if unknown:
        raise ConfigError(
            f"{what} name VFM(s) {', '.join(map(repr, unknown))}, which are not configured "
            f"(configured: {', '.join(sorted(config.vfms))})"
        )
    return per_vfm
