"""The secret detectors: cloud and API keys, tokens, JWTs, PEM private keys,
``Authorization`` headers, passwords in URLs, and the values of ``password=`` /
``api_key:`` / ``secret`` assignments. ``pii`` runs them as the ``secret`` kind.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator

from fmos_core.trust._pii_rules import Rule, Span, Spans, scan

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


def _find_assignments(text: str) -> Iterator[Span]:
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


def _jwt_spans(match: re.Match[str], text: str) -> Spans:
    head = match.group().split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except (binascii.Error, ValueError):
        return ()
    return (match.span(),) if isinstance(header, dict) and "alg" in header else ()


def _mixed_token(match: re.Match[str], text: str) -> Spans:
    value = match.group(match.lastindex or 0)
    if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
        return (match.span(match.lastindex or 0),)
    return ()


def _auth_spans(match: re.Match[str], text: str) -> Spans:
    bearer = match.group("bearer")
    if bearer is not None:
        mixed = any(c.isdigit() for c in bearer) and any(c.isalpha() for c in bearer)
        return (match.span("bearer"),) if mixed else ()
    try:
        decoded = base64.b64decode(match.group("basic"), validate=True).decode()
    except (binascii.Error, ValueError):
        return ()
    return (match.span("basic"),) if ":" in decoded else ()


def _url_password_spans(match: re.Match[str], text: str) -> Spans:
    return () if _NOT_A_VALUE.fullmatch(match.group(1)) else (match.span(1),)


SECRET_RULES: tuple[Rule, ...] = (
    Rule("pem_private_key", "secret", 0, scan(_PEM)),
    Rule("jwt", "secret", 1, scan(_JWT, _jwt_spans)),
    Rule("aws_access_key_id", "secret", 1, scan(_AWS_KEY_ID)),
    Rule("github_token", "secret", 1, scan(_GITHUB_TOKEN)),
    Rule("openai_key", "secret", 1, scan(_OPENAI_KEY, _mixed_token)),
    Rule("stripe_key", "secret", 1, scan(_STRIPE_KEY)),
    Rule("slack_token", "secret", 1, scan(_SLACK_TOKEN, _mixed_token)),
    Rule("google_api_key", "secret", 1, scan(_GOOGLE_API_KEY)),
    Rule("assignment", "secret", 2, _find_assignments),
    Rule("authorization", "secret", 2, scan(_AUTH_HEADER, _auth_spans)),
    Rule("url_password", "secret", 2, scan(_URL_PASSWORD, _url_password_spans)),
)


def is_secret_field(key: str, value: str) -> bool:
    """Whether ``value`` under a mapping key such as ``"password"`` is a secret to redact."""
    return _SECRET_KEY_NAME.search(key) is not None and _secret_value(
        value, lenient=_LENIENT_WORD.search(key) is not None
    )
