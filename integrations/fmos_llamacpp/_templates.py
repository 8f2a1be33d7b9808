"""Chat templates for GGUFs that carry none (``tokenizer.chat_template`` absent).

A GGUF's own template always wins. Without one, a Gemma-architecture GGUF (such as
the Gemma 3 270M *base* model, which ships no template) gets a plain transcript —
``Question: …`` / ``Answer: …`` lines, system text first, generation stopped at the
next ``Question:`` — because a base model has not learned Gemma's
``<start_of_turn>`` tokens: with them it answers junk, with the transcript it
continues sensibly ("Question: What is 2 + 2?" → "2 + 2 = 4"). Anything else gets ChatML.

Example:
    >>> fallback_template({"general.architecture": "gemma3"}).stop
    ('\\nQuestion:',)
    >>> fallback_template({"general.architecture": "llama"}).stop
    ()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from llama_cpp.llama_chat_format import CHATML_CHAT_TEMPLATE


@dataclass(frozen=True, slots=True)
class FallbackTemplate:
    """A Jinja chat template and the stop strings its format needs."""

    text: str
    stop: tuple[str, ...] = ()


QUESTION_ANSWER = FallbackTemplate(
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}{{ message['content'] | trim }}{{ '\n\n' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{ 'Answer: ' + (message['content'] | trim) + '\n' }}"
    "{%- else -%}{{ 'Question: ' + (message['content'] | trim) + '\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ 'Answer:' }}{%- endif -%}",
    stop=("\nQuestion:",),
)
CHATML = FallbackTemplate(CHATML_CHAT_TEMPLATE)

_BASE_MODEL_ARCHITECTURES = {"gemma", "gemma2", "gemma3"}


def fallback_template(metadata: Mapping[str, str]) -> FallbackTemplate:
    """The template for a GGUF without its own, chosen by its architecture."""
    if metadata.get("general.architecture", "") in _BASE_MODEL_ARCHITECTURES:
        return QUESTION_ANSWER
    return CHATML
