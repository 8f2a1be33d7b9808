"""Per-tenant budgets on tokens, cost and requests: reserve, then settle or release.

Reservation is one conditional ``UPDATE`` (it succeeds only if used + reserved +
asked stays within every limit) plus the reservation row, in one transaction, so
concurrent callers in any number of processes can never overspend. Settling moves
the reservation to actual usage in one transaction. Cost is kept in integer
micro-dollars so sums are exact.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> ledger = BudgetLedger(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
    >>> ledger.set("acme", tokens=100)
    >>> r = ledger.reserve("acme", tokens=60, cost=0.0)
    >>> ledger.settle(r, tokens=50, cost=0.0)
    >>> ledger.show("acme").tokens_used
    50
"""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, text, update

from fmos_core.errors import BadRequest, BudgetExceeded
from fmos_core.store import schema
from fmos_core.store.db import Database

_RESOURCES = ("tokens", "cost", "requests")


def to_micros(usd: float) -> int:
    """USD to integer micro-dollars, rounding up so a reservation never under-covers."""
    return math.ceil(usd * 1_000_000 - 1e-9)


@dataclass(frozen=True, slots=True)
class Reservation:
    """Held budget for one call; settle or release it exactly once."""

    id: str
    scope: str
    tokens: int
    cost_micros: int
    requests: int


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """A budget's limits (None = unlimited), usage and outstanding reservations."""

    tenant: str
    tokens_limit: int | None
    cost_limit: float | None
    requests_limit: int | None
    tokens_used: int
    cost_used: float
    requests_used: int
    tokens_reserved: int
    cost_reserved: float
    requests_reserved: int


def tenant_scope(tenant: str) -> str:
    return f"tenant:{tenant}"


class BudgetLedger:
    """Budgets in the state store. Tenants without a budget row are unlimited."""

    def __init__(self, db: Database) -> None:
        self._db = db
        b = schema.budgets.c
        self._columns = {
            "tokens": (b.tokens_limit, b.tokens_used, b.tokens_reserved),
            "cost": (b.cost_limit_micros, b.cost_used_micros, b.cost_reserved_micros),
            "requests": (b.requests_limit, b.requests_used, b.requests_reserved),
        }

    def set(
        self,
        tenant: str,
        *,
        tokens: int | None = None,
        cost: float | None = None,
        requests: int | None = None,
    ) -> None:
        """Set limits (None keeps a limit as it is); usage is kept."""
        for name, value in (("tokens", tokens), ("cost", cost), ("requests", requests)):
            if value is not None and (not math.isfinite(value) or value < 0):
                raise BadRequest(f"budget {name} must be a finite number ≥ 0, got {value}")
        limits = {
            "tokens_limit": tokens,
            "cost_limit_micros": None if cost is None else to_micros(cost),
            "requests_limit": requests,
        }
        given = {k: v for k, v in limits.items() if v is not None}
        scope = tenant_scope(tenant)
        now = time.time()
        with self._db.begin() as conn:
            exists = conn.execute(
                select(schema.budgets.c.scope).where(schema.budgets.c.scope == scope)
            ).first()
            if exists:
                conn.execute(
                    update(schema.budgets)
                    .where(schema.budgets.c.scope == scope)
                    .values(**given, updated_at=now)
                )
            else:
                zero = {f"{r}_{k}": 0 for r in ("tokens", "requests") for k in ("used", "reserved")}
                conn.execute(
                    insert(schema.budgets).values(
                        scope=scope,
                        **limits,
                        **zero,
                        cost_used_micros=0,
                        cost_reserved_micros=0,
                        updated_at=now,
                    )
                )

    def reserve(self, tenant: str, *, tokens: int, cost: float) -> Reservation | None:
        """Hold ``tokens``, ``cost`` and one request; ``None`` if the tenant has no budget.

        Raises ``BudgetExceeded`` naming the resource that would pass its limit.
        """
        scope = tenant_scope(tenant)
        micros = to_micros(cost)
        reservation = Reservation(
            id=uuid.uuid4().hex, scope=scope, tokens=tokens, cost_micros=micros, requests=1
        )
        params = {"s": scope, "t": tokens, "c": micros, "r": 1}
        with self._db.raw_transaction() as cursor:
            if cursor.execute(_RESERVE_SQL, params) == 1:
                cursor.execute(_RECORD_SQL, {**params, "id": reservation.id, "now": time.time()})
                return reservation
        with self._db.engine.connect() as conn:
            row = conn.execute(
                select(schema.budgets).where(schema.budgets.c.scope == scope)
            ).first()
        if row is None:
            return None
        raise self._exceeded(
            tenant, row._mapping, {"tokens": tokens, "cost": micros, "requests": 1}
        )

    def _exceeded(self, tenant: str, row: object, asked: dict[str, int]) -> BudgetExceeded:
        values = dict(row)  # type: ignore[call-overload]
        for name, (limit, used, reserved) in self._columns.items():
            cap = values[limit.name]
            have = values[used.name] + values[reserved.name]
            if cap is not None and have + asked[name] > cap:
                scale = 1_000_000 if name == "cost" else 1
                return BudgetExceeded(
                    f"tenant {tenant!r} would exceed its {name} budget: "
                    f"{have / scale:g} used or reserved + {asked[name] / scale:g} asked "
                    f"> limit {cap / scale:g}; raise it with "
                    f"`fmos budget set --tenant {tenant} --{name} N`",
                    tenant=tenant,
                    resource=name,
                    limit=cap / scale,
                    requested=asked[name] / scale,
                )
        return BudgetExceeded(  # the row changed between the two statements
            f"tenant {tenant!r} budget is exhausted",
            tenant=tenant,
            resource="tokens",
            limit=float(values["tokens_limit"] or 0),
            requested=asked["tokens"],
        )

    def settle(self, reservation: Reservation, *, tokens: int, cost: float) -> None:
        """Replace the reservation with actual usage, atomically."""
        with self._db.begin() as conn:
            close_reservation(conn, reservation, tokens=tokens, cost_micros=to_micros(cost))

    def release(self, reservation: Reservation) -> None:
        """Give the reservation back unused (the call failed before spending)."""
        with self._db.begin() as conn:
            close_reservation(conn, reservation, tokens=0, cost_micros=0, requests=0)

    def show(self, tenant: str) -> BudgetStatus | None:
        """The budget of ``tenant``, or None if it has none."""
        rows = self._rows(schema.budgets.c.scope == tenant_scope(tenant))
        return rows[0] if rows else None

    def all(self) -> list[BudgetStatus]:
        """Every tenant budget, by tenant name."""
        return self._rows(schema.budgets.c.scope.like("tenant:%"))

    def _rows(self, where: object) -> list[BudgetStatus]:
        with self._db.engine.connect() as conn:
            rows = conn.execute(
                select(schema.budgets).where(where).order_by(schema.budgets.c.scope)  # type: ignore[arg-type]
            ).all()
        return [_status(r._mapping) for r in rows]


# The hot-path statements are built once: plain SQL that every dialect runs as is.
_RESERVE_SQL = (
    "UPDATE budgets SET tokens_reserved = tokens_reserved + :t,"
    " cost_reserved_micros = cost_reserved_micros + :c,"
    " requests_reserved = requests_reserved + :r"
    " WHERE scope = :s"
    " AND (tokens_limit IS NULL OR tokens_used + tokens_reserved + :t <= tokens_limit)"
    " AND (cost_limit_micros IS NULL OR cost_used_micros + cost_reserved_micros + :c"
    " <= cost_limit_micros)"
    " AND (requests_limit IS NULL OR requests_used + requests_reserved + :r <= requests_limit)"
)
_RECORD_SQL = (
    "INSERT INTO reservations (id, scope, tokens, cost_micros, requests, created_at)"
    " VALUES (:id, :s, :t, :c, :r, :now)"
)
_FORGET = text("DELETE FROM reservations WHERE id = :id")
_SETTLE = text(
    "UPDATE budgets SET tokens_used = tokens_used + :ut,"
    " cost_used_micros = cost_used_micros + :uc,"
    " requests_used = requests_used + :ur,"
    " tokens_reserved = tokens_reserved - :t,"
    " cost_reserved_micros = cost_reserved_micros - :c,"
    " requests_reserved = requests_reserved - :r"
    " WHERE scope = :s"
)


def close_reservation(
    conn: Connection, reservation: Reservation, *, tokens: int, cost_micros: int, requests: int = 1
) -> None:
    """Turn a reservation into usage inside ``conn``'s transaction; a second close is a no-op."""
    if conn.execute(_FORGET, {"id": reservation.id}).rowcount != 1:
        return  # already settled or released: closing twice must not double-count
    conn.execute(
        _SETTLE,
        {
            "s": reservation.scope,
            "t": reservation.tokens,
            "c": reservation.cost_micros,
            "r": reservation.requests,
            "ut": tokens,
            "uc": cost_micros,
            "ur": requests,
        },
    )


def _status(row: object) -> BudgetStatus:
    v = dict(row)  # type: ignore[call-overload]

    def usd(micros: int | None) -> float | None:
        return None if micros is None else micros / 1_000_000

    return BudgetStatus(
        tenant=v["scope"].removeprefix("tenant:"),
        tokens_limit=v["tokens_limit"],
        cost_limit=usd(v["cost_limit_micros"]),
        requests_limit=v["requests_limit"],
        tokens_used=v["tokens_used"],
        cost_used=v["cost_used_micros"] / 1_000_000,
        requests_used=v["requests_used"],
        tokens_reserved=v["tokens_reserved"],
        cost_reserved=v["cost_reserved_micros"] / 1_000_000,
        requests_reserved=v["requests_reserved"],
    )
