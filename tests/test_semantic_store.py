"""The semantic cache's parts: the literal facts a hit must match, and the store on
SQLite and PostgreSQL (tenant-scoped, TTL, eviction)."""

from __future__ import annotations

import pytest

from fmos_core import Message, Response
from fmos_core.cache import SemanticCache
from fmos_core.cache.facts import facts
from fmos_core.cache.semantic import Entry


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


# --- literal facts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "other"),
    [
        ("What is 17+25?", "What is 17+26?"),
        ("What is 17 + 25?", "What is 25 + 17?"),
        ("What is 17 + 25?", "What is 17 * 25?"),
        ("What is seventeen plus two?", "What is seventeen plus three?"),
        ("What is the capital of France?", "What is the capital of Spain?"),
        ('How many letters are in "banana"?', 'How many letters are in "bandana"?'),
        ("Mail bob@example.com the invoice", "Mail bob@example.org the invoice"),
        ("Status of order ORD-1234?", "Status of order ORD-1235?"),
        ("How many minutes are in 3 hours?", "How many seconds are in 3 hours?"),
        ("Which is larger, 48 or 84?", "Which is smaller, 48 or 84?"),
        ("Is 7 a prime?", "Is 7 not a prime?"),
        ("Convert 3 km to miles.", "Convert 3 miles to km."),
        ('Which letter does "pencil" start with?', 'Which letter does "pencil" end with?'),
        ("What comes after Monday?", "What comes before Monday?"),
        ("Who is the CEO of IBM?", "Who is the CEO of HP?"),
    ],
)
def test_questions_stating_other_facts_differ(asked, other):
    assert facts(asked) != facts(other)


@pytest.mark.parametrize(
    ("asked", "paraphrase"),
    [
        ("What is 17 + 25?", "Compute the sum of 17 and 25."),
        ("What is 1,000 times 3?", "Multiply 1000 by 3."),
        ("What is the capital of France?", "Which city is France's capital?"),
        ('How many letters are in the word "banana"?', 'Count the letters in "banana".'),
        ("How many minutes are in 3 hours?", "How many minutes are there in three hours?"),
        ('What is the first letter of "pencil"?', 'Which letter does "pencil" start with?'),
        ("Convert 3 km to miles.", "Please convert 3 km into miles."),
    ],
)
def test_paraphrases_state_the_same_facts(asked, paraphrase):
    assert facts(asked) == facts(paraphrase)


# --- the store, on SQLite and PostgreSQL --------------------------------------------------------


def answer(text: str = "Paris", trace_id: str = "t1") -> Response:
    return Response(
        message=Message(role="assistant", content=text), vfm="default", pfm="s", trace_id=trace_id
    )


def entry(question: str = "What is the capital of France?", **over: object) -> Entry:
    base = Entry("acme", "default", "scope", question, [1.0, 0.0, 0.0])
    return base._replace(**over)


def test_a_similar_question_with_the_same_facts_hits(db):
    cache = SemanticCache(db)
    cache.put(entry(), answer(), ttl_s=60)
    hit = cache.get(entry("Which city is France's capital?", vector=[0.95, 0.31, 0.0]), 0.9)
    assert hit is not None and hit.response.text == "Paris"
    assert hit.similarity == pytest.approx(0.95, abs=0.01)
    assert hit.question == "What is the capital of France?"
    assert cache.get(entry(vector=[0.8, 0.6, 0.0]), 0.9) is None  # below the threshold
    assert cache.get(entry("What is the capital of Spain?"), 0.5) is None  # other facts
    assert cache.get(entry(scope="other"), 0.5) is None


def test_tenants_never_see_each_others_entries(db):
    cache = SemanticCache(db)
    cache.put(entry(), answer("for acme"), ttl_s=60)
    assert cache.get(entry(tenant="globex"), 0.1) is None
    cache.put(entry(tenant="globex"), answer("for globex"), ttl_s=60)
    assert cache.get(entry(), 0.9).response.text == "for acme"
    assert cache.get(entry(tenant="globex"), 0.9).response.text == "for globex"
    assert cache.invalidate(tenant="globex") == 1
    assert cache.get(entry(), 0.9) is not None


def test_entries_expire_and_are_purged(db):
    clock = Clock()
    cache = SemanticCache(db, clock=clock)
    cache.put(entry(), answer(), ttl_s=10)
    clock.now += 9.9
    assert cache.get(entry(), 0.9) is not None
    clock.now += 0.2
    assert cache.get(entry(), 0.9) is None
    cache.put(entry("What is the capital of Peru?"), answer("Lima"), ttl_s=10)
    assert cache.purge_expired() == 1
    assert cache.get(entry("What is the capital of Peru?"), 0.9).response.text == "Lima"


def test_a_scope_keeps_its_newest_entries(db):
    clock = Clock()
    cache = SemanticCache(db, clock=clock)
    for n in range(5):
        clock.now += 1
        cache.put(entry(f"What is {n} + 1?"), answer(str(n + 1)), ttl_s=60, max_entries=3)
    cache.put(entry(scope="other"), answer(), ttl_s=60, max_entries=3)
    kept = [n for n in range(5) if cache.get(entry(f"What is {n} + 1?"), 0.9) is not None]
    assert kept == [2, 3, 4]
    assert cache.get(entry(scope="other"), 0.9) is not None
