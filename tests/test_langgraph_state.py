"""The LangGraph adapter's storage: the checkpoint saver and the store on FMOS's state.

No model is needed: graphs here count, and kernels run on scripted pFMs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fmos_langgraph import FMOSCheckpointSaver, FMOSStore
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.store.base import BaseStore

from fmos_core import FMOS, Config
from fmos_core.testing import ScriptedBackend


def thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[Callable[[list[Any]], FMOS]]:
    """Kernels on scripted pFMs sharing one state file, closed after the test."""
    made: list[FMOS] = []

    def build(script: list[Any]) -> FMOS:
        config = Config.parse(
            {
                "state": {"url": f"sqlite:///{tmp_path}/s.db"},
                "pfms": {"smollm2": {"driver": "scripted"}},
                "vfms": {"default": {"pfms": ["smollm2"]}},
                "tenants": {"default": {}, "acme": {"clearance": "read"}, "other": {}},
            }
        )
        kernel = FMOS(config, backends={"smollm2": ScriptedBackend(script)})
        made.append(kernel)
        return kernel

    yield build
    for kernel in made:
        kernel.close()


# -- the checkpointer (no model needed: a counter graph) ---------------------------------


class Counter(MessagesState):
    count: int


def counter_graph(saver: FMOSCheckpointSaver) -> Any:
    builder = StateGraph(Counter)
    builder.add_node(
        "count",
        lambda state: {"count": state.get("count", 0) + 1, "messages": [AIMessage("tick")]},
    )
    builder.add_edge(START, "count")
    builder.add_edge("count", END)
    return builder.compile(checkpointer=saver)


def test_the_checkpointer_keeps_a_thread_sync(scripted) -> None:
    fmos = scripted([])
    saver = FMOSCheckpointSaver(fmos)
    graph = counter_graph(saver)
    for _ in range(3):
        graph.invoke({"messages": [HumanMessage("go")]}, thread("t1"))
    graph.invoke({"messages": [HumanMessage("go")]}, thread("t2"))

    state = graph.get_state(thread("t1"))
    assert state.values["count"] == 3 and len(state.values["messages"]) == 6
    history = list(saver.list(thread("t1")))
    assert len(history) == 3 * 3  # per run: the input, the start step and the node's step
    ids = [h.config["configurable"]["checkpoint_id"] for h in history]
    assert ids == sorted(ids, reverse=True)
    assert history[0].parent_config == history[1].config and history[-1].parent_config is None
    inputs = saver.list(thread("t1"), filter={"source": "input"})
    assert [h.metadata["step"] for h in inputs] == [5, 2, -1]
    assert len(list(saver.list(thread("t1"), limit=2))) == 2
    older = list(saver.list(thread("t1"), before=history[1].config))
    assert [h.config for h in older] == [h.config for h in history[2:]]

    saver.delete_thread("t1")
    assert saver.get_tuple(thread("t1")) is None
    assert graph.get_state(thread("t2")).values["count"] == 1


async def test_the_checkpointer_keeps_a_thread_async(scripted) -> None:
    fmos = scripted([])
    saver = FMOSCheckpointSaver(fmos)
    graph = counter_graph(saver)
    for _ in range(2):
        await graph.ainvoke({"messages": [HumanMessage("go")]}, thread("a1"))

    latest = await saver.aget_tuple(thread("a1"))
    assert latest is not None and latest.checkpoint["channel_values"]["count"] == 2
    history = [h async for h in saver.alist(thread("a1"))]
    assert history[0].config == latest.config
    assert (await graph.aget_state(thread("a1"))).values["count"] == 2

    await saver.acopy_thread("a1", "a2")
    assert (await graph.aget_state(thread("a2"))).values["count"] == 2
    await saver.adelete_thread("a1")
    assert await saver.aget_tuple(thread("a1")) is None
    assert (await saver.aget_tuple(thread("a2"))) is not None


def test_pending_writes_are_stored_once_and_sorted(scripted) -> None:
    saver = FMOSCheckpointSaver(scripted([]))
    graph = counter_graph(saver)
    graph.invoke({"messages": [HumanMessage("go")]}, thread("w"))
    config = saver.get_tuple(thread("w")).config
    saver.put_writes(config, [("messages", "b"), ("count", 7)], task_id="task-2")
    saver.put_writes(config, [("messages", "a")], task_id="task-1")
    saver.put_writes(config, [("messages", "again")], task_id="task-1")  # already stored
    writes = saver.get_tuple(config).pending_writes
    assert writes == [
        ("task-1", "messages", "a"),
        ("task-2", "messages", "b"),
        ("task-2", "count", 7),
    ]


def test_checkpoints_of_another_tenant_are_invisible(scripted) -> None:
    fmos = scripted([])
    counter_graph(FMOSCheckpointSaver(fmos, tenant="acme")).invoke(
        {"messages": [HumanMessage("go")]}, thread("shared-name")
    )
    other = FMOSCheckpointSaver(fmos, tenant="other")
    assert other.get_tuple(thread("shared-name")) is None
    assert list(other.list(None)) == []
    other.delete_thread("shared-name")
    assert FMOSCheckpointSaver(fmos, tenant="acme").get_tuple(thread("shared-name")) is not None


def test_channel_versions_increase(scripted) -> None:
    saver = FMOSCheckpointSaver(scripted([]))
    first = saver.get_next_version(None, None)
    second = saver.get_next_version(first, None)
    assert first < second and saver.get_next_version(first, None) != second


# -- the store ---------------------------------------------------------------------------


def test_the_store_puts_gets_searches_and_lists(scripted) -> None:
    store = FMOSStore(scripted([]), tenant="acme")
    store.put(("users", "u1"), "prefs", {"colour": "blue", "age": 30})
    store.put(("users", "u2"), "prefs", {"colour": "red", "age": 41})
    store.put(("users", "u2", "notes"), "n1", {"text": "likes tea"})
    store.put(("docs",), "d1", {"colour": "blue"})

    item = store.get(("users", "u1"), "prefs")
    assert item is not None and item.value == {"colour": "blue", "age": 30}
    assert item.namespace == ("users", "u1") and item.created_at <= item.updated_at
    store.put(("users", "u1"), "prefs", {"colour": "green", "age": 30})
    updated = store.get(("users", "u1"), "prefs")
    assert updated.value["colour"] == "green" and updated.created_at == item.created_at

    assert {(i.namespace, i.key) for i in store.search(("users",))} == {
        (("users", "u1"), "prefs"),
        (("users", "u2"), "prefs"),
        (("users", "u2", "notes"), "n1"),
    }
    assert [i.key for i in store.search(("users",), filter={"colour": "red"})] == ["prefs"]
    assert [i.namespace for i in store.search((), filter={"age": {"$gt": 35}})] == [("users", "u2")]
    assert len(store.search(("users",), limit=1, offset=1)) == 1
    # no vector index: a query does not rank, it is filtered like any search
    assert [i.key for i in store.search(("docs",), query="azure things")] == ["d1"]

    assert store.list_namespaces() == [
        ("docs",),
        ("users", "u1"),
        ("users", "u2"),
        ("users", "u2", "notes"),
    ]
    assert store.list_namespaces(prefix=("users",), max_depth=2) == [
        ("users", "u1"),
        ("users", "u2"),
    ]
    assert store.list_namespaces(suffix=("notes",)) == [("users", "u2", "notes")]
    assert store.list_namespaces(prefix=("users", "*", "notes")) == [("users", "u2", "notes")]

    store.delete(("users", "u1"), "prefs")
    assert store.get(("users", "u1"), "prefs") is None


def test_the_store_is_scoped_by_tenant(scripted) -> None:
    fmos = scripted([])
    FMOSStore(fmos, tenant="acme").put(("memories",), "m", {"secret": 1})
    other = FMOSStore(fmos, tenant="other")
    assert other.get(("memories",), "m") is None
    assert other.search(("memories",)) == [] and other.list_namespaces() == []


async def test_the_store_async_and_inside_a_graph(scripted) -> None:
    store = FMOSStore(scripted([]))
    await store.aput(("users", "u1"), "name", {"name": "Ada"})
    assert (await store.aget(("users", "u1"), "name")).value == {"name": "Ada"}

    def remember(state: MessagesState, *, store: BaseStore) -> dict[str, Any]:
        name = store.get(("users", "u1"), "name").value["name"]
        store.put(("users", "u1"), "seen", {"count": 1})
        return {"messages": [AIMessage(f"Hello {name}")]}

    builder = StateGraph(MessagesState)
    builder.add_node("remember", remember)
    builder.add_edge(START, "remember")
    graph = builder.compile(store=store)
    result = await graph.ainvoke({"messages": [HumanMessage("hi")]})
    assert result["messages"][-1].content == "Hello Ada"
    assert [i.key for i in await store.asearch(("users",))] == ["name", "seen"]


def test_the_store_refuses_ttls(scripted) -> None:
    with pytest.raises(NotImplementedError):
        FMOSStore(scripted([])).put(("a",), "k", {"v": 1}, ttl=5)
