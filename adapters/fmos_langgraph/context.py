"""The context node: the VFM's context policies applied to the graph's own messages."""

from __future__ import annotations

import operator
from typing import Any

from langchain_core.messages import BaseMessage, RemoveMessage
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph.message import REMOVE_ALL_MESSAGES

from fmos_core import FMOS, Identity, Request
from fmos_langgraph._messages import to_fmos_message, to_langchain_message


class FMOSContextNode(RunnableLambda[dict[str, Any], dict[str, Any]]):
    """Rewrites ``state["messages"]`` into the working set FMOS's context stage builds.

    The model node's calls get the VFM's context policies anyway (the pipeline
    applies them to every request); this node makes their result part of the graph's
    state, so it is checkpointed and seen by every later node. Today the kernel's
    context stage prepends the VFM's ``system_prompt``; later policies (offloading
    tool outputs, pruning observations) arrive here with no change. Messages a policy
    leaves alone keep their identity; when nothing changes the node updates nothing.

    Example::

        builder.add_node("context", FMOSContextNode(fmos, "support"))
        builder.add_node("model", FMOSModelNode(fmos, "support"))
        builder.add_edge(START, "context")
        builder.add_edge("context", "model")
    """

    def __init__(
        self,
        fmos: FMOS,
        vfm: str = "default",
        *,
        tenant: str = "default",
        app: str = "langgraph",
        messages_key: str = "messages",
    ) -> None:
        super().__init__(self._call_node, afunc=self._acall_node, name=f"fmos-context:{vfm}")
        self.fmos = fmos
        self.vfm = fmos.vfm(vfm).name
        self.tenant = tenant
        self.app = app
        self.messages_key = messages_key

    def _call_node(self, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        return self.fmos.loop.run(self._acall_node(state, config))

    async def _acall_node(self, state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
        messages: list[BaseMessage] = list(state[self.messages_key])
        if not messages:
            return {}
        originals = {}
        converted = []
        for message in messages:
            fmos_message = to_fmos_message(message)
            originals[id(fmos_message)] = message
            converted.append(fmos_message)
        thread = (config.get("configurable") or {}).get("thread_id")
        request = Request(
            messages=converted,
            identity=Identity(tenant=self.tenant, app=self.app, session=str(thread or "default")),
        )
        shaped = await self.fmos.mediator.apply_context(
            self.vfm, request.messages, identity=request.identity
        )
        result = [originals.get(id(m)) or to_langchain_message(m) for m in shaped]
        unchanged = len(result) == len(messages) and all(map(operator.is_, result, messages))
        if unchanged:
            return {}
        return {self.messages_key: [RemoveMessage(id=REMOVE_ALL_MESSAGES), *result]}
