"""Fallbacks and health: retries on transient errors, fallback order, circuit breakers,
per-call timeouts, streams that fail over only before their first chunk."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from kernels import ChunkedBackend, assert_settled, usage
from servers import LlamaServer, free_port

from fmos_core import (
    FMOS,
    BackendError,
    BackendRateLimited,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    Chunk,
    Completion,
    Config,
    ConfigError,
    ContextWindowExceeded,
    Request,
    ToolSpec,
)
from fmos_core.health import CircuitBreaker, RetryPolicy, is_transient
from fmos_core.testing import ScriptedBackend

FAST = {"backoff_s": 0.0, "max_backoff_s": 0.0}  # retries without waiting


class Clock:
    """A hand-moved monotonic clock for the breakers."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[Callable[..., FMOS]]:
    """Kernels on scripted pFMs with a fallback table and breakers; closed after the test."""
    made: list[FMOS] = []

    def build(
        backends: dict[str, ScriptedBackend],
        *,
        fallback: dict[str, Any] | None = None,
        breaker: dict[str, Any] | None = None,
        profiles: dict[str, dict[str, Any]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> FMOS:
        pfms = {
            name: {
                "driver": "scripted",
                "profile": (profiles or {}).get(name, {}),
                "breaker": breaker or {},
            }
            for name in backends
        }
        cfg = Config.parse(
            {
                "state": {"url": f"sqlite:///{tmp_path}/f.db"},
                "pfms": pfms,
                "vfms": {
                    "default": {"pfms": list(backends), "fallback": {**FAST, **(fallback or {})}}
                },
            }
        )
        extra = {} if clock is None else {"clock": clock}
        made.append(FMOS(cfg, backends=backends, **extra))
        return made[-1]

    yield build
    for fmos in made:
        fmos.close()


def down(pfm: str) -> BackendUnavailable:
    return BackendUnavailable(f"pfm {pfm!r}: connection refused", pfm=pfm)


def raising(error: Exception) -> Callable[[Request], Completion]:
    """A script step that raises any error (steps that are errors must be BackendErrors)."""

    def step(request: Request) -> Completion:
        raise error

    return step


# --- retries ----------------------------------------------------------------------------------


def test_transient_errors_are_retried_then_the_call_succeeds(kernel):
    a = ScriptedBackend([down("a"), BackendTimeout("slow", pfm="a"), usage("third time")])
    fmos = kernel({"a": a})
    fmos.budgets.set("default", tokens=10_000, requests=5)
    response = fmos.vfm().invoke("hi")
    assert (response.text, response.pfm) == ("third time", "a")
    assert response.provenance.policies == [
        "retry:a:BackendUnavailable",
        "retry:a:BackendTimeout",
    ]
    a.assert_consumed()
    assert_settled(fmos, "default", tokens=30, requests=1)
    stored = fmos.traces.get(response.trace_id)
    attempts = [s for s in stored.spans if s.name == "attempt"]
    assert [(s.attributes["pfm"], s.attributes["error"]) for s in attempts] == [
        ("a", "BackendUnavailable"),
        ("a", "BackendTimeout"),
    ]
    assert fmos.health()["a"].state == "closed"


def test_a_rate_limit_is_retried_after_the_wait_the_provider_asked_for(kernel):
    a = ScriptedBackend([BackendRateLimited("429", pfm="a", retry_after=0.2), "ok"])
    fmos = kernel({"a": a}, fallback={"max_backoff_s": 1.0})
    started = time.monotonic()
    response = fmos.vfm().invoke("hi")
    waited = time.monotonic() - started
    assert response.text == "ok"
    assert 0.2 <= waited < 1.0
    assert response.provenance.policies == ["retry:a:BackendRateLimited"]


def test_a_rate_limit_asking_for_longer_than_max_backoff_falls_back_at_once(kernel):
    a = ScriptedBackend([BackendRateLimited("429", pfm="a", retry_after=60.0)])
    b = ScriptedBackend(["from b"])
    fmos = kernel({"a": a, "b": b}, fallback={"max_backoff_s": 1.0})
    response = fmos.vfm().invoke("hi")
    assert (response.text, response.pfm) == ("from b", "b")
    assert response.provenance.policies == ["fallback:a->b:BackendRateLimited"]
    assert len(a.requests) == 1


@pytest.mark.parametrize(
    "error",
    [
        BackendError("pfm 'a': 401 unauthorized", pfm="a"),
        ContextWindowExceeded("pfm 'a': prompt too long", pfm="a"),
        BadRequest("the chat template rejected the messages"),
    ],
    ids=["BackendError", "ContextWindowExceeded", "BadRequest"],
)
def test_a_non_transient_error_is_neither_retried_nor_falls_back(kernel, error):
    a = ScriptedBackend([raising(error)])
    b = ScriptedBackend([])  # fails loudly if called
    fmos = kernel({"a": a, "b": b}, breaker={"failures": 1})
    fmos.budgets.set("default", tokens=10_000)
    with pytest.raises(type(error)) as caught:
        fmos.vfm().invoke("hi")
    assert caught.value is error
    assert len(a.requests) == 1 and b.requests == []
    assert fmos.health()["a"].state == "closed"  # the pFM answered: it is up
    assert_settled(fmos, "default", tokens=0, requests=0)


# --- fallbacks --------------------------------------------------------------------------------


def test_fallback_moves_the_reservation_and_settles_the_budget_once(kernel):
    a = ScriptedBackend([down("a")] * 3)
    b = ScriptedBackend([usage("from b", input_tokens=20, output_tokens=10)])
    fmos = kernel(
        {"a": a, "b": b},
        profiles={"a": {"input_price_per_mtok": 1.0}, "b": {"input_price_per_mtok": 1000.0}},
    )
    fmos.budgets.set("default", tokens=10_000, cost=1.0, requests=5)
    response = fmos.vfm().invoke("hi")
    assert (response.text, response.pfm) == ("from b", "b")
    assert response.provenance.policies == [
        "retry:a:BackendUnavailable",
        "retry:a:BackendUnavailable",
        "fallback:a->b:BackendUnavailable",
    ]
    a.assert_consumed()
    b.assert_consumed()
    assert_settled(fmos, "default", tokens=30, requests=1)  # one request, b's usage only
    status = fmos.budgets.show("default")
    assert status.cost_used == pytest.approx(20 * 1000.0 / 1e6)  # priced as b
    assert response.usage.cost == pytest.approx(status.cost_used)
    stored = fmos.traces.get(response.trace_id)
    assert stored.pfm == "b" and stored.status == "ok"
    assert [s.attributes["pfm"] for s in stored.spans if s.name == "attempt"] == ["a"] * 3


def test_fallback_follows_the_configured_order(kernel):
    a, b, c = ScriptedBackend([down("a")]), ScriptedBackend([]), ScriptedBackend(["from c"])
    fmos = kernel({"a": a, "b": b, "c": c}, fallback={"retries": 0, "order": ["a", "c"]})
    response = fmos.vfm().invoke("hi")
    assert response.pfm == "c"
    assert response.provenance.policies == ["fallback:a->c:BackendUnavailable"]
    assert b.requests == []  # not in the order: never a fallback


def test_when_every_pfm_fails_the_last_error_is_raised_listing_what_was_tried(kernel):
    last = BackendTimeout("pfm 'b': no answer within 60s", pfm="b")
    a, b = ScriptedBackend([down("a")] * 2), ScriptedBackend([down("b"), last])
    fmos = kernel({"a": a, "b": b}, fallback={"retries": 1})
    fmos.budgets.set("default", tokens=10_000)
    with pytest.raises(BackendTimeout) as caught:
        fmos.vfm().invoke("hi")
    error = caught.value
    assert error.pfm == "b" and error.__cause__ is last
    assert str(error) == (
        "pfm 'b': no answer within 60s [tried: a: 2 attempt(s), last BackendUnavailable; "
        "b: 2 attempt(s), last BackendTimeout]"
    )
    assert_settled(fmos, "default", tokens=0, requests=0)
    stored = fmos.traces.get(error.trace_id)
    assert stored.status == "error" and stored.error.startswith("BackendTimeout: ")
    assert stored.provenance["policies"] == [
        "retry:a:BackendUnavailable",
        "fallback:a->b:BackendUnavailable",
        "retry:b:BackendUnavailable",
    ]


def test_a_pool_whose_only_capable_pfm_is_down(kernel):
    a = ScriptedBackend([down("a")])
    b = ScriptedBackend([])  # cannot do tools: never called
    fmos = kernel({"a": a, "b": b}, fallback={"retries": 0}, profiles={"b": {"tools": False}})
    tool = ToolSpec(name="add", description="Add.", parameters={"type": "object"})
    with pytest.raises(BackendUnavailable) as caught:
        fmos.vfm().invoke("1+1?", tools=[tool])
    assert "[tried: a: 1 attempt(s), last BackendUnavailable; b: cannot do tools]" in str(
        caught.value
    )
    assert b.requests == []
    # without tools, b may take the call
    a2 = ScriptedBackend([down("a")])
    fmos2 = kernel({"a": a2, "b": ScriptedBackend(["plain"])}, fallback={"retries": 0})
    assert fmos2.vfm().invoke("hi").pfm == "b"


def test_a_fallback_whose_window_is_too_small_is_skipped(kernel):
    a = ScriptedBackend([down("a")])
    small = ScriptedBackend([])
    fmos = kernel(
        {"a": a, "small": small},
        fallback={"retries": 0},
        profiles={"small": {"context_window": 64}},
    )
    with pytest.raises(BackendUnavailable, match="small: the prompt does not fit its window"):
        fmos.vfm().invoke("hi", max_tokens=100)
    assert small.requests == []


# --- circuit breakers -------------------------------------------------------------------------


def test_breaker_opens_skips_the_pfm_half_opens_after_the_cooldown_and_closes(kernel):
    clock = Clock()
    a = ScriptedBackend([down("a"), down("a"), "a is back"])
    b = ScriptedBackend(["b1", "b2", "b3"])
    fmos = kernel(
        {"a": a, "b": b},
        fallback={"retries": 0},
        breaker={"failures": 2, "cooldown_s": 10},
        clock=clock,
    )
    assert [fmos.vfm().invoke("hi").text for _ in range(2)] == ["b1", "b2"]
    health = fmos.health()
    assert (health["a"].state, health["a"].consecutive_failures) == ("open", 2)
    assert health["a"].retry_in_s == pytest.approx(10)
    assert health["b"].state == "closed"

    skipped = fmos.vfm().invoke("hi")  # a is not called while its breaker is open
    assert (skipped.text, skipped.pfm) == ("b3", "b")
    assert skipped.provenance.policies == ["fallback:a->b:breaker_open"]
    assert len(a.requests) == 2

    clock.now += 10
    assert fmos.health()["a"].state == "half_open"
    trial = fmos.vfm().invoke("hi")
    assert (trial.text, trial.pfm) == ("a is back", "a")
    assert fmos.health()["a"].state == "closed"
    a.assert_consumed()
    b.assert_consumed()


def test_a_failed_trial_call_opens_the_breaker_again(kernel):
    clock = Clock()
    a = ScriptedBackend([down("a"), down("a")])
    b = ScriptedBackend(["b1", "b2", "b3"])
    fmos = kernel(
        {"a": a, "b": b},
        fallback={"retries": 2},
        breaker={"failures": 1, "cooldown_s": 5},
        clock=clock,
    )
    assert fmos.vfm().invoke("hi").provenance.policies == ["fallback:a->b:BackendUnavailable"]
    assert len(a.requests) == 1  # the breaker opened at once: no retry on a
    clock.now += 5
    trial = fmos.vfm().invoke("hi")
    assert trial.pfm == "b" and len(a.requests) == 2  # one trial call, no retries
    assert fmos.health()["a"].state == "open"
    assert fmos.vfm().invoke("hi").provenance.policies == ["fallback:a->b:breaker_open"]


def test_every_breaker_open_is_a_typed_error_naming_the_pfms(kernel):
    clock = Clock()
    a = ScriptedBackend([down("a")])
    fmos = kernel({"a": a}, fallback={"retries": 0}, breaker={"failures": 1}, clock=clock)
    with pytest.raises(BackendUnavailable):
        fmos.vfm().invoke("hi")
    with pytest.raises(BackendUnavailable, match=r"no pFM of VFM 'default' could take the call"):
        fmos.vfm().invoke("hi")
    assert len(a.requests) == 1


def test_breaker_is_thread_safe_and_lets_one_trial_through():
    clock = Clock()
    breaker = CircuitBreaker("p", failure_threshold=50, cooldown_s=1, clock=clock)
    barrier = threading.Barrier(8)

    def fail() -> None:
        barrier.wait()
        for _ in range(100):
            breaker.record_failure()

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert breaker.status().consecutive_failures == 800
    assert breaker.state == "open"
    clock.now += 1
    allowed: list[bool] = []
    barrier = threading.Barrier(8)

    def trial() -> None:
        barrier.wait()
        allowed.append(breaker.allow())

    threads = [threading.Thread(target=trial) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(allowed) == [False] * 7 + [True]
    breaker.release()  # the trial was abandoned: another may try
    assert breaker.allow() is True


def test_retry_policy_backs_off_with_seeded_jitter_and_honours_retry_after():
    policy = RetryPolicy(retries=4, base_delay_s=0.1, max_delay_s=0.5, jitter=0.5,
                         uniform=random.Random(7).random)  # fmt: skip
    again = RetryPolicy(retries=4, base_delay_s=0.1, max_delay_s=0.5, jitter=0.5,
                        uniform=random.Random(7).random)  # fmt: skip
    error = BackendUnavailable("down")
    delays = [policy.delay(n, error) for n in (1, 2, 3, 4)]
    assert delays == [again.delay(n, error) for n in (1, 2, 3, 4)]  # seeded: reproducible
    for delay, cap in zip(delays, (0.1, 0.2, 0.4, 0.5), strict=True):
        assert delay is not None and cap / 2 <= delay <= cap
    assert policy.delay(1, BackendRateLimited("429", retry_after=0.3)) == 0.3
    assert policy.delay(1, BackendRateLimited("429", retry_after=3.0)) is None
    assert [is_transient(e) for e in (error, BackendError("x"), ContextWindowExceeded("x"))] == [
        True,
        False,
        False,
    ]


# --- timeouts ---------------------------------------------------------------------------------


class SlowBackend(ScriptedBackend):
    """A scripted pFM that takes ``delay`` seconds to answer, or to begin streaming."""

    def __init__(self, script: list[Any], *, delay: float) -> None:
        super().__init__(script)
        self.delay = delay

    async def complete(self, request: Request) -> Completion:
        await asyncio.sleep(self.delay)
        return await super().complete(request)


def test_a_call_past_its_timeout_falls_back(kernel):
    slow = SlowBackend(["too late"], delay=5)
    fast = ScriptedBackend(["in time"])
    fmos = kernel({"slow": slow, "fast": fast}, fallback={"retries": 0, "timeout_s": 0.05})
    response = fmos.vfm().invoke("hi")
    assert (response.text, response.pfm) == ("in time", "fast")
    assert response.provenance.policies == ["fallback:slow->fast:BackendTimeout"]
    assert slow.requests == []  # cancelled while it slept, before it took a step


def test_the_request_timeout_overrides_the_vfm_s_and_names_the_pfm(kernel):
    slow = SlowBackend(["late", "in time"], delay=0.3)
    fmos = kernel({"slow": slow}, fallback={"retries": 0, "timeout_s": 10})
    with pytest.raises(BackendTimeout) as caught:
        fmos.vfm().invoke("hi", timeout_s=0.05)
    assert caught.value.pfm == "slow"
    assert "pfm 'slow': no answer within the call's timeout of 0.05s" in str(caught.value)
    assert fmos.vfm().invoke("hi", timeout_s=2).text == "late"  # the cancelled call took no step
    with pytest.raises(BadRequest, match="timeout_s"):
        fmos.vfm().invoke("hi", timeout_s=0)


# --- streams ----------------------------------------------------------------------------------


class BreaksMidStream(ScriptedBackend):
    """Streams ``first`` and then loses the connection."""

    async def stream(self, request: Request) -> AsyncIterator[Chunk]:
        self.requests.append(request)
        yield Chunk(delta="partial ")
        raise BackendUnavailable("pfm 'a': connection reset mid-stream", pfm="a")


def test_a_stream_fails_over_before_its_first_chunk(kernel):
    a = ChunkedBackend([down("a")])
    b = ChunkedBackend([usage("hello from b")])
    fmos = kernel({"a": a, "b": b}, fallback={"retries": 0})
    fmos.budgets.set("default", tokens=10_000)
    events = list(fmos.vfm().stream("hi"))
    assert "".join(e.delta for e in events if e.delta) == "hello from b"
    response = events[-1].response
    assert response.pfm == "b"
    assert response.provenance.policies == ["fallback:a->b:BackendUnavailable"]
    assert_settled(fmos, "default", tokens=30, requests=1)
    assert a.open_streams == 0 == b.open_streams


def test_a_stream_that_already_sent_text_is_not_retried(kernel):
    a = BreaksMidStream([])
    b = ChunkedBackend([])  # must not be called: the caller has seen a's text
    fmos = kernel({"a": a, "b": b}, breaker={"failures": 1})
    fmos.budgets.set("default", tokens=10_000)
    seen: list[str] = []
    with pytest.raises(BackendUnavailable, match="mid-stream"):
        for event in fmos.vfm().stream("hi"):
            seen.append(event.delta)
    assert seen == ["partial "]
    assert len(a.requests) == 1 and b.requests == []
    assert fmos.health()["a"].state == "open"  # the failure still counts
    status = fmos.budgets.show("default")
    assert status.tokens_reserved == 0 and status.requests_used == 1  # the hold is charged


def test_a_stream_past_its_timeout_before_the_first_chunk_falls_back(kernel):
    slow = SlowBackend(["late"], delay=5)
    fast = ChunkedBackend(["quick one"])
    fmos = kernel({"slow": slow, "fast": fast}, fallback={"retries": 0, "timeout_s": 0.05})
    events = list(fmos.vfm().stream("hi"))
    assert events[-1].response.pfm == "fast"
    assert events[-1].response.text == "quick one"


# --- configuration ----------------------------------------------------------------------------


def config(vfm: dict[str, Any], pfm: dict[str, Any] | None = None) -> Config:
    return Config.parse(
        {
            "pfms": {"a": {"driver": "scripted", **(pfm or {})}, "b": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["a", "b"], **vfm}},
        }
    )


@pytest.mark.parametrize(
    ("vfm", "pfm", "message"),
    [
        (
            {"fallback": {"order": ["b", "ghost"]}},
            None,
            "vfms.default: fallback.order names 'ghost', which is not in this VFM's pfms "
            "('a', 'b'); add it to pfms or remove it from fallback.order",
        ),
        (
            {"fallback": {"retries": -1}},
            None,
            "vfms.default.fallback.retries: Input should be greater than or equal to 0",
        ),
        ({"fallback": {"order": ["a", "a"]}}, None, "order names 'a' more than once"),
        ({"fallback": {"timeout_s": 0}}, None, "vfms.default.fallback.timeout_s: Input should"),
        ({"fallback": {"max_backoff_s": 0.1}}, None, "max_backoff_s (0.1) is below backoff_s"),
        ({"fallback": {"retry": 1}}, None, "unknown key 'vfms.default.fallback.retry'"),
        ({}, {"breaker": {"failures": 0}}, "pfms.a.breaker.failures: Input should be greater"),
        ({}, {"breaker": {"cooldown_s": -1}}, "pfms.a.breaker.cooldown_s: Input should be"),
    ],
)
def test_bad_fallback_and_breaker_config_is_a_config_error_saying_what_to_change(vfm, pfm, message):
    with pytest.raises(ConfigError) as caught:
        config(vfm, pfm)
    assert message in str(caught.value)


def test_fallback_and_breaker_defaults():
    cfg = config({})
    fallback, breaker = cfg.vfms["default"].fallback, cfg.pfms["a"].breaker
    assert (fallback.retries, fallback.backoff_s, fallback.max_backoff_s) == (2, 0.2, 5.0)
    assert (fallback.timeout_s, fallback.order) == (None, None)
    assert (breaker.failures, breaker.cooldown_s) == (5, 30.0)
    with FMOS(
        cfg.model_copy(update={"state": cfg.state.model_copy(update={"enabled": False})})
    ) as fmos:
        assert {name: s.state for name, s in fmos.health().items()} == {
            "a": "closed",
            "b": "closed",
        }


# --- the openai driver: FMOS owns the retries ------------------------------------------------


def test_openai_driver_leaves_retries_to_fmos_and_reads_retry_after():
    from fmos_openai import OpenAIBackend
    from fmos_openai._errors import status_error

    backend = OpenAIBackend.from_options(
        {"base_url": "http://127.0.0.1:9/v1", "model": "m"}, pfm="p"
    )
    assert backend.options.max_retries == 0

    async def sdk_retries() -> int:
        client = backend._client
        try:
            return client.max_retries
        finally:
            await backend.aclose()

    assert asyncio.run(sdk_retries()) == 0
    request = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    for headers, expected in (
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
        ({"retry-after": "soon"}, None),
        ({}, None),
    ):
        response = httpx.Response(429, headers=headers, request=request)
        error = status_error(
            openai.RateLimitError("slow down", response=response, body=None), pfm="p"
        )
        assert isinstance(error, BackendRateLimited) and error.retry_after == expected


# --- a real server behind a dead one ----------------------------------------------------------


@pytest.mark.server
def test_a_dead_openai_pfm_falls_back_to_the_real_server(llama_server: LlamaServer, tmp_path):
    dead = {"base_url": f"http://127.0.0.1:{free_port()}/v1", "model": "gone", "timeout": 5}
    live = {"base_url": llama_server.base_url, "model": llama_server.model, "timeout": 120}
    cfg = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/real.db"},
            "pfms": {
                "dead": {"driver": "openai", "options": {**dead, "context_window": 2048}},
                "live": {"driver": "openai", "options": {**live, "context_window": 2048}},
            },
            "vfms": {"default": {"pfms": ["dead", "live"], "fallback": {"backoff_s": 0.01}}},
        }
    )
    with FMOS(cfg) as fmos:
        fmos.budgets.set("default", tokens=100_000, requests=10)
        response = fmos.vfm().invoke("Say hello.", max_tokens=16)
        assert response.pfm == "live" and response.text
        assert response.provenance.policies[-1] == "fallback:dead->live:BackendUnavailable"
        assert response.provenance.policies.count("retry:dead:BackendUnavailable") == 2
        events = list(fmos.vfm().stream("Say hi.", max_tokens=8))
        assert events[-1].response.pfm == "live"
        assert "fallback:dead->live:BackendUnavailable" in events[-1].response.provenance.policies
        status = fmos.budgets.show("default")
        assert (status.requests_used, status.tokens_reserved) == (2, 0)
        stored = fmos.traces.get(response.trace_id)
        assert stored.pfm == "live"
        assert [s.attributes["pfm"] for s in stored.spans if s.name == "attempt"] == ["dead"] * 3
