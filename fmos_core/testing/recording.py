"""A pFM wrapper that records every request it is sent, for tests of what reaches a model.

Example:
    >>> import asyncio
    >>> from fmos_core.contract import Request
    >>> from fmos_core.testing.scripted import ScriptedBackend
    >>> recording = RecordingBackend(ScriptedBackend(["ok"]))
    >>> _ = asyncio.run(recording.complete(Request(messages=[{"role": "user", "content": "hi"}])))
    >>> [m.content for m in recording.requests[0].messages]
    ['hi']
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from pydantic import BaseModel

from fmos_core.backends import Backend, Chunk, Completion
from fmos_core.contract import Request


class RecordingBackend(Backend):
    """Delegates to ``inner`` (a real pFM or a double) and keeps each request it sees."""

    Options = BaseModel

    def __init__(self, inner: Any) -> None:
        self.inner: Backend = inner
        self.profile = inner.profile
        self.version = inner.version
        self.pfm = inner.pfm
        self.requests: list[Request] = []

    async def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        return await self.inner.complete(request)

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        self.requests.append(request)
        async for chunk in self.inner.stream(request):
            yield chunk

    def count_tokens(self, request: Request) -> int:
        return self.inner.count_tokens(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
