"""A verifier pFM's judgement: the request it is asked, and how its reply is read.

The verifier sees the user's last question, the evidence the answer could rest on
(tool results and retrieved pages in the conversation) and the answer, and replies
YES or NO. Any other reply is no verdict, which the ladder treats as a failed check.

Example:
    >>> parse_verdict("YES, it matches the evidence.")
    True
    >>> parse_verdict("no") is False, parse_verdict("maybe") is None
    (True, True)
"""

from __future__ import annotations

import re

from fmos_core.contract import Message, Request, Sampling

JUDGE_MAX_TOKENS = 4
_EVIDENCE_CHARS = 4000
_VERDICT = re.compile(r"^\W*(yes|no)\b", re.IGNORECASE)
_INSTRUCTIONS = (
    "You check answers. Reply with exactly one word: YES if the answer correctly and "
    "fully answers the question and agrees with the evidence, otherwise NO."
)


def judge_request(request: Request, answer: str) -> Request:
    """The request asking a verifier whether ``answer`` answers ``request``."""
    question = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
    evidence = "\n".join(
        m.content for m in request.messages if m.role == "tool" or m.kind == "page"
    )[-_EVIDENCE_CHARS:]
    parts = [f"Question: {question}"]
    if evidence:
        parts.append(f"Evidence:\n{evidence}")
    parts.append(f"Answer: {answer}\n\nIs the answer correct? Reply YES or NO.")
    return Request(
        messages=[
            Message(role="system", content=_INSTRUCTIONS),
            Message(role="user", content="\n\n".join(parts)),
        ],
        max_tokens=JUDGE_MAX_TOKENS,
        identity=request.identity,
        sampling=Sampling(temperature=0.0),
    )


def parse_verdict(reply: str) -> bool | None:
    """True for YES, False for NO, None for anything else."""
    match = _VERDICT.match(reply)
    if match is None:
        return None
    return match.group(1).lower() == "yes"
