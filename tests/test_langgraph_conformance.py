"""The harness conformance suite, driven through a compiled LangGraph graph.

Each call runs ``model → guard`` (``FMOSModelNode`` then ``FMOSGuardNode``) with an
``FMOSCheckpointSaver`` on the kernel under test, one thread per call. A held
privileged tool call surfaces as LangGraph's interrupt; ``call`` turns it into
``GraphInterrupted`` (carrying the approval id) so the suite can ``pytest.raises`` it,
and ``resume`` continues the same thread with ``Command(resume=...)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from fmos_langgraph import FMOSCheckpointSaver, FMOSGuardNode, FMOSModelNode
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.types import Command

from fmos_core import FMOS, BudgetExceeded, ToolSpec
from fmos_core.testing.conformance import HarnessConformance, HarnessReply

pytestmark = pytest.mark.model


class GraphInterrupted(Exception):
    """The graph paused on an FMOS approval: what a LangGraph user sees as ``__interrupt__``."""

    def __init__(self, value: dict[str, Any]) -> None:
        super().__init__(value["reason"])
        self.approval_id: str = value["approval_id"]
        self.value = value


def graph_for(
    fmos: FMOS,
    vfm: str,
    tenant: str,
    tools: Sequence[ToolSpec] = (),
    tool_choice: str = "auto",
    max_tokens: int = 32,
) -> Any:
    builder = StateGraph(MessagesState)
    model = FMOSModelNode(
        fmos, vfm, tools=tools, tool_choice=tool_choice, tenant=tenant, max_tokens=max_tokens
    )
    builder.add_node("model", model)
    builder.add_node("guard", FMOSGuardNode(fmos))
    builder.add_edge(START, "model")
    builder.add_edge("model", "guard")
    builder.add_edge("guard", END)
    return builder.compile(checkpointer=FMOSCheckpointSaver(fmos, tenant=tenant))


def reply_of(result: dict[str, Any]) -> HarnessReply:
    if "__interrupt__" in result:
        raise GraphInterrupted(result["__interrupt__"][0].value)
    message = result["messages"][-1]
    assert isinstance(message, AIMessage)
    return HarnessReply(
        text=str(message.content),
        tool_calls=[(c["name"], c["args"]) for c in message.tool_calls],
        metadata=message.response_metadata["fmos"],
    )


class TestLangGraphConformance(HarnessConformance):
    budget_error = BudgetExceeded  # raised by the model node, out of graph.invoke
    approval_error = GraphInterrupted

    def call(
        self,
        fmos: FMOS,
        prompt: str,
        *,
        vfm: str,
        tenant: str,
        tools: Sequence[ToolSpec] = (),
        tool_choice: str = "auto",
    ) -> HarnessReply:
        graph = graph_for(fmos, vfm, tenant, tools, tool_choice)
        config = {"configurable": {"thread_id": uuid.uuid4().hex}}
        return reply_of(graph.invoke({"messages": [HumanMessage(prompt)]}, config))

    def call_after_tool(
        self,
        fmos: FMOS,
        prompt: str,
        *,
        tool_name: str,
        tool_output: str,
        vfm: str,
        tenant: str,
    ) -> HarnessReply:
        graph = graph_for(fmos, vfm, tenant, max_tokens=48)
        thread = uuid.uuid4().hex
        history = [
            HumanMessage(prompt),
            AIMessage(
                "",
                tool_calls=[{"name": tool_name, "args": {}, "id": "call_1", "type": "tool_call"}],
            ),
            ToolMessage(tool_output, tool_call_id="call_1", name=tool_name),
        ]
        result = graph.invoke({"messages": history}, {"configurable": {"thread_id": thread}})
        reply = reply_of(result)
        reply.session = thread  # the model node's FMOS session is the graph's thread
        # the graph's state is the caller's history here: its first three messages
        reply.history = [m.text for m in result["messages"][:3]]
        return reply

    def resume(self, fmos: FMOS, approval_id: str, *, vfm: str, tenant: str) -> HarnessReply:
        # the model node runs with the graph's thread as FMOS session: the approval names it
        thread = fmos.approvals.get(approval_id).session
        graph = graph_for(fmos, vfm, tenant)
        config = {"configurable": {"thread_id": thread}}
        return reply_of(graph.invoke(Command(resume={"approved": True}), config))
