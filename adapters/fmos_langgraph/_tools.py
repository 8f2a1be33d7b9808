"""LangChain tools → FMOS ``ToolSpec``s.

A tool's privilege is read from ``tool.metadata["fmos_privilege"]`` (``"safe"``,
``"read"``, ``"write"``, ``"admin"`` or 0-3); a ``ToolSpec`` passes through as is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import BaseModel, ValidationError

from fmos_core import BadRequest, ToolSpec
from fmos_core.config import explain

ToolLike = BaseTool | ToolSpec | Mapping[str, Any] | type[BaseModel] | Callable[..., Any]

PRIVILEGE_KEY = "fmos_privilege"


def to_tool_specs(tools: Sequence[ToolLike]) -> list[ToolSpec]:
    """The specs FMOS offers the model for ``tools``; an unusable one is a BadRequest."""
    return [to_tool_spec(t) for t in tools]


def to_tool_spec(tool: ToolLike) -> ToolSpec:
    if isinstance(tool, ToolSpec):
        return tool
    metadata = tool.metadata if isinstance(tool, BaseTool) else None
    privilege = (metadata or {}).get(PRIVILEGE_KEY, 0)
    try:
        openai_tool = convert_to_openai_tool(tool)
    except (ValueError, TypeError) as exc:
        raise BadRequest(f"cannot turn {tool!r} into a tool schema: {exc}") from None
    name = openai_tool.get("function", {}).get("name", repr(tool))
    try:
        return ToolSpec.from_openai(openai_tool, privilege=privilege)
    except ValidationError as exc:
        raise BadRequest(f"tool {name!r} cannot be offered to FMOS: {explain(exc)}") from None
    except ValueError as exc:  # an unknown privilege name
        raise BadRequest(f"tool {name!r}: metadata[{PRIVILEGE_KEY!r}]: {exc}") from None
