"""``FMOSMiddleware``: FMOS context policies and the tool privilege gate for agents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain.agents.middleware.types import ToolCallRequest
from langchain_core.messages import AnyMessage, SystemMessage, ToolMessage
from langgraph.types import Command

from fmos_core.contract import Identity, Message, Privilege, ToolCall, ToolSpec
from fmos_core.kernel import FMOS
from fmos_langchain._tools import to_spec
from fmos_langchain.messages import from_contract, to_contract

ToolResult = ToolMessage | Command[Any]


class FMOSMiddleware(AgentMiddleware):
    """Puts a ``create_agent`` agent under FMOS: context policies and the tool gate.

    - ``wrap_model_call``: the VFM's context policies (``fmos.mediator.apply_context``;
      today the VFM's system prompt) shape what the agent's model receives, whatever
      its provider.
    - ``wrap_tool_call``: each tool call passes the kernel's privilege gate
      (``fmos.mediator.gate_tool_call``): a tool above the tenant's clearance does not
      run; an approval is persisted and ``ApprovalRequired`` raised. Once a human
      approved it (``fmos approvals approve ID``), the same call (same tool and
      arguments, same session) runs once. A tool's privilege is
      ``tool.metadata["fmos_privilege"]`` or ``tool_privileges[name]``.

    Example:
        >>> import tempfile
        >>> from fmos_core import FMOS, Config
        >>> cfg = Config.parse({"state": {"url": f"sqlite:///{tempfile.mkdtemp()}/s.db"},
        ...     "pfms": {"s": {"driver": "scripted"}}, "vfms": {"default": {"pfms": ["s"]}}})
        >>> with FMOS(cfg) as fmos:
        ...     middleware = FMOSMiddleware(fmos, tenant="default")
        >>> middleware.name
        'FMOSMiddleware'
    """

    def __init__(
        self,
        fmos: FMOS,
        *,
        vfm: str = "default",
        tenant: str = "default",
        app: str = "default",
        session: str = "default",
        tool_privileges: dict[str, int | str] | None = None,
    ) -> None:
        super().__init__()
        self.fmos = fmos
        self.vfm = vfm
        self.identity = Identity(tenant=tenant, app=app, session=session)
        self.tool_privileges = dict(tool_privileges or {})

    # -- context policies ---------------------------------------------------------------

    def wrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], ModelResponse[Any]],
    ) -> Any:
        before = self._messages(request)
        after = self.fmos.loop.run(self._apply(before))
        return handler(_rebuild(request, before, after))

    async def awrap_model_call(
        self,
        request: ModelRequest[Any],
        handler: Callable[[ModelRequest[Any]], Awaitable[ModelResponse[Any]]],
    ) -> Any:
        before = self._messages(request)
        after = await self._apply(before)
        return await handler(_rebuild(request, before, after))

    @staticmethod
    def _messages(request: ModelRequest[Any]) -> list[Message]:
        system = [request.system_message] if request.system_message is not None else []
        return to_contract([*system, *request.messages])

    async def _apply(self, messages: list[Message]) -> list[Message]:
        return await self.fmos.mediator.apply_context(self.vfm, messages, identity=self.identity)

    # -- the tool privilege gate ----------------------------------------------------------

    def wrap_tool_call(
        self, request: ToolCallRequest, handler: Callable[[ToolCallRequest], ToolResult]
    ) -> ToolResult:
        self.fmos.loop.run(self._gate(request))
        return handler(request)

    async def awrap_tool_call(
        self,
        request: ToolCallRequest,
        handler: Callable[[ToolCallRequest], Awaitable[ToolResult]],
    ) -> ToolResult:
        await self._gate(request)
        return await handler(request)

    async def _gate(self, request: ToolCallRequest) -> None:
        raw = request.tool_call
        call = ToolCall(id=raw["id"] or "", name=raw["name"], arguments=raw["args"])
        spec = (
            to_spec(request.tool, self.tool_privileges)
            if request.tool is not None
            else ToolSpec(
                name=call.name, privilege=Privilege.parse(self.tool_privileges.get(call.name, 0))
            )
        )
        await self.fmos.mediator.gate_tool_call(self.vfm, call, [spec], identity=self.identity)


def _rebuild(
    request: ModelRequest[Any], before: list[Message], after: list[Message]
) -> ModelRequest[Any]:
    """``request`` with the messages the context policies returned (unchanged if equal)."""
    if after == before:
        return request
    if after[1:] == before and after[0].role == "system":  # a system prompt was added
        return request.override(system_message=SystemMessage(after[0].content))
    rebuilt: list[AnyMessage] = from_contract(after)  # type: ignore[assignment]
    if rebuilt and isinstance(rebuilt[0], SystemMessage):
        return request.override(system_message=rebuilt[0], messages=rebuilt[1:])
    return request.override(system_message=None, messages=rebuilt)
