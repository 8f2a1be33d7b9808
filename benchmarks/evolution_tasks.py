"""The self-evolution benchmark's task family: customer message → JSON record.

An app files each customer message under its order: it needs the order number and
the city as ``{"order": "48213", "city": "Lyon"}`` and nothing else, because it
parses the reply. ``check`` is that parse: the whole reply (surrounding whitespace
aside) must be a JSON object equal to the item's record, both values strings.
The items come from ``benchmarks/data/make_evolution_tasks.py``.

Example:
    >>> item = Item(id="x", split="train", input="order 48213, Lyon",
    ...             answer='{"order": "48213", "city": "Lyon"}',
    ...             record={"order": "48213", "city": "Lyon"}, form="terse")
    >>> check(' {"order": "48213", "city": "Lyon"}\\n', item)
    True
    >>> check('The order 48213 goes to Lyon.', item)
    False
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

TASKS = Path(__file__).with_name("data") / "evolution_tasks.jsonl"

INITIAL_PROMPT = (
    "Extract the order number and the city from the customer message. "
    'Reply with JSON only: {"order": "...", "city": "..."}'
)


@dataclass(frozen=True, slots=True)
class Item:
    """One task: the message (``input``), the gold reply (``answer``) and its ``record``."""

    id: str
    split: str
    input: str
    answer: str
    record: dict[str, str] = field(hash=False)
    form: str = ""


def load_items(path: Path = TASKS) -> list[Item]:
    """Every item of the JSONL file, in file order."""
    with path.open(encoding="utf-8") as f:
        return [Item(**json.loads(line)) for line in f if line.strip()]


def check(output: str, item: Item) -> bool:
    """Whether the reply is exactly the item's record as JSON (whitespace around aside)."""
    try:
        value = json.loads(output.strip())
    except ValueError:
        return False
    return isinstance(value, dict) and value == item.record


def messages(
    item_input: str, *, prompt: str = INITIAL_PROMPT, demos: Sequence[tuple[str, str]] = ()
) -> list[dict[str, str]]:
    """The chat FMOS serves: system prompt, each demo as a user/assistant pair, the input."""
    chat = [{"role": "system", "content": prompt}]
    for question, reply in demos:
        chat += [{"role": "user", "content": question}, {"role": "assistant", "content": reply}]
    return [*chat, {"role": "user", "content": item_input}]
