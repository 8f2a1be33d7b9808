"""Build ``ladder_tasks.jsonl``: short tasks for the escalation-ladder benchmark.

    python benchmarks/data/make_ladder_tasks.py          # (re)write ladder_tasks.jsonl
    python benchmarks/data/make_ladder_tasks.py --check  # exit 1 if the file is stale

One record per line: ``{"id", "family", "prompt", "gold", "check", "options", "split"}``.
``prompt`` is the user message, ``gold`` the expected answer, ``check`` the name of
an app-side rule check in ``CHECKS`` (it never reads ``gold``), ``options`` what the
app knows the answer must be one of (labels, candidates; empty when open) and
``split`` train or test, alternating within each family after a seeded shuffle.

``answer_of(answer, record)`` reads the one value a model's text names (``None`` when
it names none or several: the model rarely answers with a bare value), ``is_correct``
compares it with ``gold`` and ``CHECKS[record["check"]](answer, record)`` is the rule
check. Import them with ``sys.path.insert(0, "benchmarks/data")`` then
``from make_ladder_tasks import CHECKS, answer_of, is_correct``.
Deterministic: one ``random.Random(SEED)`` drives every choice.
"""

from __future__ import annotations

import itertools
import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

SEED = 20251126
PER_FAMILY = 80
OUT = Path(__file__).with_name("ladder_tasks.jsonl")
Task = tuple[str, str, list[str]]  # (prompt, gold, options)

NAMES = ["anna", "ben", "carla", "dev", "emil", "fatima", "gus", "hana", "ivan", "jules", "kofi",
         "lena", "marco", "nina", "omar", "priya", "quinn", "rosa", "sven", "tara"]  # fmt: skip
ISSUES = ["login fails", "invoice missing", "password reset", "app crashes", "wrong address"]
DOMAINS = ["example.com", "mailbox.org", "acme.io", "north.net", "shop.co", "lab.dev"]
ITEMS = ["lamp", "kettle", "backpack", "chair", "monitor", "blender", "jacket", "tent"]
CAPITALS = {
    "France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Germany": "Berlin",
    "Japan": "Tokyo", "Egypt": "Cairo", "Canada": "Ottawa", "Peru": "Lima",
    "Kenya": "Nairobi", "Norway": "Oslo", "Greece": "Athens", "Poland": "Warsaw",
}  # fmt: skip


# --- families: each yields (prompt, gold, options) ---------------------------------------


def email(rng: random.Random) -> Iterator[Task]:
    while True:
        who = rng.choice(NAMES)
        addr = f"{who}.{rng.randrange(10, 99)}@{rng.choice(DOMAINS)}"
        text = f"Support ticket from {who.title()}. Contact: {addr}. Issue: {rng.choice(ISSUES)}."
        yield f"{text}\n\nWhat is the contact's email address?", addr, []


def order_id(rng: random.Random) -> Iterator[Task]:
    while True:
        order = f"ORD-{rng.randrange(10000, 99999)}"
        text = (
            f"Ticket T-{rng.randrange(1000, 9999)}: the customer says order {order} with "
            f"{rng.randrange(2, 9)} items ({rng.choice(ITEMS)}) has not arrived after "
            f"{rng.randrange(3, 20)} days."
        )
        yield f"{text}\n\nWhich order is the customer asking about?", order, []


def addition(rng: random.Random) -> Iterator[Task]:
    while True:
        a, b = rng.randrange(1, 10), rng.randrange(1, 10)
        yield f"What is {a} + {b}? Answer with the number only.", str(a + b), []


def capital(rng: random.Random) -> Iterator[Task]:
    while True:
        countries = rng.sample(sorted(CAPITALS), 4)
        cities = [CAPITALS[c] for c in countries]
        rng.shuffle(cities)
        target = rng.choice(countries)
        prompt = (
            f"Cities: {', '.join(cities)}.\n\nWhich of these cities is the capital of "
            f"{target}? Answer with the city name only."
        )
        yield prompt, CAPITALS[target], cities


FAMILIES: dict[str, tuple[Callable[[random.Random], Iterator[Task]], str]] = {
    "email": (email, "email_in_source"),
    "order_id": (order_id, "order_id_in_source"),
    "addition": (addition, "new_integer"),
    "capital": (capital, "one_option"),
}

# --- reading answers, and the app-side rule checks (no gold) ------------------------------
# The model rarely answers with the bare value ("2 + 4 = 6", "The capital of Peru is
# Lima."), so the app reads values out of the text: the answer is the one distinct
# value it names, and a text naming none or several has no answer.


def values(answer: str, record: dict) -> list[str]:
    """The distinct values of the record's kind in ``answer``, lowercased, in order."""
    text, kind = answer.lower(), record["check"]
    if kind == "one_option":
        options = [o.lower() for o in record["options"]]
        words = [rf"(?<![\w-]){re.escape(o)}(?![\w-])" for o in options]
        found = [
            (m.start(), o)
            for o, w in zip(options, words, strict=True)
            for m in re.finditer(w, text)
        ]
        return list(dict.fromkeys(o for _, o in sorted(found)))
    if kind == "email_in_source":
        return list(dict.fromkeys(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)))
    if kind == "order_id_in_source":
        return list(dict.fromkeys(f"ord-{n}" for n in re.findall(r"\b(?:ord-)?(\d{5})\b", text)))
    operands = set(re.findall(r"\d+", str(record["prompt"])))
    return list(dict.fromkeys(n for n in re.findall(r"-?\d+", text) if n not in operands))


def answer_of(answer: str, record: dict) -> str | None:
    """The value ``answer`` gives: the one it names, else ``None``."""
    found = values(answer, record)
    return found[0] if len(found) == 1 else None


def is_correct(answer: str, record: dict) -> bool:
    return answer_of(answer, record) == str(record["gold"]).lower()


def in_source(answer: str, record: dict) -> bool:
    value, source = answer_of(answer, record), str(record["prompt"]).rsplit("\n\n", 1)[0]
    return value is not None and value in values(source, record)


def one_value(answer: str, record: dict) -> bool:
    return answer_of(answer, record) is not None


CHECKS: dict[str, Callable[[str, dict], bool]] = {
    "email_in_source": in_source,  # exactly one email address, one of the text's
    "order_id_in_source": in_source,  # exactly one order id (ORD-12345 or 12345), the text's
    "new_integer": one_value,  # exactly one integer that is not an operand
    "one_option": one_value,  # exactly one of the options (labels, candidates)
}


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    records: list[dict[str, object]] = []
    for family, (make, check) in FAMILIES.items():
        seen: set[str] = set()
        tasks: list[Task] = []
        for prompt, gold, options in itertools.islice(make(rng), 100 * PER_FAMILY):
            if prompt not in seen:
                seen.add(prompt)
                tasks.append((prompt, gold, options))
            if len(tasks) == PER_FAMILY:
                break
        if len(tasks) < PER_FAMILY:
            raise ValueError(f"{family}: only {len(tasks)} distinct tasks")
        rng.shuffle(tasks)
        for i, (prompt, gold, options) in enumerate(tasks):
            records.append(
                {
                    "id": f"{family}-{i:03d}",
                    "family": family,
                    "prompt": prompt,
                    "gold": gold,
                    "check": check,
                    "options": options,
                    "split": "train" if i % 2 == 0 else "test",
                }
            )
    return records


def main() -> int:
    from jsonl_file import write_or_check  # beside this script

    about = __doc__.split("\n\n")[0]
    return write_or_check(build(), out=OUT, generator=Path(__file__).name, about=about)


if __name__ == "__main__":
    sys.exit(main())
