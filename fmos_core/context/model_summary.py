"""Summaries written by a pFM (``[vfms.X] summariser = "model"``), cached by content.

The text is cut to what the pFM's window holds, the pFM is asked for a short
summary at temperature 0, and the answer is trimmed to the character budget. An
empty answer falls back to the extractive summariser. Each distinct text is
summarised once per kernel: a caller resending its history costs nothing more.

Example:
    >>> trim("The vault code is 4417. It opens the north door.", 30)
    'The vault code is 4417. It…'
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import TYPE_CHECKING

from fmos_core.backends import Completion
from fmos_core.context.summarise import extractive_summary
from fmos_core.contract import Message, Request, Sampling

if TYPE_CHECKING:
    from fmos_core.pipeline.call import PFM

_INSTRUCTION = (
    "Summarise the user's text in one or two short sentences. Keep names, numbers and "
    "identifiers exactly as written. Reply with the summary only."
)


def trim(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars`` (with an ellipsis if cut)."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return cut + "…"


class ModelSummariser:
    """Summarises with ``pfm``; ``summarise`` returns the summary and the pFM's usage."""

    def __init__(self, pfm: PFM, *, cache_size: int = 512) -> None:
        self.pfm = pfm
        self._cache: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._cache_size = cache_size

    async def summarise(self, text: str, max_chars: int) -> tuple[str, Completion | None]:
        """(summary, usage); usage is None when the summary came from the cache."""
        key = (hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), max_chars)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached, None
        max_tokens = max(16, max_chars // 3)
        room = self.pfm.profile.context_window - max_tokens - 96  # instruction and template
        excerpt = text[: max(200, min(len(text), room * 3))]
        request = Request(
            messages=[
                Message(role="system", content=_INSTRUCTION),
                Message(role="user", content=excerpt),
            ],
            max_tokens=max_tokens,
            sampling=Sampling(temperature=0.0),
        )
        while self.pfm.backend.count_tokens(request) + max_tokens > self.pfm.profile.context_window:
            excerpt = excerpt[: len(excerpt) * 3 // 4]  # dense text: fewer chars per token
            messages = [request.messages[0], Message(role="user", content=excerpt)]
            request = request.model_copy(update={"messages": messages})
        completion = await self.pfm.backend.complete(request)
        summary = trim(completion.content, max_chars) or extractive_summary(text, max_chars)
        self._cache[key] = summary
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return summary, completion
