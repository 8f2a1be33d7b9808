"""The route stage: pick the pFM of the call among those of the pool that can serve it.

A pFM can serve a call when it has the capabilities the request needs (tools, JSON
schema, log-probabilities) and the prompt fits its window. Without
``[vfms.X.routing]``, the call keeps the pFM admission or a trap chose when it can
serve (the fast path: nothing else is looked at), else the pool's first that can.
With it, the VFM's ``Router`` decides (``fmos_core.routing``: explore, learned,
rules). The reservation follows the call (``switch_pfm``); a pFM the budget refuses
is passed over. Every decision is kept as ``call.route`` and stored in the trace's
``signals`` (``fmos route explain``).
"""

from __future__ import annotations

from fmos_core.errors import BadRequest, BudgetExceeded
from fmos_core.pipeline.accounts import Accounts, switch_pfm
from fmos_core.pipeline.call import PFM, Call
from fmos_core.pipeline.stages import Stage
from fmos_core.reasoning import expresses
from fmos_core.routing.record import RouteRecord
from fmos_core.routing.router import Routers
from fmos_core.routing.rules import Ask, required_capabilities


def has(pfm: PFM, needs: list[str]) -> bool:
    """Whether ``pfm``'s profile has every capability in ``needs``."""
    return all(getattr(pfm.profile, need) for need in needs)


class Route(Stage):
    """Chooses the call's pFM; see the module docstring."""

    name = "route"

    def __init__(self, accounts: Accounts | None, routers: Routers | None = None) -> None:
        self._accounts = accounts
        self._routers = routers or Routers(None)

    async def run(self, call: Call) -> None:
        needs = required_capabilities(call.request)
        trapped = call.pfm is not call.pool[0] and _moved_by_trap(call)
        if not call.vfm.routing.configured and (not needs or has(call.pfm, needs)):
            router = self._routers.for_vfm(call.vfm_name, call.vfm)
            if trapped:
                why = "the budget trap moved the call here (downgrade)"
            elif call.pfm is call.pool[0]:
                why = "the VFM's first pFM can serve the call"
            else:
                why = "the pFM chosen before routing (window trap, reasoning level) can serve it"
            call.route = RouteRecord(
                call.pfm.name,
                "trap" if trapped else "default",
                why,
                needs=needs,
                checks=router.checks,
            )
            return  # the fast path: the chosen pFM can do it (its window was checked)
        skipped: dict[str, str] = {}
        candidates = [p for p in call.pool if self._can_serve(call, p, needs, skipped)]
        if not candidates:
            raise BadRequest(_nobody(call, needs, skipped))
        router = self._routers.for_vfm(call.vfm_name, call.vfm)
        tenant = call.request.identity.tenant
        ask = Ask(
            call.request,
            prompt_tokens=call.prompt_tokens(call.pfm),
            budget_left=lambda: self._budget_left(tenant),
        )
        record = router.decide(
            ask, candidates, call.pfm, trace_id=call.trace_id, trapped=trapped, needs=needs,
            skipped=skipped,
        )  # fmt: skip
        call.route = record
        if record.pfm != call.pfm.name:
            self._move(call, next(p for p in candidates if p.name == record.pfm), record)

    @staticmethod
    def _can_serve(call: Call, pfm: PFM, needs: list[str], skipped: dict[str, str]) -> bool:
        missing = [need for need in needs if not getattr(pfm.profile, need)]
        if missing:
            skipped[pfm.name] = f"cannot do {' + '.join(missing)}"
            return False
        level = call.request.reasoning_level
        if not expresses(pfm.profile, level):
            skipped[pfm.name] = f"cannot express reasoning level {level!r}"
            return False
        if not call.fits(pfm):
            need = call.prompt_tokens(pfm) + call.request.max_tokens
            skipped[pfm.name] = (
                f"prompt + max_tokens ({need}) exceed its window ({pfm.profile.context_window})"
            )
            return False
        return True

    def _move(self, call: Call, pfm: PFM, record: RouteRecord) -> None:
        """Switch to ``pfm`` with its reservation; if the budget refuses, stay."""
        stay = call.pfm
        held = call.reservation is not None
        try:
            previous = switch_pfm(call, pfm, self._accounts)
        except BudgetExceeded as exc:
            record.skipped[pfm.name] = f"the budget refused it ({exc})"
            record.pfm, record.reason = stay.name, f"{record.reason}; the budget refused it"
            if held and self._accounts is not None:  # the old hold was released: take it again
                tokens, cost = call.estimate(stay)
                tenant = call.request.identity.tenant
                call.reservation = self._accounts.reserve(tenant, tokens=tokens, cost=cost)
            return
        why = "+".join(record.needs) if record.by == "default" else record.by
        call.provenance_policies.append(f"route:{previous}->{pfm.name}:{why}")

    def _budget_left(self, tenant: str) -> float | None:
        """The share left of the tenant's tightest budget; None when it has none."""
        if self._accounts is None:
            return None
        status = self._accounts.ledger.show(tenant)
        if status is None:
            return None
        shares = []
        if status.tokens_limit:
            shares.append(1 - (status.tokens_used + status.tokens_reserved) / status.tokens_limit)
        if status.cost_limit:
            shares.append(1 - (status.cost_used + status.cost_reserved) / status.cost_limit)
        if status.requests_limit:
            used = status.requests_used + status.requests_reserved
            shares.append(1 - used / status.requests_limit)
        return max(0.0, min(shares)) if shares else None


def _moved_by_trap(call: Call) -> bool:
    """Whether the budget trap ran (and so chose the call's pFM) before routing. A window
    trap's choice is not kept: every candidate fits the window."""
    return any(trap.type == "budget" for trap in call.traps)


def _nobody(call: Call, needs: list[str], skipped: dict[str, str]) -> str:
    why = "; ".join(f"{name}: {reason}" for name, reason in skipped.items())
    wanted = " + ".join(needs) or "a window for this prompt"
    return (
        f"no pFM of VFM {call.vfm_name!r} supports {wanted} ({why}); add a pFM with "
        f"{wanted} to [vfms.{call.vfm_name}].pfms or drop that part of the request"
    )
