"""Proposing a revised system prompt: a pFM reads the current prompt and the answers
that failed, with their feedback, and writes a better prompt.

``ask`` is how the model is reached (the kernel passes a governed VFM call, so the
proposal is budgeted and traced like any call). The reply is cleaned (quotes, a
leading "New prompt:" and anything from an echoed "Question:" on are dropped) and
rejected when empty, unchanged or over ``MAX_PROMPT`` characters — a proposal is only
a candidate: offline evaluation decides whether it is used.

Example:
    >>> import asyncio
    >>> from fmos_core.evolution.examples import Example
    >>> async def ask(prompt):
    ...     return 'New prompt: "Answer with the date only, as YYYY-MM-DD."'
    >>> bad = [Example("t1", "acme", (), "When? 3 May 1990", "It was May.", False, "format")]
    >>> asyncio.run(propose_instruction("Answer the question.", bad, ask))
    'Answer with the date only, as YYYY-MM-DD.'
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence

from fmos_core.errors import BadRequest
from fmos_core.evolution.examples import Example

MAX_PROMPT = 2000  # characters of a proposed system prompt
MAX_FAILURES = 6  # failures shown to the proposing model
# a small model may go on to repeat the failures it was shown: the prompt ends there
_ECHO = re.compile(r"^\s*(Question|Wrong answer|Reviewer)\s*:", re.IGNORECASE | re.MULTILINE)
_LEAD = re.compile(r"^\s*(new|revised|improved)?\s*(system\s*)?prompt\s*:\s*", re.IGNORECASE)


class ProposalRejected(BadRequest):
    """The proposing model gave nothing usable as a system prompt."""


async def propose_instruction(
    current: str, failures: Sequence[Example], ask: Callable[[str], Awaitable[str]]
) -> str:
    """A revised system prompt from ``current`` and the ``failures`` (see the module)."""
    if not failures:
        raise ProposalRejected(
            "no failed answers to learn an instruction from; collect judged traces "
            "(checks or `fmos feedback`) with failures first"
        )
    reply = await ask(_meta_prompt(current, failures[:MAX_FAILURES]))
    proposal = _ECHO.split(_LEAD.sub("", reply.strip()), maxsplit=1)[0]
    proposal = proposal.strip().strip('"').strip()
    if not proposal or proposal == current.strip():
        raise ProposalRejected(
            f"the proposing model returned {'nothing' if not proposal else 'the same prompt'}; "
            "try a more capable pFM for proposals or more failures with feedback"
        )
    if len(proposal) > MAX_PROMPT:
        raise ProposalRejected(
            f"the proposed prompt has {len(proposal)} characters, over {MAX_PROMPT}; "
            "try a more capable pFM for proposals"
        )
    return proposal


def _meta_prompt(current: str, failures: Sequence[Example]) -> str:
    cases = "\n\n".join(
        f"Question: {f.input}\nWrong answer: {f.output}"
        + (f"\nReviewer: {f.comment}" if f.comment else "")
        for f in failures
    )
    return (
        "You improve the system prompt of an assistant.\n"
        f"Current system prompt:\n{current or '(none)'}\n\n"
        f"The assistant got these wrong:\n{cases}\n\n"
        "Write a better system prompt that fixes these mistakes. Reply with the new "
        "system prompt only."
    )
