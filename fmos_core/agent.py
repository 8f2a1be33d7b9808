"""A minimal tool-using agent loop over a VFM, for scripts and the demo.

The model proposes tool calls through the pipeline (so privilege gates, budgets
and traces apply); each call passes the kernel's tool gate before the loop runs the
matching Python function and feeds the result back, until the model answers
without a tool call or ``max_steps`` ends.

Example:
    >>> from fmos_core import FMOS, Config, ToolSpec
    >>> from fmos_core.testing import ScriptedBackend, tool_call
    >>> cfg = Config.parse({"pfms": {"s": {"driver": "scripted"}},
    ...                     "vfms": {"default": {"pfms": ["s"]}}, "state": {"enabled": False}})
    >>> add = Tool(ToolSpec(name="add", parameters={"type": "object", "properties": {
    ...     "a": {"type": "integer"}, "b": {"type": "integer"}}}), lambda a, b: a + b)
    >>> backend = ScriptedBackend([tool_call("add", a=2, b=3), "It is 5."])
    >>> with FMOS(cfg, backends={"s": backend}) as fmos:
    ...     run = run_agent(fmos.vfm(), "What is 2+3?", [add])
    >>> run.answer, run.tool_results
    ('It is 5.', ['5'])
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fmos_core.contract import Identity, Message, Response, ToolSpec
from fmos_core.errors import BadRequest
from fmos_core.vfm import VFM


@dataclass(slots=True)
class Tool:
    """A tool the agent may run: its spec and the Python function behind it."""

    spec: ToolSpec
    fn: Callable[..., Any]


@dataclass(slots=True)
class AgentRun:
    """What an agent run did: the conversation, each response, the final answer."""

    messages: list[Message]
    responses: list[Response] = field(default_factory=list)
    tool_results: list[str] = field(default_factory=list)
    answer: str = ""


async def arun_agent(
    vfm: VFM,
    prompt: str,
    tools: list[Tool],
    *,
    max_steps: int = 4,
    first_tool_choice: str = "auto",
    **options: Any,
) -> AgentRun:
    """Run the loop; ``options`` go to every ``ainvoke`` (tenant, session, max_tokens…)."""
    by_name = {t.spec.name: t for t in tools}
    specs = [t.spec for t in tools]
    identity = Identity(**{k: options[k] for k in ("tenant", "app", "session") if k in options})
    run = AgentRun(messages=[Message(role="user", content=prompt)])
    tool_choice = first_tool_choice
    for _ in range(max_steps):
        response = await vfm.ainvoke(run.messages, tools=specs, tool_choice=tool_choice, **options)
        run.responses.append(response)
        run.messages.append(response.message)
        if not response.tool_calls:
            run.answer = response.text
            return run
        for call in response.tool_calls:
            tool = by_name.get(call.name)
            if tool is None:
                raise BadRequest(f"the model called {call.name!r}, which has no function")
            # running a tool is a privileged operation: it passes the kernel's gate
            await vfm.kernel.mediator.gate_tool_call(vfm.name, call, specs, identity=identity)
            result = tool.fn(**call.arguments)
            text = result if isinstance(result, str) else json.dumps(result)
            run.tool_results.append(text)
            run.messages.append(
                Message(
                    role="tool",
                    content=text,
                    tool_call_id=call.id,
                    name=call.name,
                    kind="observation",
                )
            )
        tool_choice = "none"
    return run


def run_agent(vfm: VFM, prompt: str, tools: list[Tool], **options: Any) -> AgentRun:
    """Sync façade over ``arun_agent``."""
    return vfm.kernel.loop.run(arun_agent(vfm, prompt, tools, **options))
