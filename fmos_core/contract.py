"""The VFM contract: the types every application, adapter and driver speaks.

Example:
    >>> from fmos_core.contract import Message, Request
    >>> req = Request(messages=[Message(role="user", content="hi")], max_tokens=16)
    >>> req.identity.tenant
    'default'
"""

from __future__ import annotations

import json
import re
from enum import IntEnum
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["system", "user", "assistant", "tool"]
MessageKind = Literal["text", "thought", "observation", "skill", "summary", "page"]
ReasoningLevel = Literal["off", "low", "medium", "high"]
# what a request may ask for: a named level, a thinking-token budget (0 = off), or "auto"
# (the VFM picks: its tuned level for the request's tag, else its configured default)
ReasoningSetting = ReasoningLevel | Literal["auto"] | int


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Privilege(IntEnum):
    """How much harm a tool can do; callers hold a clearance on the same scale.

    Example:
        >>> Privilege.WRITE > Privilege.READ
        True
    """

    SAFE = 0
    READ = 1
    WRITE = 2
    ADMIN = 3

    @classmethod
    def parse(cls, value: int | str | Privilege) -> Privilege:
        if isinstance(value, str):
            try:
                return cls[value.upper()]
            except KeyError:
                names = ", ".join(p.name.lower() for p in cls)
                raise ValueError(f"unknown privilege {value!r}; use one of {names}") from None
        return cls(value)


class ToolCall(_Strict):
    """A model's request to call a tool, with JSON-decoded arguments.

    Example:
        >>> ToolCall(id="call_1", name="add", arguments={"a": 1}).name
        'add'
    """

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Message(_Strict):
    r"""One chat message. ``kind`` lets context policies tell messages apart.

    ``content`` is Unicode text: bytes that were not valid UTF-8 and arrive as lone
    surrogates (Python's ``surrogateescape``) become U+FFFD, so every message can be
    encoded, counted, stored and sent. Binary data belongs in the agent filesystem.

    Example:
        >>> Message(role="tool", content="42", tool_call_id="call_1").kind
        'text'
        >>> Message(role="user", content=b"ok\xff".decode("utf-8", "surrogateescape")).content
        'ok�'
    """

    role: Role
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None
    kind: MessageKind = "text"

    @field_validator("content")
    @classmethod
    def _unicode_text(cls, value: str) -> str:
        if value.isascii():
            return value
        return _LONE_SURROGATE.sub("\ufffd", value)

    @model_validator(mode="after")
    def _check_shape(self) -> Message:
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a message with role 'tool' needs tool_call_id (the call it answers)")
        if self.tool_calls and self.role != "assistant":
            raise ValueError("only an 'assistant' message may carry tool_calls")
        return self


class ToolSpec(_Strict):
    """A tool the model may call: JSON-Schema parameters and a privilege level.

    Example:
        >>> spec = ToolSpec(name="add", parameters={"type": "object",
        ...     "properties": {"a": {"type": "integer"}}})
        >>> spec.privilege
        <Privilege.SAFE: 0>
    """

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    privilege: Privilege = Privilege.SAFE

    @field_validator("privilege", mode="before")
    @classmethod
    def _parse_privilege(cls, value: Any) -> Privilege:
        return Privilege.parse(value)

    @classmethod
    def from_openai(cls, tool: dict[str, Any], *, privilege: int | str = 0) -> ToolSpec:
        """A spec from the OpenAI function-tool shape every harness can produce.

        Example:
            >>> ToolSpec.from_openai({"type": "function", "function": {"name": "f",
            ...     "parameters": {"type": "object", "properties": {}}}}).name
            'f'
        """
        function = tool.get("function", tool)
        if not isinstance(function, dict) or "name" not in function:
            raise ValueError(f"a tool needs a 'function' with a 'name', got keys {sorted(tool)}")
        return cls(
            name=function["name"],
            description=function.get("description") or "",
            parameters=function.get("parameters") or {"type": "object", "properties": {}},
            privilege=Privilege.parse(privilege),
        )

    @field_validator("parameters")
    @classmethod
    def _check_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_json_schema(value, what="tool parameters")
        if value.get("type") != "object":
            raise ValueError('tool parameters must be a JSON Schema with "type": "object"')
        return value


def check_json_schema(schema: dict[str, Any], *, what: str) -> None:
    """Raise ``ValueError`` naming the bad part when ``schema`` is not valid JSON Schema."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        raise ValueError(f"{what} is not valid JSON Schema at {where}: {exc.message}") from None


class Sampling(_Strict):
    """Sampling parameters passed through to the pFM."""

    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    seed: int | None = None
    stop: list[str] = Field(default_factory=list)


class Identity(_Strict):
    """Who is calling: tenant, app within the tenant, session within the app."""

    tenant: str = "default"
    app: str = "default"
    session: str = "default"


ToolChoice = Literal["auto", "none", "required"] | str


class Request(_Strict):
    """A call to a VFM. ``tool_choice`` may also name one tool.

    Example:
        >>> Request(messages=[{"role": "user", "content": "hi"}]).max_tokens
        256
    """

    messages: list[Message] = Field(min_length=1)
    tools: list[ToolSpec] = Field(default_factory=list)
    tool_choice: ToolChoice = "auto"
    response_schema: dict[str, Any] | None = None
    sampling: Sampling = Field(default_factory=Sampling)
    max_tokens: int = Field(default=256, ge=1, le=1_000_000)
    reasoning_level: ReasoningSetting = "auto"  # auto: the VFM decides ([vfms.X.reasoning])
    identity: Identity = Field(default_factory=Identity)
    tags: list[str] = Field(default_factory=list)
    logprobs: bool = False
    timeout_s: float | None = Field(default=None, gt=0)  # per attempt; overrides the VFM's

    @field_validator("reasoning_level", mode="before")
    @classmethod
    def _check_reasoning_level(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError('use off/low/medium/high, "auto" or a token budget, not a bool')
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, int):
            if value < 0:
                raise ValueError(f"a reasoning token budget must be >= 0 (0 = off), got {value}")
            return "off" if value == 0 else value
        return value

    @field_validator("response_schema")
    @classmethod
    def _check_response_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            check_json_schema(value, what="response_schema")
        return value

    @model_validator(mode="after")
    def _check_tool_choice(self) -> Request:
        if self.tool_choice in ("auto", "none"):
            return self
        if not self.tools:
            raise ValueError(f"tool_choice={self.tool_choice!r} but the request has no tools")
        names = {t.name for t in self.tools}
        if self.tool_choice != "required" and self.tool_choice not in names:
            raise ValueError(
                f"tool_choice names {self.tool_choice!r}, which is not among the tools "
                f"({', '.join(sorted(names))})"
            )
        if self.response_schema is not None:
            raise ValueError("use either tools with tool_choice or response_schema, not both")
        return self


class Usage(_Strict):
    """Tokens and cost of one call. ``cost`` is in USD, from the pFM's profile."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    cost: float = 0.0
    cached: bool = False

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


TrapKind = Literal["knowledge", "model", "trust", "budget"]


class TrapRecord(_Strict):
    """A trap as it appears in a response and in the trace: what fired and what it did."""

    type: TrapKind
    reason: str
    action: str


class Provenance(_Strict):
    """What shaped a response: policies, prompt versions, memory handles."""

    policies: list[str] = Field(default_factory=list)
    prompt_versions: dict[str, str] = Field(default_factory=dict)
    memory_handles: list[str] = Field(default_factory=list)


class Response(_Strict):
    """What a VFM returns.

    Example:
        >>> r = Response(message=Message(role="assistant", content="hi"), vfm="default",
        ...              pfm="smol", trace_id="t1")
        >>> r.text
        'hi'
    """

    message: Message
    usage: Usage = Field(default_factory=Usage)
    vfm: str
    pfm: str
    pfm_version: str = ""
    trace_id: str
    finish_reason: str = "stop"
    provenance: Provenance = Field(default_factory=Provenance)
    traps: list[TrapRecord] = Field(default_factory=list)
    logprobs: list[float] | None = None

    @property
    def text(self) -> str:
        return self.message.content

    @property
    def tool_calls(self) -> list[ToolCall]:
        return self.message.tool_calls

    def parsed(self) -> Any:
        """The content decoded as JSON (for structured output)."""
        return json.loads(self.message.content)

    def fmos_metadata(self) -> dict[str, Any]:
        """What adapters put in their harness's response metadata (JSON-safe)."""
        return {
            "trace_id": self.trace_id,
            "vfm": self.vfm,
            "pfm": self.pfm,
            "pfm_version": self.pfm_version,
            "finish_reason": self.finish_reason,
            "traps": [t.model_dump() for t in self.traps],
            "provenance": self.provenance.model_dump(),
            "usage": self.usage.model_dump(),
        }


class StreamEvent(_Strict):
    """One item of a stream: text delta, a completed tool call, or the final response."""

    delta: str = ""
    tool_call: ToolCall | None = None
    response: Response | None = None
