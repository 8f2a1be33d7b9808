"""The virtual foundation model: the one interface applications program against.

Example:
    >>> from fmos_core import FMOS, Config
    >>> from fmos_core.testing import ScriptedBackend
    >>> cfg = Config.parse({"pfms": {"s": {"driver": "scripted"}},
    ...                     "vfms": {"default": {"pfms": ["s"]}}, "state": {"enabled": False}})
    >>> with FMOS(cfg, backends={"s": ScriptedBackend(["hello"])}) as fmos:
    ...     fmos.vfm().invoke("hi").text
    'hello'
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from fmos_core.config import VFMConfig, explain
from fmos_core.contract import Message, Request, Response, StreamEvent
from fmos_core.errors import ApprovalDenied, ApprovalRequired, BadRequest, RunError

if TYPE_CHECKING:
    from fmos_core.kernel import FMOS

Messages = str | Sequence[Message | dict[str, Any]] | Request


class VFM:
    """A named virtual model. ``invoke``/``stream`` are façades over ``ainvoke``/``astream``.

    Keyword arguments become ``Request`` fields: ``tools``, ``tool_choice``,
    ``response_schema``, ``max_tokens``, ``reasoning_level``, ``tags``, ``logprobs``,
    identity (``tenant``, ``app``, ``session``) and sampling (``temperature``,
    ``top_p``, ``seed``, ``stop``).
    """

    def __init__(self, kernel: FMOS, name: str, config: VFMConfig) -> None:
        self._kernel = kernel
        self.name = name
        self.config = config

    async def ainvoke(self, messages: Messages, **options: Any) -> Response:
        request = build_request(messages, options)
        return await self._kernel.pipeline.run(self._kernel.new_call(self, request))

    def invoke(self, messages: Messages, **options: Any) -> Response:
        return self._kernel.loop.run(self.ainvoke(messages, **options))

    async def astream(
        self, messages: Messages, **options: Any
    ) -> AsyncGenerator[StreamEvent, None]:
        request = build_request(messages, options)
        stream = self._kernel.pipeline.stream(self._kernel.new_call(self, request))
        async with aclosing(stream):  # a caller who stops early settles the call now
            async for event in stream:
                yield event

    def stream(self, messages: Messages, **options: Any) -> Iterator[StreamEvent]:
        return self._kernel.loop.iterate(self.astream(messages, **options))

    def resume(self, approval_id: str, *, tenant: str = "default") -> Response:
        """The response a pending approval held back, once a human approved it."""
        self._kernel.approvals.expire()  # a lapsed approval fails closed
        approval = self._kernel.approvals.get(approval_id)
        if approval.tenant != tenant or approval.vfm != self.name:
            raise BadRequest(
                f"approval {approval_id!r} belongs to another tenant or VFM; "
                "resume it with the identity that raised it"
            )
        if approval.status in ("denied", "expired"):
            raise ApprovalDenied(
                f"approval {approval_id} was {approval.status} by {approval.decided_by}"
                + (f": {approval.reason}" if approval.reason else ""),
                approval_id=approval_id,
                trace_id=approval.trace_id,
            )
        if approval.status == "consumed":
            raise BadRequest(
                f"approval {approval_id} was already used: the tool call it approved has run; "
                "to run it again, ask again and approve the new approval"
            )
        if approval.status != "approved":
            raise ApprovalRequired(
                f"approval {approval_id} is still pending: "
                f"`fmos approvals approve {approval_id}`, then resume",
                approval_id=approval_id,
                trace_id=approval.trace_id,
            )
        if not approval.response:
            raise BadRequest(
                f"approval {approval_id} holds no model response to resume: it was raised by "
                "the tool gate (a harness running the tool itself); run that tool call again "
                "and the approval lets it through once"
            )
        try:
            return Response.model_validate(approval.response)
        except ValidationError as exc:
            raise RunError(
                f"approval {approval_id} holds a response that cannot be read back "
                f"({explain(exc)}); nothing was resumed: ask again to raise a new approval",
                trace_id=approval.trace_id,
            ) from None

    @property
    def context_window(self) -> int:
        """The context window of the VFM's preferred pFM."""
        return self._kernel.pfms[self.config.pfms[0]].profile.context_window

    def count_tokens(self, messages: Messages, **options: Any) -> int:
        """Prompt tokens of a request on the VFM's preferred pFM (tools and schema included)."""
        request = build_request(messages, options)
        return self._kernel.pfms[self.config.pfms[0]].backend.count_tokens(request)

    @property
    def kernel(self) -> FMOS:
        """The kernel this VFM runs on."""
        return self._kernel

    def __repr__(self) -> str:
        return f"VFM({self.name!r}, pfms={self.config.pfms})"


_IDENTITY = ("tenant", "app", "session")
_SAMPLING = ("temperature", "top_p", "seed", "stop")


def build_request(messages: Messages, options: dict[str, Any]) -> Request:
    """A validated ``Request``; anything malformed is a ``BadRequest`` saying what."""
    if isinstance(messages, Request):
        if options:
            raise BadRequest("pass options inside the Request, not beside it")
        return messages
    fields: dict[str, Any] = {}
    identity = {k: options.pop(k) for k in _IDENTITY if k in options}
    sampling = {k: options.pop(k) for k in _SAMPLING if k in options}
    if identity:
        fields["identity"] = identity
    if sampling:
        fields["sampling"] = sampling
    if isinstance(messages, str):
        fields["messages"] = [{"role": "user", "content": messages}]
    else:
        fields["messages"] = list(messages)
    fields.update(options)
    try:
        return Request.model_validate(fields)
    except ValidationError as exc:
        raise BadRequest(f"invalid request: {explain(exc)}") from None


__all__ = ["VFM", "Message", "build_request"]
