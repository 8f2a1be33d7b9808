"""Verification and the escalation ladder through the pipeline (scripted pFMs): app rule
checks, a verifier pFM, self-consistency, deliberation, a human reviewer, what every
rung costs, and checks that fail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from kernels import assert_settled, usage

from fmos_core import (
    FMOS,
    ApprovalRequired,
    BackendUnavailable,
    Config,
    ConfigError,
    Request,
    Response,
    VerificationFailed,
    VerifierError,
)
from fmos_core.backends import Completion
from fmos_core.profiles import CapabilityProfile
from fmos_core.testing import ScriptedBackend


def kernel(
    tmp_path: Any,
    backends: dict[str, ScriptedBackend],
    *,
    verify: dict[str, Any] | None = None,
    checks: list[Any] | None = None,
    answer_key: Any = None,
) -> FMOS:
    config = Config.parse(
        {
            "pfms": {name: {"driver": "scripted"} for name in backends},
            "vfms": {"default": {"pfms": [next(iter(backends))], "verify": verify or {}}},
            "state": {"url": f"sqlite:///{tmp_path / 'state.db'}"},
        }
    )
    return FMOS(
        config,
        backends=backends,
        checks={"default": checks} if checks else None,
        answer_keys={"default": answer_key} if answer_key else None,
    )


def is_number(request: Request, response: Response) -> bool | str:
    return response.text.strip().isdigit() or f"{response.text!r} is not a number"


def ladder_of(fmos: FMOS, trace_id: str) -> dict[str, Any]:
    return fmos.traces.get(trace_id).signals["ladder"]  # type: ignore[index]


# --- rule checks -----------------------------------------------------------------------------


def test_a_passing_answer_stays_fast_and_costs_one_call(tmp_path):
    backend = ScriptedBackend([usage("4")])
    with kernel(tmp_path, {"s": backend}, checks=[is_number]) as fmos:
        response = fmos.vfm().invoke("2+2?")
        assert response.text == "4" and response.usage.total_tokens == 30
        assert [t.type for t in response.traps] == []
        ladder = ladder_of(fmos, response.trace_id)
    assert ladder["rung"] == "fast" and ladder["outcome"] == "fast" and ladder["extra_calls"] == 0
    assert len(backend.requests) == 1


def test_a_failed_rule_check_deliberates_and_the_majority_of_passing_samples_wins(tmp_path):
    replies = ["four", "4", "five", "4", "x"]  # fast answer, then three samples... and spare
    backend = ScriptedBackend([usage(r) for r in replies[:4]])
    with kernel(tmp_path, {"s": backend}, checks=[is_number]) as fmos:
        fmos.budgets.set("default", tokens=10_000)
        response = fmos.vfm().invoke("2+2?")
        assert response.text == "4"
        assert response.usage.total_tokens == 4 * 30  # the fast answer and three samples
        (trap,) = response.traps
        assert trap.type == "trust" and "rule check" in trap.reason
        assert trap.action.startswith("deliberated: majority of 2 passing answers")
        ladder = ladder_of(fmos, response.trace_id)
        assert_settled(fmos, "default", tokens=120, requests=1)
    assert ladder["fast_ok"] is False and ladder["outcome"] == "deliberated"
    samples = backend.requests[1:]
    assert {r.sampling.temperature for r in samples} == {0.7}
    assert len({r.sampling.seed for r in samples}) == 3


def test_deliberation_stops_sampling_once_two_passing_answers_agree(tmp_path):
    backend = ScriptedBackend([usage(r) for r in ["Paris", "Lyon", "Nice", "Lyon"]])
    with kernel(tmp_path, {"s": backend}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["high_stakes"])
        assert response.text == "Lyon"  # two of four beat the fast answer's one
    agreeing = ScriptedBackend([usage(r) for r in ["Paris", "Lyon", "Paris"]])
    with kernel(tmp_path / "agree", {"s": agreeing}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["high_stakes"])
        assert response.text == "Paris" and response.usage.total_tokens == 90  # 2 samples
        assert response.traps[0].action.endswith("(67%): the fast answer")
        assert ladder_of(fmos, response.trace_id)["fast_ok"] is None


def test_without_early_stop_every_sample_is_drawn(tmp_path):
    backend = ScriptedBackend([usage(r) for r in ["Paris", "Lyon", "Paris", "Lyon"]])
    with kernel(tmp_path, {"s": backend}, verify={"early_stop": False}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["high_stakes"])
    assert response.text == "Paris" and response.usage.total_tokens == 120  # the tie: greedy
    assert len(backend.requests) == 4


def test_with_no_agreement_the_fast_answer_wins_the_tie(tmp_path):
    backend = ScriptedBackend([usage(r) for r in ["Paris", "Lyon", "Nice", "Rome"]])
    with kernel(tmp_path, {"s": backend}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["high_stakes"])
    assert response.text == "Paris" and response.usage.total_tokens == 120
    assert response.traps[0].action.endswith("(25%): the fast answer")


def test_an_app_answer_key_decides_which_answers_agree(tmp_path):
    replies = ["It is 7.", "3 + 4 = 7", "The answer is 7", "8"]
    with kernel(tmp_path, {"s": ScriptedBackend([usage(r) for r in replies])}) as fmos:
        plain = fmos.vfm().invoke("3 + 4?", tags=["verify"])
        assert plain.traps[0].action.startswith("deliberated")  # no two texts are equal
    number = lambda text: (re.findall(r"\d+", text) or [""])[-1]  # noqa: E731
    backend = ScriptedBackend([usage(r) for r in replies])
    with kernel(tmp_path / "k", {"s": backend}, answer_key=number) as fmos:
        keyed = fmos.vfm().invoke("3 + 4?", tags=["verify"])
    assert keyed.text == "It is 7." and keyed.traps[0].action == "verified: 2 of 3 samples agree"


def test_answer_keys_for_an_unknown_vfm_are_a_config_error():
    config = Config.parse({"pfms": {"s": {"driver": "scripted"}}, "vfms": {"v": {"pfms": ["s"]}}})
    with pytest.raises(ConfigError, match="answer_keys name VFM"):
        FMOS(config, backends={"s": ScriptedBackend([])}, answer_keys={"x": str})


def test_when_no_sample_passes_the_call_fails_typed_and_everything_is_charged(tmp_path):
    backend = ScriptedBackend([usage(r) for r in ["four", "four", "vier", "quatre"]])
    with kernel(tmp_path, {"s": backend}, checks=[is_number]) as fmos:
        fmos.budgets.set("default", tokens=10_000)
        with pytest.raises(VerificationFailed, match="human = true") as info:
            fmos.vfm().invoke("2+2?")
        assert_settled(fmos, "default", tokens=120, requests=1)
        assert fmos.traces.get(info.value.trace_id).status == "error"


def test_with_the_ladder_off_a_failed_rule_check_fails_at_once(tmp_path):
    backend = ScriptedBackend([usage("four")])
    fmos = kernel(tmp_path, {"s": backend}, verify={"ladder": "off"}, checks=[is_number])
    with fmos, pytest.raises(VerificationFailed, match="is_number: 'four' is not a number"):
        fmos.vfm().invoke("2+2?")
    assert len(backend.requests) == 1


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (lambda request, response: 1 / 0, "raised ZeroDivisionError"),
        (lambda request, response: 42, "returned int"),
    ],
)
def test_a_rule_check_that_cannot_judge_withholds_the_answer(tmp_path, check, message):
    with kernel(tmp_path, {"s": ScriptedBackend([usage("4")])}, checks=[check]) as fmos:
        with pytest.raises(VerifierError, match=message) as info:
            fmos.vfm().invoke("2+2?")
        assert info.value.check == "<lambda>" and info.value.trace_id
        stored = fmos.traces.get(info.value.trace_id)
        assert stored.status == "error" and stored.error.startswith("VerifierError")


def test_checks_for_an_unknown_vfm_are_a_config_error(tmp_path):
    config = Config.parse({"pfms": {"s": {"driver": "scripted"}}, "vfms": {"v": {"pfms": ["s"]}}})
    with pytest.raises(ConfigError, match=r"'nope'.*configured: v"):
        FMOS(config, backends={"s": ScriptedBackend([])}, checks={"nope": [is_number]})


# --- the verify rung -------------------------------------------------------------------------


def test_a_tagged_call_is_verified_by_agreeing_samples(tmp_path):
    backend = ScriptedBackend([usage(r) for r in ["Paris", "paris.", "Lyon", " Paris"]])
    with kernel(tmp_path, {"s": backend}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["verify"])
        assert response.text == "Paris" and response.usage.total_tokens == 120
        (trap,) = response.traps
        assert trap.reason == "rules: tagged verify"
        assert trap.action == "verified: 2 of 3 samples agree"
        assert ladder_of(fmos, response.trace_id)["fast_ok"] is True


def test_samples_that_disagree_make_deliberation_reuse_them(tmp_path):
    backend = ScriptedBackend([usage(r) for r in ["Lyon", "Paris", "Paris", "Nice"]])
    with kernel(tmp_path, {"s": backend}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["verify"])
        assert response.text == "Paris"
        assert response.traps[0].action.startswith("deliberated: majority of 2")
        assert ladder_of(fmos, response.trace_id)["fast_ok"] is False
    assert len(backend.requests) == 4  # verify's samples were reused, not drawn again


def test_a_verifier_pfm_judges_the_answer_and_sees_the_evidence(tmp_path):
    main = ScriptedBackend([usage("Paris")])
    judge = ScriptedBackend([usage("YES")])
    with kernel(tmp_path, {"s": main, "judge": judge}, verify={"verifier_pfm": "judge"}) as fmos:
        response = fmos.vfm().invoke(
            [
                {"role": "user", "content": "Capital of France?"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"id": "c1", "name": "atlas", "arguments": {}}]},
                {"role": "tool", "content": "France: capital Paris", "tool_call_id": "c1"},
            ],
            tags=["verify"],
        )  # fmt: skip
        assert response.traps[0].action == "verified: verifier judge said YES"
        asked = judge.requests[0].messages[-1].content
    assert "Question: Capital of France?" in asked and "France: capital Paris" in asked
    assert asked.rstrip().endswith("Reply YES or NO.") and "Answer: Paris" in asked


def test_a_verifier_that_says_no_sends_the_answer_to_deliberation_judged_by_it(tmp_path):
    main = ScriptedBackend([usage(r) for r in ["Lyon", "Lyon", "Paris", "Paris"]])
    judge = ScriptedBackend([usage(r) for r in ["NO", "maybe", "YES"]])
    with kernel(tmp_path, {"s": main, "judge": judge}, verify={"verifier_pfm": "judge"}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["verify"])
    assert response.text == "Paris"
    assert "the verifier accepted a sample" in response.traps[0].action
    assert response.usage.total_tokens == 4 * 30 + 3 * 30


def test_a_verifier_pfm_that_fails_is_a_verifier_error(tmp_path):
    main = ScriptedBackend([usage("Paris")])
    judge = ScriptedBackend([BackendUnavailable("connection refused", pfm="judge")] * 3)
    fmos = kernel(tmp_path, {"s": main, "judge": judge}, verify={"verifier_pfm": "judge"})
    with fmos, pytest.raises(VerifierError, match="verifier pFM 'judge' failed") as info:
        fmos.vfm().invoke("Capital of France?", tags=["verify"])
    assert info.value.check == "verifier_pfm:judge"


def test_deliberation_on_a_stronger_pfm_answers_for_it(tmp_path):
    main = ScriptedBackend([usage("Lyon")])
    strong = ScriptedBackend([usage(r) for r in ["Paris", "Paris", "Paris"]])
    verify = {"deliberate_pfm": "strong"}
    with kernel(tmp_path, {"s": main, "strong": strong}, verify=verify) as fmos:
        response = fmos.vfm().invoke("Capital of France?", tags=["high_stakes"])
        assert response.text == "Paris" and response.pfm == "strong"
        assert fmos.traces.get(response.trace_id).pfm == "strong"


def test_an_unknown_verifier_pfm_is_a_config_error():
    with pytest.raises(ConfigError, match="'judge'"):
        Config.parse(
            {
                "pfms": {"s": {"driver": "scripted"}},
                "vfms": {"default": {"pfms": ["s"], "verify": {"verifier_pfm": "judge"}}},
            }
        )


# --- the human rung --------------------------------------------------------------------------


def test_an_answer_nothing_could_verify_waits_for_a_reviewer_and_resumes(tmp_path):
    backend = ScriptedBackend([usage(r) for r in ["four", "four", "vier", "quatre"]])
    with kernel(tmp_path, {"s": backend}, verify={"human": True}, checks=[is_number]) as fmos:
        with pytest.raises(ApprovalRequired) as info:
            fmos.vfm().invoke("2+2?")
        approval = fmos.approvals.get(info.value.approval_id)
        assert approval.kind == "answer" and approval.status == "pending"
        assert "rule check" in approval.context["reason"]
        fmos.approvals.decide(approval.id, approve=True, by="reviewer")
        resumed = fmos.vfm().resume(approval.id)
    assert resumed.text == "four" and resumed.usage.total_tokens == 120
    assert resumed.traps[-1].action == f"held for approval {approval.id}"


# --- the confidence rule ---------------------------------------------------------------------


def test_low_confidence_is_verified_when_the_rules_look_at_logprobs(tmp_path):
    unsure = Completion(content="Lyon", input_tokens=20, output_tokens=10, logprobs=[-2.0, -1.5])
    profile = CapabilityProfile(context_window=2048, logprobs=True)
    backend = ScriptedBackend([unsure, *[usage("Paris")] * 3], profile=profile)
    with kernel(tmp_path, {"s": backend}, verify={"min_confidence": 0.5}) as fmos:
        response = fmos.vfm().invoke("Capital of France?", logprobs=True)
        assert response.text == "Paris"
        assert response.traps[0].reason.startswith("rules: confidence 0.17 below 0.50")
