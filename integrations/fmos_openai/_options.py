"""The strict settings of the ``openai`` driver (``[pfms.NAME.options]``)."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from fmos_core.errors import ConfigError
from fmos_core.profiles import CapabilityProfile

# Sent as the key when none is configured: servers such as llama.cpp, vLLM or
# Ollama ignore it, and the SDK must not fall back to OPENAI_API_KEY behind the
# user's back (that would send an OpenAI key to whatever base_url names).
NO_KEY = "no-key"


class OpenAIOptions(BaseModel):
    """Where the server is, which model to ask for, and what it costs.

    ``structured_output`` picks the wire shape of ``response_schema``:
    ``"json_schema"`` is OpenAI's (also vLLM, Ollama, llama.cpp's C++ server);
    ``"json_object"`` sends ``{"type": "json_object", "schema": ...}``, the only
    shape llama-cpp-python's ``llama_cpp.server`` accepts; ``"none"`` sends no
    constraint, for servers without structured output: FMOS's verify stage checks the
    answer and asks for a repair.

    ``timeout`` bounds each HTTP request. ``max_retries`` is the SDK's own retry
    count and stays 0: FMOS retries and falls back itself (``[vfms.NAME.fallback]``),
    and SDK retries would multiply with those.

    The model's reasoning control is its profile's ``reasoning_knob`` (set it in
    ``[pfms.NAME.profile]``; see ``fmos_core.reasoning``). A thinking-token budget is
    sent as ``thinking_budget_field``, a dotted path into the body:
    ``thinking_budget_tokens`` (llama.cpp's llama-server, the default),
    ``thinking_token_budget`` (vLLM) or ``chat_template_kwargs.thinking_budget``
    (SGLang with Qwen3's template).
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(min_length=1)
    model: str = Field(min_length=1)
    api_key: SecretStr | None = None
    api_key_env: str | None = None
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=0, ge=0)
    context_window: int | None = Field(default=None, ge=16)
    input_price_per_mtok: float = Field(default=0.0, ge=0)
    output_price_per_mtok: float = Field(default=0.0, ge=0)
    structured_output: Literal["json_schema", "json_object", "none"] = "json_schema"
    extra_body: dict[str, Any] = Field(default_factory=dict)
    thinking_budget_field: str = Field(
        default="thinking_budget_tokens", pattern=r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$"
    )

    @field_validator("api_key_env")
    @classmethod
    def _env_is_set(cls, name: str | None) -> str | None:
        if name is not None and not os.environ.get(name):
            raise ValueError(f"environment variable {name!r} is not set")
        return name

    @model_validator(mode="after")
    def _one_key_source(self) -> OpenAIOptions:
        if self.api_key is not None and self.api_key_env is not None:
            raise ValueError("set api_key or api_key_env, not both")
        return self

    def resolved_key(self) -> str:
        """The key to send: ``api_key``, else the ``api_key_env`` variable, else a placeholder."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.api_key_env is not None:
            key = os.environ.get(self.api_key_env)
            if not key:
                name = self.api_key_env
                raise ConfigError(f"api_key_env: environment variable {name!r} is not set")
            return key
        return NO_KEY

    def profile(self) -> CapabilityProfile:
        """The capability profile these options describe."""
        fields: dict[str, Any] = {
            "tools": True,
            "json_schema": True,
            "logprobs": True,
            "streaming": True,
            "input_price_per_mtok": self.input_price_per_mtok,
            "output_price_per_mtok": self.output_price_per_mtok,
        }
        if self.context_window is not None:
            fields["context_window"] = self.context_window
        return CapabilityProfile.model_validate(fields)
