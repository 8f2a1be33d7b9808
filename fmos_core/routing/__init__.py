"""Routing: which pFM of a VFM's pool serves each call, and why.

Rules first (``[vfms.X.routing] rules``: by tags, required capability, prompt length,
budget state, tenant), an ``explore`` share that tries every pFM so traces can teach,
then a learned router (``FMOS.train_router``): one success model per pFM, the cheapest
likely success wins, used only when its held-out score beat the rules'. Every decision
is a ``RouteRecord`` in the trace's ``signals`` (``fmos route explain``).

Example:
    >>> from fmos_core.config import RoutingConfig
    >>> Router(RoutingConfig()).rules is not None
    True
"""

from fmos_core.routing.artifacts import RouterArtifact, RouterArtifacts
from fmos_core.routing.explain import explain
from fmos_core.routing.features import FEATURE_SET, feature_names, features, vocabulary
from fmos_core.routing.learned import LearnedRouter, SuccessModel
from fmos_core.routing.record import RouteRecord
from fmos_core.routing.router import Router, Routers, explores
from fmos_core.routing.rules import Ask, Candidate, Choice, Option, RuleRouter, price
from fmos_core.routing.training import MIN_EXAMPLES, Outcome, beats, replay, train_router

__all__ = [
    "FEATURE_SET",
    "MIN_EXAMPLES",
    "Ask",
    "Candidate",
    "Choice",
    "LearnedRouter",
    "Option",
    "Outcome",
    "RouteRecord",
    "Router",
    "RouterArtifact",
    "RouterArtifacts",
    "Routers",
    "RuleRouter",
    "SuccessModel",
    "beats",
    "explain",
    "explores",
    "feature_names",
    "features",
    "price",
    "replay",
    "train_router",
    "vocabulary",
]
