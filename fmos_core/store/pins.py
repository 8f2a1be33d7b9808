"""Tool definitions pinned by hash, per tenant.

The first time a tenant's model calls a tool, its definition — what the model is
told: name, description, parameter schema — is pinned. (Its privilege is FMOS's own
setting, checked against the tenant's clearance on every call, not part of the pin.)
A later call of a tool whose definition hashes differently — a changed description
can smuggle in instructions, a widened schema new powers — is held until someone
approves the new definition, which then becomes the pin.

Example:
    >>> from fmos_core.contract import ToolSpec
    >>> a, b = ToolSpec(name="t", description="Read."), ToolSpec(name="t", description="Wipe.")
    >>> definition_digest(a) == definition_digest(b)
    False
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from fmos_core.contract import ToolSpec
from fmos_core.store import schema
from fmos_core.store.db import Database

_pins = schema.tool_pins
PinState = Literal["pinned", "new", "changed"]


def definition(spec: ToolSpec) -> dict[str, Any]:
    """What is pinned of a tool: everything the model is told about it."""
    return {"name": spec.name, "description": spec.description, "parameters": spec.parameters}


def definition_digest(spec: ToolSpec) -> str:
    body = json.dumps(definition(spec), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Pin:
    tenant: str
    tool: str
    digest: str
    definition: dict[str, Any]
    pinned_at: float
    pinned_by: str


class ToolPins:
    """Reads and writes the pins of the state store."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get(self, tenant: str, tool: str) -> Pin | None:
        with self._db.engine.connect() as conn:
            row = conn.execute(
                select(_pins).where(_pins.c.tenant == tenant, _pins.c.tool == tool)
            ).first()
        return Pin(**row._mapping) if row else None

    def check(self, tenant: str, spec: ToolSpec) -> PinState:
        """``pinned`` (same definition), ``new`` (never pinned) or ``changed``."""
        pin = self.get(tenant, spec.name)
        if pin is None:
            return "new"
        return "pinned" if pin.digest == definition_digest(spec) else "changed"

    def pin_first(self, tenant: str, spec: ToolSpec) -> PinState:
        """Pin ``spec`` if the tool has no pin yet; the state it was found in."""
        state = self.check(tenant, spec)
        if state != "new":
            return state
        try:
            with self._db.begin() as conn:
                self._write(conn, tenant, spec, by="first use")
        except IntegrityError:  # pinned meanwhile by another caller: compare with theirs
            return self.check(tenant, spec)
        return "new"

    def repin(
        self, conn: Connection, tenant: str, tool: str, spec: dict[str, Any], by: str
    ) -> None:
        """Make ``spec`` (an approved definition) the pin, inside ``conn``'s transaction."""
        parsed = ToolSpec.model_validate(
            {k: spec[k] for k in ("name", "description", "parameters")}
        )
        done = conn.execute(
            update(_pins)
            .where(_pins.c.tenant == tenant, _pins.c.tool == tool)
            .values(
                digest=definition_digest(parsed),
                definition=definition(parsed),
                pinned_at=time.time(),
                pinned_by=by,
            )
        )
        if done.rowcount == 0:
            self._write(conn, tenant, parsed, by=by)

    @staticmethod
    def _write(conn: Connection, tenant: str, spec: ToolSpec, *, by: str) -> None:
        conn.execute(
            insert(_pins).values(
                tenant=tenant,
                tool=spec.name,
                digest=definition_digest(spec),
                definition=definition(spec),
                pinned_at=time.time(),
                pinned_by=by,
            )
        )
