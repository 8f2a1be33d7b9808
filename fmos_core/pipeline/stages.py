"""The pipeline's stages: admit → context → reserve → trap check → route → execute.

The guard, route, verify and settle stages have modules of their own.

Each stage is a small object with one coroutine, ``run(call)``. A stage whose
``active`` is false is left out when the pipeline is built, so an unconfigured
stage costs nothing. Settling (usage, budget, trace) is the pipeline's ``finally``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from fmos_core.backends import Chunk, Completion
from fmos_core.config import VFMConfig
from fmos_core.context.model_summary import ModelSummariser
from fmos_core.context.policies import ContextPolicy, Summariser, Window, extractive
from fmos_core.context.recall import Recall
from fmos_core.contract import Message, Response, Usage
from fmos_core.errors import BudgetExceeded, UnknownRecord, UnknownTenant
from fmos_core.evolution import PromptSelector, Selected
from fmos_core.evolution.parameters import with_parameters
from fmos_core.evolution.rendering import EVALUATION_TAG, applies, with_demonstrations
from fmos_core.memory import AgentFS
from fmos_core.memory.indexer import MemoryIndexer
from fmos_core.pipeline.accounts import Accounts
from fmos_core.pipeline.call import Call
from fmos_core.traps import Trap, TrapTable

SERVED_KINDS = (
    "policy",
    "system_prompt",
    "demonstrations",
)  # the artifacts the context stage serves

if TYPE_CHECKING:
    from fmos_core.pipeline.failover import Failover


class Stage:
    """One step of the pipeline. Subclasses set ``name`` and implement ``run``."""

    name: ClassVar[str]

    @property
    def active(self) -> bool:
        return True

    async def run(self, call: Call) -> None:
        raise NotImplementedError


class Admit(Stage):
    """Checks that the caller's tenant is configured, before anything is done for it."""

    name = "admit"

    def __init__(self, tenants: frozenset[str]) -> None:
        self._tenants = tenants

    async def run(self, call: Call) -> None:
        tenant = call.request.identity.tenant
        if tenant not in self._tenants:
            raise UnknownTenant(
                f"tenant {tenant!r} is not configured; declare [tenants.{tenant}] "
                f"(configured: {', '.join(sorted(self._tenants)) or 'none'})"
            )


class Reserve(Stage):
    """Reserves budget for the preferred pFM, for the prompt the context stage built.

    A reservation that would pass a limit becomes a *budget* trap, not an error:
    the trap handler may still downgrade to a cheaper pFM.
    """

    name = "reserve"

    def __init__(self, accounts: Accounts | None) -> None:
        self._accounts = accounts

    @property
    def active(self) -> bool:
        return self._accounts is not None

    async def run(self, call: Call) -> None:
        assert self._accounts is not None
        tokens, cost = call.estimate(call.pfm)
        try:
            call.reservation = self._accounts.reserve(
                call.request.identity.tenant, tokens=tokens, cost=cost
            )
        except BudgetExceeded as exc:
            call.pending.append(
                Trap(
                    type="budget",
                    reason=str(exc),
                    capability="downgrade" if call.vfm.allow_downgrade else "refuse",
                    snapshot={"pfm": call.pfm.name, "tokens": tokens, "cost": cost},
                    error=exc,
                )
            )


class Context(Stage):
    """Builds the working set the pFM sees: the VFM's system prompt, then its policies.

    Each policy that changes the messages is named in provenance (``policy:NAME``).
    With a state store, policies may offload into the session's agent filesystem
    (queued for the vector tier when there is one), and the kernel's ``recall`` tool
    is offered while a handle is in the window.
    """

    name = "context"

    def __init__(
        self,
        system_prompts: dict[str, str],
        policies: dict[str, list[ContextPolicy]] | None = None,
        fs: AgentFS | None = None,
        *,
        summarisers: dict[str, ModelSummariser] | None = None,
        recall: Recall | None = None,
        indexer: MemoryIndexer | None = None,
        versions: PromptSelector | None = None,
        on_canary: Callable[[str], None] | None = None,
    ) -> None:
        self._system_prompts = system_prompts
        self._versions = versions
        self._on_canary = on_canary
        self._tuned_configs: dict[tuple[str, int], VFMConfig] = {}
        self._fs = fs
        self._policies = {vfm: list(ps) for vfm, ps in (policies or {}).items() if ps}
        self._summarisers = summarisers or {}
        self._recall = recall
        self._indexer = indexer

    @property
    def active(self) -> bool:
        return bool(self._system_prompts or self._policies or self._versions)

    async def run(self, call: Call) -> None:
        self._system_prompt(call)
        policies = self._policies.get(call.vfm_name)
        if not policies:
            return
        window = Window(
            count_tokens=call.prompt_tokens_of,
            offload=None if self._fs is None else partial(self._offload, call),
            summarise=self._summariser(call),
        )
        messages = list(call.request.messages)
        for policy in policies:
            shaped = await policy.apply(messages, window)
            if shaped is not messages:
                messages = shaped
                call.provenance_policies.append(f"policy:{policy.name}")
        if messages != call.request.messages:
            call.request = call.request.model_copy(update={"messages": messages})
        if self._recall is not None:
            self._recall.offer(call)

    def _summariser(self, call: Call) -> Summariser:
        model = self._summarisers.get(call.vfm_name)
        if model is None:
            return extractive

        async def summarise(text: str, max_chars: int) -> str:
            summary, used = await model.summarise(text, max_chars)
            if used is not None:  # charged to the call: reserved and settled with it
                call.side_tokens += used.input_tokens + used.output_tokens
                call.side_cost += model.pfm.profile.cost(
                    input_tokens=used.input_tokens, output_tokens=used.output_tokens
                )
            return summary

        return summarise

    def _offload(self, call: Call, path: str, text: str) -> str:
        assert self._fs is not None
        tenant, session = call.request.identity.tenant, call.request.identity.session
        try:  # the path carries a content hash: an existing file holds these very bytes
            handle = self._fs.stat(tenant, session, path).id
        except UnknownRecord:
            handle = self._fs.write(tenant, session, path, text.encode()).id
            if self._indexer is not None:
                self._indexer.submit_offloaded(tenant, session, handle, path, text)
        if handle not in call.memory_handles:
            call.memory_handles.append(handle)
        return handle

    def _system_prompt(self, call: Call) -> None:
        policy = self._served(call, "policy")
        if policy is not None:  # tuned parameters override the VFM's config for the call
            call.vfm = self._tuned(call.vfm_name, call.vfm, policy)
            call.prompt_versions["policy"] = policy.label
        prompt = self._system_prompts.get(call.vfm_name)
        chosen = self._served(call, "system_prompt")
        if chosen is not None:  # a version of the prompt the store serves wins
            prompt = chosen.text
        if prompt:
            first = call.request.messages[0]
            if first.role != "system":
                messages = [Message(role="system", content=prompt), *call.request.messages]
                call.request = call.request.model_copy(update={"messages": messages})
            elif first.content != prompt:
                return  # the caller's own system message stands, and its examples with it
            # inserted now, or already in place (a harness applied the policy earlier)
            call.provenance_policies.append(f"system_prompt:{call.vfm_name}")
            if chosen is not None:
                call.prompt_versions["system_prompt"] = chosen.label
        demonstrations = self._served(call, "demonstrations")
        if demonstrations is not None and applies(demonstrations.body, call.request.tags):
            shaped = with_demonstrations(call.request.messages, demonstrations.body["examples"])
            call.request = call.request.model_copy(update={"messages": shaped})
            call.prompt_versions["demonstrations"] = demonstrations.label
        if self._on_canary is not None and self._may_draw_canary(call):
            self._on_canary(call.vfm_name)  # the canary watch counts these calls

    def _may_draw_canary(self, call: Call) -> bool:
        if self._versions is None or EVALUATION_TAG in call.request.tags:
            return False
        return any(self._versions.canary(call.vfm_name, kind) for kind in SERVED_KINDS)

    def _tuned(self, vfm: str, config: VFMConfig, policy: Selected) -> VFMConfig:
        key = (vfm, policy.version)
        tuned = self._tuned_configs.get(key)
        if tuned is None:
            tuned = self._tuned_configs[key] = with_parameters(config, policy.body)
        return tuned

    def _served(self, call: Call, kind: str) -> Selected | None:
        if self._versions is None or EVALUATION_TAG in call.request.tags:
            return None
        identity = call.request.identity
        key = f"{identity.tenant}/{identity.app}/{identity.session}"
        share = call.vfm.rollout.canary_share
        return self._versions.select(call.vfm_name, key, canary_share=share, kind=kind)


class TrapCheck(Stage):
    """Dispatches pending traps, runs the detectors, then checks the context window."""

    name = "trap_check"

    def __init__(self, table: TrapTable) -> None:
        self._table = table

    async def run(self, call: Call) -> None:
        while call.pending:
            await self._table.dispatch(call.pending.pop(0), call)
        for detect in self._table.detectors:
            found = detect(call)
            trap = await found if inspect.isawaitable(found) else found
            if trap is not None:
                await self._table.dispatch(trap, call)
        # last: pending traps may switch the pFM, and detectors may add context
        window_trap = _window_trap(call)
        if window_trap is not None:
            await self._table.dispatch(window_trap, call)


def _window_trap(call: Call) -> Trap | None:
    prompt = call.prompt_tokens(call.pfm)
    need = prompt + call.request.max_tokens
    window = call.pfm.profile.context_window
    if need <= window:
        return None
    return Trap(
        type="model",
        reason=(
            f"prompt ({prompt} tokens) + max_tokens ({call.request.max_tokens}) = {need} "
            f"exceeds {call.pfm.name}'s context window of {window}"
        ),
        capability="reroute",
        snapshot={"pfm": call.pfm.name, "need": need, "window": window},
    )


class Execute(Stage):
    """Calls the selected pFM — retrying, or falling back to another pFM of the pool,
    through ``failover`` — and turns its completion into a ``Response``."""

    name = "execute"

    def __init__(self, failover: Failover) -> None:
        self._failover = failover

    async def run(self, call: Call) -> None:
        completion = await self._failover.complete(call)
        if call.recall is not None:  # the kernel's own tool: served here, never returned
            completion = await call.recall.serve(call, completion)
        call.completion = completion
        call.response = build_response(call, completion)

    def stream(self, call: Call) -> AsyncIterator[Chunk]:
        """The pFM's chunks; failing over only until the first one arrives."""
        return self._failover.stream(call)


def build_response(call: Call, completion: Completion) -> Response:
    profile = call.pfm.profile
    usage = Usage(
        input_tokens=completion.input_tokens,
        output_tokens=completion.output_tokens,
        cached_tokens=completion.cached_tokens,
        reasoning_tokens=completion.reasoning_tokens,
        cost=profile.cost(
            input_tokens=completion.input_tokens, output_tokens=completion.output_tokens
        ),
    )
    return Response.model_construct(
        message=Message.model_construct(
            role="assistant",
            content=completion.content,
            tool_calls=completion.tool_calls,
            tool_call_id=None,
            name=None,
            kind="text",
        ),
        usage=usage,
        vfm=call.vfm_name,
        pfm=call.pfm.name,
        pfm_version=completion.model_version or call.pfm.backend.version,
        trace_id=call.trace_id,
        finish_reason=completion.finish_reason,
        provenance=call.provenance(),
        traps=call.traps,
        logprobs=completion.logprobs,
    )
