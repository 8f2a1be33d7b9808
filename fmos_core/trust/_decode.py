"""Embedded encodings: base64 and hex blobs decoded to text, and the ROT13 reading.

Escapes that decode in place (JSON ``\\u``, HTML ``&#..;``, URL ``%xx``) belong to
``normalise``; this module handles blobs whose decoded text is scanned as a text of its
own. Work is bounded by a ``Budget`` shared by the whole scan (nested decodes too):
a number of decode attempts and a number of decoded characters. Blobs beyond the
budget are not decoded — an attacker who pads a text with many decoys before the
payload can exhaust it, which is why a scan then reports ``budget_exhausted``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass

_MAX_BLOB = 65_536  # characters of one blob that are decoded
# base64 (standard or URL-safe alphabet) or hex, standing alone as a token
_BLOB = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_MEDIA_URI = re.compile(r"data:(?:image|font|audio|video|application/octet-stream)[^,]{0,80}$")
ROT13_MARKER = re.compile(r"rot[\W_]?13|caesar")
_ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZabcdefghijklm",
)


@dataclass(slots=True)
class Budget:
    """What one scan may still spend on decoding."""

    attempts: int
    chars: int
    exhausted: bool = False

    def take(self, size: int) -> bool:
        if self.attempts <= 0 or self.chars < size:
            self.exhausted = True
            return False
        self.attempts -= 1
        self.chars -= size
        return True


@dataclass(frozen=True, slots=True)
class Decoded:
    start: int
    end: int
    kind: str  # "base64" | "hex"
    text: str


def rot13(text: str) -> str:
    return text.translate(_ROT13)


def blobs(text: str, budget: Budget) -> Iterator[Decoded]:
    """Decoded blobs of ``text`` that read as text, in order, within ``budget``."""
    for match in _BLOB.finditer(text):
        blob = match.group()[:_MAX_BLOB]
        if blob[:2] in ("0x", "0X") and _HEX.fullmatch(blob[2:]):
            blob = blob[2:]  # a hex literal
        before = text[max(0, match.start() - 100) : match.start()]
        if not _worth_trying(blob[:4096]) or _MEDIA_URI.search(before):
            continue
        if not budget.take(len(blob)):
            return
        decoded = _decode(blob)
        if decoded is not None:
            yield Decoded(match.start(), match.end(), decoded[0], decoded[1])


def _worth_trying(blob: str) -> bool:
    """Base64 of text mixes lower case, a good share of upper case, and digits or ``+/``;
    identifiers (``make_set_now``, ``LangSmithClientSession``) do not."""
    if _HEX.fullmatch(blob):
        return len(blob) >= 16
    upper = sum(1 for c in blob if c.isupper())
    has_lower = any(c.islower() for c in blob)
    has_other = any(c.isdigit() or c in "+/" for c in blob)
    return has_lower and has_other and upper >= 0.2 * len(blob)


def _decode(blob: str) -> tuple[str, str] | None:
    if _HEX.fullmatch(blob):
        text = _as_text(binascii.unhexlify(blob))
        if text is not None:
            return "hex", text
    body = blob.rstrip("=")
    body = body[: len(body) - len(body) % 4] if len(body) % 4 == 1 else body
    padded = body + "=" * (-len(body) % 4)
    try:
        raw = (
            base64.urlsafe_b64decode(padded)
            if "-" in body or "_" in body
            else base64.b64decode(padded)
        )
    except (binascii.Error, ValueError):
        return None
    text = _as_text(raw)
    return ("base64", text) if text is not None else None


def _as_text(raw: bytes) -> str | None:
    """``raw`` as UTF-8 if it reads as text: mostly printable, mostly letters and spaces."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if len(text) < 8:
        return None
    printable = sum(1 for c in text if c.isprintable() or c in "\n\r\t")
    wordy = sum(1 for c in text if c.isalpha() or c == " ")
    if printable < 0.95 * len(text) or wordy < 0.6 * len(text) or " " not in text.strip():
        return None
    return text
