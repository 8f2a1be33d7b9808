"""The PII detectors: shared rule machinery, then emails, phones, payment cards and
national ids (US SSN, UK National Insurance number, IBAN). ``pii`` runs them.

Every pattern starts with a literal or a character class, checks token boundaries behind
it, and repeats only boundedly or possessively, so a scan is linear in the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

Span = tuple[int, int]
Spans = tuple[Span, ...]
Finder = Callable[[str], Iterable[Span]]
Check = Callable[[re.Match[str], str], Spans]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    kind: str
    rank: int  # lower wins between overlapping candidates of the same length
    find: Finder


def scan(pattern: re.Pattern[str], check: Check | None = None) -> Finder:
    def find(text: str) -> list[Span]:
        if check is None:
            return [match.span() for match in pattern.finditer(text)]
        return [span for match in pattern.finditer(text) for span in check(match, text)]

    return find


def char_at(text: str, i: int) -> str:
    return text[i] if 0 <= i < len(text) else ""


# --- emails ---------------------------------------------------------------------------------

# Found from the "@": the domain forwards (up to eight labels and a letter-only top-level
# domain), the local part (up to 64 characters) backwards, on the reversed text.
_EMAIL_DOMAIN = re.compile(r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.){1,8}[^\W\d_]{2,63}(?![\w-])")
_EMAIL_LOCAL_REVERSED = re.compile(r"[\w.%+-]{1,64}+(?![\w.%+-])")
_URL_USER = re.compile(r"://[^/\s:@]{1,256}:\Z")


def _find_emails(text: str) -> Iterator[Span]:
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
        if char_at(text, start - 1) == ":" and _URL_USER.search(text, max(0, start - 260), start):
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


def _phone_spans(match: re.Match[str], text: str) -> Spans:
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


def _card_spans(match: re.Match[str], text: str) -> Spans:
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
    found: list[Span] = []
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


def _ssn_spans(match: re.Match[str], text: str) -> Spans:
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


def _nino_spans(match: re.Match[str], text: str) -> Spans:
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


def _iban_spans(match: re.Match[str], text: str) -> Spans:
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
    if char_at(run, end) not in ("", " ") or char_at(text, start + end).isalnum():
        return ()  # the country's length ends inside a group or a word
    if " " in iban and not _IBAN_GROUPS_OF_FOUR.fullmatch(iban):
        return ()  # spaced IBANs print in groups of four
    compact = iban.replace(" ", "")
    if int("".join(str(int(c, 36)) for c in compact[4:] + compact[:4])) % 97 == 1:
        return ((start, start + end),)
    return ()


PERSONAL_RULES: tuple[Rule, ...] = (
    Rule("iban", "national_id", 3, scan(_IBAN, _iban_spans)),
    Rule("ssn", "national_id", 3, scan(_SSN, _ssn_spans)),
    Rule("nino", "national_id", 3, scan(_NINO, _nino_spans)),
    Rule("card", "card", 4, scan(_CARD, _card_spans)),
    Rule("email", "email", 5, _find_emails),
    Rule("phone", "phone", 6, scan(_PHONE, _phone_spans)),
)
