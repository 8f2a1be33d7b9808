"""The semantic response cache in the pipeline: with the ``words`` test embedder, with
the real ``minilm`` embedder (and SmolLM2), tenant isolation of both caches on SQLite
and PostgreSQL, configuration, the ``fmos cache`` CLI. Parts: test_semantic_store.py."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from kernels import assert_settled, run_cli, usage

from fmos_core import FMOS, Config, ConfigError, VerificationFailed
from fmos_core.backends import Completion
from fmos_core.cache.embedders import load_embedder
from fmos_core.testing import ScriptedBackend

TENANTS = {"default": {}, "acme": {}, "globex": {}}
TAGGED = {"tags": ["cacheable"]}
Q = "what is the capital city of the country"
REWORDED = "what is the capital city of that country"


def semantic_vfm(**cache: object) -> dict[str, dict]:
    settings = {"semantic": True, "embedder": "words", "threshold": 0.8, **cache}
    return {"default": {"pfms": ["s"], "cache": settings}}


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


# --- the pipeline, with the words embedder ------------------------------------------------------


def test_a_reworded_tagged_question_is_served_free_and_marked(make):
    backend = ScriptedBackend([usage("Paris", input_tokens=20, output_tokens=10)])
    fmos = make({"s": backend}, vfms=semantic_vfm())
    fmos.budgets.set("default", tokens=10_000, requests=1)
    first = fmos.vfm().invoke(Q, **TAGGED)
    second = fmos.vfm().invoke(REWORDED, **TAGGED)
    assert len(backend.requests) == 1
    assert second.text == "Paris" and second.usage.cached and second.usage.cost == 0
    assert second.usage.total_tokens == 0 and not first.usage.cached
    policies = second.provenance.policies
    assert "cache:semantic" in policies and "cache:exact" not in policies
    assert f"cache:source={first.trace_id}" in policies
    trace = fmos.traces.get(second.trace_id)
    assert "cache:semantic" in trace.provenance["policies"] and trace.cost == 0
    assert_settled(fmos, "default", tokens=30, requests=1)  # the hit spent no request


def test_untagged_or_unrelated_requests_are_not_served(make):
    backend = ScriptedBackend(["Paris", "again", "Paris?", "2"])
    fmos = make({"s": backend}, vfms=semantic_vfm())
    fmos.vfm().invoke(Q)  # untagged: not stored
    assert not fmos.vfm().invoke(REWORDED, **TAGGED).usage.cached
    assert not fmos.vfm().invoke("Q: " + Q, tags=["other"]).usage.cached  # not cacheable
    assert fmos.vfm().invoke("how much is 1 + 1", **TAGGED).text == "2"
    backend.assert_consumed()


def test_every_request_is_a_candidate_with_no_semantic_tags(make):
    backend = ScriptedBackend(["Paris"])
    fmos = make({"s": backend}, vfms=semantic_vfm(semantic_tags=[]))
    fmos.vfm().invoke(Q)
    assert fmos.vfm().invoke(REWORDED).usage.cached


def test_the_exact_cache_answers_first(make):
    backend = ScriptedBackend(["Paris"])
    fmos = make({"s": backend}, vfms=semantic_vfm(exact=True))
    fmos.vfm().invoke(Q, **TAGGED)
    assert "cache:exact" in fmos.vfm().invoke(Q, **TAGGED).provenance.policies
    assert "cache:semantic" in fmos.vfm().invoke(REWORDED, **TAGGED).provenance.policies


def test_entries_expire_after_the_ttl(make):
    backend = ScriptedBackend(["old", "new"])
    fmos = make({"s": backend}, vfms=semantic_vfm(ttl_s=60))
    clock = Clock()
    fmos.semantic_cache.clock = clock
    fmos.vfm().invoke(Q, **TAGGED)
    clock.now += 59
    assert fmos.vfm().invoke(REWORDED, **TAGGED).text == "old"
    clock.now += 2
    fresh = fmos.vfm().invoke(REWORDED, **TAGGED)
    assert fresh.text == "new" and not fresh.usage.cached
    backend.assert_consumed()


def test_a_changed_system_prompt_or_policy_misses(make):
    backend = ScriptedBackend(["Paris"], repeat=True)
    make({"s": backend}, vfms=semantic_vfm()).vfm().invoke(Q, **TAGGED)
    same = make({"s": backend}, vfms=semantic_vfm())  # same store, same configuration
    assert same.vfm().invoke(REWORDED, **TAGGED).usage.cached
    prompted = {"default": {**semantic_vfm()["default"], "system_prompt": "Be brief."}}
    assert not make({"s": backend}, vfms=prompted).vfm().invoke(REWORDED, **TAGGED).usage.cached
    stricter = {"default": {**semantic_vfm()["default"], "trust": {"pii": "redact"}}}
    assert not make({"s": backend}, vfms=stricter).vfm().invoke(REWORDED, **TAGGED).usage.cached
    assert len(backend.requests) == 3


def test_invalidate_forgets_answers(make):
    backend = ScriptedBackend(["old", "new"])
    fmos = make({"s": backend}, vfms=semantic_vfm())
    fmos.vfm().invoke(Q, **TAGGED)
    assert fmos.semantic_cache.invalidate(vfm="default") == 1
    assert fmos.vfm().invoke(REWORDED, **TAGGED).text == "new"


def counting() -> ScriptedBackend:
    """A pFM answering "call 1", "call 2", … so a test can tell which call made an answer."""
    calls = itertools.count(1)
    return ScriptedBackend([lambda request: Completion(content=f"call {next(calls)}")], repeat=True)


def test_sampled_streamed_trapped_and_failed_calls_are_not_stored(make):
    fmos = make(
        {"s": counting()},
        vfms={"default": {**semantic_vfm()["default"], "verify": {"repair_retries": 0}}},
        profiles={"s": {"json_schema": True}},
    )
    sampled = fmos.vfm().invoke(Q, temperature=0.7, **TAGGED).text
    assert fmos.vfm().invoke(REWORDED, temperature=0.7, **TAGGED).text != sampled
    streamed = list(fmos.vfm().stream(Q, **TAGGED))[-1].response
    assert streamed is not None and not fmos.vfm().invoke(REWORDED, **TAGGED).usage.cached
    fmos.semantic_cache.invalidate()
    checked = fmos.vfm().invoke(Q, tags=["cacheable", "verify"])
    assert checked.traps  # the ladder's verify rung fired: its answer is not stored
    assert not fmos.vfm().invoke(REWORDED, tags=["cacheable", "verify"]).usage.cached
    fmos.semantic_cache.invalidate()
    schema = {"type": "object"}
    with pytest.raises(VerificationFailed):  # "call N" is no JSON object
        fmos.vfm().invoke(Q, response_schema=schema, **TAGGED)
    with pytest.raises(VerificationFailed):  # a miss again, not a stored failure
        fmos.vfm().invoke(REWORDED, response_schema=schema, **TAGGED)


# --- tenant isolation of both caches, on SQLite and PostgreSQL ----------------------------------


def test_tenants_never_share_either_cache(db_url):
    backend = ScriptedBackend(["for acme", "for globex"])
    config = Config.parse(
        {
            "state": {"url": db_url},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": semantic_vfm(exact=True),
            "tenants": TENANTS,
        }
    )
    with FMOS(config, backends={"s": backend}) as fmos:
        assert fmos.vfm().invoke(Q, tenant="acme", **TAGGED).text == "for acme"
        globex = fmos.vfm().invoke(Q, tenant="globex", **TAGGED)  # identical request
        assert globex.text == "for globex" and not globex.usage.cached
        for tenant in ("acme", "globex"):
            exact = fmos.vfm().invoke(Q, tenant=tenant, **TAGGED)
            semantic = fmos.vfm().invoke(REWORDED, tenant=tenant, **TAGGED)
            assert exact.text == semantic.text == f"for {tenant}"
            assert "cache:exact" in exact.provenance.policies
            assert "cache:semantic" in semantic.provenance.policies
    backend.assert_consumed()


# --- configuration ------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [0, -0.5, 1.01])
def test_a_threshold_outside_0_1_is_a_config_error(threshold):
    with pytest.raises(ConfigError, match=r"vfms\.v\.cache\.threshold"):
        Config.parse(
            {
                "pfms": {"s": {"driver": "scripted"}},
                "vfms": {"v": {"pfms": ["s"], "cache": {"semantic": True, "threshold": threshold}}},
            }
        )


def test_an_unknown_embedder_is_a_config_error_naming_the_key(make):
    with pytest.raises(ConfigError, match=r"\[vfms\.default\.cache\] embedder.*'nope'.*minilm"):
        make({"s": ScriptedBackend(["x"])}, vfms=semantic_vfm(embedder="nope"))


def test_defaults_keep_the_semantic_cache_off():
    cache = Config.parse({"vfms": {"v": {"pfms": ["smollm2"]}}}).vfms["v"].cache
    assert (cache.semantic, cache.threshold, cache.embedder) == (False, 0.9, "minilm")
    assert cache.semantic_tags == ["cacheable"]


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_stats_and_purge(make, tmp_path: Path, monkeypatch, capsys):
    backend = ScriptedBackend(["x"], repeat=True)
    fmos = make({"s": backend}, vfms=semantic_vfm(exact=True), tenants=TENANTS)
    for tenant in ("acme", "globex"):
        fmos.vfm().invoke(Q, tenant=tenant, **TAGGED)
    fmos.vfm().invoke("what is 2 + 2", tenant="acme", **TAGGED)
    fmos.close()
    path = tmp_path / "fmos.toml"
    path.write_text(f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    monkeypatch.setenv("FMOS_CONFIG", str(path))
    code, out, _ = run_cli(capsys, "cache", "stats", "--json")
    assert code == 0
    counts = {(r["tenant"], r["kind"]): r["entries"] for r in json.loads(out)}
    assert counts == {
        ("acme", "exact"): 2,
        ("acme", "semantic"): 2,
        ("globex", "exact"): 1,
        ("globex", "semantic"): 1,
    }
    code, out, _ = run_cli(capsys, "cache", "purge", "--tenant", "acme", "--semantic", "--json")
    assert (code, json.loads(out)) == (0, {"exact": 0, "semantic": 2})
    code, out, _ = run_cli(capsys, "cache", "purge", "--expired", "--json")
    assert json.loads(out) == {"exact": 0, "semantic": 0}  # nothing expired yet
    code, out, _ = run_cli(capsys, "cache", "purge")
    assert code == 0 and "exact: 3 dropped" in out and "semantic: 1 dropped" in out
    code, out, _ = run_cli(capsys, "cache", "stats")
    assert "empty" in out


# --- the real minilm embedder (and SmolLM2) ----------------------------------------------------


def test_minilm_serves_a_paraphrase_and_never_a_near_miss(make):
    backend = ScriptedBackend(["42", "Paris", "43", "Madrid", "no"])
    vfm = semantic_vfm(embedder="minilm", threshold=0.85)
    fmos = make({"s": backend}, vfms=vfm)
    assert fmos.vfm().invoke("What is 17 + 25?", **TAGGED).text == "42"
    assert fmos.vfm().invoke("What is the capital of France?", **TAGGED).text == "Paris"
    paraphrase = fmos.vfm().invoke("Calculate 17 + 25.", **TAGGED)
    assert paraphrase.text == "42" and paraphrase.usage.cached
    assert fmos.vfm().invoke("Which city is France's capital?", **TAGGED).usage.cached
    assert fmos.vfm().invoke("What is 17 + 26?", **TAGGED).text == "43"
    assert fmos.vfm().invoke("What is the capital of Spain?", **TAGGED).text == "Madrid"
    unrelated = fmos.vfm().invoke("How many people live in France?", **TAGGED)
    assert unrelated.text == "no" and not unrelated.usage.cached
    backend.assert_consumed()


def test_minilm_is_found_through_its_entry_point():
    embedder = load_embedder("minilm")
    assert embedder.name == "minilm"


@pytest.mark.model
def test_a_paraphrase_is_served_the_embedded_models_answer(tmp_path: Path):
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"smollm2": {"driver": "llamacpp"}},
            "vfms": {
                "default": {
                    "pfms": ["smollm2"],
                    "verify": {"ladder": "off"},
                    "cache": {"semantic": True, "threshold": 0.85},
                }
            },
        }
    )
    with FMOS(config) as fmos:
        first = fmos.vfm().invoke("What is the capital of France?", max_tokens=12, **TAGGED)
        again = fmos.vfm().invoke("Which city is France's capital?", max_tokens=12, **TAGGED)
        other = fmos.vfm().invoke("What is the capital of Italy?", max_tokens=12, **TAGGED)
    assert not first.usage.cached and first.usage.output_tokens > 0
    assert again.usage.cached and again.text == first.text and again.pfm == "smollm2"
    assert not other.usage.cached and other.usage.output_tokens > 0
