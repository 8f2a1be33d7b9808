"""``FMOSStore``: LangGraph's long-term memory store on the FMOS state store (``fmos.kv``).

A namespace ``("users", "u1")`` is the kv namespace ``{prefix}:users.u1.`` (LangGraph
forbids ``.`` in labels, so each label ends with one); values are JSON.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    MatchCondition,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    validate_op_namespace,
)

from fmos_core import FMOS
from fmos_core.store.kv import KeyValueStore, KVItem

_KIND = "json"


class FMOSStore(BaseStore):
    """A LangGraph ``BaseStore`` whose items live in FMOS's tenant-scoped key-value tier.

    ``search`` filters by namespace prefix and by ``filter`` (exact values, or the
    operators ``$eq $ne $gt $gte $lt $lte``), ordered by namespace then key. There
    is no vector index: a ``query`` does not rank results (as in LangGraph's
    ``InMemoryStore`` without an index) — semantic search comes with the Data
    Agent's vector tier. TTLs are not supported.

    Example::

        store = FMOSStore(fmos, tenant="acme")
        store.put(("users", "u1"), "prefs", {"colour": "blue"})
        store.get(("users", "u1"), "prefs").value
        store.search(("users",), filter={"colour": "blue"})
        graph = builder.compile(store=store)
    """

    def __init__(self, fmos: FMOS, *, tenant: str = "default", prefix: str = "langgraph.store"):
        self.kv: KeyValueStore = fmos.kv
        self.tenant = tenant
        self.prefix = prefix

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        for op in ops:
            validate_op_namespace(op)
        results: list[Result] = []
        puts: dict[tuple[tuple[str, ...], str], PutOp] = {}
        for op in ops:  # reads see the store as it was before the batch's writes
            if isinstance(op, GetOp):
                results.append(self._get(op.namespace, op.key))
            elif isinstance(op, SearchOp):
                results.append(self._search(op))
            elif isinstance(op, ListNamespacesOp):
                results.append(self._list_namespaces(op))
            elif isinstance(op, PutOp):
                if op.ttl is not None:
                    raise NotImplementedError("FMOSStore does not support TTLs; pass ttl=None")
                puts[(op.namespace, op.key)] = op  # the last put of a key wins
                results.append(None)
            else:
                raise ValueError(f"unknown store operation {type(op).__name__}")
        self._apply(list(puts.values()))
        return results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await asyncio.to_thread(self.batch, list(ops))

    # -- encoding -------------------------------------------------------------------

    def _ns(self, namespace: tuple[str, ...]) -> str:
        return f"{self.prefix}:" + "".join(f"{label}." for label in namespace)

    def _namespace(self, encoded: str) -> tuple[str, ...]:
        return tuple(encoded[len(self.prefix) + 1 :].split(".")[:-1])

    def _item(self, namespace: tuple[str, ...], stored: KVItem, cls: type[Item] = Item) -> Any:
        record = json.loads(stored.value)
        return cls(
            value=record["value"],
            key=stored.key,
            namespace=namespace,
            created_at=datetime.fromtimestamp(record["created_at"], UTC),
            updated_at=datetime.fromtimestamp(stored.updated_at, UTC),
        )

    # -- operations -----------------------------------------------------------------

    def _get(self, namespace: tuple[str, ...], key: str) -> Item | None:
        stored = self.kv.get(self.tenant, self._ns(namespace), key)
        return None if stored is None else self._item(namespace, stored)

    def _search(self, op: SearchOp) -> list[SearchItem]:
        found: list[SearchItem] = []
        wanted = op.offset + op.limit
        for encoded in self.kv.namespaces(self.tenant, self._ns(op.namespace_prefix)):
            namespace = self._namespace(encoded)
            for stored in self.kv.list(self.tenant, encoded):
                item = self._item(namespace, stored, SearchItem)
                if op.filter and not _matches(item.value, op.filter):
                    continue
                found.append(item)
                if len(found) >= wanted:
                    return found[op.offset :]
        return found[op.offset :]

    def _list_namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        conditions = op.match_conditions or ()
        literal: list[str] = []  # the prefix before any wildcard narrows the query
        for condition in conditions:
            if condition.match_type == "prefix":
                for label in condition.path:
                    if label == "*":
                        break
                    literal.append(label)
                break
        namespaces = [
            self._namespace(encoded)
            for encoded in self.kv.namespaces(self.tenant, self._ns(tuple(literal)))
        ]
        namespaces = [ns for ns in namespaces if all(_match(c, ns) for c in conditions)]
        if op.max_depth is not None:
            namespaces = sorted({ns[: op.max_depth] for ns in namespaces})
        else:
            namespaces = sorted(namespaces)
        return namespaces[op.offset : op.offset + op.limit]

    def _apply(self, puts: list[PutOp]) -> None:
        writes = []
        for op in puts:
            encoded = self._ns(op.namespace)
            if op.value is None:
                self.kv.delete(self.tenant, encoded, op.key)
                continue
            previous = self.kv.get(self.tenant, encoded, op.key)
            created = json.loads(previous.value)["created_at"] if previous else _now()
            record = {"value": dict(op.value), "created_at": created}
            writes.append((encoded, op.key, _KIND, json.dumps(record).encode()))
        self.kv.put_many(self.tenant, writes)


def _now() -> float:
    return datetime.now(UTC).timestamp()


def _match(condition: MatchCondition, namespace: tuple[str, ...]) -> bool:
    path = condition.path
    if len(namespace) < len(path):
        return False
    labels = namespace[: len(path)] if condition.match_type == "prefix" else namespace[-len(path) :]
    return all(p in ("*", label) for p, label in zip(path, labels, strict=True))


def _matches(value: dict[str, Any], filter: dict[str, Any]) -> bool:
    return all(_compare(value.get(key), wanted) for key, wanted in filter.items())


_OPERATORS = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a is not None and float(a) > float(b),
    "$gte": lambda a, b: a is not None and float(a) >= float(b),
    "$lt": lambda a, b: a is not None and float(a) < float(b),
    "$lte": lambda a, b: a is not None and float(a) <= float(b),
}


def _compare(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        if any(k.startswith("$") for k in wanted):
            unknown = [k for k in wanted if k not in _OPERATORS]
            if unknown:
                raise ValueError(f"unsupported filter operator {unknown[0]!r}")
            return all(_OPERATORS[op](actual, operand) for op, operand in wanted.items())
        return isinstance(actual, dict) and all(
            _compare(actual.get(k), v) for k, v in wanted.items()
        )
    if isinstance(wanted, list | tuple):
        return (
            isinstance(actual, list | tuple)
            and len(actual) == len(wanted)
            and all(_compare(a, w) for a, w in zip(actual, wanted, strict=True))
        )
    return bool(actual == wanted)
