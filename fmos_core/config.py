"""Strict configuration: pFMs, VFMs, tenants and state, from TOML or code.

Unknown keys are errors. With nothing configured, FMOS serves a VFM named
``default`` on the embedded model for a tenant named ``default``.

Example:
    >>> cfg = Config.model_validate({"vfms": {"default": {"pfms": ["smollm2"]}}})
    >>> cfg.pfms["smollm2"].driver
    'llamacpp'
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fmos_core.context.config import PolicySpec
from fmos_core.contract import Privilege
from fmos_core.errors import ConfigError
from fmos_core.vfm_sections import (
    ROUTE_CHOICES,
    CacheConfig,
    FallbackConfig,
    ReasoningConfig,
    RolloutConfig,
    RouteRule,
    RoutingConfig,
    TrustConfig,
    VerifyConfig,
)

DEFAULT_PFM = "smollm2"

__all__ = [
    "DEFAULT_PFM",
    "BreakerConfig",
    "CacheConfig",
    "Config",
    "EvolutionConfig",
    "FallbackConfig",
    "MemoryConfig",
    "PFMConfig",
    "ReasoningConfig",
    "RolloutConfig",
    "RouteRule",
    "RoutingConfig",
    "StateConfig",
    "TenantConfig",
    "TrustConfig",
    "VFMConfig",
    "VerifyConfig",
    "explain",
    "fmos_home",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BreakerConfig(_Strict):
    """The circuit breaker of a pFM: after ``failures`` transient failures in a row it
    opens (calls skip the pFM); after ``cooldown_s`` one trial call may pass, and its
    success closes the breaker again."""

    failures: int = Field(default=5, ge=1, le=1000)
    cooldown_s: float = Field(default=30.0, gt=0)


class PFMConfig(_Strict):
    """One physical model: its driver, the driver's options, profile overrides."""

    driver: str
    options: dict[str, Any] = Field(default_factory=dict)
    profile: dict[str, Any] = Field(default_factory=dict)
    breaker: BreakerConfig = Field(default_factory=BreakerConfig)


class VFMConfig(_Strict):
    """A virtual model: an ordered pool of pFMs (first = preferred) and its policy."""

    pfms: list[str] = Field(min_length=1)
    system_prompt: str | None = None
    allow_downgrade: bool = False
    context: list[PolicySpec] = Field(default_factory=list)  # context policies, in order
    summariser: Literal["extractive", "model"] = "extractive"  # who writes policies' summaries
    summary_pfm: str | None = None  # for "model": default the embedded pFM, else the first
    recall: bool = True  # offer the kernel's recall tool while handles are in the window
    trust: TrustConfig = Field(default_factory=TrustConfig)
    verify: VerifyConfig = Field(default_factory=VerifyConfig)
    fallback: FallbackConfig = Field(default_factory=FallbackConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    reasoning: ReasoningConfig = Field(default_factory=ReasoningConfig)
    rollout: RolloutConfig = Field(default_factory=RolloutConfig)

    @model_validator(mode="after")
    def _check_routing(self) -> VFMConfig:
        for i, rule in enumerate(self.routing.rules):
            if rule.prefer not in ROUTE_CHOICES and rule.prefer not in self.pfms:
                raise ValueError(
                    f"routing.rules[{i}].prefer names {rule.prefer!r}, which is not in this "
                    f"VFM's pfms ({', '.join(map(repr, self.pfms))}); add it to pfms or "
                    f"prefer one of them, {ROUTE_CHOICES[0]!r} or {ROUTE_CHOICES[1]!r}"
                )
        return self

    @model_validator(mode="after")
    def _check_fallback_order(self) -> VFMConfig:
        order = self.fallback.order or []
        strangers = [p for p in order if p not in self.pfms]
        if strangers:
            raise ValueError(
                f"fallback.order names {', '.join(map(repr, strangers))}, which is not in "
                f"this VFM's pfms ({', '.join(map(repr, self.pfms))}); add it to pfms or "
                "remove it from fallback.order"
            )
        return self


class TenantConfig(_Strict):
    """A tenant, the highest tool privilege its callers may use unapproved, and the
    administrator's policies, placed above everything an app, a user or a tool says."""

    clearance: Privilege = Privilege.READ
    admin_policies: list[str] = Field(default_factory=list)
    approval_timeout_s: float | None = Field(default=3600.0, gt=0)  # None: never lapses
    max_pending_approvals: int = Field(default=20, ge=1)  # beyond it, requests are refused
    share_learning: bool = True  # false: its traces never feed the VFMs' evolution

    @field_validator("clearance", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Privilege:
        return Privilege.parse(value)


class StateConfig(_Strict):
    """Where state lives. ``url`` defaults to ``$FMOS_HOME/state.db`` (SQLite)."""

    enabled: bool = True
    url: str | None = None
    trace: bool = True

    def resolved_url(self) -> str:
        if self.url:
            return self.url
        return f"sqlite:///{fmos_home() / 'state.db'}"


class MemoryConfig(_Strict):
    """The vector tier: ``vector`` names an index driver (``"chroma"``), off when absent.

    ``options`` go to the driver; ``path`` defaults to ``$FMOS_HOME/vectors``.
    """

    vector: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    def resolved_options(self) -> dict[str, Any]:
        return {"path": str(fmos_home() / "vectors"), **self.options}


def fmos_home() -> Path:
    """``$FMOS_HOME``, default ``./.fmos``."""
    return Path(os.environ.get("FMOS_HOME", ".fmos"))


def _default_pfms() -> dict[str, PFMConfig]:
    return {DEFAULT_PFM: PFMConfig(driver="llamacpp")}


def _default_vfms() -> dict[str, VFMConfig]:
    return {"default": VFMConfig(pfms=[DEFAULT_PFM])}


def _default_tenants() -> dict[str, TenantConfig]:
    return {"default": TenantConfig()}


class EvolutionConfig(_Strict):
    """Where evolved versions are mirrored (``[evolution]``): ``mirror = "mlflow"`` with
    its ``[evolution.mirror_options]`` (``tracking_uri``, default
    ``sqlite:///$FMOS_HOME/mlflow.db``); off when absent — the local store alone."""

    mirror: str | None = None
    mirror_options: dict[str, Any] = Field(default_factory=dict)


class Config(_Strict):
    """The whole FMOS configuration. Sections default to the embedded setup."""

    state: StateConfig = Field(default_factory=StateConfig)
    memory: MemoryConfig = Field(default_factory=MemoryConfig)
    pfms: dict[str, PFMConfig] = Field(default_factory=_default_pfms)
    vfms: dict[str, VFMConfig] = Field(default_factory=_default_vfms)
    tenants: dict[str, TenantConfig] = Field(default_factory=_default_tenants)
    evolution: EvolutionConfig = Field(default_factory=EvolutionConfig)

    @model_validator(mode="after")
    def _check_references(self) -> Config:
        for name, vfm in self.vfms.items():
            missing = [p for p in vfm.pfms if p not in self.pfms]
            named = (vfm.summary_pfm, vfm.verify.verifier_pfm, vfm.verify.deliberate_pfm)
            missing += [p for p in named if p is not None and p not in self.pfms]
            if missing:
                raise ValueError(
                    f"vfms.{name} names {', '.join(map(repr, missing))}, which no "
                    f"[pfms.*] table declares (declared: {', '.join(self.pfms) or 'none'}); "
                    f"add a [pfms.{missing[0]}] table with its driver, or remove "
                    f"{missing[0]!r} from [vfms.{name}]"
                )
        if not self.vfms:
            raise ValueError("declare at least one [vfms.NAME] table")
        if self.memory.vector is not None and not self.state.enabled:
            raise ValueError("[memory] vector needs the state store; set [state] enabled = true")
        return self

    def summary_pfm(self, vfm: str) -> str:
        """The pFM that writes ``vfm``'s summaries: named, else embedded, else its first."""
        config = self.vfms[vfm]
        if config.summary_pfm is not None:
            return config.summary_pfm
        embedded = [name for name, p in self.pfms.items() if p.driver == "llamacpp"]
        return embedded[0] if embedded else config.pfms[0]

    @classmethod
    def load(cls, path: str | Path) -> Config:
        """Read and validate a TOML file; every problem is a ``ConfigError``."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {str(path)!r} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        return cls.parse(data, source=str(path))

    @classmethod
    def parse(cls, data: dict[str, Any], *, source: str = "config") -> Config:
        """Validate a config mapping; every problem is a ``ConfigError``."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{source}: {explain(exc)}") from None


def explain(exc: ValidationError) -> str:
    """One line per problem, naming the key path, for error messages."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown key {where!r}")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            parts.append(f"{where}: {msg}" if where != "(root)" else msg)
    return "; ".join(parts)
