"""Build ``paraphrases.jsonl``: questions, their paraphrases and near misses, for the
semantic-cache benchmark.

    python benchmarks/data/make_paraphrases.py          # (re)write paraphrases.jsonl
    python benchmarks/data/make_paraphrases.py --check  # exit 1 if the file is stale

One record per line: ``{"id", "group", "family", "kind", "prompt", "gold"}``. ``kind``
is ``base`` (asked first), ``paraphrase`` (same question, other words: a hit is
welcome) or ``near_miss`` (a changed number, name, unit or word — some change only a word, the
literal facts kept: "capital" → "official language", "letters" → "vowels" — so its
``gold`` differs from the base's and a hit on the base is a false hit). ``gold`` is computed by
code; ``is_correct(answer, record)`` checks a model's text against it. Import with
``sys.path.insert(0, "benchmarks/data")`` then ``from make_paraphrases import
is_correct``. Deterministic: one ``random.Random(SEED)`` drives every choice.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from jsonl_file import write_or_check

SEED = 20251125
PER_FAMILY = 16
OUT = Path(__file__).with_name("paraphrases.jsonl")
Group = tuple[str, list[str], list[tuple[str, str]]]  # (gold, [base, *paraphrases], misses)

CAPITALS = {
    "France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Germany": "Berlin",
    "Japan": "Tokyo", "Egypt": "Cairo", "Canada": "Ottawa", "Peru": "Lima",
    "Kenya": "Nairobi", "Norway": "Oslo", "Greece": "Athens", "Poland": "Warsaw",
    "Austria": "Vienna", "Portugal": "Lisbon", "Ireland": "Dublin", "Sweden": "Stockholm",
    "Finland": "Helsinki", "Russia": "Moscow", "China": "Beijing", "Cuba": "Havana",
    "Chile": "Santiago", "Thailand": "Bangkok", "Denmark": "Copenhagen", "Hungary": "Budapest",
}  # fmt: skip
LANGUAGES = {
    "France": "French", "Italy": "Italian", "Spain": "Spanish", "Germany": "German",
    "Japan": "Japanese", "Egypt": "Arabic", "Canada": "English", "Peru": "Spanish",
    "Kenya": "Swahili", "Norway": "Norwegian", "Greece": "Greek", "Poland": "Polish",
    "Austria": "German", "Portugal": "Portuguese", "Ireland": "English", "Sweden": "Swedish",
    "Finland": "Finnish", "Russia": "Russian", "China": "Chinese", "Cuba": "Spanish",
    "Chile": "Spanish", "Thailand": "Thai", "Denmark": "Danish", "Hungary": "Hungarian",
}  # fmt: skip
WORDS = ["planet", "garden", "rocket", "window", "silver", "basket", "candle", "forest",
         "bridge", "mirror", "pocket", "tunnel", "castle", "island", "button", "dragon",
         "orange", "banana", "pencil", "tomato", "guitar", "jacket", "ladder", "magnet",
         "cat", "house", "umbrella", "elephant", "keyboard", "sun", "river", "cloud"]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
NAMES = ["Alice", "Bruno", "Chen", "Dara", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas",
         "Kira", "Luis", "Maya", "Nils", "Olga", "Pavel"]  # fmt: skip
DOMAINS = ["example.com", "mailbox.org", "acme.io", "north.net", "shop.co", "lab.dev"]


def _other(rng: random.Random, value: int, lo: int, hi: int) -> int:
    """A number in [lo, hi) other than ``value``."""
    while (other := rng.randrange(lo, hi)) == value:
        pass
    return other


def addition(rng: random.Random) -> Iterator[Group]:
    while True:
        a, b = rng.randrange(11, 90), rng.randrange(11, 90)
        c = _other(rng, b, 11, 90)
        yield (
            str(a + b),
            [f"What is {a} + {b}?", f"Calculate {a} + {b}.", f"Compute the sum of {a} and {b}."],
            [(f"What is {a} + {c}?", str(a + c)), (f"What is {a} * {b}?", str(a * b))],
        )


def subtraction(rng: random.Random) -> Iterator[Group]:
    while True:
        a, b = rng.randrange(50, 99), rng.randrange(10, 49)
        c = _other(rng, a, 50, 99)
        yield (
            str(a - b),
            [f"What is {a} - {b}?", f"Calculate {a} minus {b}.", f"What do you get for {a} - {b}?"],
            [(f"What is {c} - {b}?", str(c - b)), (f"What is {a} + {b}?", str(a + b))],
        )


def capital(rng: random.Random) -> Iterator[Group]:
    countries = list(CAPITALS)
    rng.shuffle(countries)
    for i, country in enumerate(countries):
        other = countries[(i + 1) % len(countries)]
        yield (
            CAPITALS[country],
            [
                f"What is the capital of {country}?",
                f"Which city is the capital of {country}?",
                f"Name the capital city of {country}.",
            ],
            [
                (f"What is the capital of {other}?", CAPITALS[other]),
                (f"What is the official language of {country}?", LANGUAGES[country]),
            ],
        )


def vowels(word: str) -> int:
    return sum(letter in "aeiou" for letter in word)


def letters(rng: random.Random) -> Iterator[Group]:
    while True:
        word = rng.choice(WORDS)
        other = rng.choice([w for w in WORDS if len(w) != len(word)])
        yield (
            str(len(word)),
            [
                f'How many letters are in the word "{word}"?',
                f'Count the letters in "{word}".',
                f'How many letters does "{word}" have?',
            ],
            [
                (f'How many letters are in the word "{other}"?', str(len(other))),
                (f'How many vowels are in the word "{word}"?', str(vowels(word))),
            ],
        )


def first_letter(rng: random.Random) -> Iterator[Group]:
    while True:
        word = rng.choice(WORDS)
        other = rng.choice([w for w in WORDS if w[0] != word[0]])
        yield (
            word[0],
            [
                f'What is the first letter of the word "{word}"?',
                f'Which letter does "{word}" start with?',
            ],
            [
                (f'What is the first letter of the word "{other}"?', other[0]),
                (f'What is the last letter of the word "{word}"?', word[-1]),
            ],
        )


def minutes(rng: random.Random) -> Iterator[Group]:
    while True:
        hours = rng.randrange(2, 40)
        more = _other(rng, hours, 2, 40)
        yield (
            str(hours * 60),
            [
                f"How many minutes are in {hours} hours?",
                f"How many minutes are there in {hours} hours?",
                f"Convert {hours} hours to minutes.",
            ],
            [
                (f"How many minutes are in {more} hours?", str(more * 60)),
                (f"How many seconds are in {hours} hours?", str(hours * 3600)),
            ],
        )


def weekday(rng: random.Random) -> Iterator[Group]:
    while True:
        day, n = rng.randrange(7), rng.randrange(2, 6)
        other = _other(rng, day, 0, 7)
        after = DAYS[(day + n) % 7]
        yield (
            after,
            [
                f"What day of the week comes {n} days after {DAYS[day]}?",
                f"Which weekday is {n} days after {DAYS[day]}?",
            ],
            [
                (
                    f"What day of the week comes {n} days after {DAYS[other]}?",
                    DAYS[(other + n) % 7],
                ),
                (f"What day of the week comes {n} days before {DAYS[day]}?", DAYS[(day - n) % 7]),
            ],
        )


def age(rng: random.Random) -> Iterator[Group]:
    while True:
        name, born, year = rng.choice(NAMES), rng.randrange(1950, 2010), rng.randrange(2015, 2030)
        other = _other(rng, born, 1950, 2010)
        yield (
            str(year - born),
            [
                f"{name} was born in {born}. How old is {name} in {year}?",
                f"If {name} was born in {born}, what is {name}'s age in {year}?",
            ],
            [(f"{name} was born in {other}. How old is {name} in {year}?", str(year - other))],
        )


def larger(rng: random.Random) -> Iterator[Group]:
    while True:
        a, b = rng.sample(range(10, 99), 2)
        others = [n for n in range(10, 99) if n not in (a, b) and max(a, n) != max(a, b)]
        if not others:
            continue
        c = rng.choice(others)
        yield (
            str(max(a, b)),
            [f"Which is larger, {a} or {b}?", f"Which number is bigger: {a} or {b}?"],
            [
                (f"Which is larger, {a} or {c}?", str(max(a, c))),
                (f"Which is smaller, {a} or {b}?", str(min(a, b))),
            ],
        )


def domain(rng: random.Random) -> Iterator[Group]:
    while True:
        user, host = f"{rng.choice(NAMES).lower()}.{rng.randrange(10, 99)}", rng.choice(DOMAINS)
        other = rng.choice([d for d in DOMAINS if d != host])
        yield (
            host,
            [
                f"What is the domain of the e-mail address {user}@{host}?",
                f"Which domain does the address {user}@{host} belong to?",
            ],
            [(f"What is the domain of the e-mail address {user}@{other}?", other)],
        )


FAMILIES: dict[str, Callable[[random.Random], Iterator[Group]]] = {
    "addition": addition,
    "subtraction": subtraction,
    "capital": capital,
    "letters": letters,
    "first_letter": first_letter,
    "minutes": minutes,
    "weekday": weekday,
    "age": age,
    "larger": larger,
    "domain": domain,
}


def is_correct(answer: str, record: dict[str, object]) -> bool:
    """Whether ``answer`` states the record's gold: a number as a whole number, a word
    as a whole word (case-insensitive), a single letter as the first bare letter."""
    gold = str(record["gold"])
    if len(gold) == 1 and gold.isalpha():
        found = re.findall(r"(?<![A-Za-z])([A-Za-z])(?![A-Za-z])|\"([A-Za-z])\"", answer)
        return bool(found) and gold in {x or y for x, y in found[:1]}
    pattern = rf"(?<![\w.]){re.escape(gold)}(?![\w]|\.\w)"
    return re.search(pattern, answer, flags=re.IGNORECASE) is not None


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    records: list[dict[str, object]] = []
    for family, make in FAMILIES.items():
        seen: set[str] = set()
        groups = make(rng)
        while len(seen) < PER_FAMILY:
            gold, asked, misses = next(groups)
            if asked[0] in seen:
                continue
            seen.add(asked[0])
            group = f"{family}-{len(seen):02d}"
            kinds = ["base"] + ["paraphrase"] * (len(asked) - 1)
            items = [(p, gold, k) for p, k in zip(asked, kinds, strict=True)]
            items += [(p, g, "near_miss") for p, g in misses if g != gold]
            for n, (prompt, answer, kind) in enumerate(items):
                records.append(
                    {
                        "id": f"{group}-{n}",
                        "group": group,
                        "family": family,
                        "kind": kind,
                        "prompt": prompt,
                        "gold": answer,
                    }
                )
    return records


def main() -> int:
    return write_or_check(
        build(),
        out=OUT,
        generator="python benchmarks/data/make_paraphrases.py",
        about="Write the semantic-cache benchmark's paraphrase set.",
    )


if __name__ == "__main__":
    sys.exit(main())
