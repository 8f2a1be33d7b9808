"""FMOS ``Response``s to AutoGen ``CreateResult``s."""

from __future__ import annotations

import json
from typing import Any

from autogen_core import FunctionCall
from autogen_core.models import (
    ChatCompletionTokenLogprob,
    CreateResult,
    FinishReasons,
    RequestUsage,
)
from pydantic import Field

from fmos_core.contract import Response

_FINISH: dict[str, FinishReasons] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "function_calls",
    "function_call": "function_calls",
    "content_filter": "content_filter",
}


class FMOSCreateResult(CreateResult):
    """A ``CreateResult`` that also carries FMOS's metadata for the call.

    ``fmos_metadata`` is ``Response.fmos_metadata()``: trace id, VFM, pFM and version,
    finish reason, traps, provenance and usage (with cost).

    Example:
        >>> from autogen_core.models import RequestUsage
        >>> r = FMOSCreateResult(finish_reason="stop", content="hi", cached=False,
        ...     usage=RequestUsage(prompt_tokens=3, completion_tokens=1),
        ...     fmos_metadata={"trace_id": "t1"})
        >>> r.fmos_metadata["trace_id"], isinstance(r, CreateResult)
        ('t1', True)
    """

    fmos_metadata: dict[str, Any] = Field(default_factory=dict)


def to_create_result(response: Response) -> FMOSCreateResult:
    """The AutoGen view of ``response``: tool calls as ``FunctionCall``s with JSON arguments."""
    content: str | list[FunctionCall]
    thought: str | None = None
    if response.tool_calls:
        content = [
            FunctionCall(id=call.id, name=call.name, arguments=json.dumps(call.arguments))
            for call in response.tool_calls
        ]
        thought = response.text or None
        finish: FinishReasons = "function_calls"
    else:
        content = response.text
        finish = _FINISH.get(response.finish_reason, "unknown")
    logprobs = None
    if response.logprobs is not None:
        # FMOS keeps one log-probability per output token but not the token text
        logprobs = [ChatCompletionTokenLogprob(token="", logprob=lp) for lp in response.logprobs]
    return FMOSCreateResult(
        finish_reason=finish,
        content=content,
        usage=usage_of(response),
        cached=response.usage.cached,
        logprobs=logprobs,
        thought=thought,
        fmos_metadata=response.fmos_metadata(),
    )


def usage_of(response: Response) -> RequestUsage:
    return RequestUsage(
        prompt_tokens=response.usage.input_tokens,
        completion_tokens=response.usage.output_tokens,
    )


def add_usage(a: RequestUsage, b: RequestUsage) -> RequestUsage:
    return RequestUsage(
        prompt_tokens=a.prompt_tokens + b.prompt_tokens,
        completion_tokens=a.completion_tokens + b.completion_tokens,
    )
