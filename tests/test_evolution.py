"""Self-evolution through the kernel: judged examples, proposals, offline evaluation,
canary rollout with automatic promote / rollback, shared learning and its opt-out.

The pFM here is a scripted "student" (a unit-test double, not proof a model learns):
it answers ``What is A+B?`` with the bare number when it has seen an example answered
that way (a demonstration) or when told "number only", else — for odd A — with a
sentence that the app's check rejects. The real model's gain is measured in
``benchmarks/evolution.py`` and shown in ``notebooks/02_self_evolution.ipynb``.
"""

from __future__ import annotations

import re

import pytest

from fmos_core import FMOS, Completion, Config, Request
from fmos_core.config import VFMConfig
from fmos_core.errors import BadRequest, VerificationFailed
from fmos_core.evolution.evaluation import Case
from fmos_core.evolution.evolver import CandidateRejected
from fmos_core.evolution.instructions import ProposalRejected
from fmos_core.evolution.parameters import Judged, propose_parameters, with_parameters
from fmos_core.testing import ScriptedBackend

QUESTION = re.compile(r"What is (\d+)\+(\d+)\?")


def student(request: Request) -> Completion:
    """Answers like a small model whose format follows what its context shows."""
    last = request.messages[-1].content
    if last.startswith("You improve the system prompt"):
        return Completion(content="New prompt: Reply with the number only.", output_tokens=6)
    asked = QUESTION.search(last)
    if asked is None:
        return Completion(content="I am not sure.", output_tokens=4)
    a, b = int(asked[1]), int(asked[2])
    shown = [m.content for m in request.messages[:-1] if m.role == "assistant"]
    system = request.messages[0].content if request.messages[0].role == "system" else ""
    if shown and not all(s.isdigit() for s in shown):
        return Completion(content="Let me tell you a story instead.", output_tokens=7)
    if shown or "number only" in system or a % 2 == 0:
        return Completion(content=str(a + b), input_tokens=10, output_tokens=1)
    return Completion(content=f"Well, the sum of {a} and {b} is {a + b}.", output_tokens=9)


def number_only(request: Request, response) -> bool | str:
    asked = QUESTION.search(request.messages[-1].content)
    if asked is None:
        return True
    expected = str(int(asked[1]) + int(asked[2]))
    return response.text.strip() == expected or "not the bare number"


def kernel(db_url: str, *, share: float = 0.5, window: int = 8, **tenants: dict) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": db_url},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["s"],
                    "system_prompt": "Answer the question.",
                    "rollout": {"canary_share": share, "window": window, "check_every": 4},
                }
            },
            "tenants": {"default": {}, **tenants},
        }
    )
    backend = ScriptedBackend([student], repeat=True)
    return FMOS(config, backends={"s": backend}, checks={"default": [number_only]})


def ask(fmos: FMOS, a: int, b: int, *, tenant: str = "default", session: str = "s") -> bool:
    try:
        fmos.vfm().invoke(f"What is {a}+{b}?", tenant=tenant, session=session)
        return True
    except VerificationFailed:
        return False


def serve_train(fmos: FMOS, n: int = 80, **identity: str) -> None:
    for i in range(n):
        ask(fmos, i, i + 3, **identity)


@pytest.fixture
def fmos(db_url):
    with kernel(db_url) as k:
        yield k


def test_demonstrations_are_curated_evaluated_and_become_the_canary(fmos):
    serve_train(fmos)
    step = fmos.evolve("default", "demonstrations")

    assert step.alias == "canary"
    assert step.candidate.accuracy == 1.0 > step.baseline.accuracy
    examples = step.version.body["examples"]
    assert 1 <= len(examples) <= 4
    assert all(e["output"].isdigit() for e in examples)  # only verified good answers
    assert len({e["input"] for e in examples}) == len(examples)
    evaluation = step.version.evaluation
    assert evaluation["passed"] and evaluation["source"] == "held-out traces"
    assert evaluation["cases"] == step.candidate.total > 0
    assert fmos.versions.alias("default", "demonstrations", "canary") == step.version.version


def test_a_canary_serves_its_share_and_is_named_in_provenance(db_url):
    with kernel(db_url, share=0.3, window=1000) as fmos:
        serve_train(fmos)
        version = fmos.evolve("default", "demonstrations").version.version
        labels = []
        for i in range(100):
            answer = fmos.vfm().invoke(f"What is {2 * i}+1?", session=f"user-{i}")
            labels.append(answer.provenance.prompt_versions.get("demonstrations"))
            again = fmos.vfm().invoke(f"What is {2 * i}+3?", session=f"user-{i}")
            assert again.provenance.prompt_versions.get("demonstrations") == labels[-1]
    assert set(labels) == {f"v{version} (canary)", None}  # production has no demonstrations
    assert 15 <= labels.count(f"v{version} (canary)") <= 45  # ~30 % of sessions


def test_a_good_canary_is_promoted_on_its_live_scores(fmos):
    serve_train(fmos)
    version = fmos.evolve("default", "demonstrations").version.version
    for i in range(60):
        ask(fmos, 2 * i + 1, 5, session=f"user-{i}")  # odd: production's answers fail
    fmos.flush()
    fmos.canaries.wait()
    fmos.watch_canaries("default")

    assert fmos.versions.alias("default", "demonstrations", "production") == version
    assert fmos.versions.alias("default", "demonstrations", "canary") is None
    moves = fmos.versions.history("default", "demonstrations")
    assert [m.action for m in moves][-2:] == ["promote", "promote"]
    assert moves[-1].by == "fmos-canary" and "canary" in moves[-1].reason


def test_a_planted_regression_is_rolled_back_within_the_window(fmos):
    bad = fmos.versions.register(
        "default", "demonstrations",
        {"examples": [{"input": "What is 1+1?", "output": "Two, I think."}], "family": None},
        by="test",
    )  # fmt: skip
    fmos.versions.move("default", "demonstrations", "canary", bad.version, by="test", reason="x")
    canary_calls = 0
    for i in range(200):
        session = f"user-{i}"
        answer_ok = ask(fmos, 2 * i, 1, session=session)  # even: production passes
        canary_calls += not answer_ok
        fmos.canaries.wait()
        if fmos.versions.alias("default", "demonstrations", "canary") is None:
            break
    assert fmos.versions.alias("default", "demonstrations", "canary") is None
    assert canary_calls <= 8  # the window
    last = fmos.versions.history("default", "demonstrations", "canary")[-1]
    assert (last.action, last.from_version, last.to_version) == ("rollback", bad.version, None)


def test_a_rewritten_instruction_is_evaluated_and_rolled_out(fmos):
    serve_train(fmos)
    step = fmos.evolve("default", "system_prompt")
    assert step.version.body == {"text": "Reply with the number only."}
    assert step.candidate.accuracy == 1.0 > step.baseline.accuracy


def test_a_candidate_that_fails_evaluation_is_kept_on_record_and_serves_nothing(db_url):
    with kernel(db_url, share=0.5) as fmos:
        serve_train(fmos)
        cases = [Case(f"What is {2 * i}+1?", check=lambda t: t.strip().isdigit()) for i in range(6)]
        with pytest.raises(CandidateRejected, match=r"scored 100% on 6 cases against 100%"):
            fmos.evolve("default", "demonstrations", cases=cases)
        versions = fmos.versions.list("default", "demonstrations")
        assert len(versions) == 1 and versions[0].evaluation["passed"] is False
        assert fmos.versions.alias("default", "demonstrations", "canary") is None
        assert fmos.versions.history("default", "demonstrations") == []


def test_a_gain_chance_could_explain_is_not_rolled_out(fmos):
    serve_train(fmos)
    cases = [Case(f"What is {i}+1?", check=str.isdigit) for i in (2, 4, 5, 7)]  # 2 to gain
    with pytest.raises(CandidateRejected, match=r"100% on 4 cases against 50% .* p = 0\.25"):
        fmos.evolve("default", "demonstrations", cases=cases)
    assert fmos.versions.alias("default", "demonstrations", "canary") is None


def test_shared_learning_pools_tenants_and_respects_the_opt_out(db_url):
    with kernel(db_url, acme={}, private={"share_learning": False}) as fmos:
        for i in range(20):
            ask(fmos, 2 * i, 7, tenant="acme")  # good answers of a sharing tenant
            ask(fmos, 2 * i + 100, 7, tenant="private")  # good, but opted out
        odd = [Case(f"What is {2 * i + 1}+2?", check=str.isdigit) for i in range(4)]
        step = fmos.evolve("default", "demonstrations", cases=odd)
        sources = {fmos.traces.get(e["trace"]).tenant for e in step.version.body["examples"]}
        assert sources == {"acme"}
        # what was learned serves every tenant, the opted-out one included
        answer = _drawn(fmos, tenant="private")
        assert answer.provenance.prompt_versions["demonstrations"].endswith("(canary)")


def test_evolution_needs_judged_traces_and_a_way_to_judge(db_url):
    config = Config.parse(
        {
            "state": {"url": db_url},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}},
        }
    )
    with FMOS(config, backends={"s": ScriptedBackend([student], repeat=True)}) as fmos:
        with pytest.raises(BadRequest, match="it has none; name an eval set"):
            fmos.evolve("default", "demonstrations")
        with pytest.raises(ProposalRejected, match="no verified good answers"):
            fmos.evolve("default", "demonstrations", cases=_even_cases())
        with pytest.raises(BadRequest, match="evolves demonstrations, system_prompt, policy"):
            fmos.evolve("default", "prompts", cases=_even_cases())
        with pytest.raises(BadRequest, match="needs judged traces on both sides"):
            fmos.evolve("default", "policy")


def judged(i: int) -> Judged:
    """Every third answer at "low" and every answer at "off" is bad, and unsure."""
    level = "low" if i % 2 else "off"
    good = level == "low" and i % 3 != 0
    return Judged(f"t{i}", 1.0 if good else 0.0, 0.9 if good else 0.3, level, 100)


def test_parameters_are_tuned_on_train_traces_and_kept_only_if_better_held_out():
    rows = [judged(i) for i in range(60)]
    body, evaluation = propose_parameters(rows[:40], rows[40:], VFMConfig(pfms=["s"]))
    assert 0.3 < body["verify.min_confidence"] < 0.9
    assert body["reasoning.default"] == "low"
    assert evaluation["min_confidence"]["after"] > evaluation["min_confidence"]["before"]
    # the current values already do as well: nothing to gain, nothing proposed
    tuned = VFMConfig(pfms=["s"], verify={"min_confidence": 0.6}, reasoning={"default": "low"})
    assert propose_parameters(rows[:40], rows[40:], tuned)[0] == {}


def test_a_served_policy_version_overrides_the_vfm_parameters(fmos):
    tuned = fmos.versions.register("default", "policy", {"reasoning.default": "low"}, by="t")
    fmos.versions.move("default", "policy", "production", tuned.version, by="t", reason="x")
    fmos.prompt_versions.forget()
    answer = fmos.vfm().invoke("What is 2+2?")
    fmos.flush()
    assert answer.provenance.prompt_versions["policy"] == f"v{tuned.version} (production)"
    assert fmos.traces.get(answer.trace_id).signals["reasoning"]["used"] == "low"
    with pytest.raises(BadRequest, match="a policy sets"):
        with_parameters(VFMConfig(pfms=["s"]), {"verify.samples": 9})


def _even_cases() -> list[Case]:
    return [Case(f"What is {2 * i}+2?", check=lambda t: t.strip().isdigit()) for i in range(4)]


def _drawn(fmos: FMOS, *, tenant: str):
    for i in range(40):
        answer = fmos.vfm().invoke("What is 2+2?", tenant=tenant, session=f"s{i}")
        if "demonstrations" in answer.provenance.prompt_versions:
            return answer
    raise AssertionError("no session drew the canary")
