"""The state of one call as it moves through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fmos_core.backends import Backend, Completion
from fmos_core.cache.semantic import Entry
from fmos_core.config import TenantConfig, VFMConfig
from fmos_core.contract import Message, Provenance, Request, Response, TrapRecord
from fmos_core.profiles import CapabilityProfile
from fmos_core.store.budgets import Reservation
from fmos_core.store.traces import Span
from fmos_core.traps import Trap

if TYPE_CHECKING:
    from fmos_core.context.recall import Recall
    from fmos_core.pipeline.escalation import LadderRecord
    from fmos_core.pipeline.guard import Guard
    from fmos_core.pipeline.reason import ReasoningRecord
    from fmos_core.routing.record import RouteRecord


@dataclass(slots=True)
class PFM:
    """A configured physical model: its name, driver instance and profile."""

    name: str
    backend: Backend
    profile: CapabilityProfile

    def estimate(self, request: Request, prompt: int | None = None) -> tuple[int, float]:
        """(tokens, cost) to reserve for ``request`` on this pFM: prompt + max output."""
        if prompt is None:
            prompt = self.backend.count_tokens(request)
        tokens = prompt + request.max_tokens
        return tokens, self.profile.cost(input_tokens=prompt, output_tokens=request.max_tokens)


@dataclass(slots=True)
class Spend:
    """Tokens and cost of extra calls made while verifying an answer."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0

    def add(self, input_tokens: int, output_tokens: int, cost: float) -> None:
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.cost += cost


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
    extra_reservations: list[Reservation] = field(default_factory=list)  # recall rounds
    pending: list[Trap] = field(default_factory=list)
    traps: list[TrapRecord] = field(default_factory=list)
    completion: Completion | None = None
    response: Response | None = None
    spans: list[Span] = field(default_factory=list)
    provenance_policies: list[str] = field(default_factory=list)
    memory_handles: list[str] = field(default_factory=list)  # memory that shaped the call
    prompt_versions: dict[str, str] = field(default_factory=dict)  # e.g. system_prompt: v3
    recall: Recall | None = None  # set when the kernel offered its recall tool
    guard: Guard | None = None  # set by the guard stage: content added later passes it too
    side_tokens: int = 0  # spent on the call's behalf before it ran (model summaries)
    side_cost: float = 0.0
    ladder: LadderRecord | None = None  # set by the verify stage when the ladder is on
    check_failures: list[str] | None = None  # set when the app's rule checks judged it
    reasoning: ReasoningRecord | None = None  # set by the reason stage: level asked / used
    route: RouteRecord | None = None  # set by the route stage: why this pFM
    verify_spend: Spend = field(default_factory=Spend)  # part of side_*: repairs, the ladder
    error: BaseException | None = None  # how the call ended, for the settle stage
    streaming: bool = False  # the pFM began streaming: spend is unknown until it ends
    wants_stream: bool = False  # the caller asked for a stream (set by Pipeline.stream)
    cache_key: str | None = None  # set when the answer may be stored in the exact cache
    semantic_entry: Entry | None = None  # set when it may be stored in the semantic cache
    served: bool = False  # answered without a pFM (a cache hit): the runner skips the rest
    _counted: dict[str, tuple[Request, int]] = field(default_factory=dict)

    def prompt_tokens(self, pfm: PFM) -> int:
        """``pfm``'s prompt-token count for the current request, counted once per request."""
        cached = self._counted.get(pfm.name)
        if cached is not None and cached[0] is self.request:
            return cached[1]
        count = pfm.backend.count_tokens(self.request)
        self._counted[pfm.name] = (self.request, count)
        return count

    def prompt_tokens_of(self, messages: list[Message]) -> int:
        """Prompt tokens on the call's pFM if ``messages`` replaced the request's."""
        request = self.request.model_copy(update={"messages": messages})
        return self.pfm.backend.count_tokens(request)

    def estimate(self, pfm: PFM) -> tuple[int, float]:
        """(tokens, cost) to reserve for this call on ``pfm``, with what it already spent."""
        tokens, cost = pfm.estimate(self.request, self.prompt_tokens(pfm))
        return tokens + self.side_tokens, cost + self.side_cost

    def fits(self, pfm: PFM) -> bool:
        """Whether prompt + max_tokens fit ``pfm``'s context window."""
        need = self.prompt_tokens(pfm) + self.request.max_tokens
        return need <= pfm.profile.context_window

    def provenance(self) -> Provenance:
        return Provenance.model_construct(
            policies=self.provenance_policies,
            prompt_versions=self.prompt_versions,
            memory_handles=self.memory_handles,
        )
