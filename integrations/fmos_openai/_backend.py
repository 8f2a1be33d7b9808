"""``OpenAIBackend``: any OpenAI-compatible chat-completions server as a pFM."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncGenerator
from contextlib import AbstractContextManager
from typing import Any

import openai

from fmos_core.backends import Backend, Chunk, Completion
from fmos_core.contract import Request
from fmos_core.reasoning import prepare
from fmos_openai._errors import translated
from fmos_openai._options import OpenAIOptions
from fmos_openai._wire import (
    StreamAssembler,
    completion_from_wire,
    merged,
    reasoning_to_wire,
    request_body,
)

_log = logging.getLogger("fmos_openai")


class OpenAIBackend(Backend):
    """A pFM behind an OpenAI-compatible server: OpenAI, vLLM, Ollama, llama.cpp, ...

    The wire format (chat completions) is fixed; the provider is the options:
    base URL, key and model. The SDK's retries are off by default because FMOS
    retries and falls back by itself.

    Example:
        >>> backend = OpenAIBackend.from_options(
        ...     {"base_url": "http://127.0.0.1:8000/v1", "model": "smollm2",
        ...      "context_window": 2048}, pfm="local")
        >>> backend.pfm, backend.profile.context_window, backend.profile.logprobs
        ('local', 2048, True)
        >>> import asyncio; asyncio.run(backend.aclose())
    """

    Options = OpenAIOptions

    def __init__(self, options: OpenAIOptions, *, pfm: str = "openai") -> None:
        self.options = options
        self.pfm = pfm
        self.profile = options.profile()
        self.version = options.model
        # An async HTTP client belongs to the event loop it first ran on, so each loop
        # that calls this pFM (FMOS's own for sync calls, the caller's for async ones)
        # gets its own client; a client dies with its loop.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, openai.AsyncOpenAI]
        self._clients = weakref.WeakKeyDictionary()

    @property
    def _client(self) -> openai.AsyncOpenAI:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = openai.AsyncOpenAI(
                base_url=self.options.base_url,
                api_key=self.options.resolved_key(),
                timeout=self.options.timeout,
                max_retries=self.options.max_retries,
            )
            self._clients[loop] = client
        return client

    async def complete(self, request: Request) -> Completion:
        """One non-streaming chat completion."""
        body = self._body(request)
        with self._translated():
            response = await self._client.chat.completions.create(**body)
        return completion_from_wire(response, pfm=self.pfm)

    async def stream(self, request: Request) -> AsyncGenerator[Chunk, None]:
        """Text deltas as they arrive; the last chunk carries the whole ``Completion``."""
        body = self._body(request)
        assembler = StreamAssembler(pfm=self.pfm)
        with self._translated():
            chunks = await self._client.chat.completions.create(
                **body, stream=True, stream_options={"include_usage": True}
            )
            async with chunks:
                async for chunk in chunks:
                    delta = assembler.feed(chunk)
                    if delta:
                        yield Chunk(delta=delta)
        if assembler.usage is None:
            _log.info("pfm %r sent no usage in its stream; token counts are left at 0", self.pfm)
        yield Chunk(completion=assembler.result())

    async def aclose(self) -> None:
        """Close the HTTP clients: this loop's now, other live loops' on their loop."""
        current = asyncio.get_running_loop()
        clients, self._clients = dict(self._clients), weakref.WeakKeyDictionary()
        for loop, client in clients.items():
            if loop is current:
                await client.close()
            elif loop.is_running():
                asyncio.run_coroutine_threadsafe(client.close(), loop)

    def _body(self, request: Request) -> dict[str, Any]:
        request, reasoning = prepare(request, self.profile, pfm=self.pfm)
        body = request_body(request, structured_output=self.options.structured_output)
        body["model"] = self.options.model
        fields, extra = reasoning_to_wire(
            reasoning, budget_field=self.options.thinking_budget_field
        )
        body.update(fields)
        extra_body = merged(self.options.extra_body, extra)
        if extra_body:
            body["extra_body"] = extra_body
        return body

    def _translated(self) -> AbstractContextManager[None]:
        return translated(
            pfm=self.pfm, base_url=self.options.base_url, timeout=self.options.timeout
        )
