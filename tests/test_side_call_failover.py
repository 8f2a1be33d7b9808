"""Calls made on a call's behalf — a verifier's verdict, deliberation samples, recall
rounds — are retried on transient errors like the call itself, respect the pFM's
circuit breaker, and stay on the pFM they were sent to."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fmos_core import FMOS, BackendTimeout, BackendUnavailable, Config, Message, Request, ToolCall
from fmos_core.backends import Completion
from fmos_core.errors import VerifierError
from fmos_core.testing import ScriptedBackend

FAST = {"backoff_s": 0.0, "max_backoff_s": 0.0}
HANDLE = re.compile(r"fs:[0-9a-f]{16}")


def down(pfm: str) -> BackendUnavailable:
    return BackendUnavailable(f"pfm {pfm!r}: connection refused", pfm=pfm)


def kernel(tmp_path: Any, backends: dict[str, ScriptedBackend], **vfm: Any) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {
                name: {"driver": "scripted", "breaker": {"failures": 2, "cooldown_s": 60}}
                for name in backends
            },
            "vfms": {"default": {"pfms": [next(iter(backends))], "fallback": FAST, **vfm}},
        }
    )
    return FMOS(config, backends=backends)


def test_a_verifier_that_fails_once_is_retried_and_its_verdict_counts(tmp_path):
    main = ScriptedBackend(["Paris"])
    judge = ScriptedBackend([down("judge"), "YES"])
    with kernel(tmp_path, {"s": main, "judge": judge}, verify={"verifier_pfm": "judge"}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["verify"])
        assert response.traps[0].action == "verified: verifier judge said YES"
        assert "retry:judge:BackendUnavailable" in response.provenance.policies
        assert fmos.health()["judge"].state == "closed"
    judge.assert_consumed()


def test_a_verifier_behind_an_open_breaker_is_not_called(tmp_path):
    main = ScriptedBackend(["Paris", "Paris"])
    judge = ScriptedBackend([down("judge")] * 2)
    fmos = kernel(tmp_path, {"s": main, "judge": judge}, verify={"verifier_pfm": "judge"})
    with fmos:
        with pytest.raises(VerifierError, match=r"tried: judge: 2 attempt\(s\)"):
            fmos.vfm().invoke("Capital of France?", tags=["verify"])  # retries=2, opens at 2
        assert fmos.health()["judge"].state == "open"
        with pytest.raises(VerifierError, match="circuit breaker is open"):
            fmos.vfm().invoke("Capital of France?", tags=["verify"])
    assert len(judge.requests) == 2  # the second call never reached it


def test_deliberation_samples_are_retried_on_the_same_pfm(tmp_path):
    main = ScriptedBackend(["Lyon", BackendTimeout("slow", pfm="s"), "Paris", "Paris"])
    other = ScriptedBackend([])  # a fallback never takes a sample: it fails loudly if called
    with kernel(tmp_path, {"s": main, "other": other}, pfms=["s", "other"]) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["deliberate"])
    assert (response.text, response.pfm) == ("Paris", "s")
    assert "retry:s:BackendTimeout" in response.provenance.policies
    assert other.requests == []
    main.assert_consumed()


def recall_from_window(request: Request) -> Completion:
    handle = HANDLE.search("\n".join(m.content for m in request.messages))
    assert handle is not None
    call = ToolCall(id="r1", name="recall", arguments={"handle": handle.group(0)})
    return Completion(tool_calls=[call], finish_reason="tool_calls")


def test_a_recall_round_is_retried_after_a_transient_failure(tmp_path):
    log = "\n".join(f"line {i}: {'code 4417' if i == 37 else 'nothing'}" for i in range(200))
    history = [
        Message(role="user", content="What is the code in the log?"),
        Message(role="assistant", content="", tool_calls=[ToolCall(id="c1", name="log")]),
        Message(role="tool", tool_call_id="c1", name="log", content=log),
    ]
    backend = ScriptedBackend([recall_from_window, down("s"), "The code is 4417."])
    offload = [{"policy": "offload_tool_outputs", "max_bytes": 500}]
    with kernel(tmp_path, {"s": backend}, context=offload) as fmos:
        response = fmos.vfm().invoke(history)
    assert response.text == "The code is 4417."
    assert "retry:s:BackendUnavailable" in response.provenance.policies
    _, failed, answered = backend.requests
    assert failed.messages == answered.messages  # the same round, asked again
    assert answered.messages[-1].name == "recall"
