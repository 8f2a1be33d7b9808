"""The built-in rule-based trap handlers: budget, model and trust.

The knowledge trap has no handler yet; the Data Agent registers one.
"""

from __future__ import annotations

import time
import uuid

from fmos_core.contract import TrapRecord
from fmos_core.errors import (
    ApprovalDenied,
    ApprovalRequired,
    BudgetExceeded,
    ContextWindowExceeded,
)
from fmos_core.pipeline.accounts import Accounts, switch_pfm
from fmos_core.pipeline.call import PFM, Call
from fmos_core.store.approvals import ApprovalStore
from fmos_core.traps import Trap, TrapTable


def _price(pfm: PFM) -> float:
    return pfm.profile.input_price_per_mtok + pfm.profile.output_price_per_mtok


class BudgetHandler:
    """Downgrades to a cheaper pFM of the VFM's pool when allowed, else refuses."""

    def __init__(self, accounts: Accounts | None) -> None:
        self._accounts = accounts

    async def __call__(self, trap: Trap, call: Call) -> str:
        refusal = trap.error if isinstance(trap.error, BudgetExceeded) else None
        if self._accounts is not None and call.vfm.allow_downgrade:
            cheaper = sorted((p for p in call.pool if _price(p) < _price(call.pfm)), key=_price)
            for pfm in cheaper:
                tokens, cost = call.estimate(pfm)
                try:
                    call.reservation = self._accounts.reserve(
                        call.request.identity.tenant, tokens=tokens, cost=cost
                    )
                except BudgetExceeded:
                    continue
                previous, call.pfm = call.pfm.name, pfm
                return f"downgraded from {previous} to {pfm.name}"
        if refusal is None:
            raise BudgetExceeded(
                trap.reason,
                tenant=call.request.identity.tenant,
                resource="cost",
                limit=0,
                requested=0,
                trace_id=call.trace_id,
            )
        refusal.trace_id = call.trace_id
        raise refusal


class ModelHandler:
    """Reroutes to the first pFM of the pool whose window fits, else fails clearly."""

    def __init__(self, accounts: Accounts | None) -> None:
        self._accounts = accounts

    async def __call__(self, trap: Trap, call: Call) -> str:
        for pfm in call.pool:
            if pfm is call.pfm:
                continue
            if not call.fits(pfm):
                continue
            previous = switch_pfm(call, pfm, self._accounts)
            return f"rerouted from {previous} to {pfm.name}"
        windows = ", ".join(f"{p.name}={p.profile.context_window}" for p in call.pool)
        raise ContextWindowExceeded(
            f"{trap.reason}; no pFM of VFM {call.vfm_name!r} fits it ({windows}): "
            "shorten the messages or lower max_tokens",
            pfm=call.pfm.name,
            trace_id=call.trace_id,
        )


class TrustHandler:
    """Lets a model's privileged tool call through when an unused approval of exactly
    that call exists (running the tool uses it up, through the kernel's tool gate);
    otherwise persists a pending approval and stops the call."""

    def __init__(self, approvals: ApprovalStore | None) -> None:
        self._approvals = approvals

    async def __call__(self, trap: Trap, call: Call) -> str:
        if self._approvals is None:
            raise ApprovalRequired(
                f"{trap.reason}; state is disabled, so no approval can be recorded: "
                "enable [state] to use privileged tools",
                approval_id="",
                trace_id=call.trace_id,
            )
        identity = call.request.identity
        tool, arguments = str(trap.snapshot["tool"]), dict(trap.snapshot["arguments"])
        kind = str(trap.snapshot.get("kind", "tool_call"))
        if kind == "tool_call":
            earlier = self._approvals.find_approved(
                tenant=identity.tenant, session=identity.session, tool=tool, arguments=arguments
            )
            if earlier is not None:
                return f"approved by {earlier.decided_by} (approval {earlier.id})"
        approval_id = uuid.uuid4().hex[:12]
        held = TrapRecord(
            type="trust", reason=trap.reason, action=f"held for approval {approval_id}"
        )
        response = {}
        if call.response is not None:  # what resume() returns: the trap that held it included
            response = call.response.model_dump(mode="json")
            response["traps"] = [*response["traps"], held.model_dump()]
        timeout = call.tenant.approval_timeout_s
        try:
            approval = self._approvals.create(
                max_pending=call.tenant.max_pending_approvals,
                id=approval_id,
                tenant=identity.tenant,
                app=identity.app,
                session=identity.session,
                vfm=call.vfm_name,
                trace_id=call.trace_id,
                tool=tool,
                privilege=int(trap.snapshot["privilege"]),
                clearance=int(call.tenant.clearance),
                arguments=arguments,
                response=response,
                kind=kind,
                definition=trap.snapshot.get("definition"),
                context=_context(call, trap),
                expires_at=None if timeout is None else time.time() + timeout,
            )
        except ApprovalDenied as refused:
            refused.trace_id = call.trace_id
            raise
        raise ApprovalRequired(
            f"{trap.reason}; approval {approval.id} is pending: "
            f"`fmos approvals approve {approval.id}`, then resume the call",
            approval_id=approval.id,
            trace_id=call.trace_id,
        )


def _context(call: Call, trap: Trap, last: int = 6) -> dict[str, object]:
    """What a reviewer needs to decide: the reason and the conversation's last messages."""
    messages = call.request.messages[-last:]
    return {
        "reason": trap.reason,
        "messages": [{"role": m.role, "content": m.content[:2000]} for m in messages],
    }


def default_trap_table(accounts: Accounts | None, approvals: ApprovalStore | None) -> TrapTable:
    """The rule-based handlers every kernel starts with."""
    table = TrapTable()
    table.register("budget", BudgetHandler(accounts))
    table.register("model", ModelHandler(accounts))
    table.register("trust", TrustHandler(approvals))
    return table
