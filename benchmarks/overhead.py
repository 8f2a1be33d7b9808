"""Per-call overhead of FMOS over the plain openai SDK, against an instant loopback stub.

    python benchmarks/overhead.py [--calls N]

Three variants, interleaved call by call in one process so drift hits all alike:
(a) the plain ``openai`` SDK, (b) FMOS fast path (no state: no budget, no trace),
(c) FMOS with tracing and a tenant budget on SQLite (WAL, synchronous=FULL).
Each is measured async (one event loop) and sync (the blocking APIs). FMOS's core
is async, so its sync calls ride the SDK's async HTTP stack: the sync table adds
(a2), the async SDK driven from sync code, to show what that stack costs by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI, OpenAI

from fmos_core import FMOS, Config

MESSAGES = [{"role": "user", "content": "Say ok."}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_stub() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    script = Path(__file__).with_name("stub_server.py")
    proc = subprocess.Popen([sys.executable, str(script), str(port)])
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/models", timeout=1).read()
            return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the stub server did not start")


def kernel(url: str, state_dir: str | None) -> FMOS:
    state = {"url": f"sqlite:///{state_dir}/state.db"} if state_dir else {"enabled": False}
    config = Config.parse(
        {
            "state": state,
            "pfms": {"stub": {"driver": "openai", "options": {"base_url": url, "model": "stub"}}},
            "vfms": {"default": {"pfms": ["stub"]}},
        }
    )
    fmos = FMOS(config)
    if state_dir:
        fmos.budgets.set("default", tokens=10**12, cost=10**6, requests=10**9)
    return fmos


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def table(title: str, results: dict[str, list[float]]) -> None:
    base = statistics.median(results["(a) openai SDK"])
    print(f"\n{title}")
    print("| variant | p50 ms | p99 ms | p50 overhead vs (a) ms | p50 ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, samples in results.items():
        p50 = statistics.median(samples)
        print(
            f"| {name} | {p50:.3f} | {percentile(samples, 0.99):.3f} | "
            f"{p50 - base:+.3f} | {p50 / base:.2f} |"
        )


WARMUP = 50


def create(client: OpenAI | AsyncOpenAI) -> Any:
    return client.chat.completions.create(model="stub", messages=MESSAGES, max_tokens=16)  # type: ignore[call-overload]


async def bench_async(url: str, fast: FMOS, full: FMOS, calls: int) -> dict[str, list[float]]:
    client = AsyncOpenAI(base_url=url, api_key="none", max_retries=0)
    fast_vfm, full_vfm = fast.vfm(), full.vfm()
    variants: dict[str, Callable[[], Awaitable[object]]] = {
        "(a) openai SDK": lambda: create(client),
        "(b) FMOS fast path": lambda: fast_vfm.ainvoke(MESSAGES, max_tokens=16),
        "(c) FMOS + trace + budget": lambda: full_vfm.ainvoke(MESSAGES, max_tokens=16),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    for i, name in interleaved(list(variants), calls):
        started = time.perf_counter()
        await variants[name]()
        if i >= WARMUP:
            results[name].append((time.perf_counter() - started) * 1000)
    await client.close()
    await fast.aclose()  # the drivers' HTTP clients belong to this loop: close them in it
    await full.aclose()
    return results


def bench_sync(url: str, fast: FMOS, full: FMOS, calls: int) -> dict[str, list[float]]:
    client = OpenAI(base_url=url, api_key="none", max_retries=0)
    async_client = AsyncOpenAI(base_url=url, api_key="none", max_retries=0)
    loop = asyncio.new_event_loop()
    fast_vfm, full_vfm = fast.vfm(), full.vfm()
    variants: dict[str, Callable[[], object]] = {
        "(a) openai SDK": lambda: create(client),
        "(a2) openai async SDK, driven from sync": lambda: loop.run_until_complete(
            create(async_client)
        ),
        "(b) FMOS fast path": lambda: fast_vfm.invoke(MESSAGES, max_tokens=16),
        "(c) FMOS + trace + budget": lambda: full_vfm.invoke(MESSAGES, max_tokens=16),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    for i, name in interleaved(list(variants), calls):
        started = time.perf_counter()
        variants[name]()
        if i >= WARMUP:
            results[name].append((time.perf_counter() - started) * 1000)
    client.close()
    loop.run_until_complete(async_client.close())
    loop.close()
    return results


def interleaved(names: list[str], calls: int) -> Iterator[tuple[int, str]]:
    """(round, variant) pairs: every round runs each variant once, rotating who goes first."""
    for i in range(calls + WARMUP):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            yield i, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    proc, url = start_stub()
    try:
        with (
            tempfile.TemporaryDirectory() as state_dir,
            kernel(url, None) as fast_async,
            kernel(url, state_dir) as full_async,
        ):
            results = asyncio.run(bench_async(url, fast_async, full_async, args.calls))
            table(f"async, {args.calls} calls each", results)
        with (
            tempfile.TemporaryDirectory() as state_dir,
            kernel(url, None) as fast,
            kernel(url, state_dir) as full,
        ):
            table(f"sync, {args.calls} calls each", bench_sync(url, fast, full, args.calls))
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
