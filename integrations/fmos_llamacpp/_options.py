"""The strict settings of the ``llamacpp`` driver (``[pfms.NAME.options]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ._model_path import BundledModel


class LlamaCppOptions(BaseModel):
    """Options of the embedded llama.cpp pFM; unknown keys are errors.

    Example:
        >>> LlamaCppOptions(n_ctx=1024).model_path is None
        True
        >>> LlamaCppOptions(model="gemma3-270m").model
        'gemma3-270m'
    """

    model_config = ConfigDict(extra="forbid")

    model: BundledModel | None = None
    """A bundled model: ``"smollm2-135m-instruct"`` (what None means, unless model_path is
    set) or ``"gemma3-270m"`` (Gemma 3 270M base, assembled once into the model cache)."""
    model_path: str | None = None
    """A .gguf file of your own, instead of a bundled ``model``."""
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

    @model_validator(mode="after")
    def _one_model(self) -> LlamaCppOptions:
        if self.model is not None and self.model_path is not None:
            raise ValueError(
                f"set model ({self.model!r}, a bundled model) or model_path (a .gguf file), "
                "not both; remove one of them"
            )
        return self
