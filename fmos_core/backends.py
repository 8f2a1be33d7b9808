"""The driver interface: what a physical model (pFM) must implement.

A driver is one class with one required coroutine, ``complete``; streaming has a
default (one chunk from ``complete``) that drivers override. Drivers are found by
name through the ``fmos.backends`` entry-point group (see ``registry``).

Example:
    >>> from fmos_core.testing import ScriptedBackend
    >>> backend = ScriptedBackend(["hello"])
    >>> backend.profile.context_window
    2048
"""

from __future__ import annotations

import abc
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from fmos_core.config import explain
from fmos_core.contract import Request, ToolCall
from fmos_core.errors import ConfigError
from fmos_core.profiles import CapabilityProfile


@dataclass(slots=True)
class Completion:
    """What a driver returns: the assistant's output and the pFM's own accounting."""

    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str = "stop"
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    logprobs: list[float] | None = None
    model_version: str = ""
    usage_reported: bool = True  # False: the pFM sent no token counts (e.g. some streams)


@dataclass(slots=True)
class Chunk:
    """One streamed piece: a text delta, or (last) the whole ``Completion``."""

    delta: str = ""
    completion: Completion | None = None


class Backend(abc.ABC):
    """A physical foundation model. Subclasses implement ``complete``.

    ``Options`` is the driver's strict settings model (unknown keys are errors);
    ``from_options`` builds a backend from the ``[pfms.NAME.options]`` table.
    """

    Options: ClassVar[type[BaseModel]]
    default_profile: ClassVar[CapabilityProfile] = CapabilityProfile()

    profile: CapabilityProfile
    version: str = ""
    pfm: str = ""  # the configured pFM name, set by ``from_options``; errors carry it

    @classmethod
    def from_options(cls, options: dict[str, Any], *, pfm: str) -> Backend:
        """Validate ``options`` with ``cls.Options`` and build the backend."""
        try:
            parsed = cls.Options.model_validate(options)
        except ValidationError as exc:
            raise ConfigError(f"[pfms.{pfm}.options]: {explain(exc)}") from None
        backend = cls(parsed)
        backend.pfm = pfm
        return backend

    @abc.abstractmethod
    def __init__(self, options: Any) -> None: ...

    @abc.abstractmethod
    async def complete(self, request: Request) -> Completion:
        """Run one non-streaming call. Raise ``BackendError`` subclasses on failure."""

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        """Stream a call; the last chunk carries the ``Completion``."""
        completion = await self.complete(request)
        if completion.content:
            yield Chunk(delta=completion.content)
        yield Chunk(completion=completion)

    def count_tokens(self, request: Request) -> int:
        """Prompt tokens of ``request`` (messages, tool and schema instructions).

        Drivers with a tokenizer override this. The default over-estimates (two
        UTF-8 bytes a token plus a per-message overhead) so reservations never fall short.
        """
        tokens = sum(len(m.content.encode()) // 2 + 8 for m in request.messages)
        if request.tools:
            tokens += len(json.dumps([t.model_dump(mode="json") for t in request.tools])) // 2
        if request.response_schema is not None:
            tokens += len(json.dumps(request.response_schema)) // 2
        return tokens

    async def aclose(self) -> None:  # noqa: B027  (optional hook, a no-op by default)
        """Release resources (clients, model memory)."""
