"""The Data Agent's context policies: declarative rules for what a pFM sees."""

from fmos_core.context.lifecycle import PostUseOffload, UnloadSkills, skill_header
from fmos_core.context.offload import OffloadToolOutputs, describe_shape
from fmos_core.context.policies import (
    ContextPolicy,
    PruneObservations,
    RecencyWindow,
    SummariseOverBudget,
    Summariser,
    Window,
    extractive,
)
from fmos_core.context.summarise import extractive_summary

__all__ = [
    "ContextPolicy",
    "OffloadToolOutputs",
    "PostUseOffload",
    "PruneObservations",
    "RecencyWindow",
    "SummariseOverBudget",
    "Summariser",
    "UnloadSkills",
    "Window",
    "describe_shape",
    "extractive",
    "extractive_summary",
    "skill_header",
]
