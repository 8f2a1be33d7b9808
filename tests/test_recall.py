"""The kernel's recall tool: offered while handles are in the window, served by the kernel."""

from __future__ import annotations

import re

import pytest

from fmos_core import FMOS, BudgetExceeded, Config, Message, Request, ToolCall, ToolSpec
from fmos_core.backends import Completion
from fmos_core.profiles import CapabilityProfile
from fmos_core.testing import ScriptedBackend

HANDLE = re.compile(r"fs:[0-9a-f]{16}")
LINES = "\n".join(
    f"line {i}: {'vault code 4417' if i == 37 else 'nothing here'}" for i in range(1, 201)
)


def kernel(tmp_path, backend: ScriptedBackend, **vfm: object) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {
                "default": {
                    "pfms": ["s"],
                    "context": [{"policy": "offload_tool_outputs", "max_bytes": 500}],
                    **vfm,
                }
            },
            "tenants": {"default": {}, "acme": {}, "globex": {}},
        }
    )
    return FMOS(config, backends={"s": backend})


def history(content: str = LINES) -> list[Message]:
    call = ToolCall(id="c1", name="read_log", arguments={})
    return [
        Message(role="user", content="What is the vault code in the log?"),
        Message(role="assistant", content="", tool_calls=[call]),
        Message(role="tool", tool_call_id="c1", name="read_log", content=content),
    ]


def recall_from_window(**arguments: object):
    """A model step that recalls the first handle it sees in its window."""

    def step(request: Request) -> Completion:
        text = "\n".join(m.content for m in request.messages)
        handle = HANDLE.search(text).group(0)
        return Completion(
            tool_calls=[
                ToolCall(id="r1", name="recall", arguments={"handle": handle, **arguments})
            ],
            finish_reason="tool_calls",
            input_tokens=100,
            output_tokens=10,
        )

    return step


def test_recall_is_offered_and_served_by_the_kernel(tmp_path) -> None:
    backend = ScriptedBackend([recall_from_window(contains="vault"), "The code is 4417."])
    with kernel(tmp_path, backend) as fmos:
        response = fmos.vfm().invoke(history(), tenant="acme", session="s1")
        first, second = backend.requests
        assert [t.name for t in first.tools] == ["recall"]
        assert "vault code" not in first.messages[-1].content  # offloaded: only the stub went
        page = second.messages[-1]
        assert (page.role, page.name, page.kind) == ("tool", "recall", "page")
        assert page.content == "37: line 37: vault code 4417"
        assert [t.name for t in second.tools] == ["recall"]  # it may recall once more
        # the caller sees the answer, not the kernel's tool call
        assert response.text == "The code is 4417." and response.tool_calls == []
        [handle] = response.provenance.memory_handles
        assert HANDLE.fullmatch(handle)


def test_the_last_round_offers_no_recall_so_the_model_must_answer(tmp_path) -> None:
    backend = ScriptedBackend([recall_from_window(), recall_from_window(), "done"])
    with kernel(tmp_path, backend) as fmos:
        response = fmos.vfm().invoke(history())
    assert [[t.name for t in r.tools] for r in backend.requests] == [["recall"], ["recall"], []]
    assert response.text == "done"
    backend.assert_consumed()


def test_recall_reads_lines_bytes_or_everything(tmp_path) -> None:
    backend = ScriptedBackend(
        [
            recall_from_window(start_line=36, end_line=37),
            "a",
            recall_from_window(offset=0, length=20),
            "b",
            recall_from_window(),
            "c",
        ],
        profile=CapabilityProfile(context_window=8192),
    )
    with kernel(tmp_path, backend) as fmos:
        for _ in range(3):
            fmos.vfm().invoke(history(), tenant="acme", session="s1")
        pages = [r.messages[-1].content for r in backend.requests[1::2]]
    assert pages[0] == "line 36: nothing here\nline 37: vault code 4417\n"
    assert pages[1].startswith(LINES[:20] + "\n[… tool-outputs/")
    assert pages[1].endswith(f"({len(LINES)} bytes in all); ask with offset=20 to read on]")
    assert pages[2].startswith(LINES[:3990])  # the first max_bytes, then how to read on
    assert pages[2].endswith("ask with offset=4000 to read on]")


def test_a_handle_of_another_tenant_or_session_reads_nothing(tmp_path) -> None:
    with kernel(tmp_path, ScriptedBackend(["ok"])) as fmos:
        handle = fmos.vfm().invoke(history(), tenant="acme", session="s1")
        [handle] = handle.provenance.memory_handles
    stolen = {"handle": handle}
    backend = ScriptedBackend(
        [Completion(tool_calls=[ToolCall(id="r", name="recall", arguments=stolen)]), "none", "x"]
    )
    with kernel(tmp_path, backend) as fmos:
        own = [Message(role="user", content=f"see {'fs:' + '0' * 16} and answer")]
        response = fmos.vfm().invoke(own, tenant="globex", session="s1")
        page = backend.requests[1].messages[-1].content
        assert page.startswith("recall failed:") and "vault" not in page
        assert handle not in response.provenance.memory_handles


def test_recall_is_not_offered_when_the_caller_excludes_tools_or_owns_the_name(tmp_path) -> None:
    own_recall = ToolSpec(name="recall", description="the app's own")
    backend = ScriptedBackend(["a", "b", "c"])
    with kernel(tmp_path, backend) as fmos:
        fmos.vfm().invoke(history(), tool_choice="none")
        fmos.vfm().invoke(history(), tools=[own_recall])
        fmos.vfm().invoke([Message(role="user", content="no handles here")])
    assert backend.requests[0].tools == []
    assert backend.requests[1].tools == [own_recall]
    assert backend.requests[2].tools == []
    with kernel(tmp_path, ScriptedBackend(["d"]), recall=False) as fmos:
        fmos.vfm().invoke(history())
        assert fmos.pfms["s"].backend.requests[0].tools == []


def test_a_recall_beside_the_callers_own_tool_call_is_dropped(tmp_path) -> None:
    app_tool = ToolSpec(name="lookup")
    both = Completion(
        tool_calls=[
            ToolCall(id="a", name="recall", arguments={"handle": "fs:" + "1" * 16}),
            ToolCall(id="b", name="lookup", arguments={}),
        ]
    )
    with kernel(tmp_path, ScriptedBackend([both])) as fmos:
        response = fmos.vfm().invoke(history(), tools=[app_tool])
    assert [c.name for c in response.tool_calls] == ["lookup"]


def test_every_recall_round_is_reserved_and_charged(tmp_path) -> None:
    backend = ScriptedBackend([recall_from_window(contains="vault"), "4417"])
    with kernel(tmp_path, backend) as fmos:
        fmos.budgets.set("acme", tokens=100_000)
        response = fmos.vfm().invoke(history(), tenant="acme", max_tokens=50)
        status = fmos.budgets.show("acme")
    first_round, second_round = 100 + 10, backend.count_tokens(backend.requests[1]) + 1
    assert response.usage.input_tokens + response.usage.output_tokens == first_round + second_round
    assert status.tokens_used == first_round + second_round
    assert status.tokens_reserved == 0


def test_a_recall_round_over_budget_is_refused_and_what_ran_is_charged(tmp_path) -> None:
    backend = ScriptedBackend([recall_from_window()])
    with kernel(tmp_path, backend) as fmos:
        fmos.budgets.set("acme", tokens=1200)
        with pytest.raises(BudgetExceeded) as refused:
            fmos.vfm().invoke(history(), tenant="acme", max_tokens=50)
        status = fmos.budgets.show("acme")
    first_round = backend.count_tokens(backend.requests[0]) + 50
    assert first_round < 1200 < first_round + 4000 // 2  # the first round fits, a page does not
    assert refused.value.trace_id is not None
    assert status.tokens_used == 110  # the first round ran and is charged
    assert status.tokens_reserved == 0


def test_a_stream_serves_recall_and_streams_the_answer(tmp_path) -> None:
    backend = ScriptedBackend([recall_from_window(contains="vault"), "It is 4417."])
    with kernel(tmp_path, backend) as fmos:
        events = list(fmos.vfm().stream(history(), tenant="acme"))
    assert "".join(e.delta for e in events) == "It is 4417."
    assert events[-1].response is not None and events[-1].response.tool_calls == []


def test_a_recalled_page_is_cut_to_fit_the_window(tmp_path) -> None:
    backend = ScriptedBackend(
        [recall_from_window(), "done"], profile=CapabilityProfile(context_window=1500)
    )
    with kernel(tmp_path, backend) as fmos:
        response = fmos.vfm().invoke(history(), max_tokens=100)
    page = backend.requests[1].messages[-1].content
    assert page.startswith("line 1: nothing here")
    assert page.endswith("ask for a narrower range or a text to find]")
    assert backend.count_tokens(backend.requests[1]) + 100 <= 1500
    assert response.text == "done"
