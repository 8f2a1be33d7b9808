"""Prompt tokens of a long agent run, with and without the Data Agent's context policies.

    python benchmarks/context.py [--steps 50] [--tasks 20] [--wide-tasks 2]

A deterministic workload: a skill document up front, then per step a thought with a
tool call and a JSON tool output of 20-200 KB, with a fetched page now and then. It
is replayed twice: the plain history as the pFM would receive it, and the history
after the policies (unload the skill once used, offload tool outputs above 4 KB to
the agent filesystem, offload pages once used, keep the last 3 observations in
full). Tokens are counted with SmolLM2's own tokenizer (each distinct message once).
Every offloaded item is then read back through its handle and compared byte for byte.

The second half (``context_model.py``) runs a task whose answer needs an offloaded
fact through the embedded model, with and without the policies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
from functools import cache

from context_model import run as run_model_tasks

from fmos_core import Message, Request, ToolCall
from fmos_core.context import (
    OffloadToolOutputs,
    PostUseOffload,
    PruneObservations,
    UnloadSkills,
    Window,
)
from fmos_core.memory import AgentFS
from fmos_core.registry import DriverRegistry
from fmos_core.store import Database

TENANT, SESSION = "bench", "run-1"


def workload(steps: int, seed: int = 7) -> list[list[Message]]:
    """The history after each step (each a list of messages)."""
    rng = random.Random(seed)
    skill = Message(
        role="system",
        content="---\nname: audit-invoices\ndescription: How to audit invoices.\n---\n"
        + "Check each invoice's vendor, amount and status. " * 120,
    )
    history = [skill, Message(role="user", content="Audit this quarter's invoices.")]
    snapshots = []
    for step in range(steps):
        call = ToolCall(id=f"c{step}", name="fetch_invoices", arguments={"page": step})
        history.append(
            Message(
                role="assistant",
                kind="thought",
                tool_calls=[call],
                content=f"Step {step}: fetch page {step} of the invoices.",
            )
        )
        size = rng.randint(20_000, 200_000)
        rows, body = [], 0
        while body < size:
            row = {
                "id": rng.randint(1, 10**6),
                "amount": round(rng.random() * 1000, 2),
                "vendor": f"vendor-{rng.randint(1, 300)}",
                "status": rng.choice(["ok", "late"]),
            }
            rows.append(row)
            body += 80
        history.append(
            Message(
                role="tool",
                kind="observation",
                tool_call_id=f"c{step}",
                name="fetch_invoices",
                content=json.dumps({"rows": rows}),
            )
        )
        if step % 10 == 5:
            history.append(
                Message(
                    role="user",
                    kind="page",
                    content="Policy page: late invoices over 500 need review. " * 40,
                )
            )
        snapshots.append(list(history))
    return snapshots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=20, help="real-model tasks (0: skip)")
    parser.add_argument(
        "--wide-tasks", type=int, default=2, help="of those, run with an 8k window (slow)"
    )
    args = parser.parse_args()
    backend = DriverRegistry().load("llamacpp").from_options({"n_ctx": 4096}, pfm="smollm2")

    @cache
    def tokens_of(role: str, content: str) -> int:
        return backend.count_tokens(Request(messages=[Message(role="user", content=content)]))

    def count(messages: list[Message]) -> int:
        return sum(tokens_of(m.role, m.content) for m in messages)

    with tempfile.TemporaryDirectory() as tmp:
        fs = AgentFS(Database(f"sqlite:///{tmp}/bench.db"))
        offloaded: dict[str, bytes] = {}

        def offload(path: str, text: str) -> str:
            try:
                handle = fs.stat(TENANT, SESSION, path).id
            except Exception:
                handle = fs.write(TENANT, SESSION, path, text).id
            offloaded[handle] = text.encode()
            return handle

        window = Window(offload=offload)
        policies = [
            UnloadSkills(),
            OffloadToolOutputs(max_bytes=4000),
            PostUseOffload(min_bytes=512),
            PruneObservations(keep_last=3),
        ]
        plain, shaped = [], []
        for history in workload(args.steps):
            plain.append(count(history))
            messages = history
            for policy in policies:
                messages = asyncio.run(policy.apply(messages, window))
            shaped.append(count(messages))
        intact = sum(fs.read(TENANT, SESSION, h) == data for h, data in offloaded.items())

    print(f"\n{args.steps} steps, tool outputs of 20-200 KB JSON (SmolLM2 tokenizer)")
    print("| step | prompt tokens, no policy | prompt tokens, policies | ratio |")
    print("|---:|---:|---:|---:|")
    for step in sorted({0, 4, 9, 19, 29, 39, args.steps - 1} & set(range(args.steps))):
        ratio = shaped[step] / plain[step]
        print(f"| {step + 1} | {plain[step]:,} | {shaped[step]:,} | {ratio:.3f} |")
    total_plain, total_shaped = sum(plain), sum(shaped)
    print("\n| | no policy | policies |\n|---|---:|---:|")
    print(f"| total prompt tokens | {total_plain:,} | {total_shaped:,} |")
    print(f"| peak window | {max(plain):,} | {max(shaped):,} |")
    print(f"\nreduction of total prompt tokens: {1 - total_shaped / total_plain:.1%}")
    print(
        f"recoverability: {intact}/{len(offloaded)} offloaded items read back byte-identical "
        f"({intact / max(1, len(offloaded)):.0%})"
    )
    if args.tasks:
        run_model_tasks(args.tasks, wide=args.wide_tasks)


if __name__ == "__main__":
    main()
