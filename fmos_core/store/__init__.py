"""Durable state: traces, budgets, approvals — SQLite by default, PostgreSQL by URL."""

from fmos_core.store.approvals import Approval, ApprovalStore
from fmos_core.store.budgets import BudgetLedger, BudgetStatus, Reservation
from fmos_core.store.db import Database
from fmos_core.store.kv import KeyValueStore, KVItem
from fmos_core.store.traces import TraceReader, TraceRecord
from fmos_core.store.writer import Settlement, StateWriter

__all__ = [
    "Approval",
    "ApprovalStore",
    "BudgetLedger",
    "BudgetStatus",
    "Database",
    "KVItem",
    "KeyValueStore",
    "Reservation",
    "Settlement",
    "StateWriter",
    "TraceReader",
    "TraceRecord",
]
