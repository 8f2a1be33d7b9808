"""The Data Agent's context policies: declarative rules for what a pFM sees."""

from fmos_core.context.offload import OffloadToolOutputs, describe_shape
from fmos_core.context.policies import (
    ContextPolicy,
    PruneObservations,
    RecencyWindow,
    SummariseOverBudget,
    Window,
)
from fmos_core.context.summarise import extractive_summary

__all__ = [
    "ContextPolicy",
    "OffloadToolOutputs",
    "PruneObservations",
    "RecencyWindow",
    "SummariseOverBudget",
    "Window",
    "describe_shape",
    "extractive_summary",
]
