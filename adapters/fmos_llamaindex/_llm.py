"""``FMOSLLM``: a LlamaIndex function-calling LLM whose calls run through an FMOS VFM."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, cast

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, field_validator
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection

from fmos_core import VFM, Message, Privilege, Request, StreamEvent
from fmos_core.contract import ReasoningSetting
from fmos_core.vfm import build_request
from fmos_llamaindex._messages import to_fmos_messages
from fmos_llamaindex._responses import (
    StreamState,
    to_chat_response,
    to_completion_response,
)
from fmos_llamaindex._tools import (
    keep_first_tool_call,
    resolve_tool_choice,
    tool_selections,
    tool_specs,
)

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool


class FMOSLLM(FunctionCallingLLM):
    """A LlamaIndex LLM served by an FMOS VFM: budgets, traps, traces and approvals apply.

    Calls run as ``tenant``/``app``/``session``. Tool privileges come from
    ``tool_privileges`` (LlamaIndex's ``ToolMetadata`` has no privilege field). FMOS
    errors (``BudgetExceeded``, ``ApprovalRequired``, ``BadRequest``…) propagate as
    they are; ``resume(approval_id)`` returns the response an approval held back.
    Every response's ``additional_kwargs["fmos"]`` holds ``Response.fmos_metadata()``.

    Example::

        from fmos_core import FMOS
        from llama_index.core import Settings

        with FMOS() as fmos:
            llm = FMOSLLM(fmos.vfm(), tenant="default", tool_privileges={"send_email": "write"})
            Settings.llm = llm
            Settings.tokenizer = llm.tokenizer  # token counts from the VFM, not tiktoken
            print(llm.complete("Name a colour.").text)
    """

    vfm_name: str = Field(description="Name of the FMOS VFM serving the calls.")
    tenant: str = Field(default="default", description="FMOS tenant the calls run as.")
    app: str = Field(default="default", description="FMOS app within the tenant.")
    session: str = Field(default="default", description="FMOS session within the app.")
    max_tokens: int = Field(default=256, ge=1, description="Output tokens per call.")
    temperature: float | None = Field(default=None, description="Sampling temperature.")
    reasoning_level: ReasoningSetting | None = Field(
        default=None,
        description='off / low / medium / high, a thinking-token budget, or "auto".',
    )
    timeout: float | None = Field(
        default=None, gt=0, description="Seconds each pFM attempt may take (Request.timeout_s)."
    )
    tool_privileges: dict[str, Privilege] = Field(
        default_factory=dict,
        description="Privilege of each tool by name ('safe', 'read', 'write', 'admin').",
    )
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Further FMOS request options for every call (seed, stop, tags, …).",
    )

    _vfm: VFM = PrivateAttr()

    def __init__(self, vfm: VFM, **data: Any) -> None:
        super().__init__(vfm_name=vfm.name, **data)
        self._vfm = vfm

    @field_validator("tool_privileges", mode="before")
    @classmethod
    def _parse_privileges(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: Privilege.parse(level) for name, level in value.items()}
        return value

    @classmethod
    def class_name(cls) -> str:
        return "FMOSLLM"

    @property
    def vfm(self) -> VFM:
        """The FMOS VFM behind this LLM."""
        return self._vfm

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self._vfm.context_window,
            num_output=self.max_tokens,
            is_chat_model=True,
            is_function_calling_model=True,
            model_name=self.vfm_name,
        )

    # -- translation of a call ------------------------------------------------------

    def _request(self, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> Request:
        options: dict[str, Any] = {
            "max_tokens": self.max_tokens,
            "tenant": self.tenant,
            "app": self.app,
            "session": self.session,
        }
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.reasoning_level is not None:
            options["reasoning_level"] = self.reasoning_level
        if self.timeout is not None:
            options["timeout_s"] = self.timeout
        options.update(self.additional_kwargs)
        options.update(kwargs)
        return build_request(to_fmos_messages(messages), options)

    def _prompt_request(self, prompt: str, kwargs: dict[str, Any]) -> Request:
        return self._request([ChatMessage(role=MessageRole.USER, content=prompt)], kwargs)

    # -- chat -----------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return to_chat_response(self._vfm.invoke(self._request(messages, kwargs)))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return to_chat_response(await self._vfm.ainvoke(self._request(messages, kwargs)))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request = self._request(messages, kwargs)

        def gen() -> ChatResponseGen:
            state = StreamState()
            for event in self._vfm.stream(request):
                yield state.chat(event)

        return gen()

    @llm_chat_callback()
    async def astream_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> ChatResponseAsyncGen:
        request = self._request(messages, kwargs)

        async def gen() -> ChatResponseAsyncGen:
            state = StreamState()
            async with aclosing(_astream(self._vfm, request)) as events:
                async for event in events:
                    yield state.chat(event)

        return gen()

    # -- complete -------------------------------------------------------------------

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return to_completion_response(self._vfm.invoke(self._prompt_request(prompt, kwargs)))

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponse:
        response = await self._vfm.ainvoke(self._prompt_request(prompt, kwargs))
        return to_completion_response(response)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        request = self._prompt_request(prompt, kwargs)

        def gen() -> CompletionResponseGen:
            state = StreamState()
            for event in self._vfm.stream(request):
                yield state.completion(event)

        return gen()

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        request = self._prompt_request(prompt, kwargs)

        async def gen() -> CompletionResponseAsyncGen:
            state = StreamState()
            async with aclosing(_astream(self._vfm, request)) as events:
                async for event in events:
                    yield state.completion(event)

        return gen()

    # -- tool calling ---------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """``chat`` arguments: the messages, the tools as FMOS specs and ``tool_choice``."""
        messages = list(chat_history or [])
        if isinstance(user_msg, str):
            user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
        if user_msg is not None:
            messages.append(user_msg)
        prepared: dict[str, Any] = {"messages": messages, **kwargs}
        specs = tool_specs(tools, self.tool_privileges)
        if specs:
            prepared["tools"] = specs
            prepared["tool_choice"] = resolve_tool_choice(tool_choice, required=tool_required)
        return prepared

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        return response if allow_parallel_tool_calls else keep_first_tool_call(response)

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        return tool_selections(response, error_on_no_tool_call=error_on_no_tool_call)

    # -- FMOS extras ----------------------------------------------------------------

    def resume(self, approval_id: str) -> ChatResponse:
        """The response approval ``approval_id`` held back, once a human approved it."""
        return to_chat_response(self._vfm.resume(approval_id, tenant=self.tenant))

    def tokenizer(self, text: str) -> list[int]:
        """A LlamaIndex tokenizer (``Settings.tokenizer``, memory ``tokenizer_fn``).

        LlamaIndex only takes the length of a tokenizer's output. The VFM exposes
        counts, not token ids, so the list holds positions; its length is the text's
        tokens on the VFM's preferred pFM (a one-message prompt minus an empty one).
        No tiktoken encoding is loaded.
        """
        with_text = self._vfm.count_tokens([Message(role="user", content=text)])
        empty = self._vfm.count_tokens([Message(role="user", content="")])
        return list(range(max(0, with_text - empty)))


def _astream(vfm: VFM, request: Request) -> AsyncGenerator[StreamEvent, None]:
    """``vfm.astream`` typed as the async generator it is, so it can be closed early."""
    return cast(AsyncGenerator[StreamEvent, None], vfm.astream(request))
