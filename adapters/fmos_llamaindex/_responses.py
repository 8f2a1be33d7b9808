"""FMOS ``Response``/``StreamEvent`` → LlamaIndex ``ChatResponse``/``CompletionResponse``.

``additional_kwargs`` of every response carries ``"fmos"`` (``Response.fmos_metadata()``:
trace id, pFM, traps, provenance, usage) and the usual ``prompt_tokens`` /
``completion_tokens`` / ``total_tokens``; ``raw`` is the whole FMOS response as a dict.
While a stream runs, those appear on its last item only.

Example:
    >>> from fmos_core import Message, Response
    >>> reply = Response(message=Message(role="assistant", content="hi"), vfm="default",
    ...                  pfm="smol", trace_id="t1")
    >>> chat = to_chat_response(reply)
    >>> chat.message.content, chat.additional_kwargs["fmos"]["trace_id"]
    ('hi', 't1')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    MessageRole,
    TextBlock,
)

from fmos_core import Response, StreamEvent, ToolCall
from fmos_llamaindex._messages import openai_tool_calls, to_chat_message, tool_call_blocks


def response_kwargs(response: Response) -> dict[str, Any]:
    """The ``additional_kwargs`` of a finished response: FMOS metadata and token counts."""
    usage = response.usage
    return {
        "fmos": response.fmos_metadata(),
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }


def to_chat_response(response: Response) -> ChatResponse:
    """A ``ChatResponse`` for a finished FMOS response."""
    return ChatResponse(
        message=to_chat_message(response.message),
        raw=response.model_dump(mode="json"),
        additional_kwargs=response_kwargs(response),
    )


def to_completion_response(response: Response) -> CompletionResponse:
    """A ``CompletionResponse`` (text only) for a finished FMOS response."""
    extra = response_kwargs(response)
    if response.tool_calls:
        extra["tool_calls"] = openai_tool_calls(response.tool_calls)
    return CompletionResponse(
        text=response.text, raw=response.model_dump(mode="json"), additional_kwargs=extra
    )


@dataclass
class StreamState:
    """Accumulates a stream: each event becomes the next cumulative ``ChatResponse``."""

    text: str = ""
    calls: list[ToolCall] = field(default_factory=list)

    def chat(self, event: StreamEvent) -> ChatResponse:
        self.text += event.delta
        if event.tool_call is not None:
            self.calls.append(event.tool_call)
        if event.response is not None:
            final = to_chat_response(event.response)
            final.delta = event.delta
            return final
        extra: dict[str, Any] = {}
        if self.calls:
            extra["tool_calls"] = openai_tool_calls(self.calls)
        message = ChatMessage(
            role=MessageRole.ASSISTANT,
            blocks=[TextBlock(text=self.text), *tool_call_blocks(self.calls)],
            additional_kwargs=extra,
        )
        return ChatResponse(message=message, delta=event.delta)

    def completion(self, event: StreamEvent) -> CompletionResponse:
        self.text += event.delta
        if event.response is not None:
            final = to_completion_response(event.response)
            final.delta = event.delta
            return final
        return CompletionResponse(text=self.text, delta=event.delta)
