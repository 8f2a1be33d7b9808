"""The learned ladder: trained from traces' signals and feedback, versioned, and used
only when it beat the rules on held-out traces."""

from __future__ import annotations

import json
import math

import pytest
from kernels import run_cli, usage

from fmos_core import FMOS, BadRequest, Config, ConfigError, UnknownRecord
from fmos_core.backends import Completion
from fmos_core.config import VerifyConfig
from fmos_core.escalation import (
    Example,
    LadderArtifacts,
    LearnedLadder,
    RuleLadder,
    Signals,
    train_ladder,
)
from fmos_core.profiles import CapabilityProfile
from fmos_core.testing import ScriptedBackend


def examples(n: int = 120) -> list[Example]:
    """Answers whose wrongness follows their confidence, which the rules (off) ignore."""
    out = []
    for i in range(n):
        confidence = (i % 20 + 0.5) / 20
        out.append(Example(f"t{i}", Signals(mean_logprob=math.log(confidence)), confidence < 0.4))
    return out


def test_training_learns_what_the_rules_miss_and_scores_both_on_held_out():
    artifact = train_ladder(examples(), RuleLadder(VerifyConfig()), vfm="v")
    assert artifact.beats_rules
    learned, rules = artifact.metrics["learned"], artifact.metrics["rules"]
    assert rules["escalated"] == 0 and rules["j"] == 0
    assert learned["tpr"] >= 0.9 and learned["fpr"] <= 0.1
    assert artifact.trained_on + artifact.held_out == 120 and artifact.held_out > 20
    ladder = artifact.ladder()
    assert ladder.decide(Signals(mean_logprob=math.log(0.1))).rung != "fast"
    assert ladder.decide(Signals(mean_logprob=math.log(0.9))).rung == "fast"


def test_a_ladder_no_better_than_the_rules_is_not_used(tmp_path):
    noise = [Example(f"t{i}", Signals(mean_logprob=-0.1), i % 2 == 0) for i in range(80)]
    rules = RuleLadder(VerifyConfig(min_confidence=0.5))
    artifact = train_ladder(noise, rules, vfm="v")
    assert not artifact.beats_rules
    store = LadderArtifacts(tmp_path)
    assert store.save(artifact).version == 1
    assert store.usable("v") is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "at least 20"),
        ([Example(f"t{i}", Signals(), True) for i in range(60)], "all wrong"),
    ],
)
def test_too_little_or_one_sided_data_is_refused(data, message):
    with pytest.raises(BadRequest, match=message):
        train_ladder(data, RuleLadder(VerifyConfig()), vfm="v")


def test_versions_are_never_overwritten_and_a_corrupt_one_is_named(tmp_path):
    store = LadderArtifacts(tmp_path)
    artifact = train_ladder(examples(), RuleLadder(VerifyConfig()), vfm="v")
    first, second = store.save(artifact), store.save(artifact)
    assert (first.version, second.version) == (1, 2) and store.versions("v") == [1, 2]
    assert store.usable("v") == second
    (tmp_path / "v" / "v0002.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"v0002.json is corrupt.*fmos ladder train"):
        store.usable("v")
    data = json.loads((tmp_path / "v" / "v0001.json").read_text())
    data["features"] = ["something", "else"]
    (tmp_path / "v" / "v0001.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="other features"):
        store.load("v", 1)
    with pytest.raises(UnknownRecord, match="no ladder artifact v9"):
        store.load("v", 9)


def test_the_learned_ladder_decides_only_from_its_own_weights():
    ladder = LearnedLadder(
        version=3, weights=(0.0,) * 18, bias=5.0, threshold=0.5, deliberate_at=2.0,
        means=(0.0,) * 18, scales=(1.0,) * 18,
    )  # fmt: skip
    decision = ladder.decide(Signals())
    assert (decision.rung, decision.decider) == ("verify", "learned v3")
    assert ladder.decide(Signals(rule_failures=1)).rung == "deliberate"


def test_the_kernel_trains_from_traces_and_feedback_and_then_uses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("FMOS_HOME", str(tmp_path))
    profile = CapabilityProfile(context_window=2048, logprobs=True)

    def answer(request):  # confident answers are right, unsure ones wrong
        sure = "sure" in request.messages[-1].content
        lp = -0.05 if sure else -2.5
        return Completion(content="a", input_tokens=5, output_tokens=2, logprobs=[lp, lp])

    config = Config.parse(
        {
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"], "verify": {"ladder": "learned"}}},
            "state": {"url": f"sqlite:///{tmp_path / 'state.db'}"},
        }
    )
    backend = ScriptedBackend([answer], repeat=True, profile=profile)
    with FMOS(config, backends={"s": backend}) as fmos:
        for i in range(80):
            sure = i % 2 == 0
            response = fmos.vfm().invoke(f"{'sure' if sure else 'hmm'} {i}", logprobs=True)
            assert response.traps == []  # no usable artifact yet: the rules keep it fast
            fmos.feedback(response.trace_id, 1.0 if sure else 0.0)
        artifact = fmos.train_ladder()
        assert artifact.version == 1 and artifact.beats_rules
        assert (tmp_path / "artifacts" / "ladder" / "default" / "v0001.json").exists()
        unsure = fmos.vfm().invoke("hmm again", logprobs=True)
        assert unsure.traps and unsure.traps[0].reason.startswith("learned v1: p(wrong)=")
        sure = fmos.vfm().invoke("sure again", logprobs=True)
        assert sure.traps == []


def test_feedback_is_checked_and_kept_per_tenant(tmp_path):
    config = Config.parse(
        {
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}},
            "tenants": {"default": {}, "other": {}},
            "state": {"url": f"sqlite:///{tmp_path / 'state.db'}"},
        }
    )
    with FMOS(config, backends={"s": ScriptedBackend([usage("x")])}) as fmos:
        trace_id = fmos.vfm().invoke("hi").trace_id
        for bad in (-0.1, 1.5, float("nan")):
            with pytest.raises(BadRequest, match="between 0 and 1"):
                fmos.feedback(trace_id, bad)
        with pytest.raises(UnknownRecord, match=r"response\.trace_id"):
            fmos.feedback("nope", 1.0)
        with pytest.raises(UnknownRecord):
            fmos.feedback(trace_id, 1.0, tenant="other")  # another tenant's trace
        fmos.feedback(trace_id, 0.25, "too short")
        stored = fmos.traces.get(trace_id).signals
    assert stored["feedback"]["score"] == 0.25 and stored["feedback"]["comment"] == "too short"
    assert stored["ladder"]["rung"] == "fast"


def test_the_cli_trains_and_lists_versions(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FMOS_HOME", str(tmp_path))
    path = tmp_path / "fmos.toml"
    path.write_text(
        f'[state]\nurl = "sqlite:///{tmp_path}/state.db"\n'
        '[pfms.s]\ndriver = "scripted"\n[vfms.default]\npfms = ["s"]\n'
    )
    monkeypatch.setenv("FMOS_CONFIG", str(path))
    profile = CapabilityProfile(context_window=2048, logprobs=True)
    replies = [Completion(content="a", logprobs=[-0.05 if i % 2 else -3.0]) for i in range(60)]
    with FMOS(Config.load(path), backends={"s": ScriptedBackend(replies, profile=profile)}) as fmos:
        for i in range(60):
            response = fmos.vfm().invoke(f"q{i}", logprobs=True)
            fmos.feedback(response.trace_id, float(i % 2))

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    code, out, _ = run("ladder", "train", "--json")
    assert code == 0 and json.loads(out)["version"] == 1 and json.loads(out)["beats_rules"]
    code, out, _ = run("ladder", "list")
    assert code == 0 and "v1" in out and "yes" in out
    code, _, err = run("ladder", "train", "--vfm", "nope")
    assert code == 2 and "no VFM named 'nope'" in err
