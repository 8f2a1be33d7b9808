"""Routing by rules: tags, capability, prompt length, budget state, tenant; the explore
share; the route record in the trace and ``fmos route explain``; bad input."""

from __future__ import annotations

from collections import Counter

import pytest
from kernels import run_cli

from fmos_core import FMOS, BadRequest, Config, ConfigError
from fmos_core.config import RoutingConfig
from fmos_core.contract import Request
from fmos_core.profiles import CapabilityProfile
from fmos_core.routing import Ask, Option, Router, RuleRouter, explain, explores
from fmos_core.testing import ScriptedBackend

PRICES = {
    "small": {"input_price_per_mtok": 0.1, "output_price_per_mtok": 0.2, "tools": False},
    "mid": {"input_price_per_mtok": 1.0, "output_price_per_mtok": 2.0},
    "large": {"input_price_per_mtok": 10.0, "output_price_per_mtok": 20.0},
}


def pool() -> dict[str, ScriptedBackend]:
    return {name: ScriptedBackend([f"from {name}"], repeat=True) for name in PRICES}


def kernel(make, routing: dict, **kwargs) -> FMOS:
    return make(
        pool(),
        vfms={"default": {"pfms": ["small", "mid", "large"], "routing": routing}},
        profiles=PRICES,
        **kwargs,
    )


def test_without_routing_config_the_first_capable_pfm_serves_and_is_recorded(make):
    fmos = kernel(make, {})
    response = fmos.vfm().invoke("hi")
    assert response.pfm == "small"
    route = fmos.traces.get(response.trace_id).signals["route"]
    assert route == {"pfm": "small", "by": "default", "reason": route["reason"]}


def test_a_tag_rule_prefers_its_pfm_and_the_reservation_follows(make):
    fmos = kernel(make, {"rules": [{"tags": ["hard", "legal"], "prefer": "large"}]})
    fmos.budgets.set("default", tokens=100_000)
    hard = fmos.vfm().invoke("hi", tags=["legal"])
    easy = fmos.vfm().invoke("hi", tags=["chat"])
    assert (hard.pfm, easy.pfm) == ("large", "small")
    assert "route:small->large:rule" in hard.provenance.policies
    status = fmos.budgets.show("default")
    assert status.tokens_reserved == 0 and status.requests_used == 2
    assert status.cost_used == pytest.approx(hard.usage.cost + easy.usage.cost, abs=2e-6)
    route = fmos.traces.get(hard.trace_id).signals["route"]
    assert (route["by"], route["rule"], route["previous"]) == ("rule", 0, "small")
    assert "tagged 'legal'" in route["reason"]


def test_a_capability_rule_and_the_capability_filter(make):
    fmos = kernel(make, {"rules": [{"capability": "tools", "prefer": "most_capable"}]})
    tool = {"name": "add", "parameters": {"type": "object", "properties": {}}}
    response = fmos.vfm().invoke("add", tools=[tool])
    assert response.pfm == "large"
    route = fmos.traces.get(response.trace_id).signals["route"]
    assert route["needs"] == ["tools"] and route["skipped"] == {"small": "cannot do tools"}
    assert fmos.vfm().invoke("no tools").pfm == "small"  # the rule does not match


def test_context_length_rules_use_the_prompt_tokens(make):
    rules = [
        {"min_prompt_tokens": 40, "prefer": "large"},
        {"max_prompt_tokens": 10, "prefer": "cheapest"},
        {"prefer": "mid"},  # a catch-all
    ]
    fmos = kernel(make, {"rules": rules})
    assert fmos.vfm().invoke("word " * 80).pfm == "large"
    assert fmos.vfm().invoke("hi").pfm == "small"
    assert fmos.vfm().invoke("a few more words than ten here, surely it is").pfm == "mid"


def test_a_budget_rule_switches_to_the_cheapest_when_little_is_left(make):
    rules = [{"budget_below": 0.5, "prefer": "cheapest"}, {"prefer": "large"}]
    fmos = kernel(make, {"rules": rules})
    fmos.budgets.set("default", tokens=2_000)
    first = fmos.vfm().invoke("hi", max_tokens=60)
    assert first.pfm == "large"  # plenty left
    # 100 tokens left; this call's own hold (~61) leaves well under half of the limit
    fmos.budgets.set("default", tokens=first.usage.total_tokens + 100)
    second = fmos.vfm().invoke("hi", max_tokens=60)
    assert second.pfm == "small"
    route = fmos.traces.get(second.trace_id).signals["route"]
    assert "of the budget left < 50%" in route["reason"]


def test_a_tenant_rule(make):
    tenants = {"default": {}, "acme": {}}
    fmos = kernel(make, {"rules": [{"tenants": ["acme"], "prefer": "mid"}]}, tenants=tenants)
    assert fmos.vfm().invoke("hi", tenant="acme").pfm == "mid"
    assert fmos.vfm().invoke("hi").pfm == "small"


def test_a_budget_downgrade_is_kept_but_a_window_reroute_is_routed_again(make):
    vfm = {"pfms": ["large", "mid", "small"], "routing": {"rules": [{"prefer": "large"}]}}
    fmos = make(pool(), vfms={"default": {**vfm, "allow_downgrade": True}}, profiles=PRICES)
    fmos.budgets.set("default", cost=0.0005)  # large's hold for 100 tokens is 0.002
    response = fmos.vfm().invoke("hi", max_tokens=100)
    assert response.pfm == "small"
    route = fmos.traces.get(response.trace_id).signals["route"]
    assert route["by"] == "trap" and "budget trap" in route["reason"]
    narrow = {**PRICES, "small": {**PRICES["small"], "context_window": 64}}
    vfm["pfms"] = ["small", "mid", "large"]
    fmos = make(pool(), vfms={"default": vfm}, profiles=narrow)
    refused = fmos.vfm().invoke("word " * 40, max_tokens=50)  # same store: same budget
    assert refused.pfm == "mid"  # the rule's large is refused by the budget: it stays
    route = fmos.traces.get(refused.trace_id).signals["route"]
    assert route["skipped"]["large"].startswith("the budget refused it")
    fmos.budgets.set("default", cost=10.0)
    long = fmos.vfm().invoke("word " * 40, max_tokens=50)
    assert long.pfm == "large"  # the window trap moved it to mid; the rule still decides
    assert fmos.budgets.show("default").cost_reserved == 0
    assert [t.type for t in long.traps] == ["model"]
    route = fmos.traces.get(long.trace_id).signals["route"]
    assert (route["by"], route["previous"]) == ("rule", "mid")
    assert "exceed its window (64)" in route["skipped"]["small"]


def test_candidates_must_express_the_requests_reasoning_level(make):
    knobs = {**PRICES, "mid": {**PRICES["mid"], "reasoning_knob": "token_budget"}}
    fmos = make(
        pool(),
        vfms={"default": {"pfms": ["small", "mid", "large"], "routing": {"explore": 1.0}}},
        profiles=knobs,
    )
    for i in range(6):  # explore draws among the candidates: only mid has a token budget
        response = fmos.vfm().invoke(f"think {i}", reasoning_level=512)
        assert response.pfm == "mid"
    route = fmos.traces.get(response.trace_id).signals["route"]
    assert route["skipped"]["small"] == "cannot express reasoning level 512"


def test_a_rule_whose_pfm_cannot_serve_falls_through_to_the_next():
    small = Option("small", CapabilityProfile(tools=False))
    large = Option("large", CapabilityProfile(input_price_per_mtok=9.0))
    config = RoutingConfig.model_validate(
        {"rules": [{"tags": ["t"], "prefer": "small"}, {"tags": ["t"], "prefer": "large"}]}
    )
    skipped: dict[str, str] = {}
    ask = Ask(Request(messages=[{"role": "user", "content": "x"}], tags=["t"]))
    choice = RuleRouter(config).choose(ask, [large], small, ["tools"], skipped)
    assert (choice.pfm.name, choice.rule) == ("large", 1)
    assert "rule 1" in skipped


def test_explore_sends_a_stable_share_to_uniformly_drawn_capable_pfms(make):
    ids = [f"trace-{i}" for i in range(2000)]
    share = sum(explores(t, 0.25) for t in ids) / len(ids)
    assert 0.21 < share < 0.29
    assert [explores(t, 0.25) for t in ids[:50]] == [explores(t, 0.25) for t in ids[:50]]
    assert not any(explores(t, 0.0) for t in ids)
    options = [Option(n, CapabilityProfile()) for n in ("a", "b", "c")]
    ask = Ask(Request(messages=[{"role": "user", "content": "x"}]))
    drawn = Counter(
        Router(RoutingConfig(explore=1.0)).decide(ask, options, options[0], trace_id=t).pfm
        for t in ids[:900]
    )
    assert set(drawn) == {"a", "b", "c"} and min(drawn.values()) > 240
    fmos = kernel(make, {"explore": 1.0})
    served = Counter(fmos.vfm().invoke(f"q{i}").pfm for i in range(40))
    assert len(served) == 3  # every pFM gets traffic to learn from
    trace = fmos.traces.list(limit=1)[0]
    assert trace.signals["route"]["by"] == "explore" and trace.signals["route"]["explore"]


def test_no_capable_pfm_is_a_typed_error_naming_what_to_add(make):
    fmos = make(
        {"a": ScriptedBackend([]), "b": ScriptedBackend([])},
        profiles={"a": {"tools": False}, "b": {"tools": False}},
        vfms={"default": {"pfms": ["a", "b"], "routing": {"rules": [{"prefer": "cheapest"}]}}},
    )
    tool = {"name": "add", "parameters": {"type": "object", "properties": {}}}
    with pytest.raises(BadRequest, match=r"no pFM of VFM 'default' supports tools \(a: cannot do"):
        fmos.vfm().invoke("hi", tools=[tool])


def test_a_rule_naming_a_pfm_outside_the_pool_is_a_config_error():
    data = {
        "pfms": {"a": {"driver": "scripted"}, "b": {"driver": "scripted"}},
        "vfms": {"default": {"pfms": ["a"], "routing": {"rules": [{"prefer": "b"}]}}},
    }
    with pytest.raises(ConfigError, match=r"routing.rules\[0\].prefer names 'b'.*add it to pfms"):
        Config.parse(data)
    data["vfms"]["default"]["routing"] = {"rules": [{"prefer": "a", "colour": "red"}]}
    with pytest.raises(ConfigError, match="unknown key"):
        Config.parse(data)
    data["vfms"]["default"]["routing"] = {"explore": 1.5}
    with pytest.raises(ConfigError, match="explore"):
        Config.parse(data)


def test_route_explain_says_why_in_plain_words(make, capsys, tmp_path, monkeypatch):
    fmos = kernel(make, {"rules": [{"tags": ["legal"], "prefer": "large"}]})
    response = fmos.vfm().invoke("hi", tags=["legal"])
    fmos.flush()
    config = tmp_path / "fmos.toml"
    config.write_text(f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    monkeypatch.setenv("FMOS_CONFIG", str(config))
    code, out, err = run_cli(capsys, "route", "explain", response.trace_id[:10])
    assert code == 0, err
    assert "large was chosen by rule 1 of [vfms.default.routing]" in out
    assert "tagged 'legal'" in out
    code, out, err = run_cli(capsys, "route", "explain", "nosuchtrace")
    assert code == 2 and "no trace with an id starting 'nosuchtrace'" in err


def test_explain_without_a_route_record_says_so():
    text = explain(None, served_by="small")
    assert "small served the call" in text and "no routing decision" in text
    moved = explain({"pfm": "a", "by": "default", "reason": "r"}, served_by="b")
    assert "b finally served it" in moved


def test_route_records_reach_the_store_on_both_databases(db_url, tmp_path):
    config = Config.parse(
        {
            "state": {"url": db_url},
            "pfms": {n: {"driver": "scripted", "profile": p} for n, p in PRICES.items()},
            "vfms": {
                "default": {
                    "pfms": ["small", "mid", "large"],
                    "routing": {"rules": [{"tags": ["x"], "prefer": "mid"}]},
                }
            },
        }
    )
    with FMOS(config, backends=pool()) as fmos:
        response = fmos.vfm().invoke("hi", tags=["x"])
        route = fmos.traces.get(response.trace_id).signals["route"]
    assert (response.pfm, route["pfm"], route["by"]) == ("mid", "mid", "rule")


@pytest.mark.model
def test_routing_on_the_real_embedded_model_end_to_end(tmp_path, capsys, monkeypatch):
    """Two pFMs on the embedded SmolLM2 at different prices: a rule sends tagged calls
    to the dear one, the rest stay on the cheap one; explore and a learned router
    trained from the real answers; ``fmos route explain`` says why, from the store."""
    from fmos_llamacpp import LlamaCppBackend

    smol = LlamaCppBackend()
    prices = {"cheap": 0.1, "dear": 5.0}

    def config(routing: dict) -> Config:
        return Config.parse(
            {
                "state": {"url": f"sqlite:///{tmp_path}/s.db"},
                "pfms": {
                    name: {"driver": "llamacpp", "profile": {"input_price_per_mtok": p}}
                    for name, p in prices.items()
                },
                "vfms": {"default": {"pfms": ["cheap", "dear"], "routing": routing}},
            }
        )

    def answered(request: Request, response) -> bool:
        return bool(response.text.strip())

    backends = {"cheap": smol, "dear": smol}
    routing = {"rules": [{"tags": ["careful"], "prefer": "dear"}]}
    with FMOS(config(routing), backends=backends) as fmos:
        careful = fmos.vfm().invoke("Name a colour.", tags=["careful"], max_tokens=8)
        casual = fmos.vfm().invoke("Name a colour.", max_tokens=8)
        assert (careful.pfm, casual.pfm) == ("dear", "cheap")
        assert careful.text.strip() and careful.usage.cost > casual.usage.cost > 0
    with FMOS(config({"explore": 1.0}), backends=backends, checks={"default": [answered]}) as fmos:
        served = {fmos.vfm().invoke(f"Say the number {i}.", max_tokens=4).pfm for i in range(30)}
        assert served == {"cheap", "dear"}
        artifact = fmos.train_router()
    # the same model behind both: the dear pFM is no better, so the rules (cheap) stand
    assert not artifact.beats_rules and artifact.metrics["rules"]["success"] == 1.0
    with FMOS(config({"learned": True}), backends=backends) as fmos:
        unlearned = fmos.vfm().invoke("Name a fruit.", max_tokens=8)
    assert unlearned.pfm == "cheap"
    config_file = tmp_path / "fmos.toml"
    config_file.write_text(f'[state]\nurl = "sqlite:///{tmp_path}/s.db"\n')
    monkeypatch.setenv("FMOS_CONFIG", str(config_file))
    code, out, err = run_cli(capsys, "route", "explain", careful.trace_id)
    assert code == 0, err
    assert "dear was chosen by rule 1 of [vfms.default.routing]" in out and "'careful'" in out
    code, out, err = run_cli(capsys, "route", "explain", unlearned.trace_id)
    assert code == 0, err
    assert "cheap was chosen by default" in out and "no router artifact beat the rules" in out


def test_the_routing_package_exports_its_public_api():
    import fmos_core.routing as routing

    assert sorted(routing.__all__) == sorted(set(routing.__all__))
    assert all(getattr(routing, name, None) is not None for name in routing.__all__)
    assert {"Router", "RouterArtifacts", "train_router", "explain"} <= set(routing.__all__)
