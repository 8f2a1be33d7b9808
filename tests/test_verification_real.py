"""Verification and the ladder on real pFMs: SmolLM2-135M embedded, and behind a real
``llama_cpp.server`` on loopback (the scripted tests cover the pipeline's logic)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import LlamaServer

from fmos_core import FMOS, Config, Request, Response, VerificationFailed
from fmos_core.contract import Request as ContractRequest
from fmos_core.verification import judge_request, parse_verdict

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
    "required": ["city", "country"],
    "additionalProperties": False,
}


def has_number(request: Request, response: Response) -> bool | str:
    return bool(re.search(r"\d", response.text)) or "the answer holds no number"


@pytest.fixture(scope="module")
def fmos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FMOS]:
    state = tmp_path_factory.mktemp("verify") / "state.db"
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{state}"},
            "pfms": {"smollm2": {"driver": "llamacpp"}},
            "vfms": {
                "default": {"pfms": ["smollm2"]},
                "checked": {"pfms": ["smollm2"], "verify": {"samples": 3}},
            },
        }
    )
    with FMOS(config, checks={"checked": [has_number]}) as kernel:
        kernel.budgets.set("default", tokens=1_000_000)
        yield kernel


@pytest.mark.model
def test_a_high_stakes_call_deliberates_on_the_embedded_model(fmos: FMOS) -> None:
    fast = fmos.vfm("checked").invoke("What is 3 + 4?", max_tokens=12)
    assert fast.traps == [] and re.search(r"\d", fast.text)
    slow = fmos.vfm("checked").invoke("What is 3 + 4?", max_tokens=12, tags=["high_stakes"])
    (trap,) = slow.traps
    assert trap.reason == "rules: tagged high_stakes"
    assert trap.action.startswith("deliberated: majority of ")
    assert re.search(r"\d", slow.text)  # the kept answer passed the app's check
    ladder = fmos.traces.get(slow.trace_id).signals["ladder"]  # type: ignore[index]
    # sampling stops once two passing answers agree, the fast one included
    assert 1 <= ladder["extra_calls"] <= 3 and ladder["outcome"] == "deliberated"
    calls = 1 + ladder["extra_calls"]
    assert slow.usage.total_tokens > (calls - 0.5) * fast.usage.total_tokens  # all charged
    status = fmos.budgets.show("default")
    assert status is not None and status.tokens_reserved == 0


@pytest.mark.model
def test_a_failed_check_on_a_real_answer_is_retried_by_sampling(fmos: FMOS) -> None:
    prompt = "Write one word that names a colour."
    try:
        response = fmos.vfm("checked").invoke(prompt, max_tokens=6)
    except VerificationFailed as exc:  # no sample had a number: typed, and recorded
        assert "human = true" in str(exc) and exc.trace_id
        ladder = fmos.traces.get(exc.trace_id).signals["ladder"]  # type: ignore[index]
    else:
        assert re.search(r"\d", response.text)
        ladder = fmos.traces.get(response.trace_id).signals["ladder"]  # type: ignore[index]
    assert ladder["fast_ok"] is False and ladder["rung"] == "deliberate"
    assert ladder["extra_calls"] in (2, 3)  # two agreeing samples stop it early


@pytest.mark.model
@pytest.mark.xfail(
    strict=True,
    reason="SmolLM2-135M cannot judge answers: asked YES/NO it says 'No.' to right and wrong "
    "answers alike, so it is no verifier; configure a larger verifier_pfm",
)
def test_the_135m_model_as_verifier_accepts_a_right_answer(fmos: FMOS) -> None:
    question = ContractRequest(messages=[{"role": "user", "content": "What is 2 + 2?"}])
    backend = fmos.pfms["smollm2"].backend
    right = fmos.loop.run(backend.complete(judge_request(question, "4")))
    wrong = fmos.loop.run(backend.complete(judge_request(question, "7")))
    assert parse_verdict(right.content) is True and parse_verdict(wrong.content) is False


@pytest.mark.server
def test_a_server_that_ignores_the_schema_gets_the_validator_message_back(
    tmp_path: Path, llama_server: LlamaServer
) -> None:
    """With ``structured_output = "none"`` (a server that cannot constrain output) the
    answer is free text: FMOS sends the validator's message back once, then fails typed."""
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/state.db"},
            "pfms": {
                "server": {
                    "driver": "openai",
                    "options": {
                        "base_url": llama_server.base_url,
                        "model": llama_server.model,
                        "context_window": 2048,
                        "structured_output": "none",
                    },
                }
            },
            "vfms": {"default": {"pfms": ["server"], "verify": {"ladder": "off"}}},
        }
    )
    with FMOS(config) as kernel:
        kernel.budgets.set("default", tokens=100_000)
        try:
            response = kernel.vfm().invoke(
                "Which city is the capital of France, and which country is it in?",
                response_schema=SCHEMA,
                max_tokens=40,
                temperature=0.0,
            )
        except VerificationFailed as exc:
            assert "after 1 repair attempt" in str(exc)
            trace = kernel.traces.get(exc.trace_id)
        else:  # the repair worked: the answer is valid JSON
            assert set(response.parsed()) == {"city", "country"}
            trace = kernel.traces.get(response.trace_id)
        status = kernel.budgets.show("default")
    assert status is not None and status.tokens_reserved == 0
    assert status.tokens_used > trace.input_tokens + trace.output_tokens  # both answers charged
