"""Post-use offload, skill unloading, model summaries, and hostile tool outputs."""

from __future__ import annotations

import re

import pytest

from fmos_core import FMOS, Config, ConfigError, Message, ToolCall
from fmos_core.context import PostUseOffload, UnloadSkills, Window, extractive_summary
from fmos_core.testing import ScriptedBackend

HANDLE = re.compile(r"fs:[0-9a-f]{16}")
SKILL = (
    "---\nname: invoices\ndescription: Parse supplier invoices into line items.\n---\n"
    + "Step 1. Find the table.\n" * 60
)
SUMMARY = "Zephyr ships on 12 March, says the project page."
BINARY = bytes(range(256)).decode("latin-1") * 4  # control characters and all
PAGE = "The Zephyr project ships on 12 March. " * 40


def kernel(tmp_path, backend: ScriptedBackend, context: list[dict], **vfm: object) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"], "context": context, **vfm}},
            "tenants": {"default": {}, "acme": {}},
        }
    )
    return FMOS(config, backends={"s": backend})


def fetched(answer: str | None) -> list[Message]:
    call = ToolCall(id="c1", name="fetch_page", arguments={"url": "https://zephyr.example"})
    messages = [
        Message(role="user", content="When does Zephyr ship?"),
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", tool_call_id="c1", name="fetch_page", content=PAGE),
    ]
    if answer is not None:
        messages += [
            Message(role="assistant", content=answer),
            Message(role="user", content="Thanks. Now tell me a joke."),
        ]
    return messages


def test_a_used_page_is_offloaded_and_an_unused_one_stays(tmp_path) -> None:
    backend = ScriptedBackend(["It ships on 12 March.", "A joke."])
    with kernel(tmp_path, backend, [{"policy": "post_use_offload"}]) as fmos:
        first = fmos.vfm().invoke(fetched(None), tenant="acme", session="s")
        second = fmos.vfm().invoke(fetched("It ships on 12 March."), tenant="acme", session="s")
        assert backend.requests[0].messages[2].content == PAGE  # not answered from yet
        assert first.provenance.policies == []
        stub = backend.requests[1].messages[2]
        assert stub.kind == "summary" and stub.tool_call_id == "c1"
        assert stub.content.startswith(
            f"[result of fetch_page used earlier, offloaded: {len(PAGE)}"
        )
        assert "Zephyr" in stub.content and len(stub.content) < 400
        [handle] = second.provenance.memory_handles
        assert handle in stub.content
        assert fmos.fs.read("acme", "s", handle) == PAGE.encode()
        assert second.provenance.policies == ["policy:post_use_offload"]
        assert [t.name for t in backend.requests[1].tools] == ["recall"]


async def test_post_use_offload_keeps_small_items_and_needs_somewhere_to_offload() -> None:
    small = [*fetched("ok")[:2], Message(role="tool", tool_call_id="c1", content="tiny")]
    small.append(Message(role="assistant", content="done"))
    policy = PostUseOffload(min_bytes=512)
    stored: dict[str, str] = {}
    window = Window(offload=lambda path, text: stored.setdefault(path, "fs:" + "a" * 16))
    assert await policy.apply(small, window) is small
    assert await policy.apply(fetched("ok"), Window()) == fetched("ok")  # no state store


def test_a_skill_is_unloaded_to_its_header_after_use(tmp_path) -> None:
    backend = ScriptedBackend(["a", "b"])
    history = [
        Message(role="system", content=SKILL, kind="skill"),
        Message(role="user", content="Parse this invoice: 3 widgets at $4."),
    ]
    with kernel(tmp_path, backend, [{"policy": "unload_skills"}]) as fmos:
        fmos.vfm().invoke(history, session="s")
        later = [*history, Message(role="assistant", content="3 x widget @ $4"), history[1]]
        response = fmos.vfm().invoke(later, session="s")
        assert backend.requests[0].messages[0].content == SKILL  # not used yet: kept
        header = backend.requests[1].messages[0]
        assert header.content.startswith(
            "[skill invoices: Parse supplier invoices into line items. — unloaded; recall fs:"
        )
        [handle] = response.provenance.memory_handles
        assert fmos.fs.read("default", "s", handle) == SKILL.encode()


async def test_front_matter_marks_a_skill_without_a_kind() -> None:
    messages = [
        Message(role="system", content=SKILL),
        Message(role="system", content="---\nnot: a skill\n---\nplain"),
        Message(role="assistant", content="used"),
    ]
    window = Window(offload=lambda path, text: "fs:" + "b" * 16)
    out = await UnloadSkills().apply(messages, window)
    assert out[0].content.startswith("[skill invoices: Parse supplier invoices")
    assert out[1] == messages[1]


def test_new_policies_from_config_are_checked(tmp_path) -> None:
    bad = [{"policy": "post_use_offload", "min_bytes": -1}]
    with pytest.raises(ConfigError, match="min_bytes"):
        kernel(tmp_path, ScriptedBackend([]), bad)
    with pytest.raises(ConfigError, match="unload_skills"):
        kernel(tmp_path, ScriptedBackend([]), [{"policy": "unload_skills", "keep": 1}])
    with pytest.raises(ConfigError, match="'ghost'"):
        kernel(tmp_path, ScriptedBackend([]), [], summariser="model", summary_pfm="ghost")


def test_model_summaries_are_written_by_a_pfm_cached_and_charged(tmp_path) -> None:
    answers = ScriptedBackend(["It ships on 12 March.", "Again."])
    summaries = ScriptedBackend([SUMMARY])
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}, "writer": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["s"],
                    "context": [{"policy": "post_use_offload"}],
                    "summariser": "model",
                    "summary_pfm": "writer",
                }
            },
        }
    )
    with FMOS(config, backends={"s": answers, "writer": summaries}) as fmos:
        fmos.budgets.set("default", tokens=1_000_000)
        first = fmos.vfm().invoke(fetched("It ships on 12 March."))
        second = fmos.vfm().invoke(fetched("It ships on 12 March."))  # summary from cache
        stub = answers.requests[0].messages[2].content
        assert stub.endswith(f"; {SUMMARY}]")
        asked = summaries.requests[0]
        assert asked.messages[-1].content == PAGE and asked.sampling.temperature == 0.0
        summaries.assert_consumed()  # the second call used the cache
        used = fmos.budgets.show("default").tokens_used
    summary_tokens = summaries.count_tokens(asked) + len(SUMMARY.split())
    answer_tokens = sum(r.usage.input_tokens + r.usage.output_tokens for r in (first, second))
    assert used == answer_tokens + summary_tokens


# --- hostile tool outputs through the policy path ------------------------------------------


@pytest.mark.parametrize(
    ("label", "payload", "stored"),
    [
        ("10 MB", "x" * (10 * 1024 * 1024), b"x" * (10 * 1024 * 1024)),
        (
            "binary",
            bytes(range(256)).decode("latin-1"),
            bytes(range(256)).decode("latin-1").encode(),
        ),
        (
            "invalid UTF-8",
            (b"ok \xff\xfe\x80 end" * 200).decode("utf-8", "surrogateescape"),
            (b"ok \xff\xfe\x80 end" * 200).decode("utf-8", "replace").encode(),  # U+FFFD
        ),
    ],
)
def test_large_binary_and_undecodable_outputs_are_offloaded_intact(
    tmp_path, label, payload, stored
) -> None:
    backend = ScriptedBackend(["ok"])
    history = [
        Message(role="user", content="read it"),
        Message(role="assistant", content="", tool_calls=[ToolCall(id="c", name="dump")]),
        Message(role="tool", tool_call_id="c", name="dump", content=payload),
    ]
    offload = [{"policy": "offload_tool_outputs", "max_bytes": 200}]
    with kernel(tmp_path, backend, offload) as fmos:
        response = fmos.vfm().invoke(history, session=label.replace(" ", "-"))
        [handle] = response.provenance.memory_handles
        assert fmos.fs.read("default", label.replace(" ", "-"), handle) == stored, label
        sent = backend.requests[0].messages[-1].content
        assert len(sent) < 800 and handle in sent
        sent.encode()  # what the pFM receives is valid text
        trace = fmos.traces.get(response.trace_id)
        assert trace.status == "ok"


def test_the_budget_is_reserved_for_the_prompt_the_policies_built(tmp_path) -> None:
    backend = ScriptedBackend(["ok"])
    history = [
        Message(role="user", content="read it"),
        Message(role="assistant", content="", tool_calls=[ToolCall(id="c", name="dump")]),
        Message(role="tool", tool_call_id="c", name="dump", content="y" * 200_000),
    ]
    offload = [{"policy": "offload_tool_outputs", "max_bytes": 1000}]
    with kernel(tmp_path, backend, offload) as fmos:
        fmos.budgets.set("default", tokens=5_000)  # the raw history alone is ~100k tokens
        response = fmos.vfm().invoke(history, max_tokens=50)
        assert response.text == "ok"
        assert fmos.budgets.show("default").tokens_used < 5_000
        assert HANDLE.search(backend.requests[0].messages[-1].content)


async def test_a_stub_names_the_tool_from_the_call_it_answers() -> None:
    call = ToolCall(id="c9", name="fetch_page")
    messages = [
        Message(role="assistant", tool_calls=[call]),
        Message(role="tool", tool_call_id="c9", content=PAGE),  # no name, as some harnesses
        Message(role="assistant", content="done"),
    ]
    window = Window(offload=lambda path, text: "fs:" + "c" * 16)
    out = await PostUseOffload().apply(messages, window)
    assert out[1].content.startswith("[result of fetch_page used earlier")


ROBOT = (
    "Zephyr is a delivery robot built by Acme. It ships on 12 March to stores in Oslo and "
    "Bergen. Its battery lasts nine hours on a charge. Early testers praised its quiet motors "
    "but asked for a bigger cargo bay. Acme has not announced a price yet, and a second model "
    "with a heated compartment for food deliveries is planned for the autumn."
)


@pytest.mark.model
def test_the_embedded_model_writes_the_summary_of_a_used_page(tmp_path) -> None:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "vfms": {
                "default": {
                    "pfms": ["smollm2"],
                    "context": [
                        {"policy": "post_use_offload", "min_bytes": 100, "summary_chars": 160}
                    ],
                    "summariser": "model",
                }
            },
        }
    )
    call = ToolCall(id="c1", name="fetch_page", arguments={})
    history = [
        Message(role="user", content="Tell me about Zephyr."),
        Message(role="assistant", tool_calls=[call]),
        Message(role="tool", tool_call_id="c1", name="fetch_page", content=ROBOT),
        Message(role="assistant", content="Zephyr is a delivery robot."),
        Message(role="user", content="Thanks!"),
    ]
    with FMOS(config) as fmos:
        fmos.budgets.set("default", tokens=1_000_000)
        response = fmos.vfm().invoke(history, max_tokens=8)
        trace = fmos.traces.get(response.trace_id)
        used = fmos.budgets.show("default").tokens_used
    stub = trace.request["messages"][2]["content"]
    [handle] = response.provenance.memory_handles
    summary = stub.split(f"handle {handle}; ", 1)[1].removesuffix("]")
    assert summary and len(summary) <= 160
    assert summary != extractive_summary(ROBOT, 160)  # written by the model
    # the summary's tokens are charged with the call, beyond the answer's own
    assert used > response.usage.input_tokens + response.usage.output_tokens
