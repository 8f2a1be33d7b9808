"""The literal facts of a question, which a semantic hit must match exactly.

Embeddings place "what is 17+25" and "what is 17+26" next to each other; their
answers differ. Before similarity is even looked at, the semantic cache requires the
two questions to state the same facts: numbers (also small number words, in order),
quoted strings, identifiers (e-mail addresses, URLs, tokens mixing letters and
digits), capitalised names and acronyms, units (in order), the arithmetic operators
named by symbol or word, ordinals (also "starts with", "ends with"), negation and
min/max, before/after polarity. A
paraphrase keeps them; a question about something else almost never does. The
extraction errs towards finding too many facts: that costs a miss, never a wrong
answer.

Example:
    >>> facts("What is 17 + 25?") == facts("Compute the sum of 17 and 25.")
    True
    >>> facts("What is 17 + 25?") == facts("What is 17 + 26?")
    False
    >>> facts("What is the capital of France?") == facts("Name France's capital city.")
    True
    >>> facts("What is the capital of France?") == facts("What is the capital of Spain?")
    False
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal, InvalidOperation

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_TEENS = "fifteen sixteen seventeen eighteen nineteen"
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety"
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(f"{_ONES} {_TEENS}".split(" "))}
_NUMBER_WORDS |= {w: str(10 * i) for i, w in enumerate(_TENS.split(" "), 2)}
_SCALE_WORDS = {"hundred", "thousand", "million", "billion", "half", "twice", "double", "triple",
                "dozen", "quarter", "third"}  # fmt: skip
_ORDINALS = {"first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
             "ninth", "tenth", "last", "penultimate"}  # fmt: skip
_OPERATOR_WORDS = {
    "+": "plus add adds added adding sum total",
    "-": "minus subtract subtracts subtracted subtracting difference less",
    "*": "times multiply multiplies multiplied multiplying product",
    "/": "divide divides divided dividing quotient ratio per",
    "^": "squared square cubed cube power exponent",
    "root": "root roots sqrt",
    "%": "percent percentage remainder modulo mod",
}
_OPERATORS = {word: op for op, words in _OPERATOR_WORDS.items() for word in words.split()}
_OPERATORS |= {"×": "*", "x": "*", "÷": "/", "**": "^"}
_ENDS = {"start": "first", "starts": "first", "begin": "first", "begins": "first",
         "end": "last", "ends": "last"}  # fmt: skip
_NEGATIONS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without"}
_POLARITY = {
    "max": "largest biggest greatest highest maximum most max longest oldest heaviest tallest "
    "larger bigger greater higher heavier longer taller older",
    "min": "smallest least lowest minimum min fewest shortest youngest lightest "
    "smaller fewer lower lighter shorter younger",
    "before": "before previous preceding earlier prior",
    "after": "after next following later",
}
_POLES = {word: pole for pole, words in _POLARITY.items() for word in words.split()}
_UNIT_WORDS = """second minute hour day week month year decade century millisecond
    meter metre kilometer kilometre km centimeter centimetre cm millimeter mm mile yard foot
    feet inch gram kilogram kg pound lb ounce ton tonne liter litre milliliter ml gallon pint
    cup celsius fahrenheit kelvin degree dollar euro cent byte kilobyte megabyte gigabyte bit"""
_UNITS = {word: word for word in _UNIT_WORDS.split()} | {"feet": "foot", "metre": "meter"}
# capitalised words that open a sentence without naming anything
_OPENERS = set(
    re.split(
        r"\s+",
        """what which who whom whose where when why how is are was were do does did can could
    would should will shall may might must please the a an in on at of for to from by with
    if and or but so this that these those it its there here my your our their his her we
    you they he she i me let lets kindly quick quickly briefly question answer help show
    provide determine work solve evaluate convert count spell translate define summarize
    summarise return check now then also just simply yes ok okay hi hello hey about
    regarding according assuming suppose given using name tell give list find state say
    write explain describe identify compute calculate reverse sort pick choose select
    add subtract multiply divide take round express into as hence thus""",
    )
)
_TOKEN = re.compile(
    r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?P<url>https?://\S+)"
    r"|\"(?P<q1>[^\"]+)\"|“(?P<q2>[^”]+)”|`(?P<q3>[^`]+)`|(?<!\w)'(?P<q4>[^']+)'(?!\w)"
    r"|(?P<id>\b(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]+\b)"
    r"|(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<op>\*\*|[+*/×÷^%=<>]|(?<=[\d\s)])-(?=[\s\d(]))"
    r"|(?P<word>[^\W\d_][\w'’-]*)",
)
_SENTENCE_END = re.compile(r"(?:^|[.?!:;\n]\s*|[\"“(]\s*)$")


def facts(text: str) -> dict[str, object]:
    """The literal facts of ``text`` (see the module doc), as a JSON-able mapping."""
    found: dict[str, list[str]] = {"n": [], "q": [], "id": [], "name": [], "unit": []}
    ops: set[str] = set()
    flags: set[str] = set()
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group(kind or 0)
        if kind in ("email", "url", "id"):
            found["id"].append(value.rstrip(".,;:!?)").lower() if kind == "email" else value)
        elif kind in ("q1", "q2", "q3", "q4"):
            found["q"].append(value.strip())
        elif kind == "num":
            found["n"].append(_number(value))
        elif kind == "op":
            ops.add(_OPERATORS.get(value, value))
        elif kind == "word":
            _word(value, text[: match.start()], found, ops, flags)
    return {**found, "ops": sorted(ops), "flags": sorted(flags)}


def facts_digest(text: str) -> str:
    """A short digest of ``facts(text)``: equal facts, equal digest."""
    body = json.dumps(facts(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:32]


def _word(
    word: str, before: str, found: dict[str, list[str]], ops: set[str], flags: set[str]
) -> None:
    """File one word: a number word, operator, negation, pole, ordinal or name."""
    bare = re.sub(r"['’]s$", "", word)
    lower = bare.lower()
    if lower.endswith("n't") or lower.endswith("n’t") or lower in _NEGATIONS:
        flags.add("not")
    elif lower in _NUMBER_WORDS:
        found["n"].append(_NUMBER_WORDS[lower])
    elif lower in _SCALE_WORDS or lower in _ORDINALS:
        found["n"].append(lower)
    elif lower in _ENDS:  # "starts with" asks for the first, "ends with" for the last
        found["n"].append(_ENDS[lower])
    elif lower in _OPERATORS:
        ops.add(_OPERATORS[lower])
    elif lower in _POLES:
        flags.add(_POLES[lower])
    elif lower in _UNITS or lower.removesuffix("s") in _UNITS:
        found["unit"].append(_UNITS.get(lower) or _UNITS[lower.removesuffix("s")])
    elif bare[:1].isupper() and bare != "I":
        opens_sentence = _SENTENCE_END.search(before) is not None
        if (bare.isupper() and len(bare) > 1) or not (opens_sentence and lower in _OPENERS):
            found["name"].append(bare)


def _number(text: str) -> str:
    """A canonical spelling of a numeral: ``1,000`` and ``1000.0`` are both ``1000``."""
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return text
    return format(value.normalize(), "f")
