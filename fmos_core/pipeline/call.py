"""The state of one call as it moves through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

from fmos_core.backends import Backend, Completion
from fmos_core.config import TenantConfig, VFMConfig
from fmos_core.contract import Provenance, Request, Response, TrapRecord
from fmos_core.profiles import CapabilityProfile
from fmos_core.store.budgets import Reservation
from fmos_core.store.traces import Span
from fmos_core.traps import Trap


@dataclass(slots=True)
class PFM:
    """A configured physical model: its name, driver instance and profile."""

    name: str
    backend: Backend
    profile: CapabilityProfile

    def estimate(self, request: Request, extra_tokens: int = 0) -> tuple[int, float]:
        """(tokens, cost) to reserve for ``request`` on this pFM: prompt + max output."""
        prompt = self.backend.count_tokens(request) + extra_tokens
        tokens = prompt + request.max_tokens
        return tokens, self.profile.cost(input_tokens=prompt, output_tokens=request.max_tokens)


@dataclass(slots=True)
class Call:
    """One request in flight. Stages read and write it; nothing else is shared."""

    request: Request
    vfm_name: str
    vfm: VFMConfig
    tenant: TenantConfig
    trace_id: str
    started: float
    pfm: PFM
    pool: list[PFM]
    reservation: Reservation | None = None
    pending: list[Trap] = field(default_factory=list)
    traps: list[TrapRecord] = field(default_factory=list)
    completion: Completion | None = None
    response: Response | None = None
    spans: list[Span] = field(default_factory=list)
    provenance_policies: list[str] = field(default_factory=list)
    error: BaseException | None = None  # how the call ended, for the settle stage
    streaming: bool = False  # the pFM began streaming: spend is unknown until it ends

    def provenance(self) -> Provenance:
        return Provenance.model_construct(
            policies=self.provenance_policies, prompt_versions={}, memory_handles=[]
        )
