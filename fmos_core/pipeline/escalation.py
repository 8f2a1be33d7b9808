"""The escalation ladder's rungs, run by the trust trap: verify → deliberate → human.

- *verify* judges the fast answer: the VFM's ``verifier_pfm`` answers YES or NO, or
  else ``samples`` answers sampled from the same pFM must mostly agree with it.
- *deliberate* answers again: ``samples`` sampled answers (on ``deliberate_pfm``, or
  the same pFM, reusing verify's samples, with the fast answer voting first unless a
  check failed it), those failing the app's rule checks dropped, the majority kept —
  or, with a verifier, the first it accepts.
- *human* holds the answer for a reviewer (``fmos approvals``) when ``human`` is on;
  otherwise an answer that failed every rung is a ``VerificationFailed``.

A streamed answer is already with the caller, so only the rule checks judge it.

Every extra call is reserved before it runs and charged with the call; the answer's
``usage`` includes it. A verifier that raises is a ``VerifierError``: nothing is
returned unverified.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fmos_core.backends import Completion
from fmos_core.contract import Request, Usage
from fmos_core.errors import BackendError, VerificationFailed, VerifierError
from fmos_core.escalation import Decision, Signals
from fmos_core.pipeline.accounts import Accounts
from fmos_core.pipeline.call import PFM, Call
from fmos_core.pipeline.failover import Failover
from fmos_core.pipeline.handlers import TrustHandler
from fmos_core.pipeline.stages import build_response
from fmos_core.traps import Trap
from fmos_core.verification import (
    AnswerKey,
    RuleCheck,
    answer_key,
    judge_request,
    majority,
    parse_verdict,
    run_checks,
)


@dataclass(slots=True)
class LadderRecord:
    """What the ladder saw and did on one call; stored in its trace's ``signals``."""

    signals: Signals
    decision: Decision
    fast_ok: bool | None = None  # the fast answer, as the checks judged it
    outcome: str = "fast"
    extra_calls: int = 0
    samples: list[Completion] = field(default_factory=list)  # same-pFM samples, reused

    def to_json(self) -> dict[str, object]:
        return {
            "signals": self.signals.to_json(),
            "rung": self.decision.rung,
            "reason": self.decision.reason,
            "decider": self.decision.decider,
            "p_wrong": self.decision.p_wrong,
            "fast_ok": self.fast_ok,
            "outcome": self.outcome,
            "extra_calls": self.extra_calls,
        }


async def side_call(
    call: Call,
    pfm: PFM,
    request: Request,
    accounts: Accounts | None,
    failover: Failover | None = None,
) -> Completion:
    """Run ``request`` on ``pfm`` for ``call``: reserved first, charged with the call,
    retried on transient errors through ``failover`` when given."""
    if accounts is not None and call.reservation is not None:
        tokens, cost = pfm.estimate(request)
        extra = accounts.reserve(request.identity.tenant, tokens=tokens, cost=cost)
        if extra is not None:
            call.extra_reservations.append(extra)
    if failover is not None:
        completion = await failover.side(call, pfm, request)
    else:
        completion = await pfm.backend.complete(request)
    charge(call, pfm, completion)
    if call.ladder is not None:
        call.ladder.extra_calls += 1
    return completion


def charge(call: Call, pfm: PFM, completion: Completion) -> None:
    """Count ``completion`` (not the call's answer) as spent on the call's behalf."""
    cost = pfm.profile.cost(
        input_tokens=completion.input_tokens, output_tokens=completion.output_tokens
    )
    call.side_tokens += completion.input_tokens + completion.output_tokens
    call.side_cost += cost
    call.verify_spend.add(completion.input_tokens, completion.output_tokens, cost)


def replace_answer(call: Call, pfm: PFM, completion: Completion) -> None:
    """Make ``completion`` (already charged) the call's answer; the old one stays charged."""
    assert call.completion is not None
    old = call.completion
    charge(call, call.pfm, old)
    # the new answer is charged as the call's own completion at settle, not twice
    call.side_tokens -= completion.input_tokens + completion.output_tokens
    new_cost = pfm.profile.cost(
        input_tokens=completion.input_tokens, output_tokens=completion.output_tokens
    )
    call.side_cost -= new_cost
    call.verify_spend.add(-completion.input_tokens, -completion.output_tokens, -new_cost)
    call.pfm = pfm
    call.completion = completion
    call.response = build_response(call, completion)


def with_spend(call: Call) -> None:
    """Put what verification spent into the answer's ``usage``."""
    spend, response = call.verify_spend, call.response
    if response is None or not (spend.input_tokens or spend.output_tokens or spend.cost):
        return
    usage = response.usage
    response.usage = Usage(
        input_tokens=usage.input_tokens + spend.input_tokens,
        output_tokens=usage.output_tokens + spend.output_tokens,
        cached_tokens=usage.cached_tokens,
        reasoning_tokens=usage.reasoning_tokens,
        cost=usage.cost + spend.cost,
        cached=usage.cached,
    )


class TrustTrap:
    """The trust trap's handler: approvals for privileged tools and changed definitions,
    the ladder's rungs for answers."""

    def __init__(self, approval: TrustHandler, ladder: Escalation) -> None:
        self._approval = approval
        self._ladder = ladder

    async def __call__(self, trap: Trap, call: Call) -> str:
        if trap.capability in ("verify", "deliberate", "human"):
            return await self._ladder(trap, call)
        return await self._approval(trap, call)


class Escalation:
    """The trust trap's ladder capabilities: ``verify``, ``deliberate`` and ``human``."""

    def __init__(
        self,
        accounts: Accounts | None,
        pfms: dict[str, PFM],
        checks: dict[str, list[RuleCheck]],
        approval: TrustHandler,
        answer_keys: dict[str, AnswerKey] | None = None,
        failover: Failover | None = None,
    ) -> None:
        self._accounts = accounts
        self._pfms = pfms
        self._checks = checks
        self._answer_keys = answer_keys or {}
        self._approval = approval
        self._failover = failover

    async def __call__(self, trap: Trap, call: Call) -> str:
        assert call.ladder is not None and call.completion is not None
        rung = trap.capability
        if rung == "verify":
            ok, how = await self._verify(call)
            call.ladder.fast_ok = ok
            if ok:
                call.ladder.outcome = "verified"
                return f"verified: {how}"
            rung = "deliberate"
            trap.reason = f"{trap.reason}; {how}"
        if rung == "deliberate":
            taken = await self._deliberate(call)
            if taken is not None:
                call.ladder.outcome = "deliberated"
                return f"deliberated: {taken}"
        call.ladder.outcome = "human"
        if not call.vfm.verify.human:
            raise VerificationFailed(
                f"{trap.reason}; no answer passed verification or deliberation — set "
                f"[vfms.{call.vfm_name}.verify] human = true to let a reviewer decide",
                trace_id=call.trace_id,
            )
        with_spend(call)
        held = Trap(
            type="trust",
            reason=f"the answer needs a reviewer: {trap.reason}",
            capability="approval",
            snapshot={"tool": "", "arguments": {}, "privilege": 0, "kind": "answer"},
        )
        return await self._approval(held, call)

    async def _verify(self, call: Call) -> tuple[bool, str]:
        assert call.completion is not None and call.ladder is not None
        config = call.vfm.verify
        if config.verifier_pfm is not None:
            return await self._judge(call, call.completion)
        samples = await self._samples(call, call.pfm, config.samples)
        key = self._key(call)
        fast = key(call.completion)
        agree = sum(key(s) == fast for s in samples)
        how = f"{agree} of {len(samples)} samples agree"
        return agree * 2 >= len(samples), how

    async def _judge(self, call: Call, completion: Completion) -> tuple[bool, str]:
        name = call.vfm.verify.verifier_pfm
        assert name is not None
        request = judge_request(call.request, completion.content or _tools_text(completion))
        try:
            reply = await side_call(call, self._pfms[name], request, self._accounts, self._failover)
        except BackendError as exc:
            raise VerifierError(
                f"verifier pFM {name!r} failed ({exc}); the answer is withheld — fix the "
                f"verifier or unset [vfms.{call.vfm_name}.verify] verifier_pfm",
                check=f"verifier_pfm:{name}",
                trace_id=call.trace_id,
            ) from exc
        verdict = parse_verdict(reply.content)
        if verdict is None:
            return False, f"verifier {name} gave no verdict ({reply.content[:40]!r})"
        return verdict, f"verifier {name} said {'YES' if verdict else 'NO'}"

    async def _deliberate(self, call: Call) -> str | None:
        """Replace the answer by the best sampled one; None when none passes.

        Without a verifier, sampling stops as soon as two passing answers agree (the
        fast answer votes first unless a check failed it) when ``early_stop`` is on:
        ``samples`` is the most drawn.
        """
        config = call.vfm.verify
        pfm = self._pfms[config.deliberate_pfm] if config.deliberate_pfm else call.pfm
        checks = self._checks.get(call.vfm_name, [])
        fast = call.completion
        assert fast is not None and call.ladder is not None
        if config.verifier_pfm is not None:
            samples = await self._samples(call, pfm, config.samples)
            for sample in samples:
                if self._fails(call, pfm, sample, checks):
                    continue
                ok, _ = await self._judge(call, sample)
                if ok:
                    how = f"the verifier accepted a sample on {pfm.name}"
                    return self._take(call, pfm, sample, how)
            return None
        key = self._key(call)
        fast_passes = pfm is call.pfm and call.ladder.fast_ok is not False
        voters = [fast] if fast_passes else []  # greedy first: it wins ties
        keys = [key(fast)] if fast_passes else []
        for i in range(config.samples):
            sample = await self._sample(call, pfm, i)
            if not self._fails(call, pfm, sample, checks):
                voters.append(sample)
                keys.append(key(sample))
                if config.early_stop and keys.count(keys[-1]) >= 2:
                    break
        if not voters or voters == [fast]:
            return None if not voters else f"no sample passed; the fast answer stands ({pfm.name})"
        index, share = majority(keys)
        how = f"majority of {len(voters)} passing answers on {pfm.name} ({share:.0%})"
        if voters[index] is fast:
            return f"{how}: the fast answer"
        if keys[index] != key(fast):
            call.ladder.fast_ok = False
        return self._take(call, pfm, voters[index], how)

    def _key(self, call: Call) -> Callable[[Completion], str]:
        """How answers are compared: the app's key of their text, else ``answer_key``."""
        app_key = self._answer_keys.get(call.vfm_name)
        if app_key is None:
            return lambda c: answer_key(c.content, c.tool_calls)
        return lambda c: answer_key(c.content, c.tool_calls) if c.tool_calls else app_key(c.content)

    @staticmethod
    def _take(call: Call, pfm: PFM, sample: Completion, how: str) -> str:
        replace_answer(call, pfm, sample)
        return how

    def _fails(self, call: Call, pfm: PFM, sample: Completion, checks: Sequence[RuleCheck]) -> bool:
        if not checks:
            return False
        previous_pfm = call.pfm
        call.pfm = pfm
        try:
            response = build_response(call, sample)
        finally:
            call.pfm = previous_pfm
        return bool(run_checks(checks, call.request, response))

    async def _samples(self, call: Call, pfm: PFM, n: int) -> list[Completion]:
        """``n`` sampled answers of ``pfm`` (those of the call's own pFM drawn once)."""
        return [await self._sample(call, pfm, i) for i in range(n)]

    async def _sample(self, call: Call, pfm: PFM, i: int) -> Completion:
        """The ``i``-th sampled answer of ``pfm``; the call's own pFM's are kept for reuse."""
        assert call.ladder is not None
        own = pfm is call.pfm
        if own and i < len(call.ladder.samples):
            return call.ladder.samples[i]
        sampling = call.request.sampling.model_copy(
            update={"temperature": call.vfm.verify.temperature, "seed": 1000 + i}
        )
        # samples are compared, not scored: no logprobs (a cheaper model instance)
        request = call.request.model_copy(update={"sampling": sampling, "logprobs": False})
        sample = await side_call(call, pfm, request, self._accounts, self._failover)
        if own:
            call.ladder.samples.append(sample)
        return sample


def _tools_text(completion: Completion) -> str:
    return "; ".join(f"call {c.name}({c.arguments})" for c in completion.tool_calls)
