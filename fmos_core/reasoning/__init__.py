"""One reasoning knob: a level mapped onto each pFM's own control, tuned per task family.

``knob`` maps a level onto a pFM's profile (``plan``, ``prepare``, ``expresses``);
``bandit`` tunes the level per request tag from scored traces (``outcomes``) and
``policy`` keeps the chosen levels as versioned artifacts.

Example:
    >>> from fmos_core.profiles import CapabilityProfile
    >>> expresses(CapabilityProfile(reasoning_knob="on_off"), "high")
    True
"""

from fmos_core.reasoning.bandit import Choice, Outcome, choose, tune
from fmos_core.reasoning.knob import Level, ReasoningPlan, expresses, plan, prepare
from fmos_core.reasoning.policy import Arm, ReasoningPolicies, ReasoningPolicy, TagPolicy

__all__ = [
    "Arm",
    "Choice",
    "Level",
    "Outcome",
    "ReasoningPlan",
    "ReasoningPolicies",
    "ReasoningPolicy",
    "TagPolicy",
    "choose",
    "expresses",
    "plan",
    "prepare",
    "tune",
]
