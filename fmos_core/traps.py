"""Traps: the only way from the fast path into the slow path.

A detector (or a stage) raises a ``Trap``; the ``TrapTable`` sends it to the
handler registered for its type, records what happened, and the handler either
resolves it (and says what it did) or raises the typed error that ends the call.

Example:
    >>> table = TrapTable()
    >>> async def note(trap, call):
    ...     return "noted"
    >>> table.register("knowledge", note)
    >>> "knowledge" in table
    True
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fmos_core.contract import TrapKind, TrapRecord

if TYPE_CHECKING:
    from fmos_core.pipeline.call import Call

TRAP_TYPES: tuple[TrapKind, ...] = ("knowledge", "model", "trust", "budget")


@dataclass(slots=True)
class Trap:
    """Why the fast path stopped, what it saw, and which capability may fix it."""

    type: TrapKind
    reason: str
    capability: str
    snapshot: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None


TrapHandler = Callable[[Trap, "Call"], Awaitable[str]]
Detector = Callable[["Call"], Trap | Awaitable[Trap | None] | None]  # sync or async


class TrapTable:
    """Handlers by trap type, plus extra detectors; dispatched traps land in ``call.traps``.

    The trap-check stage runs pending traps (from admission), then ``detectors`` in
    the order added (e.g. a knowledge detector), then the built-in window check.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, TrapHandler] = {}
        self.detectors: list[Detector] = []

    def add_detector(self, detector: Detector) -> None:
        """Run ``detector(call)`` (a function or a coroutine function) on every call before
        execution; a ``Trap`` it returns fires. Slow work (I/O, a vector query) belongs in
        a coroutine that hands it to a thread, never on the event loop."""
        self.detectors.append(detector)

    def register(self, trap_type: TrapKind, handler: TrapHandler) -> None:
        if trap_type not in TRAP_TYPES:
            raise ValueError(f"unknown trap type {trap_type!r}; use one of {TRAP_TYPES}")
        self._handlers[trap_type] = handler

    def __contains__(self, trap_type: str) -> bool:
        return trap_type in self._handlers

    async def dispatch(self, trap: Trap, call: Call) -> None:
        """Run the handler; record the trap whether it resolves or raises."""
        handler = self._handlers.get(trap.type)
        if handler is None:
            call.traps.append(TrapRecord(type=trap.type, reason=trap.reason, action="unhandled"))
            if trap.error is not None:
                raise trap.error
            return
        try:
            action = await handler(trap, call)
        except BaseException as exc:
            call.traps.append(
                TrapRecord(
                    type=trap.type, reason=trap.reason, action=f"raised {type(exc).__name__}"
                )
            )
            raise
        call.traps.append(TrapRecord(type=trap.type, reason=trap.reason, action=action))
