"""The conformance suite through LlamaIndex: every call goes through ``FMOSLLM``.

Plain prompts use ``FMOSLLM.chat``; prompts with tools use ``chat_with_tools`` with
``tool_choice`` naming the tool; a held call continues with ``FMOSLLM.resume``.
Metadata is read from the ``ChatResponse``'s ``additional_kwargs["fmos"]``
(``Response.fmos_metadata()``); ``raw`` holds the whole FMOS response as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from fmos_llamaindex import FMOSLLM
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ToolCallBlock,
)
from llama_index.core.tools import FunctionTool, ToolMetadata

from fmos_core import FMOS, ToolSpec
from fmos_core.testing.conformance import HarnessConformance, HarnessReply

pytestmark = pytest.mark.model


class _SpecMetadata(ToolMetadata):
    """Tool metadata whose parameters are an FMOS spec's JSON Schema, unchanged."""

    def __init__(self, spec: ToolSpec) -> None:
        super().__init__(name=spec.name, description=spec.description)
        self.schema = spec.parameters

    def get_parameters_dict(self) -> dict:
        return dict(self.schema)


def as_llamaindex_tool(spec: ToolSpec) -> FunctionTool:
    def unused(**kwargs: Any) -> str:
        raise AssertionError("the conformance suite never runs a tool")

    return FunctionTool(unused, metadata=_SpecMetadata(spec))


def reply_of(llm: FMOSLLM, response: ChatResponse) -> HarnessReply:
    calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    return HarnessReply(
        text=response.message.content or "",
        tool_calls=[(c.tool_name, c.tool_kwargs) for c in calls],
        metadata=response.additional_kwargs["fmos"],
    )


class TestLlamaIndexConformance(HarnessConformance):
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
        llm = FMOSLLM(
            fmos.vfm(vfm),
            tenant=tenant,
            max_tokens=32,
            tool_privileges={spec.name: spec.privilege for spec in tools},
        )
        if tools:
            response = llm.chat_with_tools(
                [as_llamaindex_tool(spec) for spec in tools],
                user_msg=prompt,
                tool_choice=tool_choice,
            )
        else:
            response = llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
        return reply_of(llm, response)

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
        llm = FMOSLLM(fmos.vfm(vfm), tenant=tenant, max_tokens=48)
        # the shapes a LlamaIndex FunctionAgent keeps: the call as a ToolCallBlock, the
        # result as a tool message naming the call id (and here the tool) in additional_kwargs
        history = [
            ChatMessage(role=MessageRole.USER, content=prompt),
            ChatMessage(
                role=MessageRole.ASSISTANT,
                blocks=[ToolCallBlock(tool_call_id="call_1", tool_name=tool_name)],
            ),
            ChatMessage(
                role=MessageRole.TOOL,
                blocks=[TextBlock(text=tool_output)],
                additional_kwargs={"tool_call_id": "call_1", "name": tool_name},
            ),
        ]
        reply = reply_of(llm, llm.chat(history))
        reply.session = llm.session
        reply.history = [m.content or "" for m in history]
        return reply

    def resume(self, fmos: FMOS, approval_id: str, *, vfm: str, tenant: str) -> HarnessReply:
        llm = FMOSLLM(fmos.vfm(vfm), tenant=tenant)
        return reply_of(llm, llm.resume(approval_id))
