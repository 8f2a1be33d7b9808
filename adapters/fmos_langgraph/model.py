"""The model node: one VFM call per visit, for graphs over ``MessagesState``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda

from fmos_core import FMOS, ApprovalDenied, ApprovalRequired, Response
from fmos_langgraph._messages import message_id, to_ai_message, to_fmos_messages
from fmos_langgraph._tools import ToolLike, to_tool_specs

ToolChoice = str | Callable[[Sequence[BaseMessage]], str]
HELD_KEY = "approval"  # response_metadata["fmos"]["approval"] marks a held call


class FMOSModelNode(RunnableLambda[dict[str, Any], dict[str, Any]]):
    """A graph node that sends ``state["messages"]`` to a VFM and appends its ``AIMessage``.

    The reply carries the tool calls, ``usage_metadata`` and, in
    ``response_metadata["fmos"]``, the trace id, pFM, traps and provenance. ``tools``
    are LangChain tools (or ``ToolSpec``s); a tool's privilege comes from
    ``tool.metadata["fmos_privilege"]``. ``tool_choice`` may be a function of the
    conversation, e.g. name a tool first and say ``"none"`` after its result. Other
    keyword options (``max_tokens``, ``temperature``, ``tags``, …) go to every call.
    The FMOS session is the graph's ``thread_id`` unless ``session`` is given.

    When FMOS holds a privileged tool call for approval, the node appends a
    placeholder ``AIMessage`` naming the approval (``on_approval="hold"``, for an
    ``FMOSGuardNode`` next in the graph) or lets ``ApprovalRequired`` propagate
    (``on_approval="raise"``).

    Example::

        builder = StateGraph(MessagesState)
        builder.add_node("model", FMOSModelNode(fmos, tools=[get_weather], max_tokens=64))
        builder.add_node("tools", ToolNode([get_weather]))
        builder.add_edge(START, "model")
        builder.add_conditional_edges("model", tools_condition)
        builder.add_edge("tools", "model")
        graph = builder.compile()
    """

    def __init__(
        self,
        fmos: FMOS,
        vfm: str = "default",
        *,
        tools: Sequence[ToolLike] = (),
        tool_choice: ToolChoice = "auto",
        tenant: str = "default",
        app: str = "langgraph",
        session: str | None = None,
        on_approval: Literal["hold", "raise"] = "hold",
        messages_key: str = "messages",
        **options: Any,
    ) -> None:
        super().__init__(self._call_node, afunc=self._acall_node, name=f"fmos:{vfm}")
        self.fmos = fmos
        self.vfm = fmos.vfm(vfm)
        self.tools = to_tool_specs(tools)
        self.tool_choice = tool_choice
        self.tenant = tenant
        self.app = app
        self.session = session
        self.on_approval = on_approval
        self.messages_key = messages_key
        self.options = options

    def _call_node(self, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        messages, options = self._request(state, config)
        try:
            response = self.vfm.invoke(messages, **options)
        except ApprovalRequired as held:
            return self._held(held)
        return self._reply(response)

    async def _acall_node(self, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        messages, options = self._request(state, config)
        try:
            response = await self.vfm.ainvoke(messages, **options)
        except ApprovalRequired as held:
            return self._held(held)
        return self._reply(response)

    def _request(
        self, state: dict[str, Any], config: RunnableConfig
    ) -> tuple[list[Any], dict[str, Any]]:
        conversation: Sequence[BaseMessage] = state[self.messages_key]
        choice = self.tool_choice
        if callable(choice):
            choice = choice(conversation)
        thread = (config.get("configurable") or {}).get("thread_id")
        options = {
            **self.options,
            "tools": self.tools,
            "tool_choice": choice,
            "tenant": self.tenant,
            "app": self.app,
            "session": self.session or (str(thread) if thread is not None else "default"),
        }
        return to_fmos_messages(conversation), options

    def _reply(self, response: Response) -> dict[str, Any]:
        return {self.messages_key: [to_ai_message(response)]}

    def _held(self, held: ApprovalRequired) -> dict[str, Any]:
        if self.on_approval == "raise" or isinstance(held, ApprovalDenied) or not held.approval_id:
            raise held
        placeholder = AIMessage(
            content=str(held),
            id=message_id(held.trace_id or held.approval_id),
            response_metadata={
                "fmos": {
                    HELD_KEY: {
                        "id": held.approval_id,
                        "vfm": self.vfm.name,
                        "tenant": self.tenant,
                        "trace_id": held.trace_id,
                    }
                }
            },
        )
        return {self.messages_key: [placeholder]}
