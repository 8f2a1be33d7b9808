"""Context policies: what each does to the working set, from config and code, on a real pFM."""

from __future__ import annotations

import json

import pytest

from fmos_core import (
    FMOS,
    Config,
    ConfigError,
    ContextWindowExceeded,
    Message,
    ToolCall,
    UnknownRecord,
)
from fmos_core.context import (
    OffloadToolOutputs,
    PruneObservations,
    RecencyWindow,
    SummariseOverBudget,
    Window,
    extractive_summary,
)
from fmos_core.testing import ScriptedBackend

SYSTEM = Message(role="system", content="Be brief.")


def turns(n: int) -> list[Message]:
    return [
        Message(role="user" if i % 2 == 0 else "assistant", content=f"turn {i}") for i in range(n)
    ]


def tool_exchange(i: int, size: int) -> list[Message]:
    call = ToolCall(id=f"c{i}", name="fetch", arguments={"page": i})
    return [
        Message(
            role="assistant", content=f"thinking about page {i}", tool_calls=[call], kind="thought"
        ),
        Message(
            role="tool", tool_call_id=f"c{i}", name="fetch", content="x" * size, kind="observation"
        ),
    ]


async def test_recency_window_keeps_system_messages_and_the_last_turns() -> None:
    messages = [SYSTEM, *turns(6)]
    kept = await RecencyWindow(keep_last=3).apply(messages, Window())
    assert [m.content for m in kept] == ["Be brief.", "turn 3", "turn 4", "turn 5"]
    assert await RecencyWindow(keep_last=10).apply(messages, Window()) is messages  # nothing to do


async def test_recency_window_never_separates_a_tool_result_from_its_call() -> None:
    messages = [*turns(2), *tool_exchange(1, 10)]
    kept = await RecencyWindow(keep_last=1).apply(messages, Window())
    assert [m.role for m in kept] == ["assistant", "tool"]  # the call came along with its result


async def test_prune_observations_keeps_thoughts_and_the_last_results() -> None:
    messages = [*tool_exchange(1, 5000), *tool_exchange(2, 6000), *tool_exchange(3, 7000)]
    kept = await PruneObservations(keep_last=1).apply(messages, Window())
    assert [m.content for m in kept if m.kind == "thought"] == [
        "thinking about page 1",
        "thinking about page 2",
        "thinking about page 3",
    ]
    observations = [m for m in kept if m.role == "tool"]
    assert observations[0].content == "[earlier result of fetch: 5000 bytes, pruned]"
    assert observations[1].content == "[earlier result of fetch: 6000 bytes, pruned]"
    assert observations[2].content == "x" * 7000
    assert [m.tool_call_id for m in observations] == ["c1", "c2", "c3"]  # still answer their calls


async def test_summarise_over_budget_folds_old_turns_into_one_summary() -> None:
    old = [
        Message(role="user", content=f"Fact {i}: the vault code is 4{i}7. Weather is mild.")
        for i in range(20)
    ]
    messages = [SYSTEM, *old, Message(role="user", content="What now?")]
    policy = SummariseOverBudget(max_tokens=200, keep_last=2, summary_chars=120)
    kept = await policy.apply(messages, Window())
    assert kept[0] == SYSTEM and kept[1].kind == "summary"
    assert kept[1].content.startswith("Summary of earlier turns: ")
    assert len(kept[1].content) <= len("Summary of earlier turns: ") + 120
    assert [m.content for m in kept[2:]] == [old[-1].content, "What now?"]
    assert await policy.apply(messages[:3], Window()) == messages[:3]  # under budget: unchanged


def test_the_extractive_summary_is_deterministic_and_bounded() -> None:
    text = "Paris is rainy today. Rome is sunny. Paris expects rain again tomorrow. Cats sleep."
    first = extractive_summary(text, 60)
    assert first == extractive_summary(text, 60) and len(first) <= 60
    assert "Paris" in first


@pytest.mark.parametrize(
    "policy",
    [
        lambda: RecencyWindow(keep_last=0),
        lambda: PruneObservations(keep_last=-1),
        lambda: SummariseOverBudget(max_tokens=-5),
    ],
)
def test_a_negative_threshold_in_code_is_a_config_error(policy) -> None:
    with pytest.raises(ConfigError, match="must be an integer"):
        policy()


def test_a_negative_threshold_in_config_is_a_config_error() -> None:
    bad = {
        "pfms": {"s": {"driver": "scripted"}},
        "vfms": {
            "default": {
                "pfms": ["s"],
                "context": [{"policy": "prune_observations", "keep_last": -1}],
            }
        },
    }
    with pytest.raises(ConfigError, match="keep_last"):
        Config.parse(bad)


def test_configured_and_coded_policies_shape_what_the_pfm_receives(tmp_path) -> None:
    backend = ScriptedBackend(["ok"])
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["s"],
                    "system_prompt": "Be brief.",
                    "context": [{"policy": "recency_window", "keep_last": 2}],
                }
            },
        }
    )
    with FMOS(
        config, backends={"s": backend}, policies={"default": [PruneObservations(keep_last=0)]}
    ) as fmos:
        history = [*turns(4), *tool_exchange(1, 300)]
        response = fmos.vfm().invoke(history)
        sent = backend.requests[0].messages
        assert [m.role for m in sent] == ["system", "assistant", "tool"]
        assert sent[2].content == "[earlier result of fetch: 300 bytes, pruned]"
        assert response.provenance.policies == [
            "system_prompt:default",
            "policy:recency_window",
            "policy:prune_observations",
        ]
        assert history[-1].content == "x" * 300  # the caller's own history is untouched


@pytest.mark.model
def test_a_recency_window_cuts_real_prompt_tokens_on_the_embedded_model(tmp_path) -> None:
    def kernel(context: list[dict]) -> FMOS:
        return FMOS(
            Config.parse(
                {
                    "state": {"url": f"sqlite:///{tmp_path}/{len(context)}.db"},
                    "vfms": {"default": {"pfms": ["smollm2"], "context": context}},
                }
            )
        )

    history = [*turns(30), Message(role="user", content="Say hi.")]
    with kernel([]) as plain, kernel([{"policy": "recency_window", "keep_last": 3}]) as windowed:
        full = plain.vfm().invoke(history, max_tokens=4)
        cut = windowed.vfm().invoke(history, max_tokens=4)
    assert cut.usage.input_tokens < full.usage.input_tokens / 3
    assert cut.provenance.policies == ["policy:recency_window"]


# --- size-based offload to the agent filesystem ----------------------------------------------


def offload_kernel(tmp_path, backend: ScriptedBackend, max_bytes: int = 1000) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["s"],
                    "context": [{"policy": "offload_tool_outputs", "max_bytes": max_bytes}],
                }
            },
            "tenants": {"default": {}, "acme": {}, "globex": {}},
        }
    )
    return FMOS(config, backends={"s": backend})


def big_json(n: int) -> str:
    return json.dumps({"items": [{"id": i, "name": f"item {i}"} for i in range(n)], "total": n})


def test_a_large_tool_output_is_offloaded_with_a_handle_shape_and_summary(tmp_path) -> None:
    backend = ScriptedBackend(["ok", "ok"])
    payload = big_json(500)  # ~20 KB
    history = [
        *tool_exchange(1, 10)[:1],
        Message(role="tool", tool_call_id="c1", name="fetch", content=payload),
    ]
    with offload_kernel(tmp_path, backend) as fmos:
        first = fmos.vfm().invoke(history, tenant="acme", session="s1")
        stub = backend.requests[0].messages[-1].content
        [handle] = first.provenance.memory_handles
        assert first.provenance.policies == ["policy:offload_tool_outputs"]
        assert stub.startswith(
            f"[output of fetch offloaded: {len(payload)} bytes, handle {handle};"
        )
        assert "shape: object{items: array[500], total: int}" in stub
        assert len(stub) < 600
        # every offloaded byte comes back through the handle, in this tenant's session only
        assert fmos.fs.read("acme", "s1", handle) == payload.encode()
        with pytest.raises(UnknownRecord):
            fmos.fs.read("globex", "s1", handle)
        # the caller resends its history: the same output keeps the same handle
        second = fmos.vfm().invoke(history, tenant="acme", session="s1")
        assert second.provenance.memory_handles == [handle]
        assert history[-1].content == payload  # the caller's history is untouched


async def test_small_outputs_and_kernels_without_state_are_left_alone(tmp_path) -> None:
    backend = ScriptedBackend(["ok"])
    small = [*tool_exchange(1, 10)]
    with offload_kernel(tmp_path, backend) as fmos:
        response = fmos.vfm().invoke(small)
        assert backend.requests[0].messages[-1].content == "x" * 10
        assert response.provenance.memory_handles == []
    stateless = OffloadToolOutputs(max_bytes=1)
    assert await stateless.apply(small, Window()) is small  # nowhere to offload: unchanged


@pytest.mark.model
def test_offload_lets_a_too_large_output_fit_the_embedded_model(tmp_path) -> None:
    payload = big_json(150)
    history = [
        Message(role="user", content="How many items are there?"),
        *tool_exchange(1, 10)[:1],
        Message(role="tool", tool_call_id="c1", name="fetch", content=payload),
    ]

    def kernel(name: str, context: list[dict]) -> FMOS:
        return FMOS(
            Config.parse(
                {
                    "state": {"url": f"sqlite:///{tmp_path}/{name}.db"},
                    "vfms": {"default": {"pfms": ["smollm2"], "context": context}},
                }
            )
        )

    with (
        kernel("plain", []) as plain,
        kernel("offload", [{"policy": "offload_tool_outputs", "max_bytes": 2000}]) as offloading,
    ):
        with pytest.raises(ContextWindowExceeded):  # ~2,600 tokens: more than the window
            plain.vfm().invoke(history, max_tokens=4)
        cut = offloading.vfm().invoke(history, max_tokens=4)
        [handle] = cut.provenance.memory_handles
        assert offloading.fs.read("default", "default", handle) == payload.encode()
    assert cut.usage.input_tokens < 700  # the stub and the recall tool's instructions


# --- the knowledge trap: named memory is paged into the window -----------------------------


def test_naming_a_handle_or_a_file_pages_it_in_and_reserves_for_it(tmp_path) -> None:
    backend = ScriptedBackend(["ok", "ok", "ok"])
    with offload_kernel(tmp_path, backend) as fmos:
        fmos.budgets.set("acme", tokens=100_000)
        plan = fmos.fs.write("acme", "s1", "notes/plan.md", "Step 1: buy milk. Step 2: pay rent.")
        response = fmos.vfm().invoke(
            f"What does {plan.id} say?", tenant="acme", session="s1", max_tokens=8
        )
        sent = backend.requests[0].messages
        assert sent[0].kind == "page" and "Step 2: pay rent." in sent[0].content
        assert sent[-1].content == f"What does {plan.id} say?"
        assert [(t.type, t.action) for t in response.traps] == [
            ("knowledge", "added 1 item(s) from memory")
        ]
        assert response.provenance.memory_handles == [plan.id]
        # the reservation covered the paged-in prompt: nothing reserved is left, usage counted
        status = fmos.budgets.show("acme")
        assert status.tokens_reserved == 0 and status.tokens_used == response.usage.total_tokens
        by_path = fmos.vfm().invoke("Summarise notes/plan.md", tenant="acme", session="s1")
        assert by_path.provenance.memory_handles == [plan.id]
        # another tenant naming the same handle gets nothing from this tenant's memory
        foreign = fmos.vfm().invoke(f"What does {plan.id} say?", tenant="globex", session="s1")
        assert foreign.traps == [] and foreign.provenance.memory_handles == []
