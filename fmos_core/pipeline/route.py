"""The route stage: make sure the call's pFM can serve what the request needs.

Routing here is rules only (learned routing comes with the Composition Optimizer):
keep the pFM that admission or a trap chose when it has the capabilities the
request needs (tools, JSON schema, log-probabilities) and its window fits;
otherwise take the first pFM of the VFM's pool that does.
"""

from __future__ import annotations

from fmos_core.contract import Request
from fmos_core.errors import BadRequest
from fmos_core.pipeline.accounts import Accounts, switch_pfm
from fmos_core.pipeline.call import PFM, Call
from fmos_core.pipeline.stages import Stage


def required_capabilities(request: Request) -> list[str]:
    """Profile flags the request needs, e.g. ``["tools", "logprobs"]``."""
    needs = []
    if request.tools and request.tool_choice != "none":
        needs.append("tools")
    if request.response_schema is not None:
        needs.append("json_schema")
    if request.logprobs:
        needs.append("logprobs")
    return needs


def has(pfm: PFM, needs: list[str]) -> bool:
    """Whether ``pfm``'s profile has every capability in ``needs``."""
    return all(getattr(pfm.profile, need) for need in needs)


class Route(Stage):
    """Keeps or replaces the call's pFM by capability; the reservation follows it."""

    name = "route"

    def __init__(self, accounts: Accounts | None) -> None:
        self._accounts = accounts

    async def run(self, call: Call) -> None:
        needs = required_capabilities(call.request)
        if not needs or has(call.pfm, needs):
            return  # the fast path: the chosen pFM can do it (its window was checked)
        for pfm in call.pool:
            if pfm is not call.pfm and has(pfm, needs) and call.fits(pfm):
                previous = switch_pfm(call, pfm, self._accounts)
                call.provenance_policies.append(f"route:{previous}->{pfm.name}:{'+'.join(needs)}")
                return
        raise BadRequest(
            f"no pFM of VFM {call.vfm_name!r} supports {' + '.join(needs)} "
            f"(pool: {', '.join(p.name for p in call.pool)}); add a capable pFM to "
            f"[vfms.{call.vfm_name}].pfms or drop that part of the request"
        )
