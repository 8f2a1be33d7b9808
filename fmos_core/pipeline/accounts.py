"""Budget accounting for the pipeline: reserve now, settle through the state writer.

Reserving is synchronous (admission must know); settling is queued and committed
with the trace in the writer's next batch. Until then the whole reservation stays
held, so a queued settlement can only make the budget stricter, never overspent; a
reservation refused while settlements are queued is retried once after a flush.
"""

from __future__ import annotations

from fmos_core.errors import BudgetExceeded
from fmos_core.pipeline.call import PFM, Call
from fmos_core.store.budgets import BudgetLedger, Reservation, to_micros
from fmos_core.store.writer import Settlement, StateWriter


class Accounts:
    """The pipeline's view of budgets. ``None`` in its place means no state store."""

    def __init__(self, ledger: BudgetLedger, writer: StateWriter) -> None:
        self.ledger = ledger
        self._writer = writer

    def reserve(self, tenant: str, *, tokens: int, cost: float) -> Reservation | None:
        try:
            return self.ledger.reserve(tenant, tokens=tokens, cost=cost)
        except BudgetExceeded:
            if not self._writer.pending:
                raise
        self._writer.flush()  # queued settlements may give room back
        return self.ledger.reserve(tenant, tokens=tokens, cost=cost)

    def settle(self, reservation: Reservation, *, tokens: int, cost: float) -> None:
        self._writer.submit(Settlement(reservation, tokens=tokens, cost_micros=to_micros(cost)))

    def release(self, reservation: Reservation) -> None:
        self._writer.submit(Settlement(reservation, requests=0))


def switch_pfm(call: Call, pfm: PFM, accounts: Accounts | None) -> str:
    """Move ``call`` to ``pfm``, its reservation too; returns the previous pFM's name.

    The old reservation is released first, so the two never count together.
    """
    previous = call.pfm.name
    if accounts is not None and call.reservation is not None:
        accounts.release(call.reservation)
        call.reservation = None
        tokens, cost = call.estimate(pfm)
        call.reservation = accounts.reserve(call.request.identity.tenant, tokens=tokens, cost=cost)
    call.pfm = pfm
    return previous
