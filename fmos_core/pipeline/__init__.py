"""The request pipeline: a call's state, its stages, trap handlers and the runner."""

from fmos_core.pipeline.cache import Cache, CacheStore
from fmos_core.pipeline.call import PFM, Call
from fmos_core.pipeline.guard import Guard, GuardrailResult, Guardrails
from fmos_core.pipeline.reason import Reason
from fmos_core.pipeline.route import Route
from fmos_core.pipeline.runner import Pipeline
from fmos_core.pipeline.settle import Settle
from fmos_core.pipeline.stages import (
    Admit,
    Context,
    Execute,
    Reserve,
    Stage,
    TrapCheck,
)
from fmos_core.pipeline.verify import Ladders, Verify

__all__ = [
    "PFM",
    "Admit",
    "Cache",
    "CacheStore",
    "Call",
    "Context",
    "Execute",
    "Guard",
    "GuardrailResult",
    "Guardrails",
    "Ladders",
    "Pipeline",
    "Reason",
    "Reserve",
    "Route",
    "Settle",
    "Stage",
    "TrapCheck",
    "Verify",
]
