"""LangGraph on FMOS: model, context and guard nodes, a checkpointer and a store.

``pip install "fmos[langgraph]"``. Every model call a graph makes goes through a VFM
(budgets, traps, traces, approvals); checkpoints and long-term memory live in the
FMOS state store, scoped by tenant.

Example::

    from fmos_langgraph import FMOSCheckpointSaver, FMOSModelNode
    builder = StateGraph(MessagesState)
    builder.add_node("model", FMOSModelNode(fmos, max_tokens=64))
    builder.add_edge(START, "model")
    graph = builder.compile(checkpointer=FMOSCheckpointSaver(fmos))
"""

from __future__ import annotations

try:
    from fmos_langgraph.checkpoint import FMOSCheckpointSaver
    from fmos_langgraph.context import FMOSContextNode
    from fmos_langgraph.guard import FMOSGuardNode
    from fmos_langgraph.model import FMOSModelNode
    from fmos_langgraph.store import FMOSStore
except ImportError as missing:  # a missing harness package; any other error stays as it is
    if (missing.name or "").split(".")[0] not in ("langgraph", "langchain_core"):
        raise
    raise ImportError('pip install "fmos[langgraph]"', name=missing.name) from missing

__all__ = [
    "FMOSCheckpointSaver",
    "FMOSContextNode",
    "FMOSGuardNode",
    "FMOSModelNode",
    "FMOSStore",
]
