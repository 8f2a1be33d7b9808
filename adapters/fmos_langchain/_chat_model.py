"""``ChatFMOS``: a LangChain chat model whose every call runs through an FMOS VFM."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from operator import itemgetter
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LangSmithParams, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import BaseModel, ConfigDict, Field

from fmos_core.contract import Message, ReasoningSetting, Response, StreamEvent, ToolSpec
from fmos_core.errors import BadRequest
from fmos_core.kernel import FMOS
from fmos_core.vfm import VFM
from fmos_langchain._tools import ToolLike, to_spec, to_specs, to_tool_choice, tool_name
from fmos_langchain.messages import (
    PROVIDER,
    last_chunk,
    text_chunk,
    to_ai_message,
    to_contract,
    tool_chunk,
)

# per-call keyword arguments (from ``invoke(..., **kw)`` or ``bind``) that become VFM options
_CALL_OPTIONS = frozenset(
    {
        "tools",
        "tool_choice",
        "response_schema",
        "max_tokens",
        "temperature",
        "top_p",
        "seed",
        "reasoning_level",
        "logprobs",
        "timeout",
        "tenant",
        "app",
        "session",
    }
)
_DEFAULTED = ("max_tokens", "temperature", "top_p", "seed", "reasoning_level")
StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]


class ChatFMOS(BaseChatModel):
    """A LangChain chat model over an FMOS virtual model (VFM).

    Budgets, traps, traces and approvals apply to every call; FMOS errors
    (``BudgetExceeded``, ``ApprovalRequired``, ``BadRequest`` …) propagate unchanged.
    ``response_metadata["fmos"]`` carries the trace id, pFM, traps and provenance.
    Calling with ``model="other"`` uses VFM ``other`` for that call.

    Example:
        >>> from fmos_core import FMOS, Config
        >>> from fmos_core.testing import ScriptedBackend
        >>> cfg = Config.parse({"pfms": {"s": {"driver": "scripted"}},
        ...                     "vfms": {"default": {"pfms": ["s"]}}, "state": {"enabled": False}})
        >>> with FMOS(cfg, backends={"s": ScriptedBackend(["hello"])}) as fmos:
        ...     reply = ChatFMOS(fmos=fmos, max_tokens=16).invoke("hi")
        >>> reply.content, reply.response_metadata["model_provider"]
        ('hello', 'fmos')
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    fmos: FMOS = Field(exclude=True, repr=False)
    """The kernel (not serialized)."""
    vfm: str = "default"
    """The VFM to call; LangChain reports it as the model name."""
    tenant: str = "default"
    app: str = "default"
    session: str = "default"
    max_tokens: int | None = None
    """Output token limit (the VFM's default when unset); budgets reserve prompt + this."""
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    stop: list[str] | None = None
    reasoning_level: ReasoningSetting | None = None
    """off / low / medium / high, a thinking-token budget, or "auto" (the VFM's tuned level)."""
    logprobs: bool = False
    """Ask for per-token logprobs (in ``response_metadata["logprobs"]``)."""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds each pFM attempt may take (FMOS's ``Request.timeout_s``; a timed-out
    attempt is retried or falls back like any transient failure)."""
    streaming: bool = False
    """Whether ``invoke`` streams under the hood (LangChain's convention)."""
    tool_privileges: dict[str, int | str] = Field(default_factory=dict)
    """FMOS privilege of tools by name, for tools without ``metadata["fmos_privilege"]``."""

    @property
    def _llm_type(self) -> str:
        return "fmos"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "vfm": self.vfm,
            "tenant": self.tenant,
            "app": self.app,
            "session": self.session,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        model = kwargs.get("model")
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=model if isinstance(model, str) else self.vfm,
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stops = stop if stop is not None else self.stop
        if stops:
            params["ls_stop"] = stops
        return params

    # -- calls ------------------------------------------------------------------------

    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        run_tags: list[str] | None = None,
    ) -> tuple[VFM, list[Message], dict[str, Any]]:
        """The VFM, contract messages and VFM options of one call. LangChain's run tags
        (``ChatFMOS(tags=…)``, ``invoke(…, config={"tags": …})``) become FMOS request
        tags, except LangChain's own step markers (``seq:step:1``: they hold a colon)."""
        kwargs = dict(kwargs)
        kwargs.pop("ls_structured_output_format", None)
        vfm = self.fmos.vfm(kwargs.pop("model", None) or self.vfm)
        unknown = sorted(set(kwargs) - _CALL_OPTIONS)
        if unknown:
            raise BadRequest(
                f"ChatFMOS does not understand the call option(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_CALL_OPTIONS | {'model', 'stop'}))}"
            )
        options: dict[str, Any] = {"tenant": self.tenant, "app": self.app, "session": self.session}
        for name in _DEFAULTED:
            value = getattr(self, name)
            if value is not None:
                options[name] = value
        if self.logprobs:
            options["logprobs"] = True
        timeout = kwargs.pop("timeout", self.timeout)
        if timeout is not None:
            options["timeout_s"] = timeout
        stops = stop if stop is not None else self.stop
        if stops:
            options["stop"] = list(stops)
        tools = kwargs.pop("tools", None)
        if tools:
            options["tools"] = [self._spec(t) for t in tools]
        options.update(kwargs)
        tags = [t for t in dict.fromkeys(run_tags or []) if ":" not in t]
        if tags:
            options["tags"] = tags
        return vfm, to_contract(messages), options

    def _spec(self, tool: Any) -> ToolSpec:
        if isinstance(tool, ToolSpec):
            return tool
        if isinstance(tool, dict) and "privilege" in tool:  # bound by ``bind_tools``
            return ToolSpec.model_validate(tool)
        return to_spec(tool, self.tool_privileges)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        vfm, contract, options = self._call(messages, stop, kwargs, _tags(run_manager))
        return _result(vfm.invoke(contract, **options))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        vfm, contract, options = self._call(messages, stop, kwargs, _tags(run_manager))
        return _result(await vfm.ainvoke(contract, **options))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        vfm, contract, options = self._call(messages, stop, kwargs, _tags(run_manager))
        calls = 0
        for event in vfm.stream(contract, **options):
            chunk = _chunk(event, calls)
            calls += event.tool_call is not None
            if event.delta and run_manager is not None:
                run_manager.on_llm_new_token(event.delta, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        vfm, contract, options = self._call(messages, stop, kwargs, _tags(run_manager))
        calls = 0
        async for event in vfm.astream(contract, **options):
            chunk = _chunk(event, calls)
            calls += event.tool_call is not None
            if event.delta and run_manager is not None:
                await run_manager.on_llm_new_token(event.delta, chunk=chunk)
            yield chunk

    def resume(self, approval_id: str) -> AIMessage:
        """The ``AIMessage`` an approval held back, once a human approved it.

        Raises ``ApprovalRequired`` while pending and ``ApprovalDenied`` if denied.
        """
        return to_ai_message(self.fmos.vfm(self.vfm).resume(approval_id, tenant=self.tenant))

    # -- tools and structured output --------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[ToolLike],
        *,
        tool_choice: str | bool | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (LangChain tools, functions, pydantic models, OpenAI dicts).

        ``tool_choice``: ``"auto"``, ``"none"``, ``"any"``/``"required"``/``True``, or a
        tool's name. A tool's privilege is ``tool.metadata["fmos_privilege"]`` or
        ``tool_privileges[name]``.
        """
        specs = to_specs(tools, self.tool_privileges)
        choice = to_tool_choice(tool_choice, specs)
        if choice != "auto":
            kwargs["tool_choice"] = choice
        return self.bind(tools=[s.model_dump(mode="json") for s in specs], **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type,
        *,
        include_raw: bool = False,
        method: StructuredMethod = "json_schema",
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Output matching ``schema`` (pydantic class, TypedDict, JSON Schema, OpenAI tool).

        ``method="json_schema"`` (default) constrains the reply with FMOS's
        ``response_schema``; ``"function_calling"`` forces a tool call;
        ``"json_mode"`` asks for any JSON object.
        """
        if kwargs:
            raise BadRequest(f"with_structured_output got unknown arguments {sorted(kwargs)}")
        pydantic_class = isinstance(schema, type) and is_basemodel_subclass(schema)
        trace_format = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
        llm: Runnable[LanguageModelInput, AIMessage]
        parser: Runnable[Any, Any]
        if method == "function_calling":
            name = tool_name(schema)
            llm = self.bind_tools(
                [schema], tool_choice=name, ls_structured_output_format=trace_format
            )
            parser = (
                PydanticToolsParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
                if pydantic_class
                else JsonOutputKeyToolsParser(key_name=name, first_tool_only=True)
            )
        elif method in ("json_schema", "json_mode"):
            response_schema = (
                _json_schema(schema) if method == "json_schema" else {"type": "object"}
            )
            llm = self.bind(
                response_schema=response_schema, ls_structured_output_format=trace_format
            )
            parser = (
                PydanticOutputParser(pydantic_object=schema)  # type: ignore[arg-type]
                if pydantic_class
                else JsonOutputParser()
            )
        else:
            raise BadRequest(
                f"with_structured_output method={method!r} is unknown; use "
                "'json_schema', 'function_calling' or 'json_mode'"
            )
        if not include_raw:
            return llm | parser
        parse: Runnable[Any, Any] = itemgetter("raw") | parser
        with_parsed = RunnablePassthrough.assign(parsed=parse, parsing_error=lambda _: None)
        without = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | with_parsed.with_fallbacks(
            [without], exception_key="parsing_error"
        )


def _json_schema(schema: dict[str, Any] | type) -> dict[str, Any]:
    """A JSON Schema for a pydantic class, TypedDict, JSON Schema or OpenAI tool."""
    try:
        converted = convert_to_json_schema(schema)
    except ValueError as exc:
        raise BadRequest(
            f"cannot turn the structured-output schema into JSON Schema: {exc}"
        ) from None
    return converted


def _result(response: Response) -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=to_ai_message(response))])


def _chunk(event: StreamEvent, calls: int) -> ChatGenerationChunk:
    if event.response is not None:
        return ChatGenerationChunk(message=last_chunk(event.response))
    if event.tool_call is not None:
        return ChatGenerationChunk(message=tool_chunk(event.tool_call, calls))
    return ChatGenerationChunk(message=text_chunk(event.delta))


def _tags(
    run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
) -> list[str]:
    """The LangChain run's tags (its own and inherited), if any."""
    return list(run_manager.tags) if run_manager is not None else []
