"""Contract messages to the OpenAI-style dicts a llama.cpp chat template renders.

Chat templates of small models know only system/user/assistant with text content, so
tool traffic is written as text: an assistant's tool calls become the same JSON the
tool grammar makes it emit, and a tool result becomes a user turn that names its tool
and asks for a plain answer.
"""

from __future__ import annotations

import json

from fmos_core.contract import Message

ChatMessage = dict[str, str]

_USE_RESULT = "Using this result, answer the question in plain words."


def to_chat(messages: list[Message]) -> list[ChatMessage]:
    """Render contract messages as template-ready chat messages.

    Example:
        >>> result = Message(role="tool", content="4", tool_call_id="c1", name="add")
        >>> to_chat([result])[0]["content"]
        'The tool add returned: 4\\nUsing this result, answer the question in plain words.'

    """
    tool_names = {call.id: call.name for m in messages for call in m.tool_calls}
    chat: list[ChatMessage] = []
    for message in messages:
        if message.role == "tool":
            name = message.name or tool_names.get(message.tool_call_id or "", "tool")
            # Phrased as a request: small models otherwise echo the tool-call JSON back.
            content = f"The tool {name} returned: {message.content}\n{_USE_RESULT}"
            chat.append({"role": "user", "content": content})
        elif message.tool_calls:
            calls = "\n".join(
                json.dumps({"tool": c.name, "arguments": c.arguments}) for c in message.tool_calls
            )
            content = f"{message.content}\n{calls}" if message.content else calls
            chat.append({"role": "assistant", "content": content})
        else:
            chat.append({"role": message.role, "content": message.content})
    return chat


def with_instructions(chat: list[ChatMessage], instructions: str) -> list[ChatMessage]:
    """``chat`` with ``instructions`` appended to its leading system message (or one added).

    Example:
        >>> with_instructions([{"role": "user", "content": "hi"}], "Reply in JSON.")[0]
        {'role': 'system', 'content': 'Reply in JSON.'}
    """
    if chat and chat[0]["role"] == "system":
        first = chat[0]["content"]
        merged = f"{first}\n\n{instructions}" if first else instructions
        return [{"role": "system", "content": merged}, *chat[1:]]
    return [{"role": "system", "content": instructions}, *chat]
