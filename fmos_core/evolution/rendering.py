"""How a VFM's evolved artifacts shape the messages a pFM sees.

Demonstrations are few-shot examples: each becomes a user turn (its input) and an
assistant turn (its output), placed after the system message and before the
conversation. The context stage and offline evaluation both render through here, so
an evaluated candidate is exactly what calls will get.

Example:
    >>> from fmos_core.contract import Message
    >>> shaped = with_demonstrations(
    ...     [Message(role="system", content="Be brief."), Message(role="user", content="2+2?")],
    ...     [{"input": "1+1?", "output": "2"}],
    ... )
    >>> [(m.role, m.content) for m in shaped]
    [('system', 'Be brief.'), ('user', '1+1?'), ('assistant', '2'), ('user', '2+2?')]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fmos_core.contract import Message

# a request carrying this tag is an offline evaluation: it already holds the candidate's
# artifacts, so the context stage serves it no version of its own
EVALUATION_TAG = "fmos-evaluation"
# a request carrying this tag asks a pFM to propose an artifact (a rewritten prompt): it is
# not an answer of the VFM's task, so the app's checks and the ladder do not judge it
PROPOSAL_TAG = "fmos-proposal"


def with_demonstrations(
    messages: Sequence[Message], examples: Sequence[dict[str, Any]]
) -> list[Message]:
    """``messages`` with ``examples`` as user/assistant turns after the system message."""
    head = 1 if messages and messages[0].role == "system" else 0
    shots = []
    for example in examples:
        shots.append(Message(role="user", content=str(example["input"])))
        shots.append(Message(role="assistant", content=str(example["output"])))
    return [*messages[:head], *shots, *messages[head:]]


def applies(body: dict[str, Any], tags: Sequence[str]) -> bool:
    """Whether a demonstrations version serves a request with ``tags``: one curated for
    a task family (``family``, a tag) serves only that family's requests."""
    family = body.get("family")
    return family is None or family in tags
