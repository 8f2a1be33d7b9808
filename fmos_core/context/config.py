"""Context policies as configuration: ``[[vfms.NAME.context]]`` tables, strictly checked.

Example:
    >>> from pydantic import TypeAdapter
    >>> spec = TypeAdapter(PolicySpec).validate_python({"policy": "recency_window", "keep_last": 8})
    >>> spec.build()
    RecencyWindow(keep_last=8)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from fmos_core.context.lifecycle import PostUseOffload, UnloadSkills
from fmos_core.context.offload import OffloadToolOutputs
from fmos_core.context.policies import (
    ContextPolicy,
    PruneObservations,
    RecencyWindow,
    SummariseOverBudget,
)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecencyWindowSpec(_Spec):
    policy: Literal["recency_window"]
    keep_last: int = Field(ge=1)

    def build(self) -> ContextPolicy:
        return RecencyWindow(keep_last=self.keep_last)


class PruneObservationsSpec(_Spec):
    policy: Literal["prune_observations"]
    keep_last: int = Field(ge=0)

    def build(self) -> ContextPolicy:
        return PruneObservations(keep_last=self.keep_last)


class SummariseOverBudgetSpec(_Spec):
    policy: Literal["summarise_over_budget"]
    max_tokens: int = Field(ge=16)
    keep_last: int = Field(default=4, ge=0)
    summary_chars: int = Field(default=600, ge=40)

    def build(self) -> ContextPolicy:
        return SummariseOverBudget(
            max_tokens=self.max_tokens, keep_last=self.keep_last, summary_chars=self.summary_chars
        )


class OffloadToolOutputsSpec(_Spec):
    policy: Literal["offload_tool_outputs"]
    max_bytes: int = Field(ge=1)
    summary_chars: int = Field(default=300, ge=40)

    def build(self) -> ContextPolicy:
        return OffloadToolOutputs(max_bytes=self.max_bytes, summary_chars=self.summary_chars)


class PostUseOffloadSpec(_Spec):
    policy: Literal["post_use_offload"]
    min_bytes: int = Field(default=512, ge=0)
    summary_chars: int = Field(default=200, ge=40)

    def build(self) -> ContextPolicy:
        return PostUseOffload(min_bytes=self.min_bytes, summary_chars=self.summary_chars)


class UnloadSkillsSpec(_Spec):
    policy: Literal["unload_skills"]

    def build(self) -> ContextPolicy:
        return UnloadSkills()


PolicySpec = Annotated[
    RecencyWindowSpec
    | PruneObservationsSpec
    | SummariseOverBudgetSpec
    | OffloadToolOutputsSpec
    | PostUseOffloadSpec
    | UnloadSkillsSpec,
    Field(discriminator="policy"),
]
