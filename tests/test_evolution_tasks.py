"""The self-evolution benchmark's task set: current, big enough, split, and checked strictly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from kernels import load_script

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return load_script(BENCH / "data" / "make_evolution_tasks.py")


@pytest.fixture(scope="module")
def tasks() -> ModuleType:
    return load_script(BENCH / "evolution_tasks.py")


def test_the_file_is_what_the_generator_makes_every_time(
    generator: ModuleType, tasks: ModuleType
) -> None:
    first, second = generator.build(), generator.build()
    assert first == second
    with tasks.TASKS.open(encoding="utf-8") as f:
        assert [json.loads(line) for line in f] == first


def test_enough_items_both_splits_each_form_halved(tasks: ModuleType) -> None:
    items = tasks.load_items()
    assert len(items) >= 200
    assert len({item.id for item in items}) == len(items)
    assert len({item.input for item in items}) == len(items)
    splits = Counter(item.split for item in items)
    assert set(splits) == {"train", "test"} and splits["train"] == splits["test"]
    for form in {item.form for item in items}:
        split = Counter(item.split for item in items if item.form == form)
        assert abs(split["train"] - split["test"]) <= 1, form


def test_every_gold_answer_passes_and_names_what_the_message_says(tasks: ModuleType) -> None:
    for item in tasks.load_items():
        assert tasks.check(item.answer, item), item.id
        assert item.record["order"] in item.input and item.record["city"] in item.input


@pytest.mark.parametrize(
    ("reply", "passes"),
    [
        ('{"order": "48213", "city": "Lyon"}', True),
        ('\n {"city": "Lyon", "order": "48213"} \n', True),  # key order and spaces are free
        ('{"order": 48213, "city": "Lyon"}', False),  # the app's schema has strings
        ('{"order": "48213", "city": "lyon"}', False),
        ('{"order": "48213", "city": "Lyon", "name": "Anna"}', False),
        ('{"order": "48213"}', False),
        ('```json\n{"order": "48213", "city": "Lyon"}\n```', False),
        ('{"order": "48213", "city": "Lyon"}\n\nYour order is on its way.', False),
        ("The order 48213 goes to Lyon.", False),
        ('["48213", "Lyon"]', False),
        ("", False),
    ],
)
def test_check_wants_exactly_the_record_as_json(
    tasks: ModuleType, reply: str, passes: bool
) -> None:
    item = tasks.Item(
        id="x",
        split="test",
        input="Ship order 48213 to Lyon.",
        answer='{"order": "48213", "city": "Lyon"}',
        record={"order": "48213", "city": "Lyon"},
        form="ship",
    )
    assert tasks.check(reply, item) is passes


def test_demos_are_rendered_as_chat_turns_before_the_question(tasks: ModuleType) -> None:
    chat = tasks.messages("order 1, Oslo", demos=[("order 2, Cork", '{"order": "2"}')])
    assert [m["role"] for m in chat] == ["system", "user", "assistant", "user"]
    assert chat[0]["content"] == tasks.INITIAL_PROMPT
    assert chat[-1]["content"] == "order 1, Oslo"
