"""The second half of benchmarks/context.py: a real task on the embedded model.

Each task is one agent step: the user asks for the status of one order, the agent
called ``list_orders``, and the tool returned ~20 KB of JSON (300 orders) with the
answer somewhere inside. The embedded SmolLM2-135M-Instruct then has to answer.
A task succeeds when the answer contains the order's status (distinctive phrases
such as "held at customs", never the common "shipped" / "pending").

Configurations, all through the full FMOS pipeline:
- no policy, the default 2,048-token window: the prompt does not fit;
- no policy, an 8,192-token window: the model reads all 20 KB itself;
- policies (offload above 2 KB, post-use offload, prune) with the recall tool only:
  the model must page the fact back in itself;
- the same policies with the knowledge trap: it pages in the order the question names.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fmos_core import FMOS, Config, ContextWindowExceeded, Message, ToolCall

RARE = ["held at customs", "lost in transit", "returned to sender", "awaiting pickup"]
POLICIES = [
    {"policy": "offload_tool_outputs", "max_bytes": 2000},
    {"policy": "post_use_offload"},
    {"policy": "prune_observations", "keep_last": 2},
]


@dataclass(frozen=True)
class Task:
    history: list[Message]
    status: str


def task(seed: int, orders: int = 300) -> Task:
    rng = random.Random(seed)
    rows = [
        {
            "order_id": f"ORD-{1000 + i}",
            "customer": rng.choice(["Ada", "Bob", "Cy", "Dee"]),
            "status": rng.choice(["shipped", "pending"]),
        }
        for i in range(orders)
    ]
    target = rng.randrange(orders)
    rows[target]["status"] = status = rng.choice(RARE)
    call = ToolCall(id="c1", name="list_orders", arguments={})
    question = f"What is the status of order ORD-{1000 + target}?"
    return Task(
        [
            Message(role="user", content=question),
            Message(role="assistant", content="", tool_calls=[call]),
            Message(role="tool", tool_call_id="c1", name="list_orders", content=json.dumps(rows)),
        ],
        status,
    )


@contextmanager
def kernel(n_ctx: int, policies: bool, knowledge: bool) -> Iterator[FMOS]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Config.parse(
            {
                "state": {"url": f"sqlite:///{tmp}/state.db"},
                "pfms": {"smollm2": {"driver": "llamacpp", "options": {"n_ctx": n_ctx}}},
                "vfms": {"default": {"pfms": ["smollm2"], "context": POLICIES if policies else []}},
            }
        )
        with FMOS(config) as fmos:
            if not knowledge:
                fmos.traps.detectors.clear()
            yield fmos


def run(n: int, *, wide: int = 2) -> None:
    """``n`` tasks per configuration; the 8k-window one (minutes a task) runs ``wide``."""
    configurations = [
        ("no policy, 2,048-token window", 2048, False, False, n),
        ("no policy, 8,192-token window", 8192, False, False, min(n, wide)),
        ("policies + recall tool", 2048, True, False, n),
        ("policies + recall tool + knowledge trap", 2048, True, True, n),
    ]
    print("\nTasks on the embedded SmolLM2-135M-Instruct: one order's status in ~20 KB JSON")
    print("| configuration | success | did not fit | prompt tokens (mean) | latency p50 | p99 |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, n_ctx, policies, knowledge, count in configurations:
        tasks = [task(seed) for seed in range(count)]
        ok = overflow = 0
        prompts, latencies = [], []
        with kernel(n_ctx, policies, knowledge) as fmos:
            for i, t in enumerate(tasks):
                started = time.perf_counter()
                try:
                    response = fmos.vfm().invoke(t.history, max_tokens=48, session=f"t{i}")
                except ContextWindowExceeded:
                    overflow += 1
                    continue
                finally:
                    latencies.append(time.perf_counter() - started)
                prompts.append(response.usage.input_tokens)
                ok += t.status in response.text.lower()
        mean_prompt = f"{statistics.mean(prompts):,.0f}" if prompts else "–"
        p50, p99 = _quantile(latencies, 0.5), _quantile(latencies, 0.99)
        print(
            f"| {label} | {ok}/{count} ({ok / max(1, count):.0%}) | {overflow} | {mean_prompt} "
            f"| {p50:.2f} s | {p99:.2f} s |"
        )


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
