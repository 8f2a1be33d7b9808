"""``FMOSCallbackHandler``: FMOS traces, budgets and input checks for ANY chat model.

It translates LangChain's callbacks into the kernel's calls for a model FMOS does
not execute: ``fmos.mediator.begin_external`` (tenant check, budget reservation,
traps) before the call, ``ExternalCall.finish`` / ``fail`` (settle, trace) after.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, LLMResult

from fmos_core.contract import Identity, ToolCall
from fmos_core.kernel import FMOS
from fmos_core.mediation import ExternalCall
from fmos_core.profiles import CapabilityProfile
from fmos_langchain.messages import to_contract


class FMOSCallbackHandler(BaseCallbackHandler):
    """Attach to any LangChain chat model for FMOS tracing, budgets and input checks.

    Before each call the kernel admits it: the tenant must be configured
    (``UnknownTenant``) and prompt + ``max_tokens`` is reserved on the tenant's budget
    (``BudgetExceeded`` stops the call; nothing is spent). After it, the actual usage
    is settled (the whole hold when the model reports none) and one FMOS trace is
    written (VFM ``external``, pFM = LangChain's model name). ``trace_ids`` maps
    LangChain run ids to FMOS trace ids.

    Input guardrails: ``check_input`` is the hook, run before admission.

    Example:
        >>> import tempfile
        >>> from fmos_core import FMOS, Config
        >>> from langchain_core.language_models import GenericFakeChatModel
        >>> from langchain_core.messages import AIMessage
        >>> cfg = Config.parse({"state": {"url": f"sqlite:///{tempfile.mkdtemp()}/s.db"},
        ...     "pfms": {"s": {"driver": "scripted"}}, "vfms": {"default": {"pfms": ["s"]}}})
        >>> with FMOS(cfg) as fmos:
        ...     fake = GenericFakeChatModel(messages=iter([AIMessage("hi")]))
        ...     reply = fake.invoke("hello", config={"callbacks": [FMOSCallbackHandler(fmos)]})
        ...     [trace] = fmos.traces.list()
        >>> trace.vfm, trace.pfm, trace.status
        ('external', 'GenericFakeChatModel', 'ok')
    """

    raise_error = True  # a refusal in on_chat_model_start must stop the call

    def __init__(
        self,
        fmos: FMOS,
        *,
        tenant: str = "default",
        app: str = "default",
        session: str = "default",
        max_tokens: int = 256,
        profile: CapabilityProfile | None = None,
    ) -> None:
        """``max_tokens`` is reserved when the model's own limit is unknown;
        ``profile`` prices the model (without one a call costs tokens only)."""
        super().__init__()
        self.fmos = fmos
        self.identity = Identity(tenant=tenant, app=app, session=session)
        self.max_tokens = max_tokens
        self.profile = profile
        self.trace_ids: dict[UUID, str] = {}
        self._calls: dict[UUID, ExternalCall] = {}

    def check_input(self, messages: list[BaseMessage]) -> None:
        """Input guardrail hook, run before admission; raise to refuse the call.

        Admission already checks the tenant. Override (calling ``super()``) to add
        checks until the core's trust subsystem offers input guardrails to call here.
        """

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        prompt = [m for batch in messages for m in batch]
        self.check_input(prompt)
        params = kwargs.get("invocation_params") or {}
        limit = params.get("max_tokens") or params.get("max_completion_tokens")
        call = self.fmos.loop.run(
            self.fmos.mediator.begin_external(
                model=_model_name(serialized, metadata),
                messages=to_contract(prompt),
                max_tokens=limit if isinstance(limit, int) else self.max_tokens,
                identity=self.identity,
                profile=self.profile,
            )
        )
        self._calls[run_id] = call
        self.trace_ids[run_id] = call.trace_id

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        call = self._calls.pop(run_id, None)
        if call is None:
            return
        usage = _usage(response)
        message = _message(response)
        calls = [
            ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["args"])
            for i, c in enumerate(message.tool_calls if message is not None else [])
        ]
        self.fmos.loop.run(
            call.finish(
                content=message.text if message is not None else "",
                tool_calls=calls,
                input_tokens=usage[0] if usage else 0,
                output_tokens=usage[1] if usage else 0,
                usage_reported=usage is not None,
            )
        )

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        call = self._calls.pop(run_id, None)
        if call is not None:
            self.fmos.loop.run(call.fail(error))


def _model_name(serialized: dict[str, Any] | None, metadata: dict[str, Any] | None) -> str:
    name = (metadata or {}).get("ls_model_name")
    if isinstance(name, str) and name:
        return name
    ids = (serialized or {}).get("id") or []
    return str(ids[-1]) if ids else str((serialized or {}).get("name", "unknown"))


def _message(response: LLMResult) -> AIMessage | None:
    for generations in response.generations:
        for generation in generations:
            if isinstance(generation, ChatGeneration) and isinstance(generation.message, AIMessage):
                return generation.message
    return None


def _usage(response: LLMResult) -> tuple[int, int] | None:
    """(input, output) tokens the model reported, or None when it reported none."""
    message = _message(response)
    if message is not None and message.usage_metadata:
        meta = message.usage_metadata
        return meta["input_tokens"], meta["output_tokens"]
    token_usage = (response.llm_output or {}).get("token_usage") or {}
    if "prompt_tokens" in token_usage or "completion_tokens" in token_usage:
        return int(token_usage.get("prompt_tokens", 0)), int(
            token_usage.get("completion_tokens", 0)
        )
    return None
