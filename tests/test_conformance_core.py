"""The conformance suite run against FMOS's own API, the reference every adapter matches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from fmos_core import FMOS, Message, Response, ToolCall, ToolSpec
from fmos_core.testing.conformance import HarnessConformance, HarnessReply

pytestmark = pytest.mark.model


def reply_of(response: Response) -> HarnessReply:
    metadata: dict[str, Any] = {
        "trace_id": response.trace_id,
        "pfm": response.pfm,
        "traps": [t.model_dump() for t in response.traps],
        "provenance": response.provenance.model_dump(),
    }
    calls = [(c.name, c.arguments) for c in response.tool_calls]
    return HarnessReply(text=response.text, tool_calls=calls, metadata=metadata)


class TestCoreConformance(HarnessConformance):
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
        response = fmos.vfm(vfm).invoke(
            prompt, tenant=tenant, tools=list(tools), tool_choice=tool_choice, max_tokens=32
        )
        return reply_of(response)

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
        history = [
            Message(role="user", content=prompt),
            Message(role="assistant", tool_calls=[ToolCall(id="call_1", name=tool_name)]),
            Message(
                role="tool",
                content=tool_output,
                tool_call_id="call_1",
                name=tool_name,
                kind="observation",  # as FMOS's own agent loop sends tool results
            ),
        ]
        reply = reply_of(fmos.vfm(vfm).invoke(history, tenant=tenant, max_tokens=48))
        reply.history = [m.content for m in history]
        return reply

    def resume(self, fmos: FMOS, approval_id: str, *, vfm: str, tenant: str) -> HarnessReply:
        return reply_of(fmos.vfm(vfm).resume(approval_id, tenant=tenant))
