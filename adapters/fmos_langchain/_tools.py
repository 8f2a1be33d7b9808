"""LangChain tools (BaseTool, functions, pydantic models, dicts) to FMOS ``ToolSpec``s."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from fmos_core.config import explain
from fmos_core.contract import ToolSpec
from fmos_core.errors import BadRequest

#: the key of ``BaseTool.metadata`` that carries a tool's FMOS privilege
PRIVILEGE_KEY = "fmos_privilege"

ToolLike = Mapping[str, Any] | type | Callable[..., Any] | BaseTool


def tool_name(tool: ToolLike) -> str:
    """The name LangChain gives ``tool`` (the function name of its OpenAI form)."""
    return str(convert_to_openai_tool(tool)["function"]["name"])


def privilege_of(tool: ToolLike, privileges: Mapping[str, int | str]) -> int | str:
    """``tool.metadata["fmos_privilege"]`` if set, else ``privileges[name]``, else safe."""
    if isinstance(tool, BaseTool) and tool.metadata and PRIVILEGE_KEY in tool.metadata:
        return tool.metadata[PRIVILEGE_KEY]
    return privileges.get(tool_name(tool), 0)


def to_spec(tool: ToolLike, privileges: Mapping[str, int | str]) -> ToolSpec:
    """The FMOS spec of a LangChain tool; a schema FMOS rejects names the wrong field.

    Example:
        >>> def add(a: int, b: int) -> int:
        ...     '''Add two integers.'''
        ...     return a + b
        >>> spec = to_spec(add, {"add": "write"})
        >>> spec.name, spec.privilege.name, sorted(spec.parameters["properties"])
        ('add', 'WRITE', ['a', 'b'])
    """
    try:
        openai_tool = convert_to_openai_tool(tool)
    except (ValueError, TypeError) as exc:
        raise BadRequest(f"LangChain cannot convert the tool {tool!r}: {exc}") from None
    name = openai_tool.get("function", {}).get("name", "?")
    try:
        return ToolSpec.from_openai(openai_tool, privilege=privilege_of(tool, privileges))
    except ValidationError as exc:
        raise BadRequest(f"tool {name!r} is not acceptable to FMOS: {explain(exc)}") from None
    except ValueError as exc:
        raise BadRequest(f"tool {name!r} is not acceptable to FMOS: {exc}") from None


def to_specs(tools: Sequence[ToolLike], privileges: Mapping[str, int | str]) -> list[ToolSpec]:
    return [to_spec(t, privileges) for t in tools]


def to_tool_choice(choice: Any, specs: Sequence[ToolSpec]) -> str:
    """LangChain's ``tool_choice`` as the contract's: auto, none, required or a tool name.

    Example:
        >>> to_tool_choice("any", []), to_tool_choice(None, [])
        ('required', 'auto')
    """
    if choice is None or choice == "auto":
        return "auto"
    if choice is False or choice == "none":
        return "none"
    if choice is True or choice in ("any", "required"):
        return "required"
    if isinstance(choice, dict):
        function = choice.get("function", choice)
        choice = function.get("name") if isinstance(function, dict) else None
    names = {s.name for s in specs}
    if isinstance(choice, str) and choice in names:
        return choice
    raise BadRequest(
        f"tool_choice={choice!r} is not understood: use 'auto', 'none', 'any', 'required', "
        f"True, or one of the bound tools' names ({', '.join(sorted(names)) or 'none bound'})"
    )
