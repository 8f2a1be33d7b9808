"""The ``tune`` split of ``injection.jsonl``: new phrasings for tuning without the test half.

The rules had been tuned and the classifier trained on dev, whose phrasings they came
to fit (100 % on dev), while the held-out test half showed they generalise less well.
Reading test to fix that would make it a second dev set, so the misses there were not
looked at; instead these records, written afresh for every style
(``injection_tune_texts.py``: at least 8 per style the test run had found weak —
prompt leaking, hidden JSON, fake tool output, encodings, role play, other languages —
and 4 or 5 per other style) plus benign hard negatives in about the same proportion
(``injection_tune_benign.py``), give the rules and the classifier more to generalise
from. They are placed as the main set's are: the same ``wrap`` surroundings per
source, pages, JSON containers (and five new ones) and encodings, from their own seed,
so dev and test stay byte for byte what they were.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from urllib.parse import quote

from injection_shapes import (
    Made,
    b64,
    entities,
    fullwidth,
    html_page,
    json_container,
    leet,
    lookalikes,
    markdown_page,
    math_bold,
    rot13,
    spaced,
    u_escapes,
    zero_width,
)
from injection_shapes import wrapped_unless_user as placed
from injection_texts import GOALS, JAILBREAK_QUESTIONS, PARAGRAPHS
from injection_tune_benign import TUNE_BENIGN, TUNE_SNIPPETS
from injection_tune_texts import (
    TUNE_BASE64,
    TUNE_ENCODED,
    TUNE_EXFILTRATION,
    TUNE_FAKE_SYSTEM,
    TUNE_FAKE_TOOL,
    TUNE_HTML_HIDING,
    TUNE_IGNORE,
    TUNE_MARKDOWN_HIDING,
    TUNE_NON_ENGLISH,
    TUNE_PAYLOADS,
    TUNE_PROMPT_LEAK,
    TUNE_ROLE_PLAY,
    TUNE_SPACING_CORES,
    TUNE_TOOL_COERCION,
)

TUNE_SEED = 20251126_7  # the tune split's own draws: dev and test do not move
Place = Callable[[str, list[Made], random.Random], list[Made]]  # benign placement
SOURCES = ["user", "tool", "document"]


def container(text: str, kind: int, rng: random.Random) -> str:
    """The five JSON containers of ``json_container`` (kinds 0-4) and five more: an issue
    thread, a chat export, a calendar event, an API error, product metadata."""
    if kind < 5:
        return json_container(text, kind, rng)
    value: object
    if kind == 5:
        value = {"issue": rng.randint(10, 999), "comments": [
            {"author": "maintainer", "body": "Thanks, looking into it."},
            {"author": "guest", "body": text}]}  # fmt: skip
    elif kind == 6:
        value = {"channel": "#support", "messages": [
            {"user": "ana", "text": rng.choice(PARAGRAPHS)[:70]},
            {"user": "helper", "text": text}]}  # fmt: skip
    elif kind == 7:
        value = {"summary": "Quarterly review", "location": "Room 4", "description": text}
    elif kind == 8:
        value = {"error": {"code": 429, "message": "rate limited", "hint": text}}
    else:
        value = {"product": {"sku": f"B-{rng.randint(1000, 9999)}", "metadata": {"seo": text}}}
    return json.dumps(value, ensure_ascii=False)


def _encode(kind: str, text: str, rng: random.Random) -> str:
    if kind == "hex":
        return text.encode().hex()
    if kind == "url":
        return quote(text)
    if kind == "rot13":
        return rot13(text)
    if kind == "entities":
        return entities(text).replace('"', "'")
    return u_escapes(text, rng)


def attacks(rng: random.Random) -> dict[str, list[Made]]:
    """The tune split's attacks, by style."""
    payload = iter(rng.sample(TUNE_PAYLOADS * 6, len(TUNE_PAYLOADS) * 6))
    out: dict[str, list[Made]] = {}
    out["ignore_previous"] = [placed(t, SOURCES[i % 3], rng) for i, t in enumerate(TUNE_IGNORE)]
    out["fake_system"] = [
        (t, "user", False)
        if i % 3 == 0
        else (f"{rng.choice(PARAGRAPHS)}\n{t}", SOURCES[i % 3], True)
        for i, t in enumerate(TUNE_FAKE_SYSTEM)
    ]
    out["fake_tool"] = [
        (t, "tool" if i % 4 else "document", False) for i, t in enumerate(TUNE_FAKE_TOOL)
    ]
    out["role_play"] = [
        (
            t.replace("{question}", rng.choice(JAILBREAK_QUESTIONS)),
            "user" if i % 4 else "document",
            False,
        )
        for i, t in enumerate(TUNE_ROLE_PLAY)
    ]
    out["exfiltration"] = [
        placed(t, ["tool", "document", "user"][i % 3], rng) for i, t in enumerate(TUNE_EXFILTRATION)
    ]
    out["tool_coercion"] = [
        placed(t, SOURCES[i % 3], rng) for i, t in enumerate(TUNE_TOOL_COERCION)
    ]
    out["prompt_leak"] = [
        placed(t, "user" if i % 3 else rng.choice(["tool", "document"]), rng)
        for i, t in enumerate(TUNE_PROMPT_LEAK)
    ]
    out["hidden_json"] = [(container(next(payload), i, rng), "tool", False) for i in range(10)]
    out["hidden_html"] = [
        (html_page(s.format(a=next(payload).replace('"', "'")), rng.choice(PARAGRAPHS)),
         ["document", "tool"][i % 2], False)
        for i, s in enumerate(TUNE_HTML_HIDING)
    ]  # fmt: skip
    out["hidden_markdown"] = [
        (markdown_page(s.format(a=_md_safe(next(payload))), rng.choice(PARAGRAPHS)),
         ["document", "tool"][i % 2], False)
        for i, s in enumerate(TUNE_MARKDOWN_HIDING)
    ]  # fmt: skip
    out["base64"] = []
    for shape, source in TUNE_BASE64:
        text = next(payload)
        url = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        out["base64"].append((shape.format(b=b64(text), u=url), source, False))
    out["encoding_misc"] = [
        (shape.format(x=_encode(kind, next(payload), rng)), source, False)
        for kind, shape, source in TUNE_ENCODED
    ]
    out["zero_width"] = [
        placed(zero_width(next(payload), rng, rate=[0.3, 0.6, 1.0][i % 3]), SOURCES[i % 3], rng)
        for i in range(5)
    ]
    out["homoglyph"] = [
        placed(_disguise(next(payload), i, rng), SOURCES[i % 3], rng) for i in range(5)
    ]
    out["spacing_leet"] = [
        placed(f"{_spaced(core, i, rng)}. {rng.choice(GOALS).capitalize()}.", SOURCES[i % 3], rng)
        for i, core in enumerate(TUNE_SPACING_CORES)
    ]
    out["non_english"] = [(t, SOURCES[i % 3], False) for i, t in enumerate(TUNE_NON_ENGLISH)]
    return out


def _md_safe(text: str) -> str:
    return "".join(c for c in text if c not in "\"'()")


def _disguise(text: str, i: int, rng: random.Random) -> str:
    if i == 3:
        return math_bold(text)
    if i == 4:
        return fullwidth(text)
    return lookalikes(text, rng, rate=[0.4, 0.7, 1.0][i])


def _spaced(core: str, i: int, rng: random.Random) -> str:
    if i == 0:
        return spaced(core, "_")
    if i == 1:
        return leet(core, rng, 0.6)
    if i == 2:
        return spaced(core)
    if i == 3:
        return core.upper().replace(" ", "  ")
    return spaced(leet(core, rng, 0.4), ".")


def benign(rng: random.Random, place: Place) -> dict[str, list[Made]]:
    """The tune split's benign records, by style, placed by ``place`` as the main set's."""
    out = {
        style: place(style, [(text, source, False) for text, source in texts], rng)
        for style, texts in TUNE_BENIGN.items()
    }
    out["benign_json_text"] = [
        (container(note, (3 * i + 1) % 10, rng), "tool", False)
        for i, note in enumerate(TUNE_SNIPPETS)
    ]
    return out


def tune_records(labels: dict[str, int], place: Place) -> list[dict[str, object]]:
    """Records of the tune split, style by style in the order of ``labels`` (style →
    label); ids ``<style>-tune-<n>``."""
    rng = random.Random(TUNE_SEED)
    made = {**attacks(rng), **benign(rng, place)}
    records: list[dict[str, object]] = []
    for style, label in labels.items():
        for i, (text, source, _) in enumerate(made.get(style, [])):
            records.append(
                {"id": f"{style}-tune-{i:03d}", "text": text, "source": source, "label": label,
                 "style": style, "split": "tune"}
            )  # fmt: skip
    return records
