"""The llama.cpp models behind one backend: lazy loading under one lock, the chat template.

llama.cpp contexts are not thread-safe, so every use of a model holds ``lock``. Two
models may be loaded from the same GGUF: the plain one, and (only once a caller asks
for logprobs) one created with ``logits_all=True``, which keeps every position's
logits and makes prompt processing about twice as slow.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, cast

import jinja2
from llama_cpp import Llama
from llama_cpp.llama_chat_format import (
    Jinja2ChatFormatter,
    LlamaChatCompletionHandler,
    get_chat_completion_handler,
)
from llama_cpp.llama_types import ChatCompletionRequestMessage

from fmos_core.errors import BadRequest

from ._options import LlamaCppOptions
from ._prompt import ChatMessage
from ._templates import fallback_template

# A named llama-cpp chat format cannot be rendered ahead of the call, so its prompt is
# estimated: content tokens plus this many tokens per message for role markers.
_PER_MESSAGE_OVERHEAD = 16


class ChatTemplate:
    """Turns chat messages into prompt tokens and runs chat completions with them.

    With no ``chat_format`` the GGUF's own Jinja template is rendered here, so the
    prompt counted is exactly the prompt run (a GGUF with none gets one from ``_templates``).
    """

    def __init__(self, llama: Llama, chat_format: str | None) -> None:
        self._llama = llama
        self._formatter: Jinja2ChatFormatter | None = None
        self._stop: list[str] = []  # stop strings the fallback template's format needs
        if chat_format is not None:
            self.handler: LlamaChatCompletionHandler = get_chat_completion_handler(chat_format)
            return
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            fallback = fallback_template(llama.metadata)
            template, self._stop = fallback.text, list(fallback.stop)
        eos = llama.token_eos()
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=_token_text(llama, eos),
            bos_token=_token_text(llama, llama.token_bos()),
            stop_token_ids=[eos],
        )
        self.handler = self._formatter.to_chat_handler()

    def run(self, llama: Llama, chat: list[ChatMessage], **kwargs: Any) -> Any:
        """Run a chat completion (``stream=True`` gives an iterator of chunks)."""
        messages = cast("list[ChatCompletionRequestMessage]", chat)
        if self._stop:
            kwargs["stop"] = [*(kwargs.get("stop") or []), *self._stop]
        return self.handler(llama=llama, messages=messages, **kwargs)

    def count(self, chat: list[ChatMessage]) -> int:
        """Prompt tokens for ``chat``, template included (an upper bound for named formats)."""
        if self._formatter is None:
            content = sum(len(self.tokenize(m["content"], special=True)) for m in chat)
            return content + _PER_MESSAGE_OVERHEAD * (len(chat) + 1)
        try:
            rendered = self._formatter(messages=cast("list[ChatCompletionRequestMessage]", chat))
        except (jinja2.TemplateError, ValueError) as exc:
            raise BadRequest(f"the model's chat template rejected the messages: {exc}") from None
        return len(
            self._llama.tokenize(
                rendered.prompt.encode("utf-8"), add_bos=not rendered.added_special, special=True
            )
        )

    def tokenize(self, text: str, *, special: bool = False) -> list[int]:
        """Tokens of ``text`` alone (no BOS). Reads only the immutable vocabulary."""
        return self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=special)


class LlamaRuntime:
    """Owns the ``Llama`` objects of one backend. Hold ``lock`` around ``model()`` and its use."""

    def __init__(self, path: Path, options: LlamaCppOptions) -> None:
        self.lock = threading.Lock()
        self.path = path
        self._options = options
        self._plain: Llama | None = None
        self._scoring: Llama | None = None
        self._template: ChatTemplate | None = None

    def model(self, *, logprobs: bool) -> tuple[Llama, ChatTemplate]:
        """The model to run and its template, loaded on first use; the caller holds ``lock``."""
        if self._plain is None or self._template is None:
            self._plain = self._load(logits_all=False)
            self._template = ChatTemplate(self._plain, self._options.chat_format)
        if not logprobs:
            return self._plain, self._template
        if self._scoring is None:
            self._scoring = self._load(logits_all=True)
        return self._scoring, self._template

    def template(self) -> ChatTemplate:
        """The chat template, loading the model first if needed. Safe from any thread.

        Once loaded no lock is taken: rendering and tokenizing read only the template
        and the vocabulary, so counting never waits for a running generation.
        """
        template = self._template
        if template is None:
            with self.lock:
                _, template = self.model(logprobs=False)
        return template

    def close(self) -> None:
        """Free both models; the next use loads them again."""
        with self.lock:
            for llama in (self._plain, self._scoring):
                if llama is not None:
                    llama.close()
            self._plain = self._scoring = None
            self._template = None

    def _load(self, *, logits_all: bool) -> Llama:
        options = self._options
        kwargs: dict[str, Any] = {}
        if options.n_threads is not None:
            kwargs.update(n_threads=options.n_threads, n_threads_batch=options.n_threads)
        return Llama(
            model_path=str(self.path),
            n_ctx=options.n_ctx,
            seed=options.seed,
            logits_all=logits_all,
            verbose=options.verbose,
            **kwargs,
        )


def _token_text(llama: Llama, token: int) -> str:
    if token < 0:
        return ""
    return llama.detokenize([token], special=True).decode("utf-8", errors="replace")
