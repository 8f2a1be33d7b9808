"""PII redaction in the pipeline (``trust.pii = "redact"``): what the pFM sees and says.

Texts from outside the app — user messages, tool results, retrieved pages — are
redacted to typed placeholders (``[EMAIL_1]``) before the pFM sees them, with one
numbering for the whole request; the verify stage redacts the answer's text and its
tool-call arguments. (Traces are redacted when written, under ``pii = "traces"`` too.)

Example:
    >>> from fmos_core.contract import Message
    >>> [m.content for m in redact_messages([Message(role="user", content="I am ada@x.org")])]
    ['I am [EMAIL_1]']
"""

from __future__ import annotations

from fmos_core.contract import Message
from fmos_core.pipeline.call import Call
from fmos_core.trust.pii import redact, redact_value


def _outside(message: Message) -> bool:
    return message.role in ("user", "tool") or message.kind == "page"


def redact_messages(messages: list[Message], call: Call | None = None) -> list[Message]:
    """User, tool and page texts with PII replaced by typed placeholders (``[EMAIL_1]``)."""
    indices = [i for i, m in enumerate(messages) if _outside(m) and m.content]
    redacted = redact_value([messages[i].content for i in indices])
    out = list(messages)
    changed = False
    for i, text in zip(indices, redacted, strict=True):
        if text != messages[i].content:
            out[i] = messages[i].model_copy(update={"content": text})
            changed = True
    if changed and call is not None and "guard:pii" not in call.provenance_policies:
        call.provenance_policies.append("guard:pii")
    return out if changed else messages


def redact_response(call: Call) -> None:
    """The response's text and tool-call arguments with PII replaced (``trust.pii = redact``)."""
    response = call.response
    if response is None:
        return
    message = response.message
    text = redact(message.content).text
    calls = [
        c.model_copy(update={"arguments": redact_value(c.arguments)}) for c in message.tool_calls
    ]
    if text != message.content or calls != message.tool_calls:
        updated = message.model_copy(update={"content": text, "tool_calls": calls})
        call.response = response.model_copy(update={"message": updated})
