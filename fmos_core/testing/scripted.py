"""Test doubles that ship with FMOS, for unit tests of the pipeline.

``ScriptedBackend`` answers from a script and fails loudly on an unexpected or an
unconsumed step. It is a double for pipeline tests, never proof a model works.

Example:
    >>> import asyncio
    >>> from fmos_core.contract import Message, Request
    >>> backend = ScriptedBackend(["hi there"])
    >>> req = Request(messages=[Message(role="user", content="hello")])
    >>> asyncio.run(backend.complete(req)).content
    'hi there'
    >>> backend.assert_consumed()
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

from fmos_core.backends import Backend, Completion
from fmos_core.contract import Request, ToolCall
from fmos_core.errors import BackendError
from fmos_core.profiles import CapabilityProfile

Step = str | ToolCall | Completion | BackendError | Callable[[Request], Completion]


class ScriptedOptions(BaseModel):
    """Options of the ``scripted`` driver: fixed replies, repeated forever."""

    model_config = ConfigDict(extra="forbid")
    replies: list[str] = ["ok"]
    output_tokens: int | None = None


class ScriptedBackend(Backend):
    """Answers each call with the next scripted step.

    A step is a reply string, a ``ToolCall``, a full ``Completion``, an error to
    raise, or a callable ``(request) -> Completion``. With ``repeat=True`` the
    script loops forever (for load tests); otherwise running past its end fails.
    """

    Options = ScriptedOptions

    def __init__(
        self,
        script: list[Step] | ScriptedOptions,
        *,
        repeat: bool = False,
        profile: CapabilityProfile | None = None,
        output_tokens: int | None = None,
    ) -> None:
        if isinstance(script, ScriptedOptions):
            output_tokens = script.output_tokens
            steps: list[Step] = list(script.replies)
            repeat = True
        else:
            steps = list(script)
        self._steps = steps
        self._repeat = repeat
        self._next = 0
        self._lock = threading.Lock()
        self._output_tokens = output_tokens
        self.profile = profile or CapabilityProfile(context_window=2048)
        self.version = "scripted-1"
        self.requests: list[Request] = []

    async def complete(self, request: Request) -> Completion:
        with self._lock:
            self.requests.append(request)
            if self._next >= len(self._steps):
                if not self._repeat:
                    raise AssertionError(
                        f"ScriptedBackend got call #{self._next + 1} but has only "
                        f"{len(self._steps)} steps"
                    )
                self._next = 0
            step = self._steps[self._next]
            self._next += 1
        return self._play(step, request)

    def _play(self, step: Step, request: Request) -> Completion:
        input_tokens = self.count_tokens(request)
        if isinstance(step, BackendError):
            raise step
        if isinstance(step, Completion):
            return step
        if isinstance(step, ToolCall):
            return Completion(
                tool_calls=[step],
                finish_reason="tool_calls",
                input_tokens=input_tokens,
                output_tokens=self._output_tokens or 8,
                model_version=self.version,
            )
        if callable(step):
            return step(request)
        output = self._output_tokens or max(1, len(step.split()))
        return Completion(
            content=step,
            input_tokens=input_tokens,
            output_tokens=min(output, request.max_tokens),
            model_version=self.version,
        )

    def assert_consumed(self) -> None:
        """Fail if scripted steps were left unplayed."""
        if not self._repeat and self._next != len(self._steps):
            raise AssertionError(f"ScriptedBackend played {self._next} of {len(self._steps)} steps")


def tool_call(name: str, **arguments: Any) -> ToolCall:
    """A ``ToolCall`` step for scripts: ``tool_call("add", a=1, b=2)``."""
    return ToolCall(id=f"call_{name}", name=name, arguments=arguments)
