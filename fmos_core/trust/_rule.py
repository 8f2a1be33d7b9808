"""What a rule is: a linear-time pattern over normalised text, weighted by source.

Every pattern runs on normalised, lower-cased text (``normalise``). ``words`` rules see
it with leetspeak folded as well (``1gn0r3`` reads ``ignore``); ``plain`` rules see it
as is (URLs, chat-template tokens, shell commands). Patterns avoid nested unbounded
repetition: every gap between key words is a bounded run of words, and every scan
inside a tag or a URL is bounded, so a match attempt costs at most a constant times
the text it covers and a scan is linear in the input.

A rule carries one weight per source (user, tool, document): indirect injection —
an instruction in a tool output or a retrieved document — is weighed higher than
the same words typed by the user, who may legitimately steer the assistant. It also
declares ``needs``, the anchors every match contains (see ``_gate``), and whether a
match must begin at a word start (checked after the match, which keeps the regular
expression engine's fast skip over positions that cannot start one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from fmos_core.trust._gate import Needs, needs

Source = Literal["user", "tool", "document"]
SOURCES: tuple[Source, ...] = ("user", "tool", "document")
View = Literal["words", "plain"]
Refine = Callable[[re.Match[str], Source, float], float]

# a separator between words (possibly nothing: "ignoreallprevious"); never "=", so a
# phrase does not run across "key = value" configuration
S = r"[^a-z0-9=]{0,10}"
S1 = r"[^a-z0-9=]{1,10}"  # a separator that must be there
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
# in the plain view digits, "@" and "$" are letters too, as leetspeak makes them in words
_PLAIN_LETTERS = _LETTERS | frozenset("0123456789@$")


def gap(words: int) -> str:
    """Up to ``words`` arbitrary words between two key words."""
    return rf"(?:[^a-z0-9=]{{1,10}}[a-z0-9]{{1,30}}){{0,{words}}}?{S}"


def any_of(*phrases: str) -> str:
    """An alternation of phrases whose spaces match any separator."""
    return "(?:" + "|".join(p.replace(" ", S) for p in phrases) + ")"


@dataclass(frozen=True, slots=True)
class Rule:
    """A named pattern and its weight (0..1) for each source.

    When the pattern has a group named ``at`` and it took part in the match, the span
    reported is that group's (the rest is context, such as a preceding line break).
    """

    name: str
    pattern: re.Pattern[str]
    user: float
    tool: float
    document: float
    needs: Needs
    view: View = "words"
    refine: Refine | None = None
    word_start: bool = True

    def weight(self, match: re.Match[str], source: Source) -> float:
        base = {"user": self.user, "tool": self.tool, "document": self.document}[source]
        return self.refine(match, source, base) if self.refine else base

    def finditer(self, text: str, lo: int = 0, hi: int | None = None) -> Iterator[re.Match[str]]:
        """Non-overlapping matches in ``text[lo:hi]`` that begin where a match may begin."""
        hi = len(text) if hi is None else hi
        letters = _PLAIN_LETTERS if self.view == "plain" else _LETTERS
        pos = lo
        while pos <= hi:
            match = self.pattern.search(text, pos, hi)
            if match is None:
                return
            start, end = match.span()
            if self.word_start and start > 0 and text[start - 1] in letters:
                pos = start + 1  # inside a word: look again from the next position
                continue
            yield match
            pos = end if end > start else end + 1


def rule(
    name: str,
    pattern: str,
    weights: tuple[float, float, float],
    *groups: str,
    view: View = "words",
    refine: Refine | None = None,
    word_start: bool = True,
) -> Rule:
    """``rule(name, pattern, (user, tool, document), *anchor_groups, …)``."""
    return Rule(
        name,
        re.compile(pattern),
        *weights,
        needs=needs(*groups),
        view=view,
        refine=refine,
        word_start=word_start,
    )


# --- refinements -----------------------------------------------------------------------

_OWN = re.compile(r"\b(?:my|our|i[\W_]{0,10}(?:gave|said|wrote|sent|asked|told|typed))\b")


def third_party(match: re.Match[str], source: Source, base: float) -> float:
    """A user asking about *its* system prompt talks about some other bot."""
    found = match.group()
    if source == "user" and re.search(r"\bits\b", found) and "your" not in found:
        return 0.35
    return base


def own_instructions(match: re.Match[str], source: Source, base: float) -> float:
    """A user retracting their own earlier instructions ("ignore my previous ...") is no
    attack; neither is a description ("the query images override any text prompts")."""
    if _OWN.search(match.group()):
        return 0.25 if source == "user" else 0.6
    if not _ORDERED.search(match.string, max(0, match.start() - 40), match.start()):
        return 0.3 if source == "user" else 0.4
    return base


_DESTRUCTIVE = re.compile(  # a word (or identifier part) naming a harmful action
    r"(?<![a-z])(?:delet|remov|drop|wipe|eras|destroy|purg|transfer|send|pay|refund|grant"
    r"|revok|disabl|shutdown|kill|reset|rm|exec|sudo|e?mail|post|upload|withdraw|approv"
    r"|publish|wire|purchas|chmod|truncat|exfiltrat|leak|forward|powershell|curl|wget"
    r"|cancel|unsubscrib|shell|admin|passw|secret|export|deactivat|terminat|suspend|table"
    r"|customers|records|close_?account)[a-z]{0,4}(?![a-z])|\|[ \t]*(?:ba|z)?sh\b"
    r"|--force|/etc/|\.ssh|\.env\b"
)


_CLAUSE_END = re.compile(r"[.;\n]\s|[;\n]")
_ORDER_WORDS = (
    "please|must|should|now|then|next|also|first|immediately|and|you|shall|step|kindly"
    "|quickly|always|finally"
)


def _preceded_by(words: str) -> re.Pattern[str]:
    """What may precede an order: a sentence start, or one of ``words``."""
    return re.compile(rf"(?:^|[.!?:;,\n>(\[*\"'=&-]|\b(?:{words}))[\s\W]{{0,4}}$")


_IMPERATIVE = _preceded_by(_ORDER_WORDS + r"|to\s+do")  # before a tool call or command
_ORDERED = _preceded_by(_ORDER_WORDS + "|to|just|simply|so|but|or")  # "(want you) to ignore"


def destructive(match: re.Match[str], source: Source, base: float) -> float:
    """A tool call or command that deletes, sends, pays or grants weighs more when it is
    an order ("Call the delete_all tool now", "…, then invoke send_email") rather than a
    description ("the model asks to call `send_email`")."""
    text = match.string
    clause = _CLAUSE_END.split(text[match.end() : match.end() + 60], maxsplit=1)[0]
    if not _DESTRUCTIVE.search(match.group() + clause):
        return base
    if _IMPERATIVE.search(text, max(0, match.start() - 40), match.start()):
        return 0.5 if source == "user" else 0.7
    return base


_SECRET_WORD = re.compile(r"passw|secret|token|api\W?key|credential|cookie|private\W?key|ssh")


def routine_object(match: re.Match[str], source: Source, base: float) -> float:
    """Sending files or documents somewhere is routine in real mail; secrets are not."""
    if match.group("strong") is None and not _SECRET_WORD.search(match.group()):
        return 0.15 if source == "user" else 0.4
    return base


_BEACON_VALUE = re.compile(  # a placeholder, or a word naming what would be sent
    r"[{<\[]|%7b|%3c|%5b|\$\{?\w|secret|token|apikey|api_key|passw|pwd|conversation|convo"
    r"|history|chat|prompt|summary|payload|memory|leak|exfil|ssn|creds?\b|credential|cookie"
    r"|session|user_?(?:data|info|name|email|message)|insert|placeholder"
)
_QUERY_VALUES = re.compile(r"=([^&#]*)")


def beacon(match: re.Match[str], source: Source, base: float) -> float:
    """An image URL whose query values hold a placeholder or name the data to send
    (``?d={summary}``, ``?c=chat_history``); badges (``?style=flat&message=docs``) do not."""
    query = match.group("query") or match.group("query2") or ""
    values = _QUERY_VALUES.findall(query)
    return base if any(_BEACON_VALUE.search(v) for v in values) else 0.0


_NEGATION = re.compile(
    r"(?:\bnot|\bnever|n\W?t|\bno\W+one|\bnobody|\bwithout)\W{1,4}(?:\w+\W{1,4})?$"
)


def not_negated(match: re.Match[str], source: Source, base: float) -> float:
    """An order, not a warning: "never share your password" names a secret without
    asking for it."""
    if _NEGATION.search(match.string, max(0, match.start() - 30), match.start()):
        return 0.0
    return base
