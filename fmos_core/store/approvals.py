"""Pending approvals: a privileged action waits here until a human decides.

An approval is for a tool call (``kind="tool_call"``) or for a tool's changed
definition (``kind="tool_definition"``, approving it re-pins the tool). It keeps the
context that raised it; a pending one lapses at ``expires_at`` (``expired``, which
fails closed like a denial). Every decision is appended to the audit trail in the
same transaction.

Example:
    >>> import tempfile
    >>> from fmos_core.store.db import Database
    >>> store = ApprovalStore(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
    >>> a = store.create(tenant="acme", app="a", session="s", vfm="default", trace_id="t",
    ...                  tool="send_email", privilege=2, clearance=1, arguments={},
    ...                  response={})
    >>> store.decide(a.id, approve=True, by="ops").status
    'approved'
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text, update

from fmos_core.errors import ApprovalDenied, BadRequest, UnknownRecord
from fmos_core.store import schema
from fmos_core.store.audit import AuditLog
from fmos_core.store.db import Database
from fmos_core.store.pins import ToolPins


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval request and its decision (``status``: pending/approved/denied)."""

    id: str
    created_at: float
    tenant: str
    app: str
    session: str
    vfm: str
    trace_id: str
    tool: str
    privilege: int
    clearance: int
    arguments: dict[str, Any]
    response: dict[str, Any]
    status: str
    decided_at: float | None
    decided_by: str | None
    reason: str | None
    kind: str = "tool_call"
    definition: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    expires_at: float | None = None


class ApprovalStore:
    """Creates, lists and decides approvals in the state store."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._audit = AuditLog(db)
        self._pins = ToolPins(db)

    def create(self, *, max_pending: int | None = None, **fields: Any) -> Approval:
        """Persist a pending approval (fields as in ``Approval``, minus the generated ones).

        With ``max_pending``, a tenant that already has that many pending approvals gets
        ``ApprovalDenied`` instead: a flood of requests cannot wear a reviewer down.
        """
        values = {
            "id": uuid.uuid4().hex[:12],
            "created_at": time.time(),
            "status": "pending",
            "decided_at": None,
            "decided_by": None,
            "reason": None,
            **fields,
        }
        self.expire()
        c = schema.approvals.c
        flooded = 0
        with self._db.begin() as conn:
            if max_pending is not None:
                if conn.dialect.name == "postgresql":  # count and insert as one step per tenant
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": values["tenant"]}
                    )
                pending = conn.execute(
                    select(func.count())
                    .select_from(schema.approvals)
                    .where(c.tenant == values["tenant"], c.status == "pending")
                ).scalar_one()
                if pending >= max_pending:
                    self._audit.append(
                        tenant=values["tenant"],
                        actor="fmos",
                        action="approval.refused_flood",
                        subject=str(values.get("tool", "")),
                        detail={"pending": pending, "limit": max_pending},
                        conn=conn,
                    )
                    flooded = pending
            if not flooded:
                conn.execute(insert(schema.approvals).values(**values))
                self._audit.append(
                    tenant=values["tenant"],
                    actor="fmos",
                    action="approval.request",
                    subject=values["id"],
                    detail={"kind": values.get("kind", "tool_call"), "tool": values.get("tool")},
                    conn=conn,
                )
        if flooded:
            raise ApprovalDenied(
                f"tenant {values['tenant']!r} has {flooded} approvals pending (its limit): this "
                "request is refused, not queued; decide some with `fmos approvals list`",
                approval_id="",
            )
        return Approval(**values)

    def expire(self, now: float | None = None) -> int:
        """Pending approvals past ``expires_at`` become ``expired``; returns how many."""
        now = time.time() if now is None else now
        c = schema.approvals.c
        with self._db.begin() as conn:
            lapsed = conn.execute(
                select(c.id, c.tenant).where(
                    c.status == "pending", c.expires_at.is_not(None), c.expires_at < now
                )
            ).all()
            for row in lapsed:
                done = conn.execute(
                    update(schema.approvals)
                    .where(c.id == row.id, c.status == "pending")
                    .values(status="expired", decided_at=now, decided_by="timeout")
                )
                if done.rowcount:
                    self._audit.append(
                        tenant=row.tenant,
                        actor="timeout",
                        action="approval.expire",
                        subject=row.id,
                        conn=conn,
                    )
        return len(lapsed)

    def get(self, approval_id: str) -> Approval:
        row = None
        if _well_formed(approval_id):
            with self._db.engine.connect() as conn:
                row = conn.execute(
                    select(schema.approvals).where(schema.approvals.c.id == approval_id)
                ).first()
        if row is None:
            raise UnknownRecord(
                f"no approval with id {_shown(approval_id)}; check the id with "
                "`fmos approvals list --all`"
            )
        return Approval(**row._mapping)

    def list(self, *, status: str | None = "pending", tenant: str | None = None) -> list[Approval]:
        self.expire()
        query = select(schema.approvals).order_by(schema.approvals.c.created_at)
        if status is not None:
            query = query.where(schema.approvals.c.status == status)
        if tenant is not None:
            query = query.where(schema.approvals.c.tenant == tenant)
        with self._db.engine.connect() as conn:
            return [Approval(**row._mapping) for row in conn.execute(query)]

    def find_approved(
        self, *, tenant: str, session: str, tool: str, arguments: dict[str, Any]
    ) -> Approval | None:
        """An approved, not yet used approval of exactly this tool call, if any."""
        for approval in self.list(status="approved", tenant=tenant):
            if (approval.session, approval.tool, approval.arguments) == (session, tool, arguments):
                return approval
        return None

    def consume(
        self, *, tenant: str, session: str, tool: str, arguments: dict[str, Any]
    ) -> Approval | None:
        """Use up an approved approval of exactly this tool call, if any.

        One approval lets one execution through: it moves from ``approved`` to
        ``consumed`` atomically, so two callers cannot both use it.
        """
        while True:
            approval = self.find_approved(
                tenant=tenant, session=session, tool=tool, arguments=arguments
            )
            if approval is None:
                return None
            c = schema.approvals.c
            with self._db.begin() as conn:
                done = conn.execute(
                    update(schema.approvals)
                    .where(c.id == approval.id, c.status == "approved")
                    .values(status="consumed")
                )
            if done.rowcount == 1:
                return self.get(approval.id)

    def decide(
        self, approval_id: str, *, approve: bool, by: str = "cli", reason: str | None = None
    ) -> Approval:
        """Approve or deny a pending approval; a decided or expired one cannot be changed.

        Approving a tool's new definition makes it the tool's pin, in the same transaction.
        """
        self.get(approval_id)  # an unknown id is an UnknownRecord; nothing changes
        self.expire()
        status = "approved" if approve else "denied"
        with self._db.begin() as conn:
            done = conn.execute(
                update(schema.approvals)
                .where(schema.approvals.c.id == approval_id, schema.approvals.c.status == "pending")
                .values(status=status, decided_at=time.time(), decided_by=by, reason=reason)
            )
            if done.rowcount == 1:
                row = conn.execute(
                    select(schema.approvals).where(schema.approvals.c.id == approval_id)
                ).one()
                if approve and row.kind == "tool_definition" and row.definition:
                    self._pins.repin(conn, row.tenant, row.tool, row.definition, by=by)
                self._audit.append(
                    tenant=row.tenant,
                    actor=by,
                    action=f"approval.{'approve' if approve else 'deny'}",
                    subject=approval_id,
                    detail={"kind": row.kind, "tool": row.tool, "reason": reason},
                    conn=conn,
                )
        if done.rowcount != 1:
            current = self.get(approval_id)
            by_whom = f" by {current.decided_by}" if current.decided_by else ""
            raise BadRequest(
                f"approval {approval_id!r} is already {current.status}{by_whom}; a decision is "
                "final: to run the action, ask for it again and decide the new approval"
            )
        return self.get(approval_id)


_ID_LIMIT = 40  # the width of ``approvals.id``


def _well_formed(approval_id: str) -> bool:
    """Whether ``approval_id`` could name a stored approval (a NUL byte or a lone
    surrogate would make the database driver fail instead of finding nothing)."""
    return 0 < len(approval_id) <= _ID_LIMIT and approval_id.isprintable()


def _shown(approval_id: str) -> str:
    shown = repr(approval_id[:_ID_LIMIT])
    return shown if len(approval_id) <= _ID_LIMIT else f"{shown}… ({len(approval_id)} characters)"
