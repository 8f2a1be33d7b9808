"""The vector tier's contract: a per-tenant semantic index over memory.

``fmos_core`` defines what an index does; a driver (``fmos_chroma``) implements it
and registers under the ``fmos.vector_indexes`` entry points. Every operation takes
the tenant, and a driver keeps tenants apart by construction (one collection each),
so no query can reach another tenant's items.

Items are chunks of text. Their metadata says where they came from: ``source`` is
``"offload"`` (an item a context policy moved to the agent filesystem; ``session``
and ``handle`` name it) or ``"ingest"`` (a document the tenant ingested; ``path``
names it).

Example:
    >>> [len(c) for c in chunk_text("a" * 1000 + "\\n" + "b" * 500, max_chars=800)]
    [800, 701]
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MetadataValue = str | int | float | bool
Where = Mapping[str, MetadataValue] | Sequence[Mapping[str, MetadataValue]]
"""Metadata equality: all keys of a mapping must match; a list matches when any entry does."""


@dataclass(frozen=True, slots=True)
class VectorItem:
    """One chunk to index: a stable ``id``, its text, flat metadata."""

    id: str
    text: str
    metadata: Mapping[str, MetadataValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class VectorHit:
    """A chunk a query found; ``score`` is a cosine similarity in [-1, 1], higher is closer."""

    id: str
    text: str
    score: float
    metadata: Mapping[str, Any]


class VectorIndex(abc.ABC):
    """A per-tenant index. ``where`` filters on metadata (see ``Where``).

    A driver builds itself with ``from_options``, given the ``[memory.options]`` table
    of the config with ``path`` defaulting to ``$FMOS_HOME/vectors``.
    """

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> VectorIndex:
        """An index from the ``[memory.options]`` table (``path`` always given)."""
        raise NotImplementedError(f"{cls.__name__} does not read options")

    @abc.abstractmethod
    def add(self, tenant: str, items: list[VectorItem]) -> None:
        """Index ``items`` (an existing id is replaced), durably before returning."""

    @abc.abstractmethod
    def query(
        self,
        tenant: str,
        text: str,
        *,
        k: int = 4,
        where: Where | None = None,
    ) -> list[VectorHit]:
        """The ``k`` chunks closest in meaning to ``text``, closest first."""

    @abc.abstractmethod
    def containing(
        self,
        tenant: str,
        term: str,
        *,
        k: int = 4,
        where: Where | None = None,
    ) -> list[VectorHit]:
        """Up to ``k`` chunks whose text contains ``term`` exactly (score 1.0)."""

    @abc.abstractmethod
    def delete(self, tenant: str, where: Where) -> int:
        """Remove the tenant's chunks matching ``where``; returns how many went."""

    @abc.abstractmethod
    def count(self, tenant: str) -> int:
        """How many chunks the tenant has indexed."""

    def close(self) -> None:  # noqa: B027 - most indexes hold nothing to close
        """Release what the index holds open."""


def chunk_text(text: str, *, max_chars: int = 800) -> list[str]:
    """Split ``text`` into chunks of at most ``max_chars``, preferring line breaks."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be ≥ 1, got {max_chars}")
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > max_chars:  # a line longer than a chunk is cut hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:max_chars])
            line = line[max_chars:]
        if len(current) + len(line) > max_chars:
            chunks.append(current)
            current = ""
        current += line
    if current.strip():
        chunks.append(current)
    return [c.strip("\n") for c in chunks if c.strip()]
