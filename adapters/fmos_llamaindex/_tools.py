"""LlamaIndex tools ↔ FMOS ``ToolSpec``s and ``ToolSelection``s.

Example:
    >>> from llama_index.core.tools import FunctionTool
    >>> def add(a: int, b: int) -> int:
    ...     '''Add two numbers.'''
    ...     return a + b
    >>> [spec] = tool_specs([FunctionTool.from_defaults(add)], {"add": "write"})
    >>> spec.name, spec.privilege.name, spec.parameters["required"]
    ('add', 'WRITE', ['a', 'b'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatResponse, ToolCallBlock
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json
from pydantic import ValidationError

from fmos_core import BadRequest, Privilege, ToolSpec
from fmos_core.config import explain

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool


def tool_specs(tools: Sequence[BaseTool], privileges: Mapping[str, Privilege]) -> list[ToolSpec]:
    """FMOS specs for LlamaIndex tools; ``privileges`` maps a tool's name to its level.

    A tool not in ``privileges`` keeps a ``privilege`` attribute of its metadata if it
    has one, else the contract's default. A schema FMOS refuses is a BadRequest naming
    the tool and the field.
    """
    specs = []
    for tool in tools:
        openai_tool = tool.metadata.to_openai_tool(skip_length_check=True)
        name = openai_tool["function"]["name"]
        level = privileges.get(tool.metadata.name or name, privileges.get(name))
        if level is None:
            level = getattr(tool.metadata, "privilege", Privilege.SAFE)
        try:
            specs.append(ToolSpec.from_openai(openai_tool, privilege=level))
        except ValidationError as exc:
            raise BadRequest(f"tool {name!r}: {explain(exc)}") from None
        except ValueError as exc:
            raise BadRequest(f"tool {name!r}: {exc}") from None
    return specs


def resolve_tool_choice(choice: str | dict[str, Any] | None, *, required: bool) -> str:
    """FMOS's ``tool_choice``: ``auto``/``none``/``required`` or one tool's name.

    LlamaIndex passes a string, the OpenAI dict ``{"type": "function", "function":
    {"name": …}}``, or nothing (then ``tool_required`` decides).
    """
    if choice is None:
        return "required" if required else "auto"
    if isinstance(choice, str):
        return choice
    function = choice.get("function")
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        return function["name"]
    raise BadRequest(
        f"tool_choice {choice!r}: use 'auto', 'none', 'required', a tool name or "
        "{'type': 'function', 'function': {'name': ...}}"
    )


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool) -> list[ToolSelection]:
    """The tool calls of an ``FMOSLLM`` response, as LlamaIndex runs them."""
    selections = [
        ToolSelection(
            tool_id=block.tool_call_id or "",
            tool_name=block.tool_name,
            tool_kwargs=_decoded(block.tool_kwargs),
        )
        for block in response.message.blocks
        if isinstance(block, ToolCallBlock)
    ]
    if not selections and error_on_no_tool_call:
        raise ValueError("Expected at least one tool call, but the model called none.")
    return selections


def keep_first_tool_call(response: ChatResponse) -> ChatResponse:
    """``response`` with only its first tool call (``allow_parallel_tool_calls=False``)."""
    message = response.message
    seen = False
    blocks = []
    for block in message.blocks:
        if isinstance(block, ToolCallBlock):
            if seen:
                continue
            seen = True
        blocks.append(block)
    message.blocks = blocks
    if "tool_calls" in message.additional_kwargs:
        message.additional_kwargs["tool_calls"] = message.additional_kwargs["tool_calls"][:1]
    return response


def _decoded(arguments: dict[str, Any] | str) -> dict[str, Any]:
    """Arguments as a dict (a block from another LLM may hold partial JSON text)."""
    if isinstance(arguments, dict):
        return arguments
    try:
        return parse_partial_json(arguments)
    except ValueError:
        return {}
