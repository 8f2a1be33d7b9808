"""Pending approvals: a privileged action waits here until a human decides.

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

from sqlalchemy import insert, select, update

from fmos_core.errors import BadRequest, UnknownRecord
from fmos_core.store import schema
from fmos_core.store.db import Database


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


class ApprovalStore:
    """Creates, lists and decides approvals in the state store."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def create(self, **fields: Any) -> Approval:
        """Persist a pending approval (fields as in ``Approval``, minus the generated ones)."""
        values = {
            "id": uuid.uuid4().hex[:12],
            "created_at": time.time(),
            "status": "pending",
            "decided_at": None,
            "decided_by": None,
            "reason": None,
            **fields,
        }
        with self._db.begin() as conn:
            conn.execute(insert(schema.approvals).values(**values))
        return Approval(**values)

    def get(self, approval_id: str) -> Approval:
        with self._db.engine.connect() as conn:
            row = conn.execute(
                select(schema.approvals).where(schema.approvals.c.id == approval_id)
            ).first()
        if row is None:
            raise UnknownRecord(f"no approval with id {approval_id!r}; see `fmos approvals list`")
        return Approval(**row._mapping)

    def list(self, *, status: str | None = "pending", tenant: str | None = None) -> list[Approval]:
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
        """Approve or deny a pending approval; a decided one cannot be changed."""
        status = "approved" if approve else "denied"
        with self._db.begin() as conn:
            done = conn.execute(
                update(schema.approvals)
                .where(schema.approvals.c.id == approval_id, schema.approvals.c.status == "pending")
                .values(status=status, decided_at=time.time(), decided_by=by, reason=reason)
            )
        if done.rowcount != 1:
            current = self.get(approval_id)  # raises UnknownRecord if missing
            raise BadRequest(f"approval {approval_id!r} is already {current.status}")
        return self.get(approval_id)
