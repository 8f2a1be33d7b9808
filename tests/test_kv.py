"""The key-value tier: scoped by tenant, ordered by key, atomic batches, on both backends."""

from __future__ import annotations

from fmos_core.store import Database, KeyValueStore


def test_put_get_replace_and_tenant_isolation(db: Database) -> None:
    kv = KeyValueStore(db)
    kv.put("acme", "ns", "k", b"one", kind="raw")
    kv.put("acme", "ns", "k", b"two", kind="raw")  # replaces
    kv.put("globex", "ns", "k", b"theirs")
    item = kv.get("acme", "ns", "k")
    assert item is not None and (item.value, item.kind) == (b"two", "raw")
    assert kv.get("globex", "ns", "k").value == b"theirs"
    assert kv.get("acme", "ns", "missing") is None
    assert kv.delete("acme", "ns") == 1
    assert kv.get("globex", "ns", "k") is not None  # another tenant's row is untouched


def test_list_orders_filters_and_limits(db: Database) -> None:
    kv = KeyValueStore(db)
    kv.put_many("acme", [("ns", k, "raw", k.encode()) for k in ["b1", "a1", "b2", "c1"]])
    assert [i.key for i in kv.list("acme", "ns")] == ["a1", "b1", "b2", "c1"]
    assert [i.key for i in kv.list("acme", "ns", prefix="b")] == ["b1", "b2"]
    assert [i.key for i in kv.list("acme", "ns", descending=True, limit=2)] == ["c1", "b2"]
    assert [i.key for i in kv.list("acme", "ns", before="b2", descending=True)] == ["b1", "a1"]
    assert kv.list("globex", "ns") == []


def test_namespaces_and_prefix_delete(db: Database) -> None:
    kv = KeyValueStore(db)
    kv.put_many("acme", [("thread:1", "a", "raw", b"x"), ("thread:2", "a", "raw", b"y")])
    kv.put("acme", "other", "a", b"z")
    kv.put("globex", "thread:9", "a", b"w")
    assert kv.namespaces("acme", "thread:") == ["thread:1", "thread:2"]
    assert kv.delete_prefix("acme", "thread:") == 2
    assert kv.namespaces("acme") == ["other"]
    assert kv.namespaces("globex") == ["thread:9"]
