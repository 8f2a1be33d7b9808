"""``FMOSChatCompletionClient``: AutoGen's model-client interface over an FMOS VFM."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping, Sequence
from pathlib import Path
from typing import Any, Self, cast

from autogen_core import CancellationToken, Component, ComponentModel
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    ModelCapabilities,
    ModelInfo,
    RequestUsage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel, ValidationError

from fmos_core.config import Config, explain
from fmos_core.contract import Privilege, StreamEvent
from fmos_core.errors import BackendError, ConfigError
from fmos_core.kernel import FMOS
from fmos_core.vfm import VFM

from ._config import FMOSClientConfig
from ._messages import to_fmos_messages
from ._options import create_options, response_schema
from ._results import FMOSCreateResult, add_usage, to_create_result
from ._tools import AutoGenToolChoice, parse_privileges, to_tool_specs, tool_choice_name

_PROVIDER = "fmos_autogen.FMOSChatCompletionClient"
_NO_USAGE = RequestUsage(prompt_tokens=0, completion_tokens=0)


class FMOSChatCompletionClient(ChatCompletionClient, Component[FMOSClientConfig]):
    """An AutoGen model client whose every call runs through an FMOS VFM.

    Pass a kernel (which the caller closes), or let the client build one from
    ``config_path`` (a TOML file) or the default ``FMOS()``; ``close()`` then closes it.
    Calls run as ``tenant`` / ``app`` / ``session``; ``tool_privileges`` maps tool names
    to FMOS privileges (``"write"`` …); ``tool_choice`` replaces a call's ``"auto"``
    when the call offers tools (AutoGen agents always send ``"auto"``). FMOS errors
    (``BudgetExceeded``, ``ApprovalRequired``, ``BadRequest`` …) propagate unchanged;
    ``resume(approval_id)`` returns the result an approval held back. Each result is
    an ``FMOSCreateResult`` whose ``fmos_metadata`` holds the trace id, pFM, traps and
    provenance.

    Example:
        >>> import asyncio
        >>> from autogen_core.models import UserMessage
        >>> from fmos_core import FMOS, Config
        >>> from fmos_core.testing import ScriptedBackend
        >>> cfg = Config.parse({"pfms": {"s": {"driver": "scripted"}},
        ...     "vfms": {"default": {"pfms": ["s"]}}, "state": {"enabled": False}})
        >>> with FMOS(cfg, backends={"s": ScriptedBackend(["hello"])}) as fmos:
        ...     client = FMOSChatCompletionClient(fmos, max_tokens=16)
        ...     result = asyncio.run(client.create([UserMessage(content="hi", source="user")]))
        >>> result.content, result.finish_reason, result.fmos_metadata["pfm"]
        ('hello', 'stop', 's')
    """

    component_type = "model"
    component_config_schema = FMOSClientConfig
    component_provider_override = _PROVIDER

    def __init__(
        self,
        fmos: FMOS | None = None,
        *,
        config_path: str | Path | None = None,
        vfm: str = "default",
        tenant: str = "default",
        app: str = "default",
        session: str = "default",
        max_tokens: int | None = None,
        timeout: float | None = None,
        tool_privileges: Mapping[str, int | str | Privilege] | None = None,
        tool_choice: str = "auto",
    ) -> None:
        privileges = parse_privileges(tool_privileges or {})
        try:
            self._settings = FMOSClientConfig(
                config_path=None if config_path is None else str(config_path),
                vfm=vfm,
                tenant=tenant,
                app=app,
                session=session,
                max_tokens=max_tokens,
                timeout=timeout,
                tool_privileges={name: p.name.lower() for name, p in privileges.items()},
                tool_choice=tool_choice,
            )
        except ValidationError as exc:
            raise ConfigError(f"FMOSChatCompletionClient: {explain(exc)}") from None
        self._privileges = privileges
        self._owns_kernel = fmos is None
        if fmos is None:
            fmos = FMOS.from_config(config_path) if config_path is not None else FMOS()
        self._fmos = fmos
        try:
            self._vfm = fmos.vfm(vfm)
        except Exception:
            if self._owns_kernel:
                fmos.close()
            raise
        self._total_usage = _NO_USAGE
        self._actual_usage = _NO_USAGE
        self._closed = False

    @property
    def fmos(self) -> FMOS:
        """The kernel the client's calls run on."""
        return self._fmos

    @property
    def vfm(self) -> VFM:
        """The VFM the client calls."""
        return self._vfm

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = [],
        tool_choice: AutoGenToolChoice = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> FMOSCreateResult:
        """One call through the VFM; tool calls come back as ``FunctionCall``s."""
        fmos_messages, options = self._prepare(
            messages, tools, tool_choice, json_output, extra_create_args
        )
        task = asyncio.ensure_future(self._vfm.ainvoke(fmos_messages, **options))
        if cancellation_token is not None:
            cancellation_token.link_future(task)
        result = to_create_result(await task)
        self._count(result)
        return result

    async def create_stream(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = [],
        tool_choice: AutoGenToolChoice = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> AsyncGenerator[str | CreateResult, None]:
        """Text chunks as the pFM makes them, then the whole ``FMOSCreateResult``."""
        fmos_messages, options = self._prepare(
            messages, tools, tool_choice, json_output, extra_create_args
        )
        # VFM.astream is an async generator: close it whichever way the caller leaves
        stream = self._vfm.astream(fmos_messages, **options)
        events = cast(AsyncGenerator[StreamEvent, None], stream)
        final = None
        try:
            while True:
                step = asyncio.ensure_future(events.__anext__())
                if cancellation_token is not None:
                    cancellation_token.link_future(step)
                try:
                    event = await step
                except StopAsyncIteration:
                    break
                if event.delta:
                    yield event.delta
                if event.response is not None:
                    final = event.response
        finally:
            await events.aclose()
        if final is None:
            raise BackendError("the stream ended without a final response", pfm=None)
        result = to_create_result(final)
        self._count(result)
        yield result

    async def resume(self, approval_id: str) -> FMOSCreateResult:
        """The result an approval held back, once a human approved it.

        Raises ``ApprovalRequired`` while it is pending and ``ApprovalDenied`` if denied.
        """
        result = to_create_result(self._vfm.resume(approval_id, tenant=self._settings.tenant))
        self._count(result)
        return result

    def _prepare(
        self,
        messages: Sequence[LLMMessage],
        tools: Sequence[Tool | ToolSchema],
        tool_choice: AutoGenToolChoice,
        json_output: bool | type[BaseModel] | None,
        extra_create_args: Mapping[str, Any],
    ) -> tuple[list[Any], dict[str, Any]]:
        specs = to_tool_specs(tools, self._privileges)
        choice = tool_choice_name(tool_choice)
        if choice == "auto" and specs:
            choice = self._settings.tool_choice
        options: dict[str, Any] = {**self._identity(), "tools": specs, "tool_choice": choice}
        schema = response_schema(json_output)
        if schema is not None:
            options["response_schema"] = schema
        if self._settings.max_tokens is not None:
            options["max_tokens"] = self._settings.max_tokens
        if self._settings.timeout is not None:
            options["timeout_s"] = self._settings.timeout
        options.update(create_options(extra_create_args))
        return to_fmos_messages(messages), options

    def _identity(self) -> dict[str, str]:
        s = self._settings
        return {"tenant": s.tenant, "app": s.app, "session": s.session}

    def _count(self, result: CreateResult) -> None:
        self._total_usage = add_usage(self._total_usage, result.usage)
        if not result.cached:
            self._actual_usage = add_usage(self._actual_usage, result.usage)

    def actual_usage(self) -> RequestUsage:
        """Tokens of the calls a pFM actually ran (cache hits excluded)."""
        return self._actual_usage

    def total_usage(self) -> RequestUsage:
        """Tokens of every result this client returned, cached ones included."""
        return self._total_usage

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []
    ) -> int:
        """Prompt tokens on the VFM's preferred pFM, tools included (``vfm.count_tokens``)."""
        specs = to_tool_specs(tools, self._privileges)
        return self._vfm.count_tokens(to_fmos_messages(messages), tools=specs, **self._identity())

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = []
    ) -> int:
        """``vfm.context_window`` minus ``count_tokens(messages, tools=tools)``."""
        return self._vfm.context_window - self.count_tokens(messages, tools=tools)

    @property
    def model_info(self) -> ModelInfo:
        # tools and JSON Schema output are part of the VFM contract; images are not
        return ModelInfo(
            vision=False,
            function_calling=True,
            json_output=True,
            structured_output=True,
            family="unknown",
        )

    @property
    def capabilities(self) -> ModelCapabilities:
        """Deprecated in AutoGen; ``model_info`` is the current form."""
        return self.model_info

    async def close(self) -> None:
        """Close the kernel if this client built it; a kernel passed in stays open."""
        if self._closed:
            return
        self._closed = True
        if self._owns_kernel:
            await self._fmos.aclose()  # driver resources bound to this loop
            await asyncio.to_thread(self._fmos.close)

    def _to_config(self) -> FMOSClientConfig:
        if self._settings.config_path is None and self._fmos.config != Config():
            raise ConfigError(
                "this client's kernel was not built from a config file, so its component "
                "config cannot rebuild it; pass config_path= (the FMOS TOML the kernel "
                "came from) when creating the client"
            )
        return self._settings.model_copy(deep=True)

    @classmethod
    def _from_config(cls, config: FMOSClientConfig) -> Self:
        return cls.from_settings(config)

    @classmethod
    def from_settings(cls, settings: FMOSClientConfig, *, fmos: FMOS | None = None) -> Self:
        """A client with ``settings``, on ``fmos`` if given, else on a kernel it builds."""
        return cls(
            fmos,
            config_path=settings.config_path,
            vfm=settings.vfm,
            tenant=settings.tenant,
            app=settings.app,
            session=settings.session,
            max_tokens=settings.max_tokens,
            timeout=settings.timeout,
            tool_privileges=settings.tool_privileges,
            tool_choice=settings.tool_choice,
        )

    @classmethod
    def from_component(
        cls, model: ComponentModel | Mapping[str, Any], *, fmos: FMOS | None = None
    ) -> Self:
        """Like ``ChatCompletionClient.load_component(model)``, but may reuse a kernel.

        Example::

            dumped = client.dump_component()
            again = FMOSChatCompletionClient.from_component(dumped, fmos=client.fmos)
        """
        try:
            component = ComponentModel.model_validate(model)
            if component.provider != _PROVIDER:
                raise ConfigError(f"component provider {component.provider!r} is not {_PROVIDER!r}")
            settings = FMOSClientConfig.model_validate(component.config)
        except ValidationError as exc:
            raise ConfigError(f"FMOSChatCompletionClient component: {explain(exc)}") from None
        return cls.from_settings(settings, fmos=fmos)
