"""The exact response cache: the key, the store (SQLite and PostgreSQL), the pipeline."""

from __future__ import annotations

import pytest
from kernels import ChunkedBackend, assert_settled, trace_rows, usage

from fmos_core import Config, Message, Request, Response, ToolSpec, VerificationFailed
from fmos_core.cache import ExactCache, cache_key
from fmos_core.cache import __all__ as cache_exports
from fmos_core.testing import ScriptedBackend

TENANTS = {"default": {}, "acme": {}, "globex": {}}


def cached_vfm(**extra: object) -> dict[str, dict]:
    return {"default": {"pfms": ["s"], "cache": {"exact": True}, **extra}}


def answer(text: str = "4", trace_id: str = "t1") -> Response:
    return Response(
        message=Message(role="assistant", content=text), vfm="default", pfm="s", trace_id=trace_id
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_package_exports():
    assert sorted(cache_exports) == [
        "Embedder",
        "ExactCache",
        "SemanticCache",
        "cache_key",
        "load_embedder",
        "policy_version",
    ]


# --- the key ------------------------------------------------------------------------------------

BASE = Request(messages=[Message(role="user", content="2+2?")])
TOOL = ToolSpec(name="add", parameters={"type": "object", "properties": {"a": {"type": "integer"}}})


def key(request: Request = BASE, **over: str) -> str:
    args = {"tenant": "acme", "vfm": "default", "pfm_name": "s", "pfm_version": "1"}
    args.update(over)
    prompt_version = args.pop("prompt_version", "v1")
    return cache_key(request=request, prompt_version=prompt_version, **args)


def changed(**update: object) -> Request:
    return Request.model_validate({**BASE.model_dump(), **update})


@pytest.mark.parametrize(
    "other",
    [
        changed(messages=[Message(role="user", content="2+3?")]),
        changed(messages=[Message(role="system", content="2+2?")]),
        changed(messages=[Message(role="user", content="2+2?", kind="observation")]),
        changed(
            messages=[
                Message(role="user", content="2+2?"),
                Message(role="assistant", tool_calls=[{"id": "c1", "name": "add"}]),
                Message(role="tool", content="4", tool_call_id="c1"),
            ]
        ),
        changed(tools=[TOOL]),
        changed(tools=[TOOL.model_copy(update={"parameters": {"type": "object"}})]),
        changed(tools=[TOOL], tool_choice="none"),
        changed(response_schema={"type": "object"}),
        changed(sampling={"temperature": 0.0, "seed": 7}),
        changed(sampling={"stop": ["\n"]}),
        changed(max_tokens=257),
        changed(reasoning_level="high"),
        changed(logprobs=True),
        changed(tags=["deliberate"]),
    ],
    ids=lambda r: "",
)
def test_every_output_shaping_field_changes_the_key(other):
    assert key(other) != key()


def test_tool_call_ids_are_in_the_key():
    def with_id(call_id: str) -> Request:
        return changed(
            messages=[
                Message(role="assistant", tool_calls=[{"id": call_id, "name": "add"}]),
                Message(role="tool", content="4", tool_call_id=call_id),
            ]
        )

    assert key(with_id("c1")) != key(with_id("c2"))


@pytest.mark.parametrize("field", ["tenant", "vfm", "pfm_name", "pfm_version", "prompt_version"])
def test_the_scope_and_versions_are_in_the_key(field):
    assert key(**{field: "other"}) != key()


def test_app_session_and_timeout_are_not_in_the_key():
    other = changed(identity={"tenant": "x", "app": "a2", "session": "s2"}, timeout_s=3.0)
    assert key(other) == key()


# --- the store, on SQLite and PostgreSQL --------------------------------------------------------


def test_put_then_get_round_trips_per_tenant(db):
    cache = ExactCache(db)
    cache.put("acme", "k", "default", answer("4"), ttl_s=60)
    got = cache.get("acme", "k")
    assert got == answer("4")
    assert cache.get("globex", "k") is None  # the tenant is part of the primary key
    assert cache.get("acme", "other") is None


def test_put_replaces_an_entry(db):
    cache = ExactCache(db)
    cache.put("acme", "k", "default", answer("4"), ttl_s=60)
    cache.put("acme", "k", "default", answer("four"), ttl_s=60)
    assert cache.get("acme", "k").text == "four"


def test_an_expired_entry_is_a_miss_and_is_purged(db):
    clock = Clock()
    cache = ExactCache(db, clock=clock)
    cache.put("acme", "k", "default", answer(), ttl_s=10)
    clock.now += 9.9
    assert cache.get("acme", "k") is not None
    clock.now += 0.2
    assert cache.get("acme", "k") is None
    cache.put("acme", "fresh", "default", answer(), ttl_s=10)
    assert cache.purge_expired() == 1
    assert cache.get("acme", "fresh") is not None


def test_invalidate_by_tenant_by_vfm_or_all(db):
    cache = ExactCache(db)
    for tenant in ("acme", "globex"):
        for vfm in ("default", "other"):
            cache.put(tenant, f"{vfm}-k", vfm, answer(), ttl_s=60)
    assert cache.invalidate(tenant="acme", vfm="other") == 1
    assert cache.get("acme", "other-k") is None and cache.get("globex", "other-k") is not None
    assert cache.invalidate(vfm="other") == 1
    assert cache.invalidate(tenant="acme") == 1
    assert cache.get("globex", "default-k") is not None
    assert cache.invalidate() == 1
    assert cache.get("globex", "default-k") is None


# --- the pipeline -------------------------------------------------------------------------------


def test_config_defaults_the_cache_off():
    parsed = Config.parse({"pfms": {"s": {"driver": "scripted"}}, "vfms": {"v": {"pfms": ["s"]}}})
    vfm = parsed.vfms["v"]
    assert (vfm.cache.exact, vfm.cache.ttl_s) == (False, 3600.0)


def test_a_hit_returns_the_same_answer_for_free(make):
    backend = ScriptedBackend([usage("4", input_tokens=20, output_tokens=10)])
    fmos = make(
        {"s": backend},
        vfms=cached_vfm(),
        profiles={"s": {"input_price_per_mtok": 1.0, "output_price_per_mtok": 2.0}},
    )
    first = fmos.vfm().invoke("2+2?", temperature=0)
    second = fmos.vfm().invoke("2+2?", temperature=0)
    assert len(backend.requests) == 1
    assert first.text == second.text == "4"
    assert not first.usage.cached and first.usage.cost > 0
    assert second.usage.cached and second.usage.cost == 0 and second.usage.total_tokens == 0
    assert second.trace_id != first.trace_id
    assert second.pfm == "s" and second.pfm_version == "scripted-7"
    assert "cache:exact" in second.provenance.policies
    assert "cache:exact" not in first.provenance.policies
    trace = fmos.traces.get(second.trace_id)
    assert trace.status == "ok" and "cache:exact" in trace.provenance["policies"]
    assert trace.response["usage"]["cached"] and trace.cost == 0 and trace.input_tokens == 0
    assert trace_rows(fmos) == 2


def test_a_hit_neither_reserves_nor_charges_budget(make):
    backend = ScriptedBackend([usage("4", input_tokens=20, output_tokens=10)])
    fmos = make({"s": backend}, vfms=cached_vfm())
    fmos.budgets.set("default", tokens=10_000, requests=2)
    fmos.vfm().invoke("2+2?")
    for _ in range(3):  # past the request limit: hits cost no request either
        assert fmos.vfm().invoke("2+2?").usage.cached
    assert_settled(fmos, "default", tokens=30, requests=1)


def test_a_cache_is_off_unless_the_vfm_turns_it_on(make):
    backend = ScriptedBackend(["4", "4"])
    fmos = make({"s": backend})
    assert "cache" not in [s.name for s in fmos.pipeline.stages]  # no cost when off
    fmos.vfm().invoke("2+2?")
    assert not fmos.vfm().invoke("2+2?").usage.cached
    assert len(backend.requests) == 2


@pytest.mark.parametrize(
    "options",
    [
        {"tools": [TOOL]},
        {"response_schema": {"type": "object"}},
        {"seed": 3},
        {"stop": ["."]},
        {"max_tokens": 100},
        {"reasoning_level": "high"},
        {"logprobs": True},
    ],
    ids=lambda o: next(iter(o)),
)
def test_any_change_of_the_request_misses(make, options):
    backend = ScriptedBackend(['{"a": 1}'], repeat=True)
    profile = {"tools": True, "json_schema": True, "logprobs": True}
    fmos = make({"s": backend}, vfms=cached_vfm(), profiles={"s": profile})
    fmos.vfm().invoke("2+2?")
    assert not fmos.vfm().invoke("2+2?", **options).usage.cached
    assert fmos.vfm().invoke("2+2?", **options).usage.cached
    assert not fmos.vfm().invoke("2+3?").usage.cached
    assert len(backend.requests) == 3


def test_a_changed_system_prompt_misses(make, tmp_path):
    backend = ScriptedBackend(["4"], repeat=True)
    first = make({"s": backend}, vfms=cached_vfm(system_prompt="Be brief."))
    first.vfm().invoke("2+2?")
    assert first.vfm().invoke("2+2?").usage.cached
    first.close()
    again = make({"s": backend}, vfms=cached_vfm(system_prompt="Be brief."))  # same store
    assert again.vfm().invoke("2+2?").usage.cached
    again.close()
    changed_prompt = make({"s": backend}, vfms=cached_vfm(system_prompt="Be thorough."))
    assert not changed_prompt.vfm().invoke("2+2?").usage.cached
    assert len(backend.requests) == 2


def test_a_changed_policy_version_misses(make):
    backend = ScriptedBackend(["4"], repeat=True)
    make({"s": backend}, vfms=cached_vfm()).vfm().invoke("2+2?")
    stricter = make({"s": backend}, vfms=cached_vfm(trust={"pii": "redact"}))
    assert not stricter.vfm().invoke("2+2?").usage.cached
    assert len(backend.requests) == 2


def test_tenants_never_share_entries(make):
    backend = ScriptedBackend(["for acme", "for globex"])
    fmos = make({"s": backend}, vfms=cached_vfm(), tenants=TENANTS)
    assert fmos.vfm().invoke("2+2?", tenant="acme").text == "for acme"
    globex = fmos.vfm().invoke("2+2?", tenant="globex")
    assert globex.text == "for globex" and not globex.usage.cached
    acme = fmos.vfm().invoke("2+2?", tenant="acme", app="other", session="s9")
    assert acme.text == "for acme" and acme.usage.cached  # app and session do not matter
    assert fmos.vfm().invoke("2+2?", tenant="globex").text == "for globex"
    backend.assert_consumed()


def test_entries_expire_after_the_ttl(make):
    backend = ScriptedBackend(["old", "new"])
    fmos = make({"s": backend}, vfms=cached_vfm(cache={"exact": True, "ttl_s": 60}))
    clock = Clock()
    fmos.response_cache.clock = clock
    fmos.vfm().invoke("2+2?")
    clock.now += 59
    assert fmos.vfm().invoke("2+2?").text == "old"
    clock.now += 2
    fresh = fmos.vfm().invoke("2+2?")
    assert fresh.text == "new" and not fresh.usage.cached
    assert fmos.vfm().invoke("2+2?").text == "new"
    backend.assert_consumed()


def test_invalidate_forgets_answers(make):
    backend = ScriptedBackend(["old", "new"])
    fmos = make({"s": backend}, vfms=cached_vfm(), tenants=TENANTS)
    fmos.vfm().invoke("2+2?", tenant="acme")
    assert fmos.response_cache.invalidate(tenant="globex") == 0
    assert fmos.vfm().invoke("2+2?", tenant="acme").usage.cached
    assert fmos.response_cache.invalidate(tenant="acme", vfm="default") == 1
    assert fmos.vfm().invoke("2+2?", tenant="acme").text == "new"
    backend.assert_consumed()


def test_sampled_requests_bypass_the_cache(make):
    backend = ScriptedBackend(["a", "b", "c", "d"])
    fmos = make({"s": backend}, vfms=cached_vfm())
    for _ in range(2):
        assert not fmos.vfm().invoke("2+2?", temperature=0.7).usage.cached
    fmos.vfm().invoke("2+2?", temperature=0.7, seed=1)  # a fixed seed repeats itself
    assert fmos.vfm().invoke("2+2?", temperature=0.7, seed=1).text == "c"
    assert fmos.vfm().invoke("2+2?").text == "d"
    backend.assert_consumed()


def test_streams_bypass_the_cache(make):
    backend = ChunkedBackend(["one two", "three four", "five"])
    fmos = make({"s": backend}, vfms=cached_vfm())
    first = list(fmos.vfm().stream("count"))[-1].response
    assert first is not None and not first.usage.cached
    second = list(fmos.vfm().stream("count"))[-1].response
    assert second is not None and second.text == "three four"
    assert not fmos.vfm().invoke("count").usage.cached  # the streams stored nothing
    backend.assert_consumed()


def test_a_failed_call_is_not_cached(make):
    backend = ScriptedBackend(["not json", '{"a": 1}'])
    fmos = make(
        {"s": backend},
        vfms=cached_vfm(verify={"repair_retries": 0}),
        profiles={"s": {"json_schema": True}},
    )
    schema = {"type": "object"}
    with pytest.raises(VerificationFailed):
        fmos.vfm().invoke("give json", response_schema=schema)
    assert fmos.vfm().invoke("give json", response_schema=schema).parsed() == {"a": 1}
    assert fmos.vfm().invoke("give json", response_schema=schema).usage.cached
    backend.assert_consumed()


def test_an_answer_shaped_by_a_trap_is_not_cached(make):
    backend = ScriptedBackend(["4"], repeat=True)
    fmos = make({"s": backend}, vfms=cached_vfm())
    checked = fmos.vfm().invoke("2+2?", tags=["verify"])  # the ladder's verify rung
    assert checked.traps and checked.traps[0].type == "trust"
    again = fmos.vfm().invoke("2+2?", tags=["verify"])
    assert not again.usage.cached and again.traps
