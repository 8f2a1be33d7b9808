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

import base64
import binascii
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

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


_Span = tuple[int, int]
_Spans = tuple[_Span, ...]
_Finder = Callable[[str], Iterable[_Span]]
_Check = Callable[[re.Match[str], str], _Spans]


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    kind: str
    rank: int  # lower wins between overlapping candidates of the same length
    find: _Finder


def _scan(pattern: re.Pattern[str], check: _Check | None = None) -> _Finder:
    def find(text: str) -> list[_Span]:
        if check is None:
            return [match.span() for match in pattern.finditer(text)]
        return [span for match in pattern.finditer(text) for span in check(match, text)]

    return find


def _at(text: str, i: int) -> str:
    return text[i] if 0 <= i < len(text) else ""


# --- emails ---------------------------------------------------------------------------------

# Found from the "@": the domain forwards (up to eight labels and a letter-only top-level
# domain), the local part (up to 64 characters) backwards, on the reversed text.
_EMAIL_DOMAIN = re.compile(r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,63}(?![\w-])")
_EMAIL_LOCAL_REVERSED = re.compile(r"[\w.%+-]{1,64}+(?![\w.%+-])")
_URL_USER = re.compile(r"://[^/\s:@]{1,256}:\Z")


def _find_emails(text: str) -> Iterator[_Span]:
    if "@" not in text:
        return
    reversed_text = text[::-1]
    for domain in _EMAIL_DOMAIN.finditer(text):
        at = domain.start()
        local = _EMAIL_LOCAL_REVERSED.match(reversed_text, len(text) - at)
        if local is None:
            continue
        start = at - len(local.group())
        while text[start] == ".":
            start += 1
        if start == at:
            continue
        if _at(text, start - 1) == ":" and _URL_USER.search(text, max(0, start - 260), start):
            continue  # scheme://user:password@host holds a password, not an address
        yield start, domain.end()


# --- phones ---------------------------------------------------------------------------------

# A maximal run of digit groups joined by single separators, with an optional leading "+"
# and parenthesised groups; `_phone_spans` decides whether the run is a phone number.
# Dates (2024-01-15, 15.01.2024) are skipped in the pattern.
_PHONE = re.compile(
    r"[0-9+(](?<![\w+#$€£¥%.,/@-].)(?=(?:[ ()+.-]{0,2}+[0-9]){6})"
    r"(?![0-9]{3}([-./])[0-9]{2}\1[0-9]{2}(?![0-9])|[0-9]?([-./])[0-9]{1,2}\2[0-9]{4}(?![0-9]))"
    r"(?:(?<=\+)[0-9]++|(?<=\()[0-9]{1,5}\)|(?<=[0-9])[0-9]*+)"
    r"(?:[ .-]?+(?:[0-9]++|\([0-9]{1,5}\)))*+"
)
_DIGIT_GROUP = re.compile(r"\(?[0-9]+\)?")
_PHONE_SEPARATOR = re.compile(r"(?<=[0-9])[ .-](?=[0-9])")
_PHONE_CUE = re.compile(
    r"\b(?:(phone|tel|telephone|mobile|mob|cell|cellphone|call|fax|whatsapp|sms|dial|ph"
    r"|contact|reach)"
    r"|(order|invoice|inv|account|acct|ref|reference|ticket|tracking|serial|sku|id|isbn"
    r"|po|case|transaction|txn|customer|batch|lot|build|version))\b",
    re.IGNORECASE,
)
_CURRENCY = frozenset("$€£¥₹₽¢")
_PHONE_NOT_BEFORE = frozenset("_%@") | _CURRENCY


def _phone_spans(match: re.Match[str], text: str) -> _Spans:
    run, (start, end) = match.group(), match.span()
    nxt = text[end : end + 2]
    if len(run) > 32 or (nxt and (nxt[0].isalnum() or nxt[0] in _PHONE_NOT_BEFORE)):
        return ()  # 12345x, 12 345%, an email's local part, 1 234 €
    if nxt[:1] in (".", ",", ":", "/", "-") and nxt[1:].isdigit():
        return ()  # a decimal, a time, a fraction or a date goes on
    before = text[max(0, start - 2) : start]
    if (before[-1:] == ":" and before[:1].isdigit()) or before.strip()[-1:] in _CURRENCY:
        return ()  # the minutes of a time, a price
    tokens = _DIGIT_GROUP.findall(run)
    groups = [t.strip("()") for t in tokens]
    count = sum(map(len, groups))
    if not 7 <= count <= 17:
        return ()
    if run[0] == "+" or run.startswith("00"):
        return ((start, end),) if _international(run, groups) else ()
    if count > 15 or _looks_like_date(groups):
        return ()
    parens = [t[0] == "(" for t in tokens]
    if len(set(_PHONE_SEPARATOR.findall(run))) > 1 and not any(parens):
        return ()  # mixed separators: 2024-01-15 1230
    national = len(groups) > 1 and (_nanp(groups, parens) or _trunk_national(groups, parens))
    cued = all(len(g) >= 2 for g in groups[1:])
    if not (national or cued):
        return ()
    cues = _PHONE_CUE.findall(text, max(0, start - 32), start)
    cue = bool(cues[-1][0]) if cues else None  # True: a phone word; False: an id word
    if (national and cue is not False) or (cued and cue):
        return ((start, end),)
    return ()


def _international(run: str, groups: list[str]) -> bool:
    """E.164 with a "+" (or a "00" exit code): 8 to 15 digits after it, a "(0)" not counted."""
    digits = "".join(g for g in groups if not (g == "0" and "(0)" in run))
    if run.startswith("+"):
        return 8 <= len(digits) <= 15 and digits[0] != "0"
    if run.startswith("00") and len(groups) > 1 and len(groups[0]) in (2, 4, 5):
        return groups[0][2:3] != "0" and 8 <= len(digits) - 2 <= 15
    return False


def _looks_like_date(groups: list[str]) -> bool:
    if len(groups) < 3:
        return False
    a, b, c = (int(g) for g in groups[:3])
    sizes = tuple(len(g) for g in groups[:3])
    if sizes == (4, 2, 2):
        return 1 <= b <= 12 and 1 <= c <= 31
    if sizes == (2, 2, 4):
        return (1 <= a <= 31 and 1 <= b <= 12) or (1 <= a <= 12 and 1 <= b <= 31)
    return False


def _nanp(groups: list[str], parens: list[bool]) -> bool:
    """North American numbers: [1] NXX NXX XXXX, the area code possibly in parentheses."""
    if groups[0] == "1" and len(groups) == 4:
        groups, parens = groups[1:], parens[1:]
    return (
        [len(g) for g in groups] == [3, 3, 4]
        and groups[0][0] in "23456789"
        and groups[1][0] in "23456789"
        and not any(parens[1:])
    )


def _trunk_national(groups: list[str], parens: list[bool]) -> bool:
    """UK and European national numbers: a trunk 0, then 8 to 11 digits in 2 to 6 groups."""
    digits = "".join(groups)
    return (
        digits[0] == "0"
        and digits[1] != "0"
        and 9 <= len(digits) <= 12
        and 2 <= len(groups) <= 6
        and 2 <= len(groups[0]) <= 5
        and all(len(g) >= 2 for g in groups)
        and not any(parens[1:])
    )


# --- payment cards --------------------------------------------------------------------------

# Contiguous digits, or groups joined by spaces or dashes, the first of at least four.
_CARD = re.compile(
    r"[0-9](?<![\w.,+/$€£#-].)(?=[0-9 -]{12})(?![0-9]{3}-[0-9]{2}-[0-9]{2}(?![0-9]))"
    r"[0-9]{3,18}+(?:[ -][0-9]{1,6}+){0,5}+"
)


def _card_spans(match: re.Match[str], text: str) -> _Spans:
    run, (start, end) = match.group(), match.span()
    nxt = text[end : end + 2]
    if nxt[:1].isalnum() or nxt[:1] == "_" or (nxt[:1] in (".", ",") and nxt[1:].isdigit()):
        return ()
    if run.isdigit():
        ok = 13 <= len(run) <= 19 and _luhn(run) and _known_issuer(run)
        return (match.span(),) if ok else ()
    if (" " in run) == ("-" in run):
        return ()  # one kind of separator throughout
    # Cards print as 4-4-4-4[-1..3], 4-4-4-1..4 or 4-6-5 / 4-6-4: try windows of whole
    # groups from the left, longest first (a card may be followed by an expiry or a CVV).
    groups = run.replace("-", " ").split(" ")
    offsets = [0]
    for g in groups:
        offsets.append(offsets[-1] + len(g) + 1)
    found: list[_Span] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i + 2, -1):
            if _card_layout([len(g) for g in groups[i:j]]):
                digits = "".join(groups[i:j])
                if _luhn(digits) and _known_issuer(digits):
                    found.append((start + offsets[i], start + offsets[j] - 1))
                    i = j - 1
                    break
        i += 1
    return tuple(found)


def _card_layout(sizes: list[int]) -> bool:
    if sizes in ([4, 6, 5], [4, 6, 4]):
        return True
    return (
        len(sizes) >= 4
        and all(s == 4 for s in sizes[:-1])
        and 1 <= sizes[-1] <= 4
        and 13 <= sum(sizes) <= 19
    )


def _luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _known_issuer(d: str) -> bool:
    """Whether ``d`` starts with an issuer prefix (IIN) that issues cards of its length."""
    n, p2, p3, p4, p6 = len(d), int(d[:2]), int(d[:3]), int(d[:4]), int(d[:6])
    if d[0] == "4":  # Visa
        return n in (13, 16, 19)
    if 51 <= p2 <= 55 or 222100 <= p6 <= 272099:  # Mastercard
        return n == 16
    if p2 in (34, 37):  # American Express
        return n == 15
    if p2 == 36 or 300 <= p3 <= 305 or p2 in (38, 39):  # Diners Club
        return 14 <= n <= 19
    if p4 == 6011 or 644 <= p3 <= 649 or p2 == 65:  # Discover
        return 16 <= n <= 19
    if 3528 <= p4 <= 3589 or 2200 <= p4 <= 2204 or p2 == 62:  # JCB, Mir, UnionPay
        return 16 <= n <= 19
    return p2 == 50 or 56 <= p2 <= 69  # Maestro


# --- national ids ---------------------------------------------------------------------------

# US SSN: AAA-GG-SSSS (or spaces); nine bare digits only after a cue such as "SSN".
_SSN = re.compile(r"[0-9](?<![\w-].)(?:[0-9]{2}([- ])[0-9]{2}\1[0-9]{4}|[0-9]{8})(?![\w]|-[0-9])")
_SSN_CUE = re.compile(r"\b(?:ssn|social security|ss#|ss no)", re.IGNORECASE)
_SSN_MISUSED = frozenset({"078051120", "219099999"})  # printed in ads and samples, void


def _ssn_spans(match: re.Match[str], text: str) -> _Spans:
    start = match.start()
    digits = match.group().replace("-", "").replace(" ", "")
    if match.group(1) is None and not _SSN_CUE.search(text, max(0, start - 32), start):
        return ()
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return ()  # never issued
    return () if digits in _SSN_MISUSED else (match.span(),)


# UK National Insurance numbers: two prefix letters (never D, F, I, Q, U, V; O never
# second), six digits, a suffix A-D. Without the suffix only after a cue such as "NI".
_NINO = re.compile(
    r"[A-CEGHJ-PR-TW-Z](?<!\w.)([A-CEGHJ-NPR-TW-Z])( ?)[0-9]{2}\2[0-9]{2}\2[0-9]{2}"
    r"(?:\2([A-D]))?(?!\w)"
)
_NINO_UNUSED_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
_NINO_CUE = re.compile(r"\b(?:ni|nino|national insurance)\b", re.IGNORECASE)


def _nino_spans(match: re.Match[str], text: str) -> _Spans:
    start = match.start()
    if match.group()[:2] in _NINO_UNUSED_PREFIXES:
        return ()
    if match.group(3) or _NINO_CUE.search(text, max(0, start - 32), start):
        return (match.span(),)
    return ()


# IBANs: every start is tried (the run sits in a lookahead, so runs may overlap); the run
# holds at most 34 characters with single spaces and `_iban_spans` cuts it at the
# country's length.
_IBAN_GROUPS_OF_FOUR = re.compile(r"(?:\S{4} )+\S{1,4}")
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
    "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


# The second letter must complete a country code of the table: checked in the pattern.
_IBAN = re.compile(
    r"[A-Z](?<!\w.)(?=[A-Z][0-9]{2})(?=((?:"
    + "|".join(
        f"(?<={first})[{''.join(c[1] for c in _IBAN_LENGTHS if c[0] == first)}]"
        for first in sorted({c[0] for c in _IBAN_LENGTHS})
    )
    + r")[0-9]{2}(?:[ ]?[A-Z0-9]){11,30}+))"
)


def _iban_spans(match: re.Match[str], text: str) -> _Spans:
    start = match.start()
    run = text[start] + match.group(1)
    length = _IBAN_LENGTHS.get(run[:2])
    if length is None or len(run.replace(" ", "")) < length:
        return ()
    end, seen = 0, 0
    while seen < length:
        seen += run[end] != " "
        end += 1
    iban = run[:end]
    if _at(run, end) not in ("", " ") or _at(text, start + end).isalnum():
        return ()  # the country's length ends inside a group or a word
    if " " in iban and not _IBAN_GROUPS_OF_FOUR.fullmatch(iban):
        return ()  # spaced IBANs print in groups of four
    compact = iban.replace(" ", "")
    if int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1:
        return ((start, start + end),)
    return ()


# --- keys, tokens and secrets ---------------------------------------------------------------

_AWS_KEY_ID = re.compile(
    r"A(?:KIA|SIA|BIA|CCA|GPA|IDA|IPA|NPA|NVA|PKA|ROA|SCA)(?<![A-Za-z0-9]....)"
    r"[A-Z0-9]{16}(?![A-Za-z0-9])"
)
_GITHUB_TOKEN = re.compile(
    r"g(?<![A-Za-z0-9_].)(?:h[pousr]_[A-Za-z0-9]{36,255}+|ithub_pat_[A-Za-z0-9_]{22,255}+)"
    r"(?![A-Za-z0-9_])"
)
_OPENAI_KEY = re.compile(r"sk-(?<![\w-]...)[A-Za-z0-9_-]{20,300}+(?![\w-])")
_STRIPE_KEY = re.compile(r"[sr]k_(?<![\w-]...)(?:live|test)_[A-Za-z0-9]{16,255}+(?![\w-])")
_SLACK_TOKEN = re.compile(r"xox(?<![\w-]...)[abprs]-[A-Za-z0-9-]{10,250}+(?![\w-])")
_GOOGLE_API_KEY = re.compile(r"AIza(?<![\w-]....)[A-Za-z0-9_-]{35}(?![\w-])")
_JWT = re.compile(
    r"eyJ(?<![\w.-]...)[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]{2,}+\.[A-Za-z0-9_-]*+(?![\w-])"
)
# A PEM private key: the whole block, or (cut off) its header and the base64 lines after it.
_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?)-----"
    r"(?:(?:[A-Za-z0-9+/=\s:,.()]|-(?!----))*+-----END \1-----"
    r"|(?:\s*+(?:[A-Za-z0-9+/=]{16,}+|[A-Za-z-]++:[^\r\n]*+))*+)"
)
# Bearer tokens (16+ characters, letters and digits) and Basic credentials (base64 "u:p").
_AUTH_HEADER = re.compile(
    r"[Bb](?<!\w.)(?:(?:earer|EARER)[ \t]+(?P<bearer>[A-Za-z0-9._~+/-]{16,4096}+=*+)"
    r"|(?:asic|ASIC)[ \t]+(?P<basic>[A-Za-z0-9+/]{4,4096}+=*+))(?![\w.~+/-])"
)
# scheme://user:password@host (RFC 3986 userinfo: no "/", "@", "[" or "]" unencoded)
_URL_PASSWORD = re.compile(r"://[^/\s:@\[\]]{1,256}:([^/\s@\[\]]{1,256}+)@")

# Assignments whose key names a secret: `password=…`, `"api_key": "…"`, `DB_PASSWORD: …`.
# The key must end with one of these words, so `max_tokens: 512` is no secret.
_SECRET_WORDS = (
    r"(?:password|passwd|passphrase|pwd|(?<![a-z])pass|secret|client[_-]?secret"
    r"|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key"
    r"|(?:access|auth|refresh|id|bearer|session)[_-]?token|token|credentials?)"
)
_SECRET_KEY_NAME = re.compile(_SECRET_WORDS + r"\Z", re.IGNORECASE)
_LENIENT_WORD = re.compile(r"(?:password|passwd|passphrase|pwd|pass|secret)\Z", re.IGNORECASE)
# The same words, reversed, after a separator: found on the reversed text, where the scan
# starts from the rare ":" / "=" instead of trying every letter.
_SECRET_KEY_REVERSED = re.compile(
    r"(?:>=|=:|[:=])[ \t]*+[\"']?\\?"
    r"(?P<word>drowssap|dwssap|esarhpssap|dwp|ssap(?![a-z])|terces"
    r"|yek[_-]?(?:ipa|ssecca|terces|etavirp)|nekot|s?laitnederc)",
    re.IGNORECASE,
)
_LENIENT_WORDS_REVERSED = frozenset({"drowssap", "dwssap", "esarhpssap", "dwp", "ssap", "terces"})
_ASSIGNED_VALUE = re.compile(
    r"[ \t]*+(?:(?P<reference>\$\{[^}\r\n]{1,256}\}|\{\{[^}\r\n]{1,256}\}\})"  # ${VAR}, {{ x }}
    r"|\"(?P<dq>(?:[^\"\\\r\n]|\\.){1,8192}+)\"|'(?P<sq>[^'\r\n]{1,8192}+)'"
    r"|\\\"(?P<escaped>[^\"\\\r\n]{1,8192}+)\\\""  # inside a JSON string: \"value\"
    r"|(?P<bare>[^\s\"'`,;&<>()\[\]{}=\\][^\s\"'`,;&<>()\[\]{}]{0,8191}+))"
)
_NOT_A_VALUE = re.compile(
    r"(?i)(?:null|none|nil|true|false|undefined|\*+|x{3,}|<[^>]*>|\$\{?\w+\}?|\{\{.*\}\}"
    r"|%s|\[[A-Z_]+_[0-9]+\]|\.{3}|…|\[?redacted\]?)"
)


def _secret_value(value: str, *, lenient: bool) -> bool:
    """Whether ``value``, assigned to a key ending in a secret word, is worth redacting.

    After a password or a secret any real value counts; after ``token``, ``api_key`` …
    a short word does not (``token: the`` in a log-probability record is no secret).
    """
    value = value.strip()
    if not value or _NOT_A_VALUE.fullmatch(value):
        return False
    if lenient:
        return True
    return len(value) >= 16 or (len(value) >= 8 and any(c.isdigit() for c in value))


def _find_assignments(text: str) -> Iterator[_Span]:
    """Each value assigned to a key that ends in a secret word."""
    if ":" not in text and "=" not in text:
        return
    n = len(text)
    keys = [
        (n - m.start(), m.group("word").lower()) for m in _SECRET_KEY_REVERSED.finditer(text[::-1])
    ]
    covered = 0
    for value_start, word in reversed(keys):
        value = _ASSIGNED_VALUE.match(text, value_start) if value_start >= covered else None
        if value is None or value.group("reference") is not None:
            continue  # nothing assigned, a reference, or inside the last value (a=password=b)
        group = next(g for g in ("dq", "sq", "escaped", "bare") if value.group(g) is not None)
        if _secret_value(value.group(group), lenient=word in _LENIENT_WORDS_REVERSED):
            yield value.span(group)
            covered = value.end()


def _jwt_spans(match: re.Match[str], text: str) -> _Spans:
    head = match.group().split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        return ()
    return (match.span(),) if isinstance(header, dict) and "alg" in header else ()


def _mixed_token(match: re.Match[str], text: str) -> _Spans:
    value = match.group(match.lastindex or 0)
    if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
        return (match.span(match.lastindex or 0),)
    return ()


def _auth_spans(match: re.Match[str], text: str) -> _Spans:
    bearer = match.group("bearer")
    if bearer is not None:
        mixed = any(c.isdigit() for c in bearer) and any(c.isalpha() for c in bearer)
        return (match.span("bearer"),) if mixed else ()
    try:
        decoded = base64.b64decode(match.group("basic"), validate=True).decode()
    except (binascii.Error, ValueError):
        return ()
    return (match.span("basic"),) if ":" in decoded else ()


def _url_password_spans(match: re.Match[str], text: str) -> _Spans:
    return () if _NOT_A_VALUE.fullmatch(match.group(1)) else (match.span(1),)


_RULES: tuple[_Rule, ...] = (
    _Rule("pem_private_key", "secret", 0, _scan(_PEM)),
    _Rule("jwt", "secret", 1, _scan(_JWT, _jwt_spans)),
    _Rule("aws_access_key_id", "secret", 1, _scan(_AWS_KEY_ID)),
    _Rule("github_token", "secret", 1, _scan(_GITHUB_TOKEN)),
    _Rule("openai_key", "secret", 1, _scan(_OPENAI_KEY, _mixed_token)),
    _Rule("stripe_key", "secret", 1, _scan(_STRIPE_KEY)),
    _Rule("slack_token", "secret", 1, _scan(_SLACK_TOKEN, _mixed_token)),
    _Rule("google_api_key", "secret", 1, _scan(_GOOGLE_API_KEY)),
    _Rule("assignment", "secret", 2, _find_assignments),
    _Rule("authorization", "secret", 2, _scan(_AUTH_HEADER, _auth_spans)),
    _Rule("url_password", "secret", 2, _scan(_URL_PASSWORD, _url_password_spans)),
    _Rule("iban", "national_id", 3, _scan(_IBAN, _iban_spans)),
    _Rule("ssn", "national_id", 3, _scan(_SSN, _ssn_spans)),
    _Rule("nino", "national_id", 3, _scan(_NINO, _nino_spans)),
    _Rule("card", "card", 4, _scan(_CARD, _card_spans)),
    _Rule("email", "email", 5, _find_emails),
    _Rule("phone", "phone", 6, _scan(_PHONE, _phone_spans)),
)


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
                and _SECRET_KEY_NAME.search(key) is not None
                and _secret_value(value, lenient=_LENIENT_WORD.search(key) is not None)
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
