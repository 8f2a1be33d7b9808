"""The routing benchmark's task set: current, big enough, split, and read fairly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
from kernels import load_script

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def tasks() -> ModuleType:
    return load_script(BENCH / "data" / "make_routing_tasks.py")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    with (BENCH / "data" / "routing_tasks.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_the_file_is_what_the_generator_makes(tasks: ModuleType, records: list[dict]) -> None:
    assert tasks.build() == records


def test_enough_items_families_and_a_stable_half_split(records: list[dict]) -> None:
    families = Counter(r["family"] for r in records)
    assert len(records) >= 300 and len(families) >= 4
    assert len({r["id"] for r in records}) == len(records)
    for family, n in families.items():
        train = sum(r["split"] == "train" for r in records if r["family"] == family)
        assert abs(train - n / 2) <= 1, family


def test_every_gold_answer_reads_as_correct(tasks: ModuleType, records: list[dict]) -> None:
    for record in records:
        assert tasks.is_correct(f" {record['answer']}", record), record["id"]
        assert record["messages"][-1] == {"role": "user", "content": record["question"]}


@pytest.mark.parametrize(
    ("reply", "kind", "question", "value"),
    [
        ("The capital of Peru is Lima.", "word", "What is the capital of Peru?", "lima"),
        (" Buenos Aires\nQ: next", "word", "What is the capital of Argentina?", "buenos aires"),
        ("der Käse", "word", "What is cheese in German?", "kase"),
        ("34 + 15 = 49", "number", "What is 34 + 15?", "49"),
        (" 1,204", "number", "What is 43 * 28?", "1204"),
        ("The code is kq-3817.", "code", "Parcel … code KQ-3817 … code?", "KQ-3817"),
        ("hot", "word", "What is the opposite of hot?", None),
    ],
)
def test_replies_are_read_past_the_question_words(
    tasks: ModuleType, reply: str, kind: str, question: str, value: str | None
) -> None:
    assert tasks.answer_of(reply, {"kind": kind, "question": question}) == value
