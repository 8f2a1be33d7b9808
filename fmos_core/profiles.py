"""Capability profiles: what a physical model can do and what it costs.

Example:
    >>> p = CapabilityProfile(context_window=2048, input_price_per_mtok=1.0,
    ...                       output_price_per_mtok=2.0)
    >>> p.cost(input_tokens=1_000_000, output_tokens=500_000)
    2.0
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ReasoningKnob = Literal["none", "on_off", "effort", "token_budget"]
NamedLevel = Literal["off", "low", "medium", "high"]


def _default_budgets() -> dict[NamedLevel, int]:
    return {"low": 256, "medium": 1024, "high": 4096}


def _default_efforts() -> dict[NamedLevel, str]:
    return {"low": "low", "medium": "medium", "high": "high"}


class CapabilityProfile(BaseModel):
    """Capabilities and prices of one pFM. Prices are USD per million tokens.

    ``reasoning_knob`` says what the pFM's reasoning control really is (see
    ``fmos_core.reasoning``): a thinking-token budget (named levels map through
    ``reasoning_budgets``; an int level is used as is, up to ``max_reasoning_tokens``),
    an effort name (``reasoning_efforts``; a level it lacks sends none), an on/off
    switch sent as ``reasoning_switch`` (``template``: ``enable_thinking``; ``prompt``:
    ``/think`` / ``/no_think``), or ``none`` (a prompt technique).
    """

    model_config = ConfigDict(extra="forbid")

    context_window: int = Field(default=2048, ge=16)
    tools: bool = True
    json_schema: bool = True
    logprobs: bool = False
    streaming: bool = True
    reasoning_knob: ReasoningKnob = "none"
    reasoning_budgets: dict[NamedLevel, Annotated[int, Field(ge=0)]] = Field(
        default_factory=_default_budgets
    )
    max_reasoning_tokens: int | None = Field(default=None, ge=1)
    reasoning_efforts: dict[NamedLevel, str] = Field(default_factory=_default_efforts)
    reasoning_switch: Literal["template", "prompt"] = "template"
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
