"""Tool calls and JSON output through grammar-constrained decoding.

The tools are described in the system message and the output is constrained by a
grammar compiled from one JSON Schema, so even a 135M model emits valid JSON::

    {"anyOf": [{"tool": <name>, "arguments": <parameters>}, ...,   # one per tool
               {"answer": <string>}]}                                # tool_choice="auto"

``tool_choice="required"`` keeps only the tool branches; a tool name keeps only its own.
With ``tool_choice="auto"`` and a ``response_schema``, the answer must match that schema.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from llama_cpp import LlamaGrammar

from fmos_core.contract import Request, ToolCall, ToolSpec
from fmos_core.errors import BadRequest

_LOCAL_REF = re.compile(r"^#/(\$defs|definitions)/([^/]+)(.*)$")


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """How one request's output is shaped: free text, a tool call, or schema JSON."""

    mode: Literal["text", "tools", "json"]
    schema: dict[str, Any] | None = None
    instructions: str | None = None
    json_answer: bool = False  # tools mode: the answer branch holds schema JSON, not text


def plan_output(request: Request) -> OutputPlan:
    """The constraint for ``request``: tools win (unless ``tool_choice="none"``), then schema."""
    if request.tools and request.tool_choice != "none":
        return _plan_tools(request.tools, request.tool_choice, request.response_schema)
    if request.response_schema is not None:
        text = "Reply only with JSON that matches this JSON Schema: " + json.dumps(
            request.response_schema
        )
        return OutputPlan("json", request.response_schema, text)
    return OutputPlan("text")


def compile_grammar(schema: dict[str, Any]) -> LlamaGrammar:
    """A llama.cpp grammar accepting exactly the JSON documents ``schema`` describes."""
    try:
        return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
    except Exception as exc:  # the converter validates with asserts and KeyErrors
        raise BadRequest(
            "the JSON Schema cannot be compiled to a llama.cpp grammar "
            f"({type(exc).__name__}: {exc}); simplify it (plain types, properties, "
            "enum, anyOf, local $refs)"
        ) from None


def decode_tool_reply(text: str, *, json_answer: bool = False) -> tuple[str, list[ToolCall]] | None:
    """``(content, tool_calls)`` from grammar output, or None when it is not complete JSON.

    The answer branch gives the answer text, or its JSON text when ``json_answer``.

    Example:
        >>> content, calls = decode_tool_reply('{"tool": "add", "arguments": {"a": 1}}')
        >>> (content, calls[0].name, calls[0].arguments)
        ('', 'add', {'a': 1})
        >>> decode_tool_reply('{"answer": "hi"}')
        ('hi', [])
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("tool"), str) and isinstance(data.get("arguments"), dict):
        call = ToolCall(
            id=f"call_{uuid.uuid4().hex[:12]}", name=data["tool"], arguments=data["arguments"]
        )
        return "", [call]
    if json_answer and "answer" in data:
        return json.dumps(data["answer"]), []
    if isinstance(data.get("answer"), str):
        return data["answer"], []
    return None


def _plan_tools(
    tools: list[ToolSpec], tool_choice: str, answer_schema: dict[str, Any] | None
) -> OutputPlan:
    allowed = (
        tools
        if tool_choice in ("auto", "required")
        else [t for t in tools if t.name == tool_choice]
    )
    defs: dict[str, Any] = {}
    branches: list[dict[str, Any]] = []
    for index, tool in enumerate(allowed):
        params = _hoist_defs(tool.parameters, f"t{index}_", defs)
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": tool.name}, "arguments": params},
                "required": ["tool", "arguments"],
            }
        )
    lines = ["You can call these tools:"]
    for tool in allowed:
        about = f" {tool.description.strip()}" if tool.description.strip() else ""
        lines.append(
            f"- {tool.name}:{about} Arguments (JSON Schema): {json.dumps(tool.parameters)}"
        )
    call_shape = '{"tool": "<tool name>", "arguments": {...}}'
    if tool_choice == "auto":
        answer = _hoist_defs(answer_schema, "answer_", defs) if answer_schema else None
        branches.append(
            {
                "type": "object",
                "properties": {"answer": answer or {"type": "string"}},
                "required": ["answer"],
            }
        )
        answer_shape = (
            f"<JSON matching {json.dumps(answer_schema)}>" if answer_schema else '"<your answer>"'
        )
        lines.append(
            f"To call a tool, reply with JSON {call_shape}. "
            f'To answer without a tool, reply with JSON {{"answer": {answer_shape}}}.'
        )
    else:
        lines.append(f"Call a tool: reply with JSON {call_shape}.")
    schema: dict[str, Any] = {"anyOf": branches}
    if defs:
        schema["$defs"] = defs
    json_answer = tool_choice == "auto" and answer_schema is not None
    return OutputPlan("tools", schema, "\n".join(lines), json_answer)


def _hoist_defs(params: dict[str, Any], prefix: str, defs: dict[str, Any]) -> dict[str, Any]:
    """``params`` with its local ``$defs`` moved into ``defs`` under ``prefix`` names.

    Tool schemas are nested inside one grammar schema, so their ``#/$defs/...`` refs
    must point at the outer root.
    """
    local = {**params.get("definitions", {}), **params.get("$defs", {})}
    if not local:
        return params

    def rewrite(node: Any) -> Any:
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: rewrite(value) for key, value in node.items()}
        ref = node.get("$ref")
        if isinstance(ref, str) and (match := _LOCAL_REF.match(ref)):
            out["$ref"] = f"#/$defs/{prefix}{match.group(2)}{match.group(3)}"
        return out

    for name, body in local.items():
        defs[f"{prefix}{name}"] = rewrite(body)
    return rewrite({k: v for k, v in params.items() if k not in ("$defs", "definitions")})
