"""Keyword gating: run a rule's pattern only where the words it needs occur.

A regular expression scan costs about the same at every position of the text, and
the rules are many, so on a large text most of the time would go to positions where
no rule can match. Each rule therefore declares ``needs``: groups of anchors, every
one of which a match must contain at least one of. An anchor is a word prefix (up to
four letters: ``inst`` stands for "instruction", "instructions", "instead"…) or a
symbol (``<|``, ``![``). Words run together ("ignoreallrules", what a spaced-out
phrase becomes) are searched for anchors inside them too: in a word of ``_INSIDE``
letters or more, any anchor of three letters or more inside it counts, and so do its
first two and three letters. A match begins at a word start, so only the words that
start in a chunk count for it (read up to ``CHUNK * (REACH + 1)`` letters).

The text is cut into chunks of ``CHUNK`` characters and an index maps each anchor to
the chunks holding it. A rule's anchors are chosen among its first words, so that
in any match they lie within ``CHUNK * REACH`` characters of its start: a rule runs
from chunk ``i`` when each of its groups is met in chunks ``i`` to ``i + REACH``, and
its pattern then scans that run of chunks plus ``SCAN_TAIL`` characters, room for
the rest of a match. The tests check that gated and ungated scans agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

CHUNK = 128
REACH = 2
SCAN_TAIL = 1024
_WORD = re.compile(r"[a-z]+")
_INSIDE = 6
_WORD_TAIL = 24  # read a word that starts in a chunk this many letters into the next
_LONG_WORD = re.compile(rf"[a-z]{{1,{CHUNK * (REACH + 1)}}}")  # then on, within reach

Needs = tuple[frozenset[str], ...]


def needs(*groups: str) -> Needs:
    """``needs("igno disr", "inst <|")``: each string is one group of anchors."""
    return tuple(frozenset(a[:4] if a.isalpha() else a for a in g.split()) for g in groups)


def word_anchors(all_needs: list[Needs]) -> frozenset[str]:
    """Every word anchor the rules use: the only prefixes worth indexing."""
    return frozenset(a for n in all_needs for group in n for a in group if a.isalpha())


def inside_anchors(all_needs: list[Needs]) -> tuple[str, ...]:
    """The word anchors of three letters or more, searched for inside long words."""
    return tuple(sorted(a for a in word_anchors(all_needs) if len(a) >= 3))


class Gate:
    """Which chunks of a text hold which anchors, and the regions a rule must scan.

    The word anchors are read from ``words``, the leetspeak-folded view; its letters
    are a superset of the plain view's, so one index serves both views. Symbols are
    looked for in the view being scanned. Sets of chunks are integers used as bit sets
    (bit ``i`` is chunk ``i``), so combining them costs C-speed operations, not a
    Python step per chunk.
    """

    def __init__(self, words: str, *, anchors: frozenset[str], inside: tuple[str, ...]) -> None:
        self.size = len(words)
        self.chunks = max(1, -(-len(words) // CHUNK))
        self._ids: dict[str, list[int]] = {}
        self._bits: dict[tuple[str, int], int] = {}
        self._texts: dict[int, str] = {}
        seen_inside: dict[frozenset[str], set[str]] = {}  # repetitive texts repeat words
        for i in range(self.chunks):
            start = i * CHUNK
            end = start + CHUNK + _WORD_TAIL
            here = _WORD.findall(words, start, end)
            if here and start and _letters(words, start - 1, start):
                here = here[1:]  # the rest of a word from the chunk before: no match starts in it
            if here and end < len(words) and _letters(words, end - 1, end):
                whole = _LONG_WORD.match(words, end - len(here[-1]))  # read on to its end
                here[-1] = whole.group() if whole else here[-1]
            found = anchors.intersection([w[:4] for w in here])
            long_words = frozenset([w for w in here if len(w) >= _INSIDE])
            if long_words:
                if long_words not in seen_inside:
                    joined = " ".join(long_words)
                    inner = {a for a in inside if a in joined}
                    inner.update(w[:n] for w in long_words for n in (2, 3))
                    seen_inside[long_words] = inner & anchors
                found |= seen_inside[long_words]
            for anchor in found:
                self._ids.setdefault(anchor, []).append(i)

    def regions(self, rule_needs: Needs, text: str) -> Iterator[tuple[int, int, int, int]]:
        """``(lo, hi, keep_from, keep_to)``: scan ``text[lo:hi]``, keep matches that start
        in ``[keep_from, keep_to)``. ``text`` is the view scanned, as long as ``words``."""
        self._texts[id(text)] = text
        starts = -1  # every chunk
        for group in rule_needs:
            held = 0
            for anchor in group:
                held |= self._held(anchor, text)
            reach = held
            for d in range(1, REACH + 1):
                reach |= held >> d  # a match from chunk i may hold the anchor up to i + REACH
            starts &= reach
            if not starts:
                return
        flags = bin(starts & ((1 << self.chunks) - 1))[2:][::-1]  # flags[i]: chunk i
        for run in _RUNS.finditer(flags):
            keep_from, keep_to = run.start() * CHUNK, min(self.size, run.end() * CHUNK)
            yield keep_from, min(self.size, keep_to + SCAN_TAIL), keep_from, keep_to

    def _held(self, anchor: str, text: str) -> int:
        key = (anchor, 0 if anchor.isalpha() else id(text))
        if key not in self._bits:
            ids = self._ids.get(anchor) if anchor.isalpha() else self._symbol(anchor, text)
            bits = 0
            if ids:
                flags = bytearray(b"0") * self.chunks
                for i in ids:
                    flags[self.chunks - 1 - i] = 49  # "1"; the last chunk is the top bit
                bits = int(flags, 2)
            self._bits[key] = bits
        return self._bits[key]

    def _symbol(self, symbol: str, text: str) -> list[int]:
        """The chunks of ``text`` holding ``symbol``, with one search per chunk at most."""
        ids = []
        pos = text.find(symbol)
        while pos >= 0:
            chunk = pos // CHUNK
            ids.append(chunk)
            pos = text.find(symbol, (chunk + 1) * CHUNK)
        return ids


def _letters(text: str, *positions: int) -> bool:
    """Whether ``text`` holds a letter at each of ``positions``."""
    return all("a" <= text[i] <= "z" for i in positions)


# runs of chunks to scan, merged across gaps the scan tail would cover anyway
_RUNS = re.compile(rf"1(?:0{{0,{SCAN_TAIL // CHUNK}}}1)*")
