"""The learned router: trained from judged traces, versioned, used only when it beat the
rules on held-out traces, explained per call; its bad inputs."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from kernels import run_cli

from fmos_core import FMOS, BadRequest, Config, ConfigError, VerificationFailed
from fmos_core.backends import Completion
from fmos_core.config import RoutingConfig
from fmos_core.contract import Request, Response
from fmos_core.profiles import CapabilityProfile
from fmos_core.routing import Ask, Option, Outcome, RouterArtifacts, beats, train_router
from fmos_core.routing.traces import good
from fmos_core.testing import ScriptedBackend

CAPITALS = {
    "france": "Paris", "spain": "Madrid", "italy": "Rome", "japan": "Tokyo",
    "egypt": "Cairo", "peru": "Lima", "kenya": "Nairobi", "chile": "Santiago",
}  # fmt: skip
PROFILES = {
    "small": {"input_price_per_mtok": 0.1, "output_price_per_mtok": 0.1},
    "large": {"input_price_per_mtok": 10.0, "output_price_per_mtok": 10.0},
}


def question(i: int) -> str:
    if i % 2:
        country = list(CAPITALS)[i % len(CAPITALS)]
        return f"What is the capital city of {country} number {i}?"
    return f"What is {i} plus {i + 3}?"


def expected(text: str) -> str:
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    for country, capital in CAPITALS.items():
        if country in text:
            return capital
    return str(sum(numbers))


def answerer(knows_capitals: bool) -> Callable[[Request], Completion]:
    def answer(request: Request) -> Completion:
        text = request.messages[-1].content
        reply = expected(text)
        if "capital" in text and not knows_capitals:
            reply = "London"
        return Completion(content=reply, input_tokens=12, output_tokens=2)

    return answer


def correct(request: Request, response: Response) -> bool | str:
    want = expected(request.messages[-1].content)
    return response.text.strip() == want or f"expected {want}"


def build(
    tmp_path: Path, routing: dict, *, small_knows: bool = False, db_url: str | None = None
) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": db_url or f"sqlite:///{tmp_path}/s.db"},
            "pfms": {n: {"driver": "scripted", "profile": p} for n, p in PROFILES.items()},
            "vfms": {"default": {"pfms": ["small", "large"], "routing": routing}},
        }
    )
    backends = {
        "small": ScriptedBackend([answerer(small_knows)], repeat=True),
        "large": ScriptedBackend([answerer(True)], repeat=True),
    }
    return FMOS(config, backends=backends, checks={"default": [correct]})


def serve(fmos: FMOS, n: int = 60, rounds: int = 3) -> None:
    """Every question ``rounds`` times, each call to a pFM drawn by explore."""
    for _ in range(rounds):
        for i in range(n):
            # a wrong answer fails the checks: the call raises, its trace says so
            with contextlib.suppress(VerificationFailed):
                fmos.vfm().invoke(question(i), max_tokens=8)


def test_trained_router_picks_the_cheap_pfm_where_it_succeeds_and_beats_the_rules(
    tmp_path, capsys, monkeypatch
):
    with build(tmp_path, {"explore": 1.0}) as fmos:
        serve(fmos)
        artifact = fmos.train_router("default")
    learned, rules = artifact.metrics["learned"], artifact.metrics["rules"]
    assert artifact.version == 1 and artifact.beats_rules
    assert learned["success"] > 0.95 and rules["success"] < 0.7  # rules: always small
    assert learned["matched"] >= 5 and artifact.held_out > 10
    path = Path(tmp_path / "fmos-home" / "artifacts" / "router" / "default" / "v0001.json")
    assert json.loads(path.read_text())["pfms"] == ["small", "large"]
    with build(tmp_path, {"learned": True}) as fmos:
        cheap = fmos.vfm().invoke("What is 20 plus 22?", max_tokens=8)
        hard = fmos.vfm().invoke("What is the capital city of peru please?", max_tokens=8)
        assert (cheap.pfm, cheap.text, hard.pfm, hard.text) == ("small", "42", "large", "Lima")
        route = fmos.traces.get(hard.trace_id).signals["route"]
    assert route["by"] == "learned" and route["version"] == 1
    assert route["scores"]["small"] < route["scores"]["large"] and route["cost_weight"] >= 0
    config = tmp_path / "fmos.toml"
    config.write_text(f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    monkeypatch.setenv("FMOS_CONFIG", str(config))
    code, out, err = run_cli(capsys, "route", "explain", hard.trace_id)
    assert code == 0, err
    assert "large was chosen by the learned router v1" in out
    assert re.search(r"Predicted success: small 0\.\d\d, large 0\.\d\d \(cost weight", out)
    code, out, err = run_cli(capsys, "route", "list")
    assert code == 0 and "v1" in out and "yes" in out
    pfms = "".join(
        f'[pfms.{n}]\ndriver = "scripted"\nprofile = {{ input_price_per_mtok = '
        f"{p['input_price_per_mtok']} }}\n"
        for n, p in PROFILES.items()
    )
    config.write_text(
        f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n{pfms}'
        '[vfms.default]\npfms = ["small", "large"]\n'
    )
    code, out, err = run_cli(capsys, "route", "train", "--json")
    assert code == 0, err
    trained = json.loads(out)
    assert trained["version"] == 2 and trained["beats_rules"]
    code, out, err = run_cli(capsys, "route", "train", "--vfm", "nope")
    assert code == 2 and "no VFM named 'nope'" in err


def test_a_router_that_does_not_beat_the_rules_is_saved_but_not_used(tmp_path):
    with build(tmp_path, {"explore": 1.0}, small_knows=True) as fmos:
        serve(fmos, n=40, rounds=2)
        artifact = fmos.train_router("default")
    assert not artifact.beats_rules  # the rules' default (small) is already right and cheapest
    assert artifact.metrics["rules"]["success"] == 1.0
    with build(tmp_path, {"learned": True}, small_knows=True) as fmos:
        response = fmos.vfm().invoke("What is the capital city of japan?", max_tokens=8)
        route = fmos.traces.get(response.trace_id).signals["route"]
    assert (response.pfm, route["by"]) == ("small", "default")
    assert "no router artifact beat the rules" in route["note"]


def test_feedback_labels_answers_and_outranks_the_checks(tmp_path):
    assert good({"feedback": {"score": 0.2}, "ladder": {"fast_ok": True}}) is False
    assert good({"ladder": {"fast_ok": None, "signals": {"rule_failures": 1}}}) is False
    assert good({"ladder": {"fast_ok": None, "signals": {}}}) is None  # nothing judged it
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {n: {"driver": "scripted", "profile": p} for n, p in PROFILES.items()},
            "vfms": {"default": {"pfms": ["small", "large"], "routing": {"explore": 1.0}}},
        }
    )
    backends = {n: ScriptedBackend([answerer(n == "large")], repeat=True) for n in PROFILES}
    with FMOS(config, backends=backends) as fmos:
        for _ in range(3):
            for i in range(40):
                response = fmos.vfm().invoke(question(i), max_tokens=8)
                score = 1.0 if response.text == expected(question(i)) else 0.0
                fmos.feedback(response.trace_id, score)
        artifact = fmos.train_router()
    assert artifact.beats_rules and artifact.trained_on > 60


def test_artifacts_are_versioned_and_a_corrupt_or_mismatched_one_is_named(tmp_path):
    with build(tmp_path, {"explore": 1.0}) as fmos:
        serve(fmos, n=40, rounds=2)
        first, second = fmos.train_router(), fmos.train_router(holdout=0.4)
    store = RouterArtifacts(tmp_path / "fmos-home" / "artifacts" / "router")
    assert (first.version, second.version) == (1, 2) and store.versions("default") == [1, 2]
    assert store.load("default", 1) == first
    path = store.path("default", 2)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match=r"v0002.json is corrupt.*fmos route train --vfm default"):
        store.usable("default", ["small", "large"])
    with build(tmp_path, {"learned": True}) as fmos, pytest.raises(ConfigError, match="corrupt"):
        fmos.vfm().invoke("What is 1 plus 2?")
    path.unlink()
    with pytest.raises(ConfigError, match=r"trained for the pool \['small', 'large'\].*delete it"):
        store.usable("default", ["small", "medium"])
    data = json.loads(store.path("default", 1).read_text())
    data["feature_set"] = "something-else"
    store.path("default", 1).write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="other features"):
        store.load("default", 1)


def test_too_few_judged_traces_or_a_single_pfm_pool_are_refused(tmp_path):
    with build(tmp_path, {"explore": 1.0}) as fmos:
        for i in range(5):
            fmos.vfm().invoke(question(2 * i), max_tokens=8)
        with pytest.raises(BadRequest, match=r"at least 20 to train on.*explore > 0"):
            fmos.train_router()
    one = [Option("solo", CapabilityProfile())]
    with pytest.raises(BadRequest, match=r"one pFM \(solo\).*add another"):
        train_router([], RoutingConfig(), one, vfm="v")


def test_too_few_matched_held_out_requests_never_beat_the_rules():
    assert not beats(
        {"success": 1.0, "cost": 0.1, "matched": 3.0}, {"success": 0.1, "cost": 1, "matched": 9}
    )
    assert beats(
        {"success": 0.9, "cost": 0.5, "matched": 9.0}, {"success": 0.9, "cost": 1, "matched": 9}
    )
    assert not beats(
        {"success": 0.8, "cost": 0.1, "matched": 9.0}, {"success": 0.9, "cost": 1, "matched": 9}
    )


def test_training_is_deterministic_and_keeps_requests_out_of_both_sides():
    pool = [
        Option("a", CapabilityProfile(input_price_per_mtok=1.0)),
        Option("b", CapabilityProfile(input_price_per_mtok=9.0)),
    ]
    data = []
    for i in range(40):
        ask = Ask(Request(messages=[{"role": "user", "content": question(i)}]))
        for pfm in ("a", "b"):
            ok = pfm == "b" or "plus" in question(i)
            data.append(Outcome(f"{pfm}{i}", f"k{i}", pfm, ok, 1.0 if pfm == "a" else 9.0, ask))
    one = train_router(data, RoutingConfig(), pool, vfm="v")
    two = train_router(data, RoutingConfig(), pool, vfm="v")
    assert one.models == two.models and one.cost_weight == two.cost_weight
    assert one.trained_on + one.held_out == 80 and one.held_out % 2 == 0  # pairs stay together
    assert one.metrics["learned"]["cost"] < 9.0 and one.metrics["learned"]["success"] == 1.0


def test_learned_routing_on_postgresql_and_sqlite(db_url, tmp_path):
    with build(tmp_path, {"explore": 1.0}, db_url=db_url) as fmos:
        serve(fmos, n=40, rounds=2)
        artifact = fmos.train_router()
    assert artifact.beats_rules
    with build(tmp_path, {"learned": True}, db_url=db_url) as fmos:
        response = fmos.vfm().invoke("What is the capital city of egypt?", max_tokens=8)
        assert (response.pfm, response.text) == ("large", "Cairo")
