"""The conformance suite (contract C) driven through LangChain's ChatFMOS."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from fmos_langchain import ChatFMOS
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from fmos_core import FMOS, ToolSpec
from fmos_core.testing.conformance import HarnessConformance, HarnessReply

pytestmark = pytest.mark.model


def reply_of(message: AIMessage) -> HarnessReply:
    calls = [(c["name"], c["args"]) for c in message.tool_calls]
    return HarnessReply(
        text=message.text, tool_calls=calls, metadata=message.response_metadata["fmos"]
    )


class TestLangChainConformance(HarnessConformance):
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
        # the harness's own shapes: OpenAI-style tool dicts, privileges by tool name
        chat = ChatFMOS(
            fmos=fmos,
            vfm=vfm,
            tenant=tenant,
            max_tokens=32,
            tool_privileges={t.name: t.privilege.name.lower() for t in tools},
        )
        model = (
            chat.bind_tools(
                [
                    {
                        "type": "function",
                        "function": {
                            "name": t.name,
                            "description": t.description,
                            "parameters": t.parameters,
                        },
                    }
                    for t in tools
                ],
                tool_choice=tool_choice,
            )
            if tools
            else chat
        )
        return reply_of(model.invoke(prompt))

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
        chat = ChatFMOS(fmos=fmos, vfm=vfm, tenant=tenant, max_tokens=48)
        history = [
            HumanMessage(prompt),
            AIMessage(
                "",
                tool_calls=[{"name": tool_name, "args": {}, "id": "call_1", "type": "tool_call"}],
            ),
            ToolMessage(tool_output, tool_call_id="call_1", name=tool_name),
        ]
        reply = reply_of(chat.invoke(history))
        reply.session = chat.session
        reply.history = [m.text for m in history]
        return reply

    def resume(self, fmos: FMOS, approval_id: str, *, vfm: str, tenant: str) -> HarnessReply:
        return reply_of(ChatFMOS(fmos=fmos, vfm=vfm, tenant=tenant).resume(approval_id))
