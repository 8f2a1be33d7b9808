"""AutoGen tools (``Tool`` objects or ``ToolSchema`` dicts) to FMOS ``ToolSpec``s."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from autogen_core.tools import Tool, ToolSchema
from pydantic import ValidationError

from fmos_core.config import explain
from fmos_core.contract import Privilege, ToolSpec
from fmos_core.errors import BadRequest

AutoGenToolChoice = Tool | Literal["auto", "required", "none"]


def parse_privileges(privileges: Mapping[str, int | str | Privilege]) -> dict[str, Privilege]:
    """``{"tool": "write"}`` as privileges; an unknown level is ``BadRequest`` naming the tool."""
    parsed = {}
    for name, level in privileges.items():
        try:
            parsed[name] = Privilege.parse(level)
        except ValueError as exc:
            raise BadRequest(f"tool_privileges[{name!r}]: {exc}") from None
    return parsed


def to_tool_specs(
    tools: Sequence[Tool | ToolSchema], privileges: Mapping[str, Privilege]
) -> list[ToolSpec]:
    """One ``ToolSpec`` per tool, privilege from ``privileges`` (default ``safe``)."""
    return [_spec(tool, index, privileges) for index, tool in enumerate(tools)]


def _spec(tool: Tool | ToolSchema, index: int, privileges: Mapping[str, Privilege]) -> ToolSpec:
    schema: Mapping[str, Any] = tool if isinstance(tool, Mapping) else tool.schema
    name = schema.get("name")
    if not isinstance(name, str):
        raise BadRequest(f"tools[{index}]: a tool schema needs a string 'name'")
    function = {
        "name": name,
        "description": schema.get("description") or "",
        "parameters": schema.get("parameters") or {"type": "object", "properties": {}},
    }
    try:
        return ToolSpec.from_openai(
            {"type": "function", "function": function},
            privilege=privileges.get(name, Privilege.SAFE),
        )
    except ValidationError as exc:
        raise BadRequest(f"tools[{index}] ({name!r}): {explain(exc)}") from None
    except ValueError as exc:
        raise BadRequest(f"tools[{index}] ({name!r}): {exc}") from None


def tool_choice_name(choice: AutoGenToolChoice) -> str:
    """AutoGen's ``tool_choice`` as FMOS's: a literal as is, a ``Tool`` by its name."""
    if isinstance(choice, str):
        return choice
    return choice.name
