"""One reasoning knob: each level as each kind of pFM really receives it.

The payload tests run the real OpenAI driver against a loopback server that records
every JSON body; the technique test runs the real embedded SmolLM2 through llama.cpp.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from servers import RecordingServer, recording_http_server

from fmos_core import FMOS, Config, Request
from fmos_core.errors import BadRequest, ReasoningUnsupported
from fmos_core.profiles import CapabilityProfile
from fmos_core.reasoning import expresses, plan, prepare
from fmos_core.reasoning.knob import TECHNIQUES
from fmos_core.testing import ScriptedBackend

LEVELS: list[str | int] = ["off", "low", "medium", "high", 700]
QUESTION = "What is 12 + 30?"


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_http_server(content="42", reasoning_tokens=11) as running:
        yield running


def remote(server: RecordingServer, tmp_path: Any, profile: dict[str, Any], **options: Any) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {
                "remote": {
                    "driver": "openai",
                    "options": {"base_url": server.base_url, "model": "m", **options},
                    "profile": profile,
                }
            },
            "vfms": {"default": {"pfms": ["remote"]}},
        }
    )
    return FMOS(config)


def sent(fmos: FMOS, server: RecordingServer, level: str | int) -> dict[str, Any]:
    """The JSON body the pFM received for one call at ``level``."""
    before = len(server.bodies)
    fmos.vfm().invoke(QUESTION, reasoning_level=level, max_tokens=16)
    assert len(server.bodies) == before + 1
    return server.bodies[-1]


def last_user(body: dict[str, Any]) -> str:
    return str([m for m in body["messages"] if m["role"] == "user"][-1]["content"])


def test_token_budget_sends_the_budget_field(server: RecordingServer, tmp_path: Any) -> None:
    profile = {"reasoning_knob": "token_budget", "reasoning_budgets": {"low": 128, "high": 2048}}
    levels = ["off", "low", "high", 700]
    with remote(server, tmp_path, profile) as fmos:
        budgets = {level: sent(fmos, server, level)["thinking_budget_tokens"] for level in levels}
        with pytest.raises(ReasoningUnsupported, match=r"'medium'.*pass low/high"):
            fmos.vfm().invoke(QUESTION, reasoning_level="medium")  # the profile maps none
    assert budgets == {"off": 0, "low": 128, "high": 2048, 700: 700}
    assert len(server.bodies) == 4  # the inexpressible level never reached the server
    assert all(last_user(b) == QUESTION for b in server.bodies)
    assert not any({"reasoning_effort", "chat_template_kwargs"} & set(b) for b in server.bodies)


def test_token_budget_field_is_a_driver_option(server: RecordingServer, tmp_path: Any) -> None:
    field = {"thinking_budget_field": "chat_template_kwargs.thinking_budget"}
    profile = {"reasoning_knob": "token_budget"}
    extra = {"extra_body": {"chat_template_kwargs": {"custom": 1}}}
    with remote(server, tmp_path, profile, **field, **extra) as fmos:
        body = sent(fmos, server, "medium")
    assert body["chat_template_kwargs"] == {"custom": 1, "thinking_budget": 1024}
    assert "thinking_budget_tokens" not in body


def test_token_budget_above_the_cap_names_what_to_change(
    server: RecordingServer, tmp_path: Any
) -> None:
    profile = {"reasoning_knob": "token_budget", "max_reasoning_tokens": 1000}
    with remote(server, tmp_path, profile) as fmos:
        assert sent(fmos, server, "high")["thinking_budget_tokens"] == 1000  # capped
        with pytest.raises(ReasoningUnsupported) as caught:
            sent(fmos, server, 5000)
    message = str(caught.value)
    assert "'remote'" in message and "1000" in message and "max_reasoning_tokens" in message
    assert caught.value.pfm == "remote" and isinstance(caught.value, BadRequest)


def test_effort_sends_reasoning_effort(server: RecordingServer, tmp_path: Any) -> None:
    with remote(server, tmp_path, {"reasoning_knob": "effort"}) as fmos:
        bodies = {level: sent(fmos, server, level) for level in LEVELS[:4]}
        with pytest.raises(ReasoningUnsupported, match="knob is 'effort'; pass off/low/medium"):
            sent(fmos, server, 700)
    assert "reasoning_effort" not in bodies["off"]
    assert {lv: bodies[lv]["reasoning_effort"] for lv in ("low", "medium", "high")} == {
        "low": "low",
        "medium": "medium",
        "high": "high",
    }
    assert all(last_user(b) == QUESTION for b in bodies.values())
    assert len(server.bodies) == 4  # the inexpressible level never reached the server


def test_effort_names_come_from_the_profile(server: RecordingServer, tmp_path: Any) -> None:
    profile = {"reasoning_knob": "effort", "reasoning_efforts": {"off": "none", "high": "xhigh"}}
    with remote(server, tmp_path, profile) as fmos:
        assert sent(fmos, server, "off")["reasoning_effort"] == "none"
        assert sent(fmos, server, "high")["reasoning_effort"] == "xhigh"
        with pytest.raises(ReasoningUnsupported, match="pass off/high"):
            sent(fmos, server, "low")


def test_on_off_template_switch(server: RecordingServer, tmp_path: Any) -> None:
    with remote(server, tmp_path, {"reasoning_knob": "on_off"}) as fmos:
        bodies = {level: sent(fmos, server, level) for level in LEVELS[:4]}
        with pytest.raises(ReasoningUnsupported, match="knob is 'on_off'"):
            sent(fmos, server, 700)
    switches = {lv: b["chat_template_kwargs"] for lv, b in bodies.items()}
    assert switches == {
        "off": {"enable_thinking": False},
        "low": {"enable_thinking": True},
        "medium": {"enable_thinking": True},
        "high": {"enable_thinking": True},
    }
    assert all(last_user(b) == QUESTION for b in bodies.values())


def test_on_off_prompt_switch(server: RecordingServer, tmp_path: Any) -> None:
    profile = {"reasoning_knob": "on_off", "reasoning_switch": "prompt"}
    with remote(server, tmp_path, profile) as fmos:
        bodies = {level: sent(fmos, server, level) for level in LEVELS[:4]}
    assert {lv: last_user(b) for lv, b in bodies.items()} == {
        "off": f"{QUESTION} /no_think",
        "low": f"{QUESTION} /think",
        "medium": f"{QUESTION} /think",
        "high": f"{QUESTION} /think",
    }
    assert all("chat_template_kwargs" not in b for b in bodies.values())


def test_none_sends_a_prompt_technique(server: RecordingServer, tmp_path: Any) -> None:
    with remote(server, tmp_path, {}) as fmos:  # the openai driver's default knob: none
        bodies = {level: sent(fmos, server, level) for level in LEVELS[:4]}
        with pytest.raises(ReasoningUnsupported, match="knob is 'none'"):
            sent(fmos, server, 700)
    texts = {lv: last_user(b) for lv, b in bodies.items()}
    assert texts["off"] == QUESTION
    for level in ("low", "medium", "high"):
        assert texts[level] == f"{QUESTION}\n\n{TECHNIQUES[level]}"
    assert len(TECHNIQUES["medium"]) < len(TECHNIQUES["high"])  # step by step, growing
    assert "five words" in TECHNIQUES["low"]  # chain of draft: a few words a step
    for body in bodies.values():
        assert not {"reasoning_effort", "chat_template_kwargs", "thinking_budget_tokens"} & set(
            body
        )


def test_reasoning_tokens_are_read_from_usage(server: RecordingServer, tmp_path: Any) -> None:
    with remote(server, tmp_path, {"reasoning_knob": "effort"}) as fmos:
        response = fmos.vfm().invoke(QUESTION, reasoning_level="high", max_tokens=16)
        fmos.flush()
        trace = fmos.traces.get(response.trace_id)
    assert response.usage.reasoning_tokens == 11
    assert trace.reasoning_tokens == 11


def test_reason_stage_moves_to_a_pfm_that_can(server: RecordingServer, tmp_path: Any) -> None:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {
                "small": {"driver": "scripted"},
                "thinker": {
                    "driver": "openai",
                    "options": {"base_url": server.base_url, "model": "m"},
                    "profile": {"reasoning_knob": "token_budget"},
                },
            },
            "vfms": {"default": {"pfms": ["small", "thinker"]}},
        }
    )
    small = ScriptedBackend(["from small"])
    with FMOS(config, backends={"small": small}) as fmos:
        moved = fmos.vfm().invoke(QUESTION, reasoning_level=900, tags=["math"], max_tokens=16)
        kept = fmos.vfm().invoke(QUESTION, reasoning_level="low", max_tokens=16)
        fmos.flush()
        signals = fmos.traces.get(moved.trace_id).signals
    assert moved.pfm == "thinker" and moved.text == "42"
    assert "reasoning:small->thinker:900" in moved.provenance.policies
    assert server.bodies[-1]["thinking_budget_tokens"] == 900
    assert kept.pfm == "small" and kept.text == "from small"  # "low" is a technique there
    assert small.requests[0].reasoning_level == "low"
    assert signals["reasoning"] == {
        "asked": 900,
        "used": 900,
        "tag": "math",
        "tuned": False,
        "explored": False,
        "policy": 0,
        "checked": False,
    }


def test_no_capable_pfm_is_a_typed_error_naming_the_pool(tmp_path: Any) -> None:
    config = Config.parse(
        {
            "state": {"enabled": False},
            "pfms": {"a": {"driver": "scripted"}, "b": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["a", "b"]}},
        }
    )
    with FMOS(config) as fmos, pytest.raises(ReasoningUnsupported) as caught:
        fmos.vfm().invoke(QUESTION, reasoning_level=256)
    message = str(caught.value)
    assert "VFM 'default'" in message and "a: none, b: none" in message
    assert "pass off/low/medium/high" in message


def test_kernel_gives_drivers_the_configured_profile(tmp_path: Any) -> None:
    config = Config.parse(
        {
            "state": {"enabled": False},
            "pfms": {"a": {"driver": "scripted", "profile": {"reasoning_knob": "effort"}}},
            "vfms": {"default": {"pfms": ["a"]}},
        }
    )
    with FMOS(config) as fmos:
        assert fmos.pfms["a"].backend.profile.reasoning_knob == "effort"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "off"), ("auto", "auto"), (2048, 2048), ("512", 512), ("high", "high")],
)
def test_request_accepts_levels_budgets_and_auto(value: Any, expected: Any) -> None:
    request = Request(messages=[{"role": "user", "content": "x"}], reasoning_level=value)
    assert request.reasoning_level == expected


@pytest.mark.parametrize("value", [-1, True, "extreme", 1.5])
def test_request_rejects_other_levels(value: Any) -> None:
    with pytest.raises(ValueError, match="reasoning_level"):
        Request(messages=[{"role": "user", "content": "x"}], reasoning_level=value)


def test_expresses_and_prepare_are_pure() -> None:
    budget = CapabilityProfile(reasoning_knob="token_budget", max_reasoning_tokens=512)
    assert expresses(budget, 512) and not expresses(budget, 513)
    assert expresses(budget, "auto")  # the VFM resolves it before routing
    assert not expresses(CapabilityProfile(reasoning_knob="none"), 64)
    request = Request(messages=[{"role": "user", "content": "q"}], reasoning_level="off")
    assert prepare(request, CapabilityProfile(), pfm="p")[0] is request  # nothing to change
    direct = plan("auto", budget, pfm="p")  # no VFM to decide: the pFM's own default
    assert (direct.budget, direct.effort, direct.thinking, direct.instruction) == (
        None,
        None,
        None,
        "",
    )


@pytest.mark.model
def test_embedded_smollm2_receives_the_technique(tmp_path: Any) -> None:
    config = Config.parse(
        {"state": {"url": f"sqlite:///{tmp_path}/s.db"}, "vfms": {"default": {"pfms": ["smollm2"]}}}
    )
    with FMOS(config) as fmos:
        vfm = fmos.vfm()
        backend = fmos.pfms["smollm2"].backend
        counts = {}
        for level in ("off", "low", "high"):
            response = vfm.invoke(QUESTION, reasoning_level=level, max_tokens=8)
            counts[level] = response.usage.input_tokens
            by_hand = Request(
                messages=[
                    {
                        "role": "user",
                        "content": QUESTION
                        + ("" if level == "off" else f"\n\n{TECHNIQUES[level]}"),
                    }
                ],
                max_tokens=8,
            )
            # llama.cpp evaluated exactly the prompt with the technique appended
            assert counts[level] == backend.count_tokens(by_hand)
    assert counts["off"] < counts["low"] < counts["high"]
