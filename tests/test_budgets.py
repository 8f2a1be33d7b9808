"""The budget ledger: limits, reserve → settle/release, and no overspend under concurrency."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import queue
import threading
import time
import traceback
from typing import Any

import pytest
from sqlalchemy import func, select

from fmos_core import FMOS, BadRequest, BudgetExceeded, Completion, Config, Request
from fmos_core.store import BudgetLedger, Database, schema
from fmos_core.store.budgets import BudgetStatus, to_micros
from fmos_core.testing import ScriptedBackend


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/s.db")
    yield database
    database.close()


@pytest.fixture
def ledger(db):
    return BudgetLedger(db)


def count(db: Database, table, *where) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


# --- set / show -----------------------------------------------------------------------------


def test_a_tenant_without_a_budget_is_unlimited(ledger, db):
    assert ledger.show("acme") is None
    assert ledger.reserve("acme", tokens=10**9, cost=10**6) is None
    assert ledger.all() == []
    assert count(db, schema.reservations) == 0


def test_set_and_show(ledger):
    ledger.set("acme", tokens=1000, cost=2.5, requests=10)
    assert ledger.show("acme") == BudgetStatus(
        tenant="acme",
        tokens_limit=1000,
        cost_limit=2.5,
        requests_limit=10,
        tokens_used=0,
        cost_used=0.0,
        requests_used=0,
        tokens_reserved=0,
        cost_reserved=0.0,
        requests_reserved=0,
    )
    ledger.set("beta", tokens=5)
    assert [b.tenant for b in ledger.all()] == ["acme", "beta"]
    beta = ledger.show("beta")
    assert (beta.tokens_limit, beta.cost_limit, beta.requests_limit) == (5, None, None)


def test_set_again_changes_only_the_given_limits_and_keeps_usage(ledger):
    ledger.set("acme", tokens=1000, cost=1.0)
    ledger.settle(ledger.reserve("acme", tokens=100, cost=0.1), tokens=80, cost=0.05)
    ledger.set("acme", requests=3)
    status = ledger.show("acme")
    assert (status.tokens_limit, status.cost_limit, status.requests_limit) == (1000, 1.0, 3)
    assert (status.tokens_used, status.cost_used, status.requests_used) == (80, 0.05, 1)
    ledger.set("acme", tokens=50)  # below usage: allowed, and nothing more fits
    assert ledger.show("acme").tokens_used == 80
    with pytest.raises(BudgetExceeded):
        ledger.reserve("acme", tokens=1, cost=0)


@pytest.mark.parametrize("value", [-1, -0.5, math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("resource", ["tokens", "cost", "requests"])
def test_invalid_limits_are_bad_requests_and_change_nothing(ledger, db, resource, value):
    ledger.set("acme", tokens=100, cost=1.0, requests=5)
    before = ledger.show("acme")
    with pytest.raises(BadRequest, match=f"budget {resource} must be a finite number"):
        ledger.set("acme", **{resource: value})
    assert ledger.show("acme") == before
    with pytest.raises(BadRequest):
        ledger.set("newcomer", **{resource: value})
    assert ledger.show("newcomer") is None
    assert count(db, schema.budgets) == 1


def test_zero_is_a_valid_limit(ledger):
    ledger.set("acme", requests=0)
    with pytest.raises(BudgetExceeded) as info:
        ledger.reserve("acme", tokens=0, cost=0)
    assert info.value.resource == "requests"


# --- reserve / settle / release ------------------------------------------------------------------


def test_reserve_holds_then_settle_moves_to_used(ledger, db):
    ledger.set("acme", tokens=100, cost=1.0, requests=5)
    held = ledger.reserve("acme", tokens=60, cost=0.25)
    assert (held.tokens, held.cost_micros, held.requests) == (60, 250_000, 1)
    status = ledger.show("acme")
    assert (status.tokens_reserved, status.cost_reserved, status.requests_reserved) == (
        60,
        0.25,
        1,
    )
    assert (status.tokens_used, status.cost_used, status.requests_used) == (0, 0.0, 0)
    assert count(db, schema.reservations) == 1

    ledger.settle(held, tokens=45, cost=0.125)
    status = ledger.show("acme")
    assert (status.tokens_used, status.cost_used, status.requests_used) == (45, 0.125, 1)
    assert (status.tokens_reserved, status.cost_reserved, status.requests_reserved) == (0, 0, 0)
    assert count(db, schema.reservations) == 0


def test_release_gives_everything_back(ledger, db):
    ledger.set("acme", tokens=100)
    ledger.release(ledger.reserve("acme", tokens=100, cost=0.5))
    status = ledger.show("acme")
    assert (status.tokens_used, status.requests_used, status.cost_used) == (0, 0, 0)
    assert (status.tokens_reserved, status.requests_reserved, status.cost_reserved) == (0, 0, 0)
    assert count(db, schema.reservations) == 0
    assert ledger.reserve("acme", tokens=100, cost=0) is not None  # the whole limit is free


@pytest.mark.parametrize(
    ("limits", "ask", "resource"),
    [
        ({"tokens": 100}, {"tokens": 101, "cost": 0}, "tokens"),
        ({"cost": 0.01}, {"tokens": 1, "cost": 0.010001}, "cost"),
        ({"requests": 1}, None, "requests"),
    ],
)
def test_reserve_past_a_limit_names_the_resource(ledger, db, limits, ask, resource):
    ledger.set("acme", **limits)
    if ask is None:  # the first request fits, the second does not
        ledger.reserve("acme", tokens=1, cost=0)
        ask = {"tokens": 1, "cost": 0}
    before = ledger.show("acme")
    with pytest.raises(BudgetExceeded) as info:
        ledger.reserve("acme", **ask)
    error = info.value
    assert (error.tenant, error.resource) == ("acme", resource)
    assert f"would exceed its {resource} budget" in str(error)
    assert f"fmos budget set --tenant acme --{resource} N" in str(error)
    assert ledger.show("acme") == before
    assert count(db, schema.reservations) == (1 if resource == "requests" else 0)


def test_reservations_count_against_the_limit_until_closed(ledger):
    ledger.set("acme", tokens=100)
    first = ledger.reserve("acme", tokens=60, cost=0)
    with pytest.raises(BudgetExceeded, match="60 used or reserved"):
        ledger.reserve("acme", tokens=60, cost=0)
    ledger.settle(first, tokens=30, cost=0)
    assert ledger.reserve("acme", tokens=60, cost=0) is not None  # 30 used + 60 ≤ 100


def test_settle_twice_does_not_double_count(ledger, db):
    ledger.set("acme", tokens=1000, cost=1.0)
    held = ledger.reserve("acme", tokens=100, cost=0.1)
    ledger.settle(held, tokens=70, cost=0.07)
    after_first = ledger.show("acme")
    ledger.settle(held, tokens=70, cost=0.07)
    ledger.release(held)
    assert ledger.show("acme") == after_first
    assert (after_first.tokens_used, after_first.requests_used) == (70, 1)
    assert after_first.tokens_reserved == 0


def test_release_after_release_and_settle_after_release_are_no_ops(ledger):
    ledger.set("acme", tokens=1000)
    held = ledger.reserve("acme", tokens=100, cost=0)
    ledger.release(held)
    ledger.release(held)
    ledger.settle(held, tokens=100, cost=0)
    status = ledger.show("acme")
    assert (status.tokens_used, status.tokens_reserved, status.requests_used) == (0, 0, 0)


def test_cost_is_kept_in_exact_micro_dollars(ledger):
    assert to_micros(0.1) == 100_000
    assert to_micros(0.0000001) == 1  # rounds up: a reservation never under-covers
    ledger.set("acme", cost=0.3)
    for _ in range(3):
        ledger.settle(ledger.reserve("acme", tokens=0, cost=0.1), tokens=0, cost=0.1)
    assert ledger.show("acme").cost_used == 0.3  # no floating drift
    with pytest.raises(BudgetExceeded, match="cost"):
        ledger.reserve("acme", tokens=0, cost=0.000001)


def test_budgets_are_per_tenant(ledger):
    ledger.set("acme", tokens=10)
    ledger.set("beta", tokens=1000)
    with pytest.raises(BudgetExceeded):
        ledger.reserve("acme", tokens=11, cost=0)
    assert ledger.reserve("beta", tokens=11, cost=0) is not None
    assert ledger.show("acme").tokens_reserved == 0


# --- concurrency: 2 processes × 8 threads on one SQLite file -----------------------------------

THREADS = 8
PROCESSES = 2
USAGE_TOKENS = 20  # what each call really uses ...
MAX_TOKENS = 16  # ... while it reserves prompt("hi" = 9) + 16 = 25
RESERVE_TOKENS = 25
LIMIT = 400
# At the last failed reservation no other is outstanding, so used + 25 > 400, i.e. used ≥ 380;
# and used = 20 × successes ≤ 400 - 5 (the 20th call would need 380 + 25). So exactly 19 fit.
EXPECTED_SUCCESSES = 19
CALL_SECONDS = 0.01  # how long a call holds its reservation, so that reservations overlap


class SlowBackend(ScriptedBackend):
    """A scripted pFM that takes a moment to answer, as a real one does."""

    async def complete(self, request: Request) -> Completion:
        await asyncio.sleep(CALL_SECONDS)
        return await super().complete(request)


def _hammer(mode: str, url: str, start: Any, results: Any) -> None:
    """One process: THREADS threads loop until the budget refuses them."""
    try:
        tally = {"ok": 0, "refused": 0, "other": []}
        lock = threading.Lock()
        if mode == "pipeline":
            completion = Completion(content="ok", input_tokens=10, output_tokens=10)
            cfg = Config.parse(
                {
                    "state": {"url": url},
                    "pfms": {"s": {"driver": "scripted"}},
                    "vfms": {"default": {"pfms": ["s"]}},
                    "tenants": {"acme": {}},
                }
            )
            kernel = FMOS(cfg, backends={"s": SlowBackend([completion], repeat=True)})
            vfm = kernel.vfm()

            def attempt() -> None:
                vfm.invoke("hi", tenant="acme", max_tokens=MAX_TOKENS)

            close = kernel.close
        else:
            database = Database(url)
            ledger = BudgetLedger(database)

            def attempt() -> None:
                held = ledger.reserve("acme", tokens=RESERVE_TOKENS, cost=0.0)
                assert held is not None
                time.sleep(CALL_SECONDS)
                ledger.settle(held, tokens=USAGE_TOKENS, cost=0.0)

            close = database.close

        gate = threading.Barrier(THREADS)

        def worker() -> None:
            gate.wait()
            while True:
                try:
                    attempt()
                except BudgetExceeded:
                    with lock:
                        tally["refused"] += 1
                    return
                except Exception as exc:
                    with lock:
                        tally["other"].append(repr(exc))
                    return
                with lock:
                    tally["ok"] += 1

        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        start.wait(timeout=60)  # both processes start hammering together
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        close()
        results.put(tally)
    except BaseException:
        results.put({"crash": traceback.format_exc()})


def _run_processes(mode: str, url: str) -> list[dict[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_hammer, args=(mode, url, start, results)) for _ in range(PROCESSES)
    ]
    for proc in procs:
        proc.start()
    try:
        tallies = [results.get(timeout=60) for _ in procs]
    except queue.Empty:
        pytest.fail("a hammering process did not report within 60 s")
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    assert all(proc.exitcode == 0 for proc in procs)
    for tally in tallies:
        assert "crash" not in tally, tally.get("crash")
        assert tally["other"] == []
        assert tally["refused"] == THREADS  # every thread ended on BudgetExceeded
    return tallies


@pytest.mark.timeout(90)
@pytest.mark.parametrize("mode", ["pipeline", "ledger"])
def test_concurrent_processes_never_overspend(tmp_path, mode):
    url = f"sqlite:///{tmp_path}/shared.db"
    setup = Database(url)
    BudgetLedger(setup).set("acme", tokens=LIMIT)

    tallies = _run_processes(mode, url)

    successes = sum(t["ok"] for t in tallies)
    attempts = successes + sum(t["refused"] for t in tallies)
    status = BudgetLedger(setup).show("acme")
    assert status.tokens_used <= LIMIT
    assert status.tokens_used == successes * USAGE_TOKENS
    assert status.requests_used == successes
    assert successes == EXPECTED_SUCCESSES
    assert (status.tokens_reserved, status.cost_reserved, status.requests_reserved) == (0, 0, 0)
    assert count(setup, schema.reservations) == 0
    if mode == "pipeline":
        assert count(setup, schema.traces) == attempts
        assert count(setup, schema.traces, schema.traces.c.status == "ok") == successes
        errors = count(setup, schema.traces, schema.traces.c.error.like("BudgetExceeded%"))
        assert errors == attempts - successes
    setup.close()
