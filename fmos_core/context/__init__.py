"""The Data Agent's context policies: declarative rules for what a pFM sees."""

from fmos_core.context.policies import (
    POLICIES,
    ContextPolicy,
    PruneObservations,
    RecencyWindow,
    SummariseOverBudget,
    Window,
)
from fmos_core.context.summarise import extractive_summary

__all__ = [
    "POLICIES",
    "ContextPolicy",
    "PruneObservations",
    "RecencyWindow",
    "SummariseOverBudget",
    "Window",
    "extractive_summary",
]
