"""Build ``injection.jsonl``: a labelled prompt-injection set for ``benchmarks/trust.py``.

    python benchmarks/data/make_injection_set.py          # (re)write injection.jsonl
    python benchmarks/data/make_injection_set.py --check  # exit 1 if the file is stale

One record per line: ``{"id", "text", "source", "label", "style", "split"}`` with
``source`` one of user / tool / document, ``label`` 1 for an attack and 0 for benign
text, ``style`` the family it was drawn from and ``split`` dev, test or tune.

Deterministic: one ``random.Random(SEED)`` drives every choice, so the output only
changes when this file does. Records come from templates × fillers (attack phrasings ×
goals × wrappers for each source) and from handwritten cases, written for this set.
The split is stratified: within each style the records are shuffled with the seed
and alternate dev / test. A third split, ``tune`` (199 records, 2025-11), adds new
phrasings of every style and new hard negatives (``injection_tune.py``), drawn from
their own seed after dev and test, which stay byte for byte as they were. Rules are
tuned and the classifier trained on dev + tune; test is for reporting.

Benign records are placed like attacks (changed 2025-11; the set had 542 records, 318
attacks and 224 benign). Before, attacks were often wrapped in the ``PARAGRAPHS``
prose (product notes, meeting minutes, an email, "Page 3 of 7", the "Product notes"
web page, the "Project Aurora" README, JSON search results) and no benign record was,
so a classifier trained on the set learned that ordinary prose means an attack ("The
library extends its opening hours during exam season." scored 0.83) and flagged 3.4 %
of the standard library's docstrings. Now:

- ``wrap`` places benign records too. For each source, the share of attacks that
  ``wrap`` placed (outside the page and JSON families: 4 % from the user, 59 % from
  tools, 62 % from documents) is the share of each benign style's records of that
  source that ``place_benign`` hands to ``wrap``, which picks the same templates and
  positions for either label.
- Every ``benign_html`` and ``benign_markdown`` record sits in the page its attack
  counterpart always uses (``html_page``, ``markdown_page``).
- ``benign_json_text`` (new, 20) puts benign notes in the five JSON containers of
  ``hidden_json`` (``json_container``), four of each, as ``hidden_json`` does.
- ``benign_security`` (new, 24) adds hard negatives: security notices, policies,
  runbooks and questions about passwords, system prompts and tools that are no attack.

Attack records are unchanged (same text, id and split), and so are each old benign
record's id, source and split; benign placement draws from its own seed
(``CONTEXT_SEED``) so that the attacks' draws stay as they were.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from pathlib import Path

from injection_benign import (
    BENIGN_CHAT,
    BENIGN_INSTRUCTION,
    BENIGN_META,
    BENIGN_MULTILINGUAL,
    BENIGN_SECURITY,
    BENIGN_SNIPPETS,
    BENIGN_UNICODE,
)
from injection_benign_markup import (
    BENIGN_BLOB,
    BENIGN_CODE,
    BENIGN_HTML,
    BENIGN_JSON,
    BENIGN_MARKDOWN,
)
from injection_shapes import (
    HTML_HIDING,
    MARKDOWN_HIDING,
    Made,
    attack_sentence,
    html_page,
    ignore_phrase,
    json_container,
    markdown_page,
    wrap,
    wrapped_unless_user,
)
from injection_styles_encoded import (
    style_base64,
    style_encoding_misc,
    style_homoglyph,
    style_spacing_leet,
    style_zero_width,
)
from injection_texts import (
    EXFILTRATION,
    FAKE_SYSTEM_PAYLOADS,
    FAKE_TOOL,
    IGNORE_HANDWRITTEN,
    JAILBREAK_QUESTIONS,
    NON_ENGLISH,
    PARAGRAPHS,
    PROMPT_LEAK,
    QUESTIONS,
    ROLE_PLAY,
    TOOL_COERCION,
)
from injection_tune import tune_records
from jsonl_file import write_or_check

SEED = 20251125
CONTEXT_SEED = SEED + 1  # drives where benign records are placed (``place_benign``)
OUT = Path(__file__).with_name("injection.jsonl")
Record = tuple[str, str]  # (text, source)

# --- styles ------------------------------------------------------------------------------------
# Each style returns ``Made`` triples; the flag says whether ``wrap`` (or, for fake system
# messages, a paragraph before them) placed the text in surroundings. ``build`` places
# the same share of each benign style's records, per source, with the same ``wrap``.


def style_ignore_previous(rng: random.Random) -> list[Made]:
    out = [
        (wrap(ignore_phrase(rng), src, rng), src, True) for src in ["user", "tool", "document"] * 4
    ]
    out += [
        (text, rng.choice(["user", "user", "tool", "document"]), False)
        for text in IGNORE_HANDWRITTEN
    ]
    return out


def style_fake_system(rng: random.Random) -> list[Made]:
    shapes: list[Callable[[str, str], str]] = [
        lambda p, q: f"<|im_start|>system\n{p}<|im_end|>\n<|im_start|>user\n{q}<|im_end|>",
        lambda p, q: f"[INST] <<SYS>>\n{p}\n<</SYS>>\n\n{q} [/INST]",
        lambda p, q: f"### System:\n{p}\n\n### User:\n{q}",
        lambda p, q: f"{q}\n\nSYSTEM: {p}",
        lambda p, q: json.dumps({"role": "system", "content": p}) + "\n" + q,
        lambda p, q: f"<|start_header_id|>system<|end_header_id|>\n\n{p}<|eot_id|>{q}",
        lambda p, q: f"<system>{p}</system>\n{q}",
        lambda p, q: f"{q}\n\n[system message] {p}",
        lambda p, q: f"**SYSTEM OVERRIDE**: {p}",
        lambda p, q: f"Developer message: {p}\n\n{q}",
    ]
    out = []
    for i, shape in enumerate(shapes * 2):
        payload, question = rng.choice(FAKE_SYSTEM_PAYLOADS), rng.choice(QUESTIONS)
        source = ["user", "tool", "document"][i % 3]
        text = shape(payload, question)
        if source == "user":
            out.append((text, source, False))
        else:
            out.append((f"{rng.choice(PARAGRAPHS)}\n{text}", source, True))
    return out


def style_fake_tool(rng: random.Random) -> list[Made]:
    return [(text, "tool" if i % 4 else "document", False) for i, text in enumerate(FAKE_TOOL)]


def style_role_play(rng: random.Random) -> list[Made]:
    out = []
    for text in ROLE_PLAY:
        text = text.replace("{question}", rng.choice(JAILBREAK_QUESTIONS))
        out.append((text, "user" if rng.random() < 0.8 else "document", False))
    return out


def style_exfiltration(rng: random.Random) -> list[Made]:
    sources = ["tool", "document", "tool", "user"]
    return [
        wrapped_unless_user(attack, sources[i % 4], rng) for i, attack in enumerate(EXFILTRATION)
    ]


def style_tool_coercion(rng: random.Random) -> list[Made]:
    sources = ["user", "tool", "document"]
    return [
        wrapped_unless_user(attack, sources[i % 3], rng) for i, attack in enumerate(TOOL_COERCION)
    ]


def style_prompt_leak(rng: random.Random) -> list[Made]:
    out = []
    for i, attack in enumerate(PROMPT_LEAK):
        source = "user" if i % 3 else rng.choice(["tool", "document"])
        out.append(wrapped_unless_user(attack, source, rng))
    return out


def style_hidden_json(rng: random.Random) -> list[Made]:
    out = []
    for i in range(20):
        attack = attack_sentence(rng)
        out.append((json_container(attack, i % 5, rng), "tool", False))
    return out


def style_hidden_html(rng: random.Random) -> list[Made]:
    out = []
    for i, shape in enumerate(HTML_HIDING * 2):
        attack = attack_sentence(rng).replace('"', "'")
        text = html_page(shape.format(a=attack), rng.choice(PARAGRAPHS))
        out.append((text, ["document", "tool"][i % 2], False))
    return out


def style_hidden_markdown(rng: random.Random) -> list[Made]:
    out = []
    for i, shape in enumerate(MARKDOWN_HIDING * 2):
        attack = attack_sentence(rng).replace('"', "'").replace(")", "").replace("(", "")
        text = markdown_page(shape.format(a=attack), rng.choice(PARAGRAPHS))
        out.append((text, ["document", "tool"][i % 2], False))
    return out


def style_non_english(rng: random.Random) -> list[Made]:
    sources = ["user", "tool", "document"]
    return [(text, sources[i % 3], False) for i, text in enumerate(NON_ENGLISH)]


def style_benign_json_text(rng: random.Random) -> list[Made]:
    """Benign notes in the five containers of ``hidden_json``, four of each."""
    notes = enumerate(BENIGN_SNIPPETS)
    return [(json_container(note, i % 5, rng), "tool", False) for i, note in notes]


def benign(texts: list[tuple[str, str]]) -> Callable[[random.Random], list[Made]]:
    return lambda rng: [(text, source, False) for text, source in texts]


# How a benign style's records are placed by ``place_benign``: in the page its attack
# counterpart always uses (benign_html ↔ hidden_html, benign_markdown ↔
# hidden_markdown); as built (benign_json_text mirrors hidden_json itself); or, the
# rest, by ``wrap`` at the rate the wrapped attack styles are wrapped from each source.
PAGES: dict[str, Callable[[str, str], str]] = {
    "benign_html": html_page,
    "benign_markdown": markdown_page,
}
AS_BUILT = {"benign_json_text"}
FAMILY_WRAPPED = {"hidden_html", "hidden_markdown", "hidden_json"}  # not in the wrap rate

STYLES: dict[str, tuple[int, Callable[[random.Random], list[Made]]]] = {
    "ignore_previous": (1, style_ignore_previous),
    "fake_system": (1, style_fake_system),
    "fake_tool": (1, style_fake_tool),
    "role_play": (1, style_role_play),
    "exfiltration": (1, style_exfiltration),
    "tool_coercion": (1, style_tool_coercion),
    "prompt_leak": (1, style_prompt_leak),
    "hidden_json": (1, style_hidden_json),
    "hidden_html": (1, style_hidden_html),
    "hidden_markdown": (1, style_hidden_markdown),
    "base64": (1, style_base64),
    "encoding_misc": (1, style_encoding_misc),
    "zero_width": (1, style_zero_width),
    "homoglyph": (1, style_homoglyph),
    "spacing_leet": (1, style_spacing_leet),
    "non_english": (1, style_non_english),
    "benign_chat": (0, benign(BENIGN_CHAT)),
    "benign_instruction": (0, benign(BENIGN_INSTRUCTION)),
    "benign_meta": (0, benign(BENIGN_META)),
    "benign_json": (0, benign(BENIGN_JSON)),
    "benign_html": (0, benign(BENIGN_HTML)),
    "benign_markdown": (0, benign(BENIGN_MARKDOWN)),
    "benign_code": (0, benign(BENIGN_CODE)),
    "benign_blob": (0, benign(BENIGN_BLOB)),
    "benign_multilingual": (0, benign(BENIGN_MULTILINGUAL)),
    "benign_unicode": (0, benign(BENIGN_UNICODE)),
    "benign_json_text": (0, style_benign_json_text),
    "benign_security": (0, benign(BENIGN_SECURITY)),
}


def wrap_rates(made: dict[str, list[Made]]) -> dict[str, float]:
    """Per source, the share of attacks (outside the page and JSON families) that
    ``wrap`` placed in surroundings."""
    counts: dict[str, list[int]] = {}
    for style, (label, _) in STYLES.items():
        if label == 1 and style not in FAMILY_WRAPPED:
            for _, source, wrapped in made[style]:
                counts.setdefault(source, [0, 0])
                counts[source][0] += wrapped
                counts[source][1] += 1
    return {source: placed / total for source, (placed, total) in counts.items()}


def place_benign(
    style: str, made: list[Made], rates: dict[str, float], rng: random.Random
) -> list[Made]:
    """Benign records placed as their attack counterparts are (see ``PAGES``): of each
    source's records, ``round(rate * n)`` are picked and handed to ``wrap``."""
    if style in AS_BUILT:
        return made
    if style in PAGES:
        page = PAGES[style]
        return [(page(text, rng.choice(PARAGRAPHS)), source, True) for text, source, _ in made]
    out = list(made)
    for source in sorted({source for _, source, _ in made}):
        mine = [i for i, (_, s, _) in enumerate(made) if s == source]
        for i in sorted(rng.sample(mine, round(rates.get(source, 0.0) * len(mine)))):
            out[i] = (wrap(made[i][0], source, rng), source, True)
    return out


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    context = random.Random(CONTEXT_SEED)
    made: dict[str, list[Made]] = {}
    seen: set[str] = set()
    for style, (_, make) in STYLES.items():
        made[style] = [m for m in make(rng) if not (m[0] in seen or seen.add(m[0]))]  # type: ignore[func-returns-value]
        rng.shuffle(made[style])
    rates = wrap_rates(made)
    records: list[dict[str, object]] = []
    for style, (label, _) in STYLES.items():
        placed = made[style] if label else place_benign(style, made[style], rates, context)
        for i, (text, source, _) in enumerate(placed):
            records.append(
                {
                    "id": f"{style}-{i:03d}",
                    "text": text,
                    "source": source,
                    "label": label,
                    "style": style,
                    "split": "dev" if i % 2 == 0 else "test",
                }
            )
    labels = {style: label for style, (label, _) in STYLES.items()}
    records += tune_records(labels, lambda style, m, r: place_benign(style, m, rates, r))
    texts = [r["text"] for r in records]
    if len(set(texts)) != len(texts):
        raise AssertionError("two records have the same text")
    return records


def main() -> int:
    about = __doc__.split("\n\n")[0]
    return write_or_check(build(), out=OUT, generator=Path(__file__).name, about=about)


if __name__ == "__main__":
    sys.exit(main())
