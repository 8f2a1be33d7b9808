"""Where a match sits in the original text: hidden from a human reader, or quoted as an
example in a text about attacks.

Both look only at a window around the match (``_WINDOW`` characters each side), so the
cost does not grow with the input: a hiding element that opens further away than the
window is not seen as hiding.
"""

from __future__ import annotations

import re

_WINDOW = 4000
_FLAGS = re.IGNORECASE
_HIDING_TAG = re.compile(
    r"<([a-z][a-z0-9]{0,20})\b[^<>]{0,1000}?(?:display\s*:\s*none|visibility\s*:\s*hidden"
    r"|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])|color\s*:\s*(?:white"
    r"|#fff(?:fff)?\b|transparent)|\shidden[\s=>/]|aria-hidden\s*=\s*[\"']?true|(?:height|width"
    r"|max-height)\s*:\s*0(?:px)?\s*[;\"']|(?:left|top|text-indent)\s*:\s*-\d{3,})[^<>]{0,1000}>",
    _FLAGS,
)
_ATTRIBUTE = re.compile(
    r"\s(?:alt|title|aria-label|data-[\w-]{1,40}|content|value|placeholder|summary)\s*=\s*"
    r"(?:\"[^\"]{0,4000}\"|'[^']{0,4000}')",
    _FLAGS,
)
_MD_COMMENT = re.compile(r"^[ \t]*\[(?://|comment|_|#)\]:[ \t]*(?:#|<>)[^\n]{0,4000}", re.M)
_MD_LINK_TITLE = re.compile(r"\]\([^)\s]{0,2000}\s+(?:\"[^\"\n]{0,1000}\"|'[^'\n]{0,1000}')\s*\)")
_MD_IMAGE_ALT = re.compile(r"!\[[^\]\n]{0,1000}\]\(")

_CUES = re.compile(
    r"prompt[\W_]*injection|injection[\W_]*attack|jailbreak|attacker|adversar|malicious|red"
    r"[\W_]*team|for[\W_]*example|for[\W_]*instance|e\.g\.|such[\W_]*as|phrases?[\W_]*(?:like"
    r"|such)|detect|defen[cs]e|defend|mitigat|guardrail|owasp|classifier|security"
    r"|vulnerab|researcher|exploit|threat|attack|(?<![.@/])\bexamples?\b(?!\.[a-z])|sanitiz|sanitis|filter"
)
_OPEN_QUOTES = "\"'“‘«`"
_CLOSE_QUOTES = "\"'”’»`"


def hiding_place(text: str, start: int) -> str | None:
    """The kind of hidden region of ``text`` that holds position ``start``, if any."""
    low = max(0, start - _WINDOW)
    window = text[low : start + _WINDOW]
    at = start - low
    comment = window.rfind("<!--", 0, at + 1)
    if comment >= 0:
        close = window.find("-->", comment + 4)
        if close < 0 or close + 3 > at:
            return "html_comment"
    for match in _HIDING_TAG.finditer(window, 0, at + 1):
        close = window.find(f"</{match.group(1)}", match.end())
        if match.start() <= at and (close < 0 or close > at):
            return "html_hidden"
    for kind, pattern in (
        ("html_attribute", _ATTRIBUTE),
        ("md_comment", _MD_COMMENT),
        ("md_link_title", _MD_LINK_TITLE),
        ("md_image_alt", _MD_IMAGE_ALT),
    ):
        for match in pattern.finditer(window):
            if match.start() > at:
                break
            if at < match.end():
                return kind
    return None


def discussed(text: str, start: int, end: int) -> bool:
    """Whether the match reads as an example in a text about attacks or defences.

    True when the text around it holds two distinct cues ("prompt injection",
    "attackers", "for example", "detect", …), or one cue and the match is quoted
    (in quotation marks, backticks or a code fence).
    """
    around = f"{text[max(0, start - 400) : start]} {text[end : end + 400]}".lower()
    cues = {m.group()[:6] for m in _CUES.finditer(around)}
    if len(cues) >= 2:
        return True
    return bool(cues) and _quoted(text, start, end)


def _quoted(text: str, start: int, end: int) -> bool:
    if text.count("```", 0, start) % 2 == 1:
        return True
    left = text[max(0, start - 60) : start].rsplit("\n", 1)[-1]
    right = text[end : end + 200].split("\n", 1)[0]
    return any(q in left for q in _OPEN_QUOTES) and any(q in right for q in _CLOSE_QUOTES)
