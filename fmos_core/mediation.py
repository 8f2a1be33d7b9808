"""Kernel calls for work a harness does itself, so its policy still lives in the core.

A harness may run its own model, its own tools or its own prompt assembly. These
calls let an adapter pass that work through the same pipeline stages a VFM call
uses — nothing is re-implemented outside the core:

- ``apply_context``: the VFM's context stage on a list of messages;
- ``gate_tool_call``: the verify stage's privilege gate on a tool call the harness
  is about to run (``ApprovalRequired`` with a persisted approval, unless an
  approval of exactly this call is unused — running it uses the approval up);
- ``begin_external``: admission (tenant, budget reservation, traps) for a model
  call FMOS does not execute, then ``ExternalCall.finish`` settles usage and writes
  the trace.

Example:
    >>> from fmos_core import FMOS, Config, Message
    >>> cfg = Config.parse({"pfms": {"s": {"driver": "scripted"}}, "state": {"enabled": False},
    ...     "vfms": {"default": {"pfms": ["s"], "system_prompt": "Be brief."}}})
    >>> with FMOS(cfg) as fmos:
    ...     msgs = fmos.loop.run(fmos.mediator.apply_context(
    ...         "default", [Message(role="user", content="hi")]))
    >>> [m.role for m in msgs]
    ['system', 'user']
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fmos_core.backends import Backend, Completion
from fmos_core.config import TenantConfig, VFMConfig
from fmos_core.contract import Identity, Message, Request, ToolCall, ToolSpec
from fmos_core.errors import BadRequest, UnknownTenant
from fmos_core.pipeline import PFM, Call, Stage
from fmos_core.pipeline.stages import build_response
from fmos_core.profiles import CapabilityProfile

if TYPE_CHECKING:
    from fmos_core.kernel import FMOS

_UNBOUNDED = CapabilityProfile(context_window=1 << 30)


class Mediator:
    """The kernel calls above, bound to one kernel (``fmos.mediator``)."""

    def __init__(self, kernel: FMOS) -> None:
        self._kernel = kernel
        self._stages = {stage.name: stage for stage in kernel.pipeline.stages}

    async def apply_context(
        self, vfm: str, messages: Sequence[Message], *, identity: Identity | None = None
    ) -> list[Message]:
        """``messages`` as the VFM's context stage would hand them to a pFM."""
        call = self._call(vfm, Request(messages=list(messages), identity=identity or Identity()))
        await self._run("context", call)
        await self._run("guard", call)  # admin policies first, untrusted text quarantined
        return list(call.request.messages)

    async def gate_tool_call(
        self,
        vfm: str,
        tool_call: ToolCall,
        tools: Sequence[ToolSpec],
        *,
        identity: Identity | None = None,
    ) -> None:
        """Return if ``tool_call`` may run now; raise ``ApprovalRequired`` if it must wait."""
        identity = identity or Identity()
        named = [t for t in tools if t.name == tool_call.name]
        if len(named) > 1:  # the gate and the verify stage must judge the same definition
            raise BadRequest(
                f"{len(named)} tools are named {tool_call.name!r}; pass each tool once"
            )
        note = Message(role="user", content=f"(tool call {tool_call.name} about to run)")
        call = self._call(vfm, Request(messages=[note], tools=list(tools), identity=identity))
        self._require_tenant(call)
        call.completion = Completion(tool_calls=[tool_call], finish_reason="tool_calls")
        await self._run("verify", call)  # the privilege gate: holds the call or finds its approval
        spec = next(t for t in tools if t.name == tool_call.name)
        if spec.privilege <= call.tenant.clearance:
            return
        used = self._kernel.approvals.consume(  # running the tool uses its approval up
            tenant=identity.tenant,
            session=identity.session,
            tool=tool_call.name,
            arguments=tool_call.arguments,
        )
        if used is None:  # another caller used it first: this one must be approved anew
            await self._run("verify", call)

    async def begin_external(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        max_tokens: int = 256,
        identity: Identity | None = None,
        profile: CapabilityProfile | None = None,
    ) -> ExternalCall:
        """Admit a call to a model outside FMOS: checks the tenant, reserves the budget.

        Raises ``BudgetExceeded`` (nothing spent, the refusal traced) or ``UnknownTenant``.
        ``profile`` prices the call; without one it costs nothing but tokens.
        """
        request = Request(
            messages=list(messages), max_tokens=max_tokens, identity=identity or Identity()
        )
        pfm = PFM(model, _External(profile or _UNBOUNDED), profile or _UNBOUNDED)
        call = Call(
            request=request,
            vfm_name="external",
            vfm=VFMConfig(pfms=[model]),
            tenant=self._kernel.config.tenants.get(request.identity.tenant) or TenantConfig(),
            trace_id=uuid.uuid4().hex,
            started=time.perf_counter(),
            pfm=pfm,
            pool=[pfm],
        )
        try:
            await self._run("admit", call)
            await self._run("reserve", call)
            await self._run("trap_check", call)
        except BaseException as exc:
            call.error = exc
            await self._run("settle", call)
            raise
        return ExternalCall(call, self._stages.get("settle"))

    def _call(self, vfm: str, request: Request) -> Call:
        return self._kernel.new_call(self._kernel.vfm(vfm), request)

    def _require_tenant(self, call: Call) -> None:
        tenant, known = call.request.identity.tenant, self._kernel.config.tenants
        if tenant not in known:
            raise UnknownTenant(
                f"tenant {tenant!r} is not configured; declare [tenants.{tenant}] "
                f"(configured: {', '.join(sorted(known)) or 'none'})"
            )

    async def _run(self, name: str, call: Call) -> None:
        stage: Stage | None = self._stages.get(name)
        if stage is not None:
            await stage.run(call)


class ExternalCall:
    """An admitted external model call; ``finish`` or ``fail`` it exactly once."""

    def __init__(self, call: Call, settle: Stage | None) -> None:
        self._call = call
        self._settle = settle
        self.trace_id = call.trace_id

    async def finish(
        self,
        *,
        content: str = "",
        tool_calls: Sequence[ToolCall] = (),
        input_tokens: int = 0,
        output_tokens: int = 0,
        usage_reported: bool = True,
    ) -> None:
        """Settle the actual usage (or the whole hold if none was reported) and trace it."""
        completion = Completion(
            content=content,
            tool_calls=list(tool_calls),
            finish_reason="tool_calls" if tool_calls else "stop",
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            model_version=self._call.pfm.name,
            usage_reported=usage_reported,
        )
        self._call.completion = completion
        self._call.response = build_response(self._call, completion)
        await self._close()

    async def fail(self, error: BaseException) -> None:
        """The model call failed: release the reservation and trace the error."""
        self._call.error = error
        await self._close()

    async def _close(self) -> None:
        if self._settle is not None:
            await self._settle.run(self._call)
            self._settle = None


class _External(Backend):
    """The stand-in pFM of an external call: it only counts tokens (over-estimating)."""

    Options = None  # type: ignore[assignment]

    def __init__(self, profile: CapabilityProfile) -> None:
        self.profile = profile

    async def complete(self, request: Request) -> Completion:
        raise NotImplementedError("an external call is executed by the harness, not by FMOS")
