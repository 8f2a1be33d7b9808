"""Capability profiles: what a physical model can do and what it costs.

Example:
    >>> p = CapabilityProfile(context_window=2048, input_price_per_mtok=1.0,
    ...                       output_price_per_mtok=2.0)
    >>> p.cost(input_tokens=1_000_000, output_tokens=500_000)
    2.0
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ReasoningKnob = Literal["none", "on_off", "effort", "token_budget"]


class CapabilityProfile(BaseModel):
    """Capabilities and prices of one pFM. Prices are USD per million tokens."""

    model_config = ConfigDict(extra="forbid")

    context_window: int = Field(default=2048, ge=16)
    tools: bool = True
    json_schema: bool = True
    logprobs: bool = False
    streaming: bool = True
    reasoning_knob: ReasoningKnob = "none"
    input_price_per_mtok: float = Field(default=0.0, ge=0.0)
    output_price_per_mtok: float = Field(default=0.0, ge=0.0)

    def cost(self, *, input_tokens: int, output_tokens: int) -> float:
        """USD cost of a call with these token counts."""
        return (
            input_tokens * self.input_price_per_mtok + output_tokens * self.output_price_per_mtok
        ) / 1_000_000

    def merged(self, overrides: dict[str, object]) -> CapabilityProfile:
        """This profile with fields replaced by ``overrides`` (validated)."""
        return CapabilityProfile.model_validate({**self.model_dump(), **overrides})
