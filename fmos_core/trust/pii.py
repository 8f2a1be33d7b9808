"""PII and secret detection, and redaction to typed, numbered placeholders.

Five kinds, each with its placeholder: ``email`` (``[EMAIL_n]``), ``phone``
(``[PHONE_n]``), ``card`` (``[CARD_n]``), ``national_id`` (``[NATIONAL_ID_n]``: US SSN,
UK National Insurance number, IBAN) and ``secret`` (``[SECRET_n]``: cloud and API keys,
tokens, JWTs, PEM private keys, and the values of ``password=`` / ``api_key:`` / ``secret``
assignments). Numbers count distinct values per kind in order of first appearance, so the
same value always gets the same placeholder within one text (or one ``redact_value`` call).

Checksums and structure keep false positives down: card numbers pass the Luhn check and
start with a known issuer prefix, SSNs avoid the never-issued ranges, IBANs pass mod 97
at their country's length, a JWT's header decodes to JSON with ``"alg"``, and a phone
number must look like E.164 or a national format (dates, times, versions, prices and order
ids are left alone). Every pattern starts with a literal or a character class, checks
token boundaries behind it, and repeats only boundedly or possessively, so a scan is linear
in the length of the text.

``PiiMatch.value`` holds the original text: never write matches themselves to a trace.

Example:
    >>> r = redact("Mail ada@example.com or call +44 20 7946 0958; ada@example.com again.")
    >>> r.text
    'Mail [EMAIL_1] or call [PHONE_1]; [EMAIL_1] again.'
    >>> [m.kind for m in r.matches]
    ['email', 'phone', 'email']
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from fmos_core.trust._pii_rules import PERSONAL_RULES, Rule
from fmos_core.trust._pii_secrets import SECRET_RULES, is_secret_field

PII_KINDS: tuple[str, ...] = ("email", "phone", "card", "national_id", "secret")

_PLACEHOLDER_LABEL = {
    "email": "EMAIL",
    "phone": "PHONE",
    "card": "CARD",
    "national_id": "NATIONAL_ID",
    "secret": "SECRET",
}


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One detected value: its kind, its ``[start, end)`` span in the text, the text itself.

    ``rule`` names the detector that found it (``"iban"``, ``"jwt"``, ``"assignment"`` …);
    it is informative and takes no part in equality.

    Example:
        >>> find_pii("SSN 219-45-6789")[0]
        PiiMatch(kind='national_id', start=4, end=15, value='219-45-6789', rule='ssn')
    """

    kind: str
    start: int
    end: int
    value: str
    rule: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Redaction:
    """The redacted ``text`` and the ``matches`` found in the original, in text order.

    Example:
        >>> r = redact("no personal data here")
        >>> r.text, r.matches
        ('no personal data here', ())
    """

    text: str
    matches: tuple[PiiMatch, ...]


_RULES: tuple[Rule, ...] = (*SECRET_RULES, *PERSONAL_RULES)  # the order breaks ties


# --- finding, resolving, redacting ----------------------------------------------------------


# Something every rule needs (a digit, "@", ":" or "=", or a key's literal prefix): a text
# without any of them has nothing to find, which makes short strings cheap.
_HINT = re.compile(
    r"[0-9@:=]|-----BEGIN|eyJ|g(?:h[pousr]_|ithub_pat_)|[sr]k[-_]|xox|AIza"
    r"|A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA)"
)

# A candidate span: (start, end, the rank of its rule, the index of its rule in _RULES).
_Candidate = tuple[int, int, int, int]


def _check_kinds(kinds: Collection[str] | None) -> frozenset[str]:
    if kinds is None:
        return frozenset(PII_KINDS)
    if isinstance(kinds, str):
        raise TypeError("kinds must be a collection of kind names, not a string")
    unknown = sorted(set(kinds) - set(PII_KINDS))
    if unknown:
        raise ValueError(f"unknown PII kinds {unknown}; expected some of {list(PII_KINDS)}")
    return frozenset(kinds)


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    """Drop overlaps: within each cluster of overlapping candidates, longest first, then rank."""
    candidates.sort(key=lambda c: (c[0], -c[1]))
    kept: list[_Candidate] = []
    i, n = 0, len(candidates)
    while i < n:
        j, reach = i + 1, candidates[i][1]
        while j < n and candidates[j][0] < reach:
            reach = max(reach, candidates[j][1])
            j += 1
        if j == i + 1:
            kept.append(candidates[i])
        else:
            chosen: list[_Candidate] = []
            for c in sorted(candidates[i:j], key=lambda c: (c[0] - c[1], c[2], c[0])):
                if all(c[1] <= o[0] or o[1] <= c[0] for o in chosen):
                    chosen.append(c)
            kept.extend(sorted(chosen))
        i = j
    return kept


def find_pii(text: str, *, kinds: Collection[str] | None = None) -> list[PiiMatch]:
    """Find emails, phones, card numbers, national ids and secrets in ``text``, in order.

    Overlaps are resolved before ``kinds`` filters the result, so asking only for
    ``{"phone"}`` never reports the digits of a card number or an IBAN as a phone.
    Offsets index the ``str`` (code points), so ``text[m.start:m.end] == m.value``.

    Example:
        >>> text = "Card 4111 1111 1111 1111, key AKIAIOSFODNN7EXAMPLE, on 2024-01-15."
        >>> [(m.kind, m.value) for m in find_pii(text)]
        [('card', '4111 1111 1111 1111'), ('secret', 'AKIAIOSFODNN7EXAMPLE')]
        >>> find_pii(text, kinds={"email"})
        []
    """
    wanted = _check_kinds(kinds)
    if not wanted or _HINT.search(text) is None:
        return []
    candidates = [
        (start, end, rule.rank, index)
        for index, rule in enumerate(_RULES)
        for start, end in rule.find(text)
        if end > start
    ]
    return [
        PiiMatch(_RULES[index].kind, start, end, text[start:end], _RULES[index].name)
        for start, end, _, index in _resolve(candidates)
        if _RULES[index].kind in wanted
    ]


class _Numbering:
    """Placeholder numbers per kind for distinct values, shared across one redaction."""

    def __init__(self) -> None:
        self._by_value: dict[tuple[str, str], str] = {}
        self._by_normal_form: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def placeholder(self, kind: str, value: str) -> str:
        label = self._by_value.get((kind, value))
        if label is None:
            key = (kind, _normalise(kind, value))
            label = self._by_normal_form.get(key)
            if label is None:
                self._counts[kind] = self._counts.get(kind, 0) + 1
                label = f"[{_PLACEHOLDER_LABEL[kind]}_{self._counts[kind]}]"
                self._by_normal_form[key] = label
            self._by_value[(kind, value)] = label
        return label


def _normalise(kind: str, value: str) -> str:
    if kind == "email":
        return value.casefold()
    if kind in ("phone", "card", "national_id"):
        return "".join(c for c in value if c.isalnum() or c == "+").upper()
    return value


def _redact_text(
    text: str, wanted: frozenset[str], numbering: _Numbering
) -> tuple[str, tuple[PiiMatch, ...]]:
    matches = tuple(find_pii(text, kinds=wanted))
    if not matches:
        return text, ()
    parts, pos = [], 0
    for m in matches:
        parts += [text[pos : m.start], numbering.placeholder(m.kind, m.value)]
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts), matches


def redact(text: str, *, kinds: Collection[str] | None = None) -> Redaction:
    """Replace each PII value in ``text`` by its typed placeholder, ``[EMAIL_1]`` and so on.

    The same value (emails compared case-insensitively, numbers ignoring separators)
    gets the same placeholder. Placeholders themselves are never detected again.

    Example:
        >>> r = redact('password="hunter2" and api_key: sk-proj-a1B2c3D4e5F6g7H8i9J0kLmN')
        >>> r.text
        'password="[SECRET_1]" and api_key: [SECRET_2]'
        >>> redact("call 0161 496 0000 or 0161-496-0000", kinds=["phone"]).text
        'call [PHONE_1] or [PHONE_1]'
    """
    redacted, matches = _redact_text(text, _check_kinds(kinds), _Numbering())
    return Redaction(redacted, matches)


def redact_value(obj: Any, *, kinds: Collection[str] | None = None) -> Any:
    """Return a copy of a JSON-like value with every string in it redacted.

    Dicts (keys too), lists and tuples are walked to any depth and rebuilt; other values
    (numbers, booleans, None, other objects) are returned as they are. One numbering holds
    for the whole structure, so a value gets the same placeholder wherever it appears. A
    string stored under a key that names a secret (``"password"``, ``"api_key"``,
    ``"clientSecret"`` …) is replaced whole.

    Example:
        >>> record = {"user": {"mail": "ada@example.com", "password": "hunter2"},
        ...           "log": ["sent to ada@example.com", 42]}
        >>> redact_value(record)["user"]
        {'mail': '[EMAIL_1]', 'password': '[SECRET_1]'}
        >>> redact_value(record)["log"]
        ['sent to [EMAIL_1]', 42]
    """
    return _walk(obj, _check_kinds(kinds), _Numbering())


def _walk(obj: Any, wanted: frozenset[str], numbering: _Numbering) -> Any:
    if isinstance(obj, str):
        return _redact_text(obj, wanted, numbering)[0]
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            whole_secret = (
                "secret" in wanted
                and isinstance(key, str)
                and isinstance(value, str)
                and is_secret_field(key, value)
            )
            out[_walk(key, wanted, numbering)] = (
                numbering.placeholder("secret", value)
                if whole_secret
                else _walk(value, wanted, numbering)
            )
        return out
    if isinstance(obj, list):
        return [_walk(item, wanted, numbering) for item in obj]
    if isinstance(obj, tuple):
        return tuple(_walk(item, wanted, numbering) for item in obj)
    return obj
