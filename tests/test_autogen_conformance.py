"""The conformance suite through AutoGen: every call goes through
``FMOSChatCompletionClient.create``; FMOS metadata is read from the result's
``fmos_metadata`` field (``FMOSCreateResult``, a ``CreateResult`` subclass)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import pytest
from autogen_core import FunctionCall
from autogen_core.models import (
    AssistantMessage,
    CreateResult,
    FunctionExecutionResult,
    FunctionExecutionResultMessage,
    LLMMessage,
    UserMessage,
)
from fmos_autogen import FMOSChatCompletionClient, FMOSCreateResult

from fmos_core import FMOS, ToolSpec
from fmos_core.testing.conformance import HarnessConformance, HarnessReply

pytestmark = pytest.mark.model


def reply_of(result: CreateResult) -> HarnessReply:
    assert isinstance(result, FMOSCreateResult)
    if isinstance(result.content, str):
        return HarnessReply(text=result.content, metadata=result.fmos_metadata)
    calls = [(c.name, json.loads(c.arguments)) for c in result.content]
    return HarnessReply(text=result.thought or "", tool_calls=calls, metadata=result.fmos_metadata)


def prompt_text(message: LLMMessage) -> str:
    """The text a message of the history holds (a call list has none)."""
    if isinstance(message, FunctionExecutionResultMessage):
        return "".join(r.content for r in message.content)
    return message.content if isinstance(message.content, str) else ""


def schema_of(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "parameters": spec.parameters}


class TestAutoGenConformance(HarnessConformance):
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
        # AutoGen's create names a forced tool by a Tool object; the client's own
        # tool_choice setting carries a forced choice for ToolSchema dicts instead
        client = FMOSChatCompletionClient(
            fmos,
            vfm=vfm,
            tenant=tenant,
            max_tokens=32,
            tool_privileges={t.name: t.privilege for t in tools},
            tool_choice=tool_choice,
        )
        messages = [UserMessage(content=prompt, source="user")]
        result = asyncio.run(client.create(messages, tools=[schema_of(t) for t in tools]))
        return reply_of(result)

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
        client = FMOSChatCompletionClient(fmos, vfm=vfm, tenant=tenant, max_tokens=48)
        call = FunctionCall(id="call_1", name=tool_name, arguments="{}")
        result = FunctionExecutionResult(content=tool_output, name=tool_name, call_id="call_1")
        history: list[LLMMessage] = [
            UserMessage(content=prompt, source="user"),
            AssistantMessage(content=[call], source="assistant"),
            FunctionExecutionResultMessage(content=[result]),
        ]
        reply = reply_of(asyncio.run(client.create(history)))  # in the client's session "default"
        reply.history = [prompt_text(m) for m in history]
        return reply

    def resume(self, fmos: FMOS, approval_id: str, *, vfm: str, tenant: str) -> HarnessReply:
        client = FMOSChatCompletionClient(fmos, vfm=vfm, tenant=tenant)
        return reply_of(asyncio.run(client.resume(approval_id)))
