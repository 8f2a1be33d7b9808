"""Offline evaluation: replay cases through a VFM with a candidate's artifacts.

A candidate is a system prompt and demonstrations. Each case's question is sent with
them (rendered exactly as the context stage would; the ``fmos-evaluation`` tag keeps
served versions out) at temperature 0, and judged by the case's own check — an eval
set's pattern — or, when it has none, by the VFM's app checks (an answer they fail
raises ``VerificationFailed``, which counts as a failure). The calls are ordinary VFM
calls: budgeted and traced.

Example:
    >>> Score(passed=3, total=4, tokens=120).accuracy
    0.75
    >>> before = Score(1, 4, 0, (False, False, True, False))
    >>> round(Score(4, 4, 0, (True, True, True, True)).p_better_than(before), 3)
    0.125
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fmos_core.contract import Message
from fmos_core.errors import VerificationFailed
from fmos_core.evolution.rendering import EVALUATION_TAG, with_demonstrations
from fmos_core.pool.evalset import EvalSet

if TYPE_CHECKING:
    from fmos_core.vfm import VFM


@dataclass(frozen=True, slots=True)
class Case:
    """A question to replay and how to judge the answer (None: the VFM's app checks)."""

    input: str
    check: Callable[[str], bool] | None = None
    tags: tuple[str, ...] = ()
    max_tokens: int = 64


@dataclass(frozen=True, slots=True)
class Candidate:
    """The artifacts a call would be served: a system prompt and demonstrations."""

    system_prompt: str
    demonstrations: Sequence[dict[str, Any]] = field(default_factory=tuple)

    def messages(self, question: str) -> list[Message]:
        asked = [Message(role="user", content=question)]
        if self.system_prompt:
            asked.insert(0, Message(role="system", content=self.system_prompt))
        return with_demonstrations(asked, self.demonstrations)


@dataclass(frozen=True, slots=True)
class Score:
    """How many cases passed, of how many, and the tokens of the answers returned (an
    answer the VFM's checks refused comes back as an error, without its usage)."""

    passed: int
    total: int
    tokens: int
    outcomes: tuple[bool, ...] = ()  # per case, in the order replayed

    def p_better_than(self, other: Score) -> float:
        """How likely chance alone makes this score beat ``other`` on the same cases as
        much as it does: a one-sided sign test on the cases only one of them passed."""
        wins = sum(a and not b for a, b in zip(self.outcomes, other.outcomes, strict=True))
        losses = sum(b and not a for a, b in zip(self.outcomes, other.outcomes, strict=True))
        n = wins + losses
        return sum(math.comb(n, k) for k in range(wins, n + 1)) / 2**n

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0


def eval_set_cases(evalset: EvalSet) -> list[Case]:
    """An eval file's items as cases judged by their patterns."""
    return [Case(i.prompt, i.check, max_tokens=i.max_tokens) for i in evalset.items]


async def replay(
    vfm: VFM, candidate: Candidate, cases: Sequence[Case], *, tenant: str = "default"
) -> Score:
    """Run every case with ``candidate``'s artifacts, as ``tenant``, and count the
    passing answers."""
    passed = tokens = 0
    outcomes = []
    for case in cases:
        try:
            response = await vfm.ainvoke(
                candidate.messages(case.input),
                tags=[EVALUATION_TAG, *case.tags],
                temperature=0.0,
                max_tokens=case.max_tokens,
                tenant=tenant,
                app="fmos-evolution",
            )
        except VerificationFailed:
            outcomes.append(False)  # the VFM's app checks failed the answer
            continue
        tokens += response.usage.input_tokens + response.usage.output_tokens
        outcomes.append(case.check is None or case.check(response.text))
        passed += outcomes[-1]
    return Score(passed, len(cases), tokens, tuple(outcomes))
