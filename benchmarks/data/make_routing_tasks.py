"""Build ``routing_tasks.jsonl``: short questions for the routing benchmark.

    python benchmarks/data/make_routing_tasks.py          # (re)write routing_tasks.jsonl
    python benchmarks/data/make_routing_tasks.py --check  # exit 1 if the file is stale

One record per line: ``{"id", "family", "messages", "question", "answer", "kind",
"split"}``. ``family`` is also the request's tag, ``messages`` the chat sent to the
pFM, ``question`` its last user message, ``answer`` the expected value, ``kind`` how a
reply is read (``number``, ``word`` or ``code``) and ``split`` train or test,
alternating within each family after a seeded shuffle.

Every chat is the same few-shot dialogue — three solved questions of the family as
user / assistant turns with bare answers, then the question; ``benchmarks/routing.py``
renders it for both pFMs (an instruct and a base model) as one plain ``Q:``/``A:``
text. Ten families, chosen after probing: copying a code, capitals and past tenses
(both models), antonyms and the next number (the small one is better), translating a
word into French, Spanish or German (only the multilingual larger one), two-digit
products and spelling backwards (neither). ``answer_of(reply, record)``
reads the value a reply gives (the first number, code or run of words that is not
part of the question: "The capital of Peru is Lima." gives ``lima``) and
``is_correct`` compares it with ``answer``. Import them
with ``sys.path.insert(0, "benchmarks/data")`` then
``from make_routing_tasks import answer_of, is_correct``.
Deterministic: one ``random.Random(SEED)`` drives every choice.
"""

from __future__ import annotations

import itertools
import random
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

SEED = 20251125
PER_FAMILY = 36
OUT = Path(__file__).with_name("routing_tasks.jsonl")
QA = tuple[str, str]  # (question, answer)

CAPITALS = {
    "France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Germany": "Berlin",
    "Japan": "Tokyo", "Egypt": "Cairo", "Canada": "Ottawa", "Peru": "Lima",
    "Kenya": "Nairobi", "Norway": "Oslo", "Greece": "Athens", "Poland": "Warsaw",
    "Russia": "Moscow", "China": "Beijing", "Ireland": "Dublin", "Austria": "Vienna",
    "Portugal": "Lisbon", "Sweden": "Stockholm", "Finland": "Helsinki",
    "Denmark": "Copenhagen", "Hungary": "Budapest", "Belgium": "Brussels",
    "Netherlands": "Amsterdam", "Thailand": "Bangkok", "Cuba": "Havana",
    "Argentina": "Buenos Aires", "Chile": "Santiago", "Colombia": "Bogota",
    "Venezuela": "Caracas", "Iran": "Tehran", "Iraq": "Baghdad", "Syria": "Damascus",
    "Lebanon": "Beirut", "Afghanistan": "Kabul", "Bangladesh": "Dhaka",
    "Indonesia": "Jakarta", "Philippines": "Manila", "Vietnam": "Hanoi",
    "South Korea": "Seoul", "Ukraine": "Kyiv", "Romania": "Bucharest",
    "Czech Republic": "Prague", "Ethiopia": "Addis Ababa", "Ghana": "Accra",
    "Senegal": "Dakar", "Morocco": "Rabat", "Tunisia": "Tunis", "Jamaica": "Kingston",
    "Iceland": "Reykjavik", "Nepal": "Kathmandu", "Mongolia": "Ulaanbaatar",
    "Serbia": "Belgrade", "Bulgaria": "Sofia", "Croatia": "Zagreb", "Uganda": "Kampala",
}  # fmt: skip
ANTONYMS = {
    "hot": "cold", "big": "small", "up": "down", "fast": "slow", "happy": "sad",
    "light": "dark", "open": "closed", "old": "new", "tall": "short", "wet": "dry",
    "early": "late", "rich": "poor", "hard": "soft", "full": "empty", "strong": "weak",
    "thick": "thin", "loud": "quiet", "clean": "dirty", "heavy": "light", "win": "lose",
    "buy": "sell", "push": "pull", "first": "last", "inside": "outside", "day": "night",
    "always": "never", "true": "false", "high": "low", "left": "right", "begin": "end",
    "love": "hate", "sweet": "sour", "wide": "narrow", "cheap": "expensive",
    "alive": "dead", "friend": "enemy", "north": "south", "east": "west", "laugh": "cry",
    "near": "far", "safe": "dangerous", "top": "bottom", "young": "old", "good": "bad",
    "give": "take", "come": "go", "asleep": "awake", "accept": "reject",
    "arrive": "leave", "question": "answer", "rough": "smooth", "deep": "shallow",
    "before": "after", "remember": "forget", "borrow": "lend", "false": "true",
}  # fmt: skip
PAST = {
    "go": "went", "eat": "ate", "see": "saw", "take": "took", "give": "gave",
    "write": "wrote", "run": "ran", "swim": "swam", "drink": "drank", "sing": "sang",
    "begin": "began", "speak": "spoke", "break": "broke", "choose": "chose",
    "drive": "drove", "ride": "rode", "rise": "rose", "fly": "flew", "grow": "grew",
    "know": "knew", "throw": "threw", "draw": "drew", "fall": "fell", "forget": "forgot",
    "get": "got", "buy": "bought", "bring": "brought", "think": "thought",
    "teach": "taught", "catch": "caught", "fight": "fought", "seek": "sought",
    "sell": "sold", "tell": "told", "find": "found", "stand": "stood", "understand":
    "understood", "sleep": "slept", "keep": "kept", "feel": "felt", "leave": "left",
    "meet": "met", "send": "sent", "spend": "spent", "build": "built", "lose": "lost",
    "pay": "paid", "say": "said", "make": "made", "hear": "heard", "hold": "held",
    "win": "won", "sit": "sat", "bite": "bit", "hide": "hid", "wear": "wore",
    "tear": "tore", "freeze": "froze", "steal": "stole", "shake": "shook",
}  # fmt: skip
WORDS = ["apple", "river", "stone", "cloud", "tiger", "plant", "chair", "bread",
         "lemon", "mouse", "house", "light", "storm", "grape", "table", "sugar",
         "water", "music", "paper", "train", "horse", "beach", "candle", "garden",
         "pencil", "window", "rocket", "silver", "forest", "winter", "planet", "basket",
         "yellow", "castle", "dragon", "tomato", "flower", "button", "bottle", "mirror",
         "orange", "summer", "island", "monkey", "parrot", "ticket", "jacket", "pillow",
         "ladder", "carpet", "kitten", "turtle", "violin", "wallet"]  # fmt: skip
NAMES = ["Anna", "Ben", "Carla", "Dev", "Emil", "Fatima", "Gus", "Hana", "Ivan",
         "Jules", "Kofi", "Lena", "Marco", "Nina", "Omar", "Priya", "Quinn", "Rosa",
         "Sven", "Tara"]  # fmt: skip
# English word: (French, Spanish, German), accents dropped (replies are read without them)
TRANSLATIONS = {
    "dog": ("chien", "perro", "hund"), "cat": ("chat", "gato", "katze"),
    "house": ("maison", "casa", "haus"), "water": ("eau", "agua", "wasser"),
    "red": ("rouge", "rojo", "rot"), "bread": ("pain", "pan", "brot"),
    "book": ("livre", "libro", "buch"), "tree": ("arbre", "arbol", "baum"),
    "sun": ("soleil", "sol", "sonne"), "black": ("noir", "negro", "schwarz"),
    "apple": ("pomme", "manzana", "apfel"), "moon": ("lune", "luna", "mond"),
    "milk": ("lait", "leche", "milch"), "horse": ("cheval", "caballo", "pferd"),
    "bird": ("oiseau", "pajaro", "vogel"), "green": ("vert", "verde", "grun"),
    "blue": ("bleu", "azul", "blau"), "white": ("blanc", "blanco", "weiss"),
    "yellow": ("jaune", "amarillo", "gelb"), "friend": ("ami", "amigo", "freund"),
    "mother": ("mere", "madre", "mutter"), "father": ("pere", "padre", "vater"),
    "brother": ("frere", "hermano", "bruder"), "sister": ("soeur", "hermana", "schwester"),
    "king": ("roi", "rey", "konig"), "door": ("porte", "puerta", "tur"),
    "window": ("fenetre", "ventana", "fenster"), "school": ("ecole", "escuela", "schule"),
    "city": ("ville", "ciudad", "stadt"), "night": ("nuit", "noche", "nacht"),
    "day": ("jour", "dia", "tag"), "head": ("tete", "cabeza", "kopf"),
    "heart": ("coeur", "corazon", "herz"), "flower": ("fleur", "flor", "blume"),
    "sea": ("mer", "mar", "meer"), "snow": ("neige", "nieve", "schnee"),
    "rain": ("pluie", "lluvia", "regen"), "fire": ("feu", "fuego", "feuer"),
    "money": ("argent", "dinero", "geld"), "cheese": ("fromage", "queso", "kase"),
    "egg": ("oeuf", "huevo", "ei"), "chair": ("chaise", "silla", "stuhl"),
    "kitchen": ("cuisine", "cocina", "kuche"), "church": ("eglise", "iglesia", "kirche"),
    "world": ("monde", "mundo", "welt"), "love": ("amour", "amor", "liebe"),
    "small": ("petit", "pequeno", "klein"), "new": ("nouveau", "nuevo", "neu"),
    "cold": ("froid", "frio", "kalt"), "good": ("bon", "bueno", "gut"),
    "beer": ("biere", "cerveza", "bier"), "wine": ("vin", "vino", "wein"),
    "star": ("etoile", "estrella", "stern"),
}  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


# --- families: each yields (question, answer); the first three are the shots -------------


def code(rng: random.Random) -> Iterator[QA]:
    """Copy a tracking code out of a note: both models."""
    while True:
        tracking = f"{''.join(rng.sample('ABCDEFGHJKLMNPRSTUVWXZ', 2))}-{rng.randrange(1000, 9999)}"
        note = (
            f"Parcel for {rng.choice(NAMES)}, tracking code {tracking}, "
            f"{rng.randrange(2, 9)} kg, arrives {rng.choice(DAYS)}."
        )
        yield f"{note} What is the tracking code?", tracking


def capital(rng: random.Random) -> Iterator[QA]:
    """Knowledge: the capital of a country."""
    countries = sorted(CAPITALS)
    rng.shuffle(countries)
    for country in itertools.cycle(countries):
        yield f"What is the capital of {country}?", CAPITALS[country]


def antonym(rng: random.Random) -> Iterator[QA]:
    """The opposite of a common word."""
    words = sorted(ANTONYMS)
    rng.shuffle(words)
    for word in itertools.cycle(words):
        yield f"What is the opposite of {word}?", ANTONYMS[word]


def past_tense(rng: random.Random) -> Iterator[QA]:
    """The simple past of an irregular verb."""
    verbs = sorted(PAST)
    rng.shuffle(verbs)
    for verb in itertools.cycle(verbs):
        yield f"What is the past tense of {verb}?", PAST[verb]


def successor(rng: random.Random) -> Iterator[QA]:
    """The number after a three-digit number."""
    while True:
        n = rng.randrange(100, 999)
        yield f"What number comes after {n}?", str(n + 1)


def translate(language: str, column: int) -> Callable[[random.Random], Iterator[QA]]:
    """A common English word in another language: the larger, multilingual model."""

    def make(rng: random.Random) -> Iterator[QA]:
        words = sorted(TRANSLATIONS)
        rng.shuffle(words)
        for word in itertools.cycle(words):
            yield f"What is {word} in {language}?", TRANSLATIONS[word][column]

    return make


def multiply(rng: random.Random) -> Iterator[QA]:
    """Two-digit multiplication: beyond both models."""
    while True:
        a, b = rng.randrange(12, 99), rng.randrange(12, 99)
        yield f"What is {a} * {b}?", str(a * b)


def reverse(rng: random.Random) -> Iterator[QA]:
    """A word spelt backwards: beyond both models (tokens hide the letters)."""
    words = list(WORDS)
    rng.shuffle(words)
    for word in itertools.cycle(words):
        yield f"What is {word} spelt backwards?", word[::-1]


FAMILIES: dict[str, tuple[Callable[[random.Random], Iterator[QA]], str]] = {
    "code": (code, "code"),
    "capital": (capital, "word"),
    "antonym": (antonym, "word"),
    "past_tense": (past_tense, "word"),
    "successor": (successor, "number"),
    "to_french": (translate("French", 0), "word"),
    "to_spanish": (translate("Spanish", 1), "word"),
    "to_german": (translate("German", 2), "word"),
    "multiply": (multiply, "number"),
    "reverse": (reverse, "word"),
}
SHOTS = 3


def few_shot(shots: list[QA], question: str) -> list[dict[str, str]]:
    """The one chat both pFMs get: solved turns, then the open question."""
    turns = [
        turn
        for q, a in shots
        for turn in ({"role": "user", "content": q}, {"role": "assistant", "content": a})
    ]
    return [*turns, {"role": "user", "content": question}]


# --- reading answers ------------------------------------------------------------------
# Replies come bare ("Lima"), as a sentence ("The capital of Peru is Lima.") or as an
# equation ("34 + 15 = 49"); the value is the first one on the first line that is not
# part of the question (an operand, a word of the question).

FILLER = {"a", "an", "the", "is", "it", "answer", "of", "was", "are",  # and articles:
          "le", "la", "les", "l", "un", "une", "el", "los", "las", "der", "die", "das",
          "ein", "eine"}  # fmt: skip
FOLD = {"ß": "ss", "œ": "oe", "æ": "ae"}


def fold(text: str) -> str:
    """Lowercase, accents dropped: ``Größe`` and ``grosse`` read the same."""
    text = "".join(FOLD.get(c, c) for c in text.lower())
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def answer_of(reply: str, record: dict) -> str | None:
    """The value the reply's first line gives, lowercased; ``None`` if it gives none.

    Example:
        >>> answer_of("The opposite of hot is cold.\\nQ: next", {"kind": "word",
        ...           "question": "What is the opposite of hot?"})
        'cold'
    """
    lines = [line for line in reply.strip().splitlines() if line.strip()]
    line = re.sub(r"^\s*A:\s*", "", lines[0]) if lines else ""
    question = str(record["question"]).lower()
    if record["kind"] == "code":
        found = re.findall(r"[A-Za-z]{2}-\d{4}", line)
        return found[0].upper() if found else None
    if record["kind"] == "number":
        known = set(re.findall(r"\d+", question))
        numbers = [n.replace(",", "") for n in re.findall(r"-?\d[\d,]*\d|-?\d", line)]
        fresh = [n for n in numbers if n.lstrip("-") not in known]
        return fresh[0] if fresh else None
    known = set(re.findall(r"[^\W\d_]+", question)) | FILLER
    run: list[str] = []
    for word in re.findall(r"[^\W\d_]+", fold(line)):
        if word not in known:
            run.append(word)
        elif run:
            break
    return " ".join(run) or None


def is_correct(reply: str, record: dict) -> bool:
    """Whether the value the reply gives is the record's answer."""
    value = answer_of(reply, record)
    return value is not None and value.lower() == fold(str(record["answer"]))


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    records: list[dict[str, object]] = []
    for family, (make, kind) in FAMILIES.items():
        pairs = make(rng)
        shots = [next(pairs) for _ in range(SHOTS)]
        seen = {q for q, _ in shots}
        tasks: list[QA] = []
        for question, answer in itertools.islice(pairs, 100 * PER_FAMILY):
            if question not in seen:
                seen.add(question)
                tasks.append((question, answer))
            if len(tasks) == PER_FAMILY:
                break
        if len(tasks) < PER_FAMILY:
            raise ValueError(f"{family}: only {len(tasks)} distinct tasks")
        rng.shuffle(tasks)
        for i, (question, answer) in enumerate(tasks):
            records.append(
                {
                    "id": f"{family}-{i:03d}",
                    "family": family,
                    "messages": few_shot(shots, question),
                    "question": question,
                    "answer": answer,
                    "kind": kind,
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
