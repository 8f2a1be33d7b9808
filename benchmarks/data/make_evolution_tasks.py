"""Build ``evolution_tasks.jsonl``: customer messages to turn into a JSON record.

    python benchmarks/data/make_evolution_tasks.py          # (re)write evolution_tasks.jsonl
    python benchmarks/data/make_evolution_tasks.py --check  # exit 1 if the file is stale

One record per line: ``{"id", "split", "input", "answer", "record", "form"}``.
``input`` is a customer message naming an order number and a city, ``record`` the
fields an app needs from it (``{"order": "48213", "city": "Lyon"}``, both strings),
``answer`` that record as the one-line JSON a correct reply is, ``form`` which message
template made it and ``split`` train or test, alternating within each form after a
seeded shuffle.
``benchmarks/evolution_tasks.py`` loads the file and holds the check (the reply parses
as JSON and equals ``record``) and the initial system prompt.

Chosen after probing SmolLM2-135M-Instruct through FMOS (greedy, 48 tokens): with the
plain instruction it answers most messages as a chatbot ("I'm sorry for your loss ...")
or with JSON of its own shape, and only 5-7 % of replies are the exact record, all for
the terse form; with four of those verified replies as chat turns it writes the exact
record for ~55 % of the other messages (gold demos of mixed forms: ~95 %). The terse
form gives the bootstrap its first verified answers. Deterministic: one
``random.Random(SEED)`` drives every choice.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SEED = 20251125
ITEMS_PER_FORM = 30
OUT = Path(__file__).with_name("evolution_tasks.jsonl")

NAMES = ["Anna Berg", "Ben Okafor", "Carla Ruiz", "Dev Patel", "Emil Novak", "Fatima Zahra",
         "Gus Moreau", "Hana Sato", "Ivan Petrov", "Jules Martin", "Kofi Mensah",
         "Lena Fischer", "Marco Rossi", "Nina Kowalski", "Omar Haddad", "Priya Nair",
         "Quinn Walsh", "Rosa Lima", "Sven Larsen", "Tara Singh"]  # fmt: skip
CITIES = ["Lyon", "Porto", "Leeds", "Graz", "Bremen", "Malmo", "Turin", "Ghent", "Krakow",
          "Bilbao", "Dublin", "Bergen", "Seville", "Utrecht", "Zurich", "Nantes", "Brno",
          "Tampere", "Aarhus", "Cork", "Geneva", "Bristol", "Valencia", "Lille", "Basel",
          "Leipzig", "Gdansk", "Florence", "Antwerp", "Oslo"]  # fmt: skip
PRODUCTS = ["desk lamp", "coffee grinder", "rain jacket", "phone case", "yoga mat", "kettle",
            "backpack", "monitor stand", "bike light", "wool scarf", "water bottle",
            "headphones"]  # fmt: skip

# Message templates, terse to chatty; {o} order number, {c} city, {n} name, {p} product.
FORMS = {
    "terse": "order {o}, {c}",
    "ship": "Ship order {o} to {c}.",
    "note": "Order {o}: please ship the {p} to {c}. {n}",
    "broken": "Hi, {n} from {c}. My {p}, order number {o}, arrived broken.",
    "where": "{n} here. Where is order #{o}? It should have reached {c} yesterday.",
    "change": "Please change the delivery city of order {o} to {c}, I moved. Thanks, {n}",
    "stuck": "Hello, my {p} (order {o}) has been stuck in {c} for a week. Can you check? {n}",
    "pickup": "Can I pick up order {o} at your {c} store instead? It is the {p}.",
}


def record_json(record: dict[str, str]) -> str:
    """The one reply that is right: ``{"order": "...", "city": "..."}`` on one line."""
    return json.dumps(record, ensure_ascii=False)


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    items: list[tuple[str, str, dict[str, str]]] = []
    seen: set[str] = set()
    for form, template in FORMS.items():
        made = 0
        while made < ITEMS_PER_FORM:
            record = {"order": str(rng.randrange(10000, 99999)), "city": rng.choice(CITIES)}
            text = template.format(
                o=record["order"], c=record["city"], n=rng.choice(NAMES), p=rng.choice(PRODUCTS)
            )
            if text not in seen:
                seen.add(text)
                items.append((form, text, record))
                made += 1
    rng.shuffle(items)
    per_form: dict[str, int] = dict.fromkeys(FORMS, 0)  # each form splits half and half
    records: list[dict[str, object]] = []
    for i, (form, text, record) in enumerate(items):
        per_form[form] += 1
        records.append(
            {
                "id": f"order-city-{i:03d}",
                "split": "train" if per_form[form] % 2 else "test",
                "input": text,
                "answer": record_json(record),
                "record": record,
                "form": form,
            }
        )
    return records


def main() -> int:
    from jsonl_file import write_or_check  # beside this script

    about = __doc__.split("\n\n")[0]
    return write_or_check(build(), out=OUT, generator=Path(__file__).name, about=about)


if __name__ == "__main__":
    sys.exit(main())
