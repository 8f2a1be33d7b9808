"""The guard node: an FMOS approval trap as a LangGraph ``interrupt()``."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.types import interrupt

from fmos_core import FMOS, ApprovalDenied, Privilege
from fmos_core.store.approvals import Approval
from fmos_langgraph._messages import to_ai_message
from fmos_langgraph.model import HELD_KEY


class FMOSGuardNode(RunnableLambda[dict[str, Any], dict[str, Any]]):
    """Pauses the graph while FMOS holds a privileged tool call, and resumes it after.

    Put it right after an ``FMOSModelNode`` (and route on from it, e.g. with
    ``tools_condition``); the graph needs a checkpointer. When the model's last call
    was held by the trust trap, the guard calls ``interrupt()`` with the approval:
    ``{"approval_id", "tool", "arguments", "privilege", "clearance", "tenant", "vfm",
    "trace_id", "reason"}`` — ``graph.invoke`` returns it under ``"__interrupt__"``.

    Resume with ``graph.invoke(Command(resume=...), config)``:

    - ``{"approved": True}`` or ``{"approved": False, "reason": "..."}`` (optionally
      ``"by": "alice"``) decides the pending approval through ``fmos.approvals``;
      a bare ``True``/``False`` does the same;
    - ``{"approved": None}`` when a human decided elsewhere (``fmos approvals approve
      ID``): the guard reads the decision from ``fmos.approvals`` and, if the approval
      is still pending, interrupts again. (LangGraph 1.2 fails on
      ``Command(resume=None)``, so say ``None`` inside the dict.)

    Any other resume value interrupts again, with an ``"error"`` saying why.

    A decision already recorded in ``fmos.approvals`` wins over the resume value.
    Approved: the held ``AIMessage`` (with its tool calls) replaces the placeholder and
    the graph goes on. Denied: the placeholder becomes an ``AIMessage`` saying so and
    carrying no tool call (``on_denied="message"``), or ``ApprovalDenied`` is raised
    out of the graph (``on_denied="raise"``).

    Example::

        builder.add_node("model", FMOSModelNode(fmos, tools=[send_email], tenant="acme"))
        builder.add_node("guard", FMOSGuardNode(fmos))
        builder.add_node("tools", ToolNode([send_email]))
        builder.add_edge(START, "model")
        builder.add_edge("model", "guard")
        builder.add_conditional_edges("guard", tools_condition)
        builder.add_edge("tools", "model")
        graph = builder.compile(checkpointer=FMOSCheckpointSaver(fmos))

        paused = graph.invoke({"messages": [("user", "Email ops.")]}, config)
        approval_id = paused["__interrupt__"][0].value["approval_id"]
        graph.invoke(Command(resume={"approved": True}), config)
    """

    def __init__(
        self,
        fmos: FMOS,
        *,
        on_denied: Literal["message", "raise"] = "message",
        decided_by: str = "langgraph",
        messages_key: str = "messages",
    ) -> None:
        super().__init__(self._call_node, afunc=self._acall_node, name="fmos:guard")
        self.fmos = fmos
        self.on_denied = on_denied
        self.decided_by = decided_by
        self.messages_key = messages_key

    async def _acall_node(self, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        return self._call_node(state, config)  # store reads and writes only: no model call

    def _call_node(self, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        messages: list[BaseMessage] = state[self.messages_key]
        last = messages[-1] if messages else None
        held = _held(last)
        if last is None or held is None:
            return {}
        approval = self.fmos.approvals.get(held["id"])
        problem = None
        while approval.status == "pending":
            answer = interrupt(_payload(approval, last, problem))
            approval, problem = self._decide(approval, answer)
        vfm = self.fmos.vfm(held["vfm"])
        try:
            response = vfm.resume(approval.id, tenant=held["tenant"])
        except ApprovalDenied as denied:
            if self.on_denied == "raise":
                raise
            refusal = AIMessage(
                content=str(denied),
                id=last.id,
                response_metadata={"fmos": {HELD_KEY: {**held, "status": "denied"}}},
            )
            return {self.messages_key: [refusal]}
        return {self.messages_key: [to_ai_message(response)]}

    def _decide(self, approval: Approval, answer: Any) -> tuple[Approval, str | None]:
        """The approval after ``answer``, and what was wrong with ``answer`` if anything."""
        decision = answer if isinstance(answer, dict) else {"approved": answer}
        approve = decision.get("approved")
        if approve is None:  # no decision here: read the one fmos.approvals holds
            return self.fmos.approvals.get(approval.id), None
        if not isinstance(approve, bool):
            return approval, (
                f"resume value {answer!r} is not a decision; resume with "
                '{"approved": True} or {"approved": False}, or {"approved": None} once '
                "fmos.approvals holds the decision"
            )
        current = self.fmos.approvals.get(approval.id)
        if current.status != "pending":  # decided meanwhile, elsewhere: the store wins
            return current, None
        decided = self.fmos.approvals.decide(
            approval.id,
            approve=approve,
            by=str(decision.get("by") or self.decided_by),
            reason=decision.get("reason"),
        )
        return decided, None


def _held(message: BaseMessage | None) -> dict[str, Any] | None:
    if not isinstance(message, AIMessage):
        return None
    fmos = message.response_metadata.get("fmos")
    held = fmos.get(HELD_KEY) if isinstance(fmos, dict) else None
    if not isinstance(held, dict) or held.get("status") == "denied":
        return None
    return held


def _payload(approval: Approval, placeholder: BaseMessage, problem: str | None) -> dict[str, Any]:
    payload = {
        "approval_id": approval.id,
        "tool": approval.tool,
        "arguments": approval.arguments,
        "privilege": Privilege(approval.privilege).name.lower(),
        "clearance": Privilege(approval.clearance).name.lower(),
        "tenant": approval.tenant,
        "vfm": approval.vfm,
        "trace_id": approval.trace_id,
        "reason": placeholder.content,
    }
    if problem is not None:
        payload["error"] = problem
    return payload
