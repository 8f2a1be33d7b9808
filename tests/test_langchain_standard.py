"""ChatFMOS under LangChain's standard test suites (``langchain-tests``).

The unit suite runs on a scripted pFM (it only builds models); the integration
suite runs every call on the real embedded model (SmolLM2-135M via llama.cpp), no
network. Tests the 135M model cannot pass on capability alone are xfailed strictly
with the reason; features FMOS does not have are switched off by the suite's
properties.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fmos_langchain import ChatFMOS
from langchain_core.language_models import BaseChatModel
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from fmos_core import FMOS, Config
from fmos_core.testing import ScriptedBackend

# FMOS has no API key, per-call timeout or retry count: the kernel's drivers own them.
_NOT_FMOS_PARAMS = ("api_key", "timeout", "max_retries")


def _fmos_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in _NOT_FMOS_PARAMS}


class TestChatFMOSUnit(ChatModelUnitTests):
    kernel: FMOS

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _kernel(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
        config = Config.parse(
            {
                "state": {"enabled": False},
                "pfms": {"s": {"driver": "scripted"}},
                "vfms": {"default": {"pfms": ["s"]}},
            }
        )
        with FMOS(config, backends={"s": ScriptedBackend([])}) as kernel:
            cls.kernel = kernel
            yield

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatFMOS

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"fmos": self.kernel}

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        return _fmos_params(super().standard_chat_model_params)

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True


_CAN_NOT = "SmolLM2-135M cannot do this reliably: "
_PYDANTIC_JOKE = pytest.param(
    "pydantic",
    marks=pytest.mark.xfail(
        strict=True,
        reason=_CAN_NOT + "asked for a cat joke as a Joke object, it repeats 'A cat is a cat, "
        "...' until max_tokens and never writes the required 'punchline', so the pydantic "
        "parser fails (the dict variants accept the partial JSON and pass)",
    ),
)

# The suite requires an xfail mark on every overridden test; this one never applies
# (condition False): only the "pydantic" parameter above is expected to fail.
_ONLY_PYDANTIC_XFAILS = pytest.mark.xfail(
    False, strict=True, reason="only the 'pydantic' parameter is expected to fail (see it)"
)
# Most standard tests only check that something came back, so 32 output tokens keep the
# suite fast; a test whose tool call is long gets room to finish it.
_LONG_OUTPUT = {"test_unicode_tool_call_integration": 96}


@pytest.mark.model
class TestChatFMOSIntegration(ChatModelIntegrationTests):
    kernel: FMOS

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _kernel(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
        state: Path = tmp_path_factory.mktemp("lc-standard") / "state.db"
        config = Config.parse(
            {
                "state": {"url": f"sqlite:///{state}"},
                "pfms": {"smollm2": {"driver": "llamacpp"}},
                "vfms": {"default": {"pfms": ["smollm2"]}, "alt": {"pfms": ["smollm2"]}},
            }
        )
        with FMOS(config) as kernel:
            cls.kernel = kernel
            yield

    @pytest.fixture
    def model(self, request: pytest.FixtureRequest) -> BaseChatModel:
        extra = getattr(request, "param", None) or {}
        params = {**self.standard_chat_model_params, **self.chat_model_params, **extra}
        name = getattr(request.node, "originalname", "")
        params["max_tokens"] = _LONG_OUTPUT.get(name, params["max_tokens"])
        return self.chat_model_class(**params)

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatFMOS

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"fmos": self.kernel, "max_tokens": 32, "temperature": 0.0}

    @property
    def standard_chat_model_params(self) -> dict[str, Any]:
        return _fmos_params(super().standard_chat_model_params)

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def structured_output_kwargs(self) -> dict[str, Any]:
        return {"method": "json_schema"}

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_model_override(self) -> bool:
        return True  # ``model=`` picks another VFM of the kernel

    @property
    def model_override_value(self) -> str:
        return "alt"

    @property
    def supports_image_inputs(self) -> bool:
        return False

    @property
    def supports_image_urls(self) -> bool:
        return False

    @property
    def supports_pdf_inputs(self) -> bool:
        return False

    @property
    def supports_audio_inputs(self) -> bool:
        return False

    @property
    def supports_video_inputs(self) -> bool:
        return False

    @property
    def supports_image_tool_message(self) -> bool:
        return False

    @property
    def supports_pdf_tool_message(self) -> bool:
        return False

    @property
    def supports_anthropic_inputs(self) -> bool:
        return False

    @property
    def supported_usage_metadata_details(self) -> dict[str, list[Any]]:
        return {"invoke": [], "stream": []}

    @property
    def enable_vcr_tests(self) -> bool:
        return False  # no HTTP to record: the model is in-process

    # -- what the 135M model cannot do: strict xfails, each with its reason ------------

    @pytest.mark.xfail(
        strict=True,
        reason=_CAN_NOT + "forced to call magic_function on 'Hello!', it passes input=1000, "
        "outside the tool's exclusive maximum (the grammar cannot encode numeric bounds), "
        "so FMOS's verify stage rejects the call with VerificationFailed",
    )
    def test_tool_choice(self, model: BaseChatModel) -> None:
        super().test_tool_choice(model)

    @_ONLY_PYDANTIC_XFAILS
    @pytest.mark.parametrize("schema_type", [_PYDANTIC_JOKE, "typeddict", "json_schema"])
    def test_structured_output(self, model: BaseChatModel, schema_type: Any) -> None:
        super().test_structured_output(model, schema_type)

    @_ONLY_PYDANTIC_XFAILS
    @pytest.mark.parametrize("schema_type", [_PYDANTIC_JOKE, "typeddict", "json_schema"])
    async def test_structured_output_async(self, model: BaseChatModel, schema_type: Any) -> None:
        await super().test_structured_output_async(model, schema_type)

    @pytest.mark.xfail(
        strict=True,
        reason=_CAN_NOT + "same degenerate repetition as test_structured_output[pydantic] "
        "(pydantic v1 Joke)",
    )
    def test_structured_output_pydantic_2_v1(self, model: BaseChatModel) -> None:
        super().test_structured_output_pydantic_2_v1(model)

    @pytest.mark.xfail(
        strict=True,
        reason=_CAN_NOT + "in JSON mode (any JSON object, no schema) it ignores the prompt's "
        '\'setup\'/\'punchline\' keys and writes {"type": "response", "body": ...}',
    )
    def test_json_mode(self, model: BaseChatModel) -> None:
        super().test_json_mode(model)
