"""The verify stage: what the pFM answered is checked before anyone sees it.

In order: PII redaction of the answer (``trust.pii = "redact"``); schema-valid JSON,
sent back to the pFM with the validator's message up to ``repair_retries`` times;
known tools with valid arguments; pinned tool definitions and tool privilege (the
trust trap's approval capability); then the app's rule checks and the escalation
ladder, whose decision — verify, deliberate or human — is a trust trap too.
"""

from __future__ import annotations

from fmos_core.config import VerifyConfig
from fmos_core.contract import Message, Privilege, ToolSpec
from fmos_core.errors import VerificationFailed, VerifierError
from fmos_core.escalation import Ladder, LadderArtifacts, RuleLadder, Signals, logprob_stats
from fmos_core.evolution.rendering import PROPOSAL_TAG
from fmos_core.pipeline.accounts import Accounts
from fmos_core.pipeline.call import Call
from fmos_core.pipeline.escalation import LadderRecord, replace_answer, side_call, with_spend
from fmos_core.pipeline.failover import Failover
from fmos_core.pipeline.privacy import redact_response
from fmos_core.pipeline.stages import Stage
from fmos_core.store.pins import ToolPins, definition
from fmos_core.traps import Trap, TrapTable
from fmos_core.verification import RuleCheck, check_json, check_value, repair_message, run_checks


class Ladders:
    """Each VFM's decider: its rules, or (``ladder = "learned"``) the newest artifact
    that beat them. Read once per VFM; ``refresh`` after training a new one."""

    def __init__(self, artifacts: LadderArtifacts | None) -> None:
        self.artifacts = artifacts
        # per VFM and config object (a served policy version is a config of its own)
        self._chosen: dict[tuple[str, int], tuple[VerifyConfig, Ladder]] = {}

    def for_vfm(self, name: str, config: VerifyConfig) -> Ladder | None:
        if config.ladder == "off":
            return None
        chosen = self._chosen.get((name, id(config)))
        if chosen is None or chosen[0] is not config:
            chosen = (config, self._choose(name, config))
            self._chosen[(name, id(config))] = chosen
        return chosen[1]

    def _choose(self, name: str, config: VerifyConfig) -> Ladder:
        if config.ladder == "learned" and self.artifacts is not None:
            artifact = self.artifacts.usable(name)
            if artifact is not None:
                return artifact.ladder()
        return RuleLadder(config)

    def refresh(self) -> None:
        self._chosen.clear()


class Verify(Stage):
    """Checks the output; see the module docstring for the order."""

    name = "verify"

    def __init__(
        self,
        table: TrapTable,
        clearance: dict[str, int],
        pins: ToolPins | None = None,
        *,
        accounts: Accounts | None = None,
        checks: dict[str, list[RuleCheck]] | None = None,
        ladders: Ladders | None = None,
        failover: Failover | None = None,
    ) -> None:
        self._table = table
        self._clearance = clearance
        self._pins = pins
        self._accounts = accounts
        self._checks = checks or {}
        self._ladders = ladders
        self._failover = failover

    async def run(self, call: Call) -> None:
        completion = call.completion
        if completion is None:
            return
        if call.vfm.trust.pii == "redact":
            redact_response(call)
        if call.request.response_schema is not None and completion.finish_reason != "length":
            await self._check_schema(call, call.request.response_schema)
        await self._check_tools(call)
        await self._climb(call)
        with_spend(call)

    async def _check_schema(self, call: Call, schema: dict[str, object]) -> None:
        """Valid JSON, or the pFM is told what is wrong and answers again (bounded)."""
        retries = call.vfm.verify.repair_retries
        for attempt in range(retries + 1):
            assert call.completion is not None
            try:
                check_json(call.completion.content, schema, "the response")
                return
            except VerificationFailed as exc:
                if attempt == retries:
                    after = f" (after {retries} repair attempt(s))" if retries else ""
                    raise VerificationFailed(f"{exc}{after}", trace_id=call.trace_id) from None
                problem = str(exc)
            asked = [
                *call.request.messages,
                Message(role="assistant", content=call.completion.content),
                repair_message(problem, schema),
            ]
            request = call.request.model_copy(update={"messages": asked})
            repaired = await side_call(call, call.pfm, request, self._accounts, self._failover)
            replace_answer(call, call.pfm, repaired)

    async def _check_tools(self, call: Call) -> None:
        assert call.completion is not None
        request = call.request
        tools = {t.name: t for t in request.tools}
        clearance = self._clearance[request.identity.tenant]
        for tool_call in call.completion.tool_calls:
            spec = tools.get(tool_call.name)
            if spec is None:
                raise VerificationFailed(
                    f"the model called {tool_call.name!r}, which the request did not offer"
                )
            check_value(tool_call.arguments, spec.parameters, f"arguments of {spec.name!r}")
            if self._pins is not None:
                await self._check_pin(call, spec, tool_call.arguments)
            if spec.privilege > clearance:
                await self._table.dispatch(
                    Trap(
                        type="trust",
                        reason=(
                            f"tool {spec.name!r} needs privilege {spec.privilege.name.lower()}, "
                            f"above the tenant's clearance {Privilege(clearance).name.lower()}"
                        ),
                        capability="approval",
                        snapshot={
                            "tool": spec.name,
                            "arguments": tool_call.arguments,
                            "privilege": int(spec.privilege),
                        },
                    ),
                    call,
                )

    async def _check_pin(self, call: Call, spec: ToolSpec, arguments: dict[str, object]) -> None:
        """Hold a call of a tool whose definition changed since it was pinned."""
        assert self._pins is not None
        if self._pins.pin_first(call.request.identity.tenant, spec) != "changed":
            return
        await self._table.dispatch(
            Trap(
                type="trust",
                reason=(
                    f"tool {spec.name!r} changed its definition since it was approved "
                    "(its description or parameter schema)"
                ),
                capability="approval",
                snapshot={
                    "tool": spec.name,
                    "kind": "tool_definition",
                    "definition": definition(spec),
                    "arguments": arguments,
                    "privilege": int(spec.privilege),
                },
            ),
            call,
        )

    async def _climb(self, call: Call) -> None:
        """The app's rule checks, then the ladder's first rung (a trust trap unless fast)."""
        checks = self._checks.get(call.vfm_name, [])
        ladder = (
            None if self._ladders is None else self._ladders.for_vfm(call.vfm_name, call.vfm.verify)
        )
        if call.response is None or (not checks and ladder is None):
            return  # no answer: the mediator's tool gate runs this stage for a tool call
        if PROPOSAL_TAG in call.request.tags:
            return  # FMOS asking for a proposal, not an answer of the VFM's task
        try:
            failures = run_checks(checks, call.request, call.response)
        except VerifierError as exc:
            exc.trace_id = call.trace_id
            raise
        if checks:
            call.check_failures = failures  # an implicit signal, stored with the trace
        if ladder is None or call.streaming:
            if failures:
                raise VerificationFailed(
                    f"the answer failed the app's rule checks: {'; '.join(failures)}",
                    trace_id=call.trace_id,
                )
            return
        signals = self._signals(call, failures)
        decision = ladder.decide(signals)
        call.ladder = LadderRecord(signals, decision, fast_ok=False if failures else None)
        if decision.rung == "fast":
            return
        detail = f" ({'; '.join(failures)})" if failures else ""
        await self._table.dispatch(
            Trap(
                type="trust",
                reason=f"{decision.decider}: {decision.reason}{detail}",
                capability=decision.rung,
                snapshot={"decider": decision.decider, "p_wrong": decision.p_wrong},
            ),
            call,
        )

    def _signals(self, call: Call, failures: list[str]) -> Signals:
        completion, request, config = call.completion, call.request, call.vfm.verify
        assert completion is not None
        mean, low = logprob_stats(completion.logprobs)
        offered = {t.name: int(t.privilege) for t in request.tools}
        risky = set(config.verify_tags) | set(config.deliberate_tags)
        return Signals(
            mean_logprob=mean,
            min_logprob=low,
            output_tokens=completion.output_tokens,
            truncated=completion.finish_reason == "length",
            tags=tuple(request.tags),
            risk_tags=sum(tag in risky for tag in request.tags),
            privilege=max((offered.get(c.name, 0) for c in completion.tool_calls), default=0),
            injection="guard:injection" in call.provenance_policies,
            rule_failures=len(failures),
            # a query per call: only for the learned ladder (and the traces it learns from)
            budget_used=self._budget_used(request.identity.tenant)
            if config.ladder == "learned"
            else 0.0,
            has_schema=request.response_schema is not None,
            no_answer=not completion.content.strip() and not completion.tool_calls,
        )

    def _budget_used(self, tenant: str) -> float:
        """The tenant's tightest budget, share used (0 without limits)."""
        if self._accounts is None:
            return 0.0
        status = self._accounts.ledger.show(tenant)
        if status is None:
            return 0.0
        shares = [0.0]
        if status.tokens_limit:
            shares.append((status.tokens_used + status.tokens_reserved) / status.tokens_limit)
        if status.cost_limit:
            shares.append((status.cost_used + status.cost_reserved) / status.cost_limit)
        return min(1.0, max(shares))
