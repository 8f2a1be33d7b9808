"""Tuning the reasoning level per task family: the bandit, its policies, the CLI.

The scripted pFMs here answer by the level they receive, so each test knows which
level truly earns the most; the last test tunes the real embedded SmolLM2.
"""

from __future__ import annotations

import dataclasses
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from kernels import run_cli

from fmos_core import FMOS, Completion, Config, Request, Response
from fmos_core.errors import ConfigError, VerificationFailed
from fmos_core.reasoning import Outcome, choose, tune
from fmos_core.testing import ScriptedBackend

TOKENS = {"off": 4, "low": 40, "medium": 120, "high": 400}  # output tokens by level


def by_level(correct: set[str]) -> ScriptedBackend:
    """A pFM that answers 42 only at the levels in ``correct``; more reasoning costs more."""

    def answer(request: Request) -> Completion:
        level = str(request.reasoning_level)
        text = "42" if level in correct else "41"
        return Completion(content=text, input_tokens=20, output_tokens=TOKENS[level])

    return ScriptedBackend([answer], repeat=True)


def is_42(request: Request, response: Response) -> bool | str:
    return response.text.strip() == "42" or "the answer is not 42"


def config(tmp_path: Path, **reasoning: Any) -> Config:
    return Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"p": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["p"],
                    "verify": {"ladder": "off"},
                    "reasoning": {"tune": True, "min_calls": 20, **reasoning},
                }
            },
        }
    )


def ask(fmos: FMOS, count: int, *, start: int = 0, tag: str = "math") -> list[str | int]:
    """``count`` distinct auto calls of one task family; the levels they used."""
    used: list[str | int] = []
    for i in range(start, start + count):
        try:
            response = fmos.vfm().invoke(
                f"question {i}: 6 x 7?", reasoning_level="auto", tags=[tag]
            )
            trace_id = response.trace_id
        except VerificationFailed as failed:
            assert failed.trace_id is not None
            trace_id = failed.trace_id
        fmos.flush()
        used.append(fmos.traces.get(trace_id).signals["reasoning"]["used"])
    return used


def test_a_level_that_truly_earns_more_is_chosen(tmp_path: Path) -> None:
    with FMOS(
        config(tmp_path, explore=1.0),
        backends={"p": by_level({"high"})},
        checks={"default": [is_42]},
    ) as fmos:
        explored = ask(fmos, 40)
        policy = fmos.tune_reasoning()
    assert set(explored) == {"off", "low", "medium", "high"}  # every level was tried
    assert policy is not None and policy.version == 1
    chosen = policy.tags["math"]
    assert chosen.level == "high"  # the most expensive, and the only one that is right
    assert chosen.arm("high").success == 1.0 and chosen.arm("off").success == 0.0
    assert chosen.calls == 40
    with FMOS(
        config(tmp_path, explore=0.0),
        backends={"p": by_level({"high"})},
        checks={"default": [is_42]},
    ) as fmos:
        assert ask(fmos, 3, start=100) == ["high"] * 3
        fmos.flush()
        entry = fmos.traces.list(limit=1)[0].signals["reasoning"]
    assert entry == {
        "asked": "auto",
        "used": "high",
        "tag": "math",
        "tuned": True,
        "explored": False,
        "policy": 1,
        "checked": True,
    }


def test_when_every_level_succeeds_the_cheapest_wins(tmp_path: Path) -> None:
    everything = {"off", "low", "medium", "high"}
    with FMOS(config(tmp_path, explore=1.0), backends={"p": by_level(everything)}) as fmos:
        for i in range(32):  # no checks here: the app rates each answer
            response = fmos.vfm().invoke(f"q{i}", reasoning_level="auto", tags=["easy"])
            fmos.feedback(response.trace_id, 1.0 if response.text == "42" else 0.0)
        policy = fmos.tune_reasoning()
    assert policy is not None
    chosen = policy.tags["easy"]
    assert all(arm.success == 1.0 for arm in chosen.arms)
    assert chosen.level == "off"
    rewards = {arm.level: arm.reward for arm in chosen.arms}
    assert rewards["off"] > rewards["low"] > rewards["medium"] > rewards["high"]


def test_unscored_calls_and_other_tags_do_not_count(tmp_path: Path) -> None:
    with FMOS(config(tmp_path, explore=1.0), backends={"p": by_level({"off"})}) as fmos:
        for i in range(25):  # nothing says whether these answers were good
            fmos.vfm().invoke(f"q{i}", reasoning_level="auto", tags=["chat"])
        assert fmos.tune_reasoning() is None
        assert fmos.reasoning.store.versions("default") == []


def test_exploration_is_reproducible(tmp_path: Path) -> None:
    runs = []
    for run in ("one", "two"):
        folder = tmp_path / run
        folder.mkdir()
        with FMOS(config(folder, explore=0.5), backends={"p": by_level({"low"})}) as fmos:
            runs.append(ask(fmos, 12, tag="family"))
    assert runs[0] == runs[1]
    assert "off" in runs[0]  # not exploring: the default level
    assert len(set(runs[0])) > 1  # exploring: other levels


def test_thompson_tries_untried_levels_then_follows_the_measurements() -> None:
    from fmos_core.config import ReasoningConfig

    settings = ReasoningConfig(tune=True, explore=1.0, min_calls=4, token_weight=0.0)
    first = {choose(settings, None, ["t"], f"k{i}").level for i in range(40)}
    assert first == {"off", "low", "medium", "high"}
    measured = [Outcome("t", lv, 1.0 if lv == "medium" else 0.0, 10) for lv in TOKENS] * 5
    policy = tune(measured, settings, vfm="v")
    assert policy is not None and policy.tags["t"].level == "medium"
    policy = dataclasses.replace(policy, version=3)
    picks = [choose(settings, policy, ["t"], f"k{i}") for i in range(200)]
    share = sum(p.level == "medium" for p in picks) / len(picks)
    assert share > 0.9 and all(p.explored and p.policy == 3 for p in picks)


def test_policies_are_versioned_and_never_overwritten(tmp_path: Path, fmos_home: Path) -> None:
    settings = config(tmp_path, explore=1.0, min_calls=8)
    checks = {"default": [is_42]}
    with FMOS(settings, backends={"p": by_level({"low"})}, checks=checks) as k:
        ask(k, 8)
        first = k.tune_reasoning()
        ask(k, 8, start=50)
        second = k.tune_reasoning()
    assert first is not None and second is not None
    assert (first.version, second.version) == (1, 2)
    folder = fmos_home / "artifacts" / "reasoning" / "default"
    assert sorted(p.name for p in folder.iterdir()) == ["v0001.json", "v0002.json"]
    saved = json.loads((folder / "v0001.json").read_text())
    assert saved["tags"]["math"]["calls"] == 8  # v1 still holds what it was tuned on
    assert json.loads((folder / "v0002.json").read_text())["tags"]["math"]["calls"] == 16


def test_a_corrupt_policy_is_a_typed_error(tmp_path: Path, fmos_home: Path, capsys: Any) -> None:
    folder = fmos_home / "artifacts" / "reasoning" / "default"
    folder.mkdir(parents=True)
    (folder / "v0001.json").write_text("{not json")
    corrupt = r"v0001.json is corrupt.*fmos reasoning tune"
    with (
        FMOS(config(tmp_path), backends={"p": by_level({"low"})}) as fmos,
        pytest.raises(ConfigError, match=corrupt),
    ):
        fmos.vfm().invoke("q", reasoning_level="auto", tags=["math"])
    toml = tmp_path / "fmos.toml"
    toml.write_text(f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    code, _, err = run_cli(capsys, "--config", str(toml), "reasoning", "show")
    assert code == 2 and "ConfigError" in err and "corrupt" in err


def test_cli_tunes_and_shows(tmp_path: Path, capsys: Any) -> None:
    toml = tmp_path / "fmos.toml"
    toml.write_text(
        f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n'
        '[pfms.p]\ndriver = "scripted"\n'
        '[vfms.default]\npfms = ["p"]\n'
        '[vfms.default.verify]\nladder = "off"\n'
        "[vfms.default.reasoning]\ntune = true\nexplore = 1.0\nmin_calls = 12\n"
    )
    code, text, _ = run_cli(capsys, "--config", str(toml), "reasoning", "tune")
    assert code == 0 and "no policy written" in text and "min_calls" in text
    kernel = FMOS(
        Config.load(toml), backends={"p": by_level({"medium"})}, checks={"default": [is_42]}
    )
    with kernel:
        ask(kernel, 24)
    code, text, _ = run_cli(capsys, "--config", str(toml), "reasoning", "tune", "--json")
    assert code == 0
    policy = json.loads(text)["policy"]
    assert policy["version"] == 1 and policy["tags"]["math"]["level"] == "medium"
    code, text, _ = run_cli(capsys, "--config", str(toml), "reasoning", "show")
    assert code == 0 and "v1" in text and "medium" in text
    code, _, err = run_cli(capsys, "--config", str(toml), "reasoning", "show", "--vfm", "nope")
    assert code == 2 and "UnknownVFM" in err


@pytest.mark.model
def test_embedded_smollm2_tunes_a_task_family(tmp_path: Path) -> None:
    words = ["apple", "river", "stone", "cloud", "green", "table", "music", "bread"]
    words += ["horse", "light", "paper", "sugar"]

    def says_the_word(request: Request, response: Response) -> bool:
        word = request.messages[-1].content.rsplit(" ", 1)[-1]
        return word in response.text.lower()

    def embedded(explore: float) -> FMOS:
        cfg = {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "vfms": {
                "default": {
                    "pfms": ["smollm2"],
                    "verify": {"ladder": "off"},
                    "reasoning": {"tune": True, "explore": explore, "min_calls": len(words)},
                }
            },
        }
        return FMOS(Config.parse(cfg), checks={"default": [says_the_word]})

    rewards: dict[Any, list[float]] = defaultdict(list)
    with embedded(explore=1.0) as fmos:
        for word in words:
            prompt = f"Repeat this word once: {word}"
            try:
                response = fmos.vfm().invoke(
                    prompt, reasoning_level="auto", tags=["copy"], max_tokens=24
                )
                trace_id, ok = response.trace_id, 1.0
            except VerificationFailed as failed:
                trace_id, ok = failed.trace_id, 0.0
            fmos.flush()
            trace = fmos.traces.get(trace_id)
            level = trace.signals["reasoning"]["used"]
            rewards[level].append(ok - 0.001 * (trace.input_tokens + trace.output_tokens))
        policy = fmos.tune_reasoning()
    assert policy is not None and policy.tags["copy"].calls == len(words)
    means = {level: sum(r) / len(r) for level, r in rewards.items()}
    assert policy.tags["copy"].level == max(means, key=lambda lv: means[lv])  # measured only
    with embedded(explore=0.0) as fmos:
        try:
            trace_id = (
                fmos.vfm()
                .invoke(
                    "Repeat this word once: water",
                    reasoning_level="auto",
                    tags=["copy"],
                    max_tokens=24,
                )
                .trace_id
            )
        except VerificationFailed as failed:
            trace_id = failed.trace_id
        fmos.flush()
        entry = fmos.traces.get(trace_id).signals["reasoning"]
    assert entry["used"] == policy.tags["copy"].level and entry["tuned"] is True


def test_exploration_skips_levels_no_pool_pfm_can_express(tmp_path: Path) -> None:
    settings = config(tmp_path, explore=1.0, levels=["off", "low", 4096])
    with FMOS(settings, backends={"p": by_level({"low"})}) as fmos:  # knob none: no budgets
        used = ask(fmos, 16)
    assert set(used) == {"off", "low"}


def test_serving_retunes_in_the_background_every_n_auto_calls(tmp_path: Path) -> None:
    """With ``retune_every``, the policy follows the traces while FMOS serves: no one
    runs ``fmos reasoning tune``."""
    cfg = config(tmp_path, explore=1.0, retune_every=10, min_calls=15)
    with FMOS(cfg, backends={"p": by_level({"low"})}, checks={"default": [is_42]}) as fmos:
        ask(fmos, 9)
        assert fmos.reasoning.get("default") is None  # no re-tune asked for yet
        ask(fmos, 1, start=9)  # the 10th asks: under 15 scored calls, nothing is written
        assert fmos.reasoning.get("default") is None
        ask(fmos, 10, start=10)  # the 20th asks again; flush waits for the re-tune
        policy = fmos.reasoning.get("default")
        assert policy is not None and policy.version == 1 and policy.trained_on >= 19
        assert policy.tags["math"].level == "low"  # the only level that answers 42
        folder = fmos.reasoning.store.root / "default"
        assert sorted(p.name for p in folder.glob("v*.json")) == ["v0001.json"]
