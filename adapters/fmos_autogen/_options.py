"""AutoGen's per-call arguments (``json_output``, ``extra_create_args``) as VFM options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from fmos_core.errors import BadRequest

#: ``extra_create_args`` keys FMOS understands, and the VFM option each becomes
CREATE_ARGS = (
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop",
    "logprobs",
    "tags",
    "reasoning_level",
    "timeout",
)


def response_schema(json_output: bool | type[BaseModel] | None) -> dict[str, Any] | None:
    """``True`` asks for any JSON object; a pydantic model type for its JSON Schema."""
    if json_output is None or json_output is False:
        return None
    if json_output is True:
        return {"type": "object"}
    if isinstance(json_output, type) and issubclass(json_output, BaseModel):
        return json_output.model_json_schema()
    raise BadRequest(
        f"json_output must be a bool or a pydantic model class, got {type(json_output).__name__}"
    )


def create_options(extra_create_args: Mapping[str, Any]) -> dict[str, Any]:
    """VFM keyword options from ``extra_create_args``; an unknown key is ``BadRequest``."""
    unknown = sorted(set(extra_create_args) - set(CREATE_ARGS))
    if unknown:
        raise BadRequest(
            f"extra_create_args has {', '.join(map(repr, unknown))}, which FMOS does not "
            f"take; use {', '.join(CREATE_ARGS)}"
        )
    options = dict(extra_create_args)
    if "timeout" in options:  # the OpenAI client's name for it
        options["timeout_s"] = options.pop("timeout")
    if isinstance(options.get("stop"), str):
        options["stop"] = [options["stop"]]
    return options
