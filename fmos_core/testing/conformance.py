"""The harness conformance suite: the contract C, asserted the same way under every adapter.

An adapter's tests subclass ``HarnessConformance`` and implement three hooks that
drive FMOS through their harness (``call``, ``resume`` and, when the harness wraps
errors, ``approval_id``). The suite then proves, on the embedded model:

- a call over budget is refused with the harness's natural error and spends nothing;
- every call writes one trace with tenant, pFM and tokens;
- a context policy changes what the pFM receives, identically in every harness;
- a privileged tool call raises the approval trap and resumes after approval;
- provenance (trace id, pFM, traps, policies) is in the harness's response metadata.

Example (in an adapter's test module)::

    class TestLangChainConformance(HarnessConformance):
        budget_error = BudgetExceeded
        def call(self, fmos, prompt, *, vfm, tenant, tools=(), tool_choice="auto"):
            ...  # run the prompt through the harness, return a HarnessReply
        def resume(self, fmos, approval_id, *, vfm, tenant):
            ...
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest

from fmos_core.config import Config
from fmos_core.contract import Privilege, ToolSpec
from fmos_core.errors import ApprovalRequired, BudgetExceeded
from fmos_core.kernel import FMOS
from fmos_core.registry import DriverRegistry
from fmos_core.testing.recording import RecordingBackend

POLICY_PROMPT = "Answer in one short sentence."
SEND_EMAIL = ToolSpec(
    name="send_email",
    description="Send an email.",
    privilege=Privilege.WRITE,
    parameters={
        "type": "object",
        "properties": {"to": {"type": "string", "maxLength": 40}},
        "required": ["to"],
    },
)


@dataclass
class HarnessReply:
    """What the harness returned, read back into plain values by the adapter's test.

    ``metadata`` must carry ``trace_id``, ``pfm``, ``traps`` (a list of dicts with
    ``type`` and ``action``) and ``provenance`` (with ``policies``), taken from
    wherever the harness exposes response metadata.
    """

    text: str
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConformanceKernel:
    """The kernel under test and the recording wrapper around its embedded pFM."""

    fmos: FMOS
    recording: RecordingBackend


class HarnessConformance(abc.ABC):
    """Subclass (named ``Test…``) in an adapter's tests; implement the hooks."""

    #: what the harness raises when FMOS refuses a call over budget
    budget_error: ClassVar[type[BaseException]] = BudgetExceeded
    #: what the harness raises when a privileged tool call waits for approval
    approval_error: ClassVar[type[BaseException]] = ApprovalRequired

    @abc.abstractmethod
    def call(
        self,
        fmos: FMOS,
        prompt: str,
        *,
        vfm: str,
        tenant: str,
        tools: Sequence[ToolSpec] = (),
        tool_choice: str = "auto",
    ) -> HarnessReply:
        """Send ``prompt`` through the harness to ``vfm`` as ``tenant``."""

    @abc.abstractmethod
    def resume(self, fmos: FMOS, approval_id: str, *, vfm: str, tenant: str) -> HarnessReply:
        """Continue, through the harness, the call that approval ``approval_id`` held."""

    def approval_id(self, error: BaseException) -> str:
        """The approval id carried by the harness's approval error."""
        return str(getattr(error, "approval_id"))  # noqa: B009

    @pytest.fixture(scope="class")
    @classmethod
    def kernel(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConformanceKernel]:
        state = tmp_path_factory.mktemp("conformance") / "state.db"
        config = Config.parse(
            {
                "state": {"url": f"sqlite:///{state}"},
                "pfms": {"smollm2": {"driver": "llamacpp"}},
                "vfms": {
                    "default": {"pfms": ["smollm2"]},
                    "policy": {"pfms": ["smollm2"], "system_prompt": POLICY_PROMPT},
                },
                "tenants": {"default": {}, "acme": {"clearance": "read"}, "tight": {}},
            }
        )
        embedded = DriverRegistry().load("llamacpp").from_options({}, pfm="smollm2")
        recording = RecordingBackend(embedded)
        with FMOS(config, backends={"smollm2": recording}) as fmos:
            yield ConformanceKernel(fmos, recording)

    def test_a_call_over_budget_is_refused_and_spends_nothing(
        self, kernel: ConformanceKernel
    ) -> None:
        fmos = kernel.fmos
        fmos.budgets.set("tight", tokens=5)
        seen = len(kernel.recording.requests)
        with pytest.raises(self.budget_error):
            self.call(fmos, "Say hello.", vfm="default", tenant="tight")
        status = fmos.budgets.show("tight")
        assert status is not None
        assert (status.tokens_used, status.tokens_reserved, status.requests_used) == (0, 0, 0)
        assert len(kernel.recording.requests) == seen, "the pFM must not be called"

    def test_every_call_writes_one_trace(self, kernel: ConformanceKernel) -> None:
        fmos = kernel.fmos
        before = {t.id for t in fmos.traces.list(limit=1000, tenant="acme")}
        reply = self.call(fmos, "Name a colour.", vfm="default", tenant="acme")
        new = [t for t in fmos.traces.list(limit=1000, tenant="acme") if t.id not in before]
        assert len(new) == 1
        [trace] = new
        assert trace.id == reply.metadata["trace_id"]
        assert (trace.tenant, trace.pfm, trace.status) == ("acme", "smollm2", "ok")
        assert trace.input_tokens > 0 and trace.output_tokens > 0

    def test_a_context_policy_changes_what_the_pfm_receives(
        self, kernel: ConformanceKernel
    ) -> None:
        self.call(kernel.fmos, "What is two plus two?", vfm="policy", tenant="default")
        sent = kernel.recording.requests[-1].messages
        assert [(m.role, m.content) for m in sent] == [
            ("system", POLICY_PROMPT),
            ("user", "What is two plus two?"),
        ]

    def test_a_privileged_tool_call_waits_for_approval_then_resumes(
        self, kernel: ConformanceKernel
    ) -> None:
        fmos = kernel.fmos
        with pytest.raises(self.approval_error) as held:
            self.call(
                fmos,
                "Email ops@example.com.",
                vfm="default",
                tenant="acme",
                tools=[SEND_EMAIL],
                tool_choice="send_email",
            )
        approval = fmos.approvals.get(self.approval_id(held.value))
        assert (approval.status, approval.tool, approval.tenant) == (
            "pending",
            "send_email",
            "acme",
        )
        fmos.approvals.decide(approval.id, approve=True, by="conformance")
        reply = self.resume(fmos, approval.id, vfm="default", tenant="acme")
        assert [name for name, _ in reply.tool_calls] == ["send_email"]
        assert reply.tool_calls[0][1] == approval.arguments

    def test_provenance_is_in_the_response_metadata(self, kernel: ConformanceKernel) -> None:
        reply = self.call(kernel.fmos, "Say yes.", vfm="policy", tenant="default")
        meta = reply.metadata
        assert len(meta["trace_id"]) == 32
        assert meta["pfm"] == "smollm2"
        assert meta["traps"] == []
        assert "system_prompt:policy" in meta["provenance"]["policies"]
