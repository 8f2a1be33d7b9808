"""The semantic response cache: a stored answer for a question worded differently,
scoped by tenant by construction.

A request is a candidate when its last message is the user's question (the wording)
and everything before it — the conversation, system prompt, tools, schema, sampling,
max tokens, reasoning level, the pFM and its version, the policies in force — is
identical: ``semantic_scope`` digests all of that with the question blanked out, the
way ``cache_key`` digests a whole request. Within one ``(tenant, scope)`` an entry
is served when its question states the same literal facts (``facts_digest``: numbers,
names, quoted strings, ids, operators…) and its embedding is within a cosine
similarity ``threshold`` of the new question's. Rows carry their float32 embedding
and are searched by brute force within the scope — the facts narrow it to a handful
— so SQLite and PostgreSQL behave alike; a scope keeps at most ``max_entries`` rows,
the oldest evicted.

Example:
    >>> import tempfile
    >>> from fmos_core.contract import Message
    >>> from fmos_core.store.db import Database
    >>> cache = SemanticCache(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
    >>> answer = Response(message=Message(role="assistant", content="42"),
    ...                   vfm="default", pfm="smol", trace_id="t1")
    >>> entry = Entry("acme", "default", "scope", "What is 6*7?", [0.6, 0.8])
    >>> cache.put(entry, answer, ttl_s=60)
    >>> hit = cache.get(entry._replace(question="Compute 6*7.", vector=[0.8, 0.6]), 0.9)
    >>> hit.response.text, round(hit.similarity, 2)
    ('42', 0.96)
    >>> cache.get(entry._replace(tenant="other"), 0.9) is None
    True
"""

from __future__ import annotations

import hashlib
import time
from array import array
from collections.abc import Callable, Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, Table, delete, func, select

from fmos_core.cache.embedders import normalised
from fmos_core.cache.exact import cache_key
from fmos_core.cache.facts import facts_digest
from fmos_core.contract import Message, Request, Response
from fmos_core.store import schema
from fmos_core.store.db import Database

_table = schema.semantic_cache
_BLANK = "\x00question\x00"  # what replaces the wording in the scope digest


class Entry(NamedTuple):
    """One question in its scope: who asks, which VFM, the scope digest, the wording
    and its embedding."""

    tenant: str
    vfm: str
    scope: str
    question: str
    vector: Sequence[float]


class Hit(NamedTuple):
    """A served entry: the stored response, its similarity and the question it answered."""

    response: Response
    similarity: float
    question: str


def wording(request: Request) -> str | None:
    """The question a semantic entry is about: the text of the last message when the
    user wrote it; None when the request ends otherwise (a tool result, an empty turn)."""
    last = request.messages[-1] if request.messages else None
    if last is None or last.role != "user" or last.tool_calls or not last.content.strip():
        return None
    return last.content


def semantic_scope(
    tenant: str,
    vfm: str,
    pfm_name: str,
    pfm_version: str,
    request: Request,
    prompt_version: str,
    embedder: str,
) -> str:
    """The digest of everything that shapes ``request``'s answer except its wording
    (see the module doc); ``embedder`` names the vector space."""
    messages: list[Message] = list(request.messages)
    messages[-1] = messages[-1].model_copy(update={"content": _BLANK})
    blanked = request.model_copy(update={"messages": messages})
    version = f"semantic:{embedder}:{prompt_version}"
    return cache_key(tenant, vfm, pfm_name, pfm_version, blanked, version)


class SemanticCache:
    """Responses stored per ``(tenant, scope)`` with their question's embedding.

    ``clock`` gives wall time in seconds (tests pass their own).
    """

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self.clock = clock

    def get(self, entry: Entry, threshold: float) -> Hit | None:
        """The most similar live entry of ``entry``'s tenant and scope stating the same
        facts, if its similarity reaches ``threshold``; else None."""
        c = _table.c
        query = select(c.embedding, c.response, c.question).where(
            c.tenant == entry.tenant,
            c.scope == entry.scope,
            c.facts == facts_digest(entry.question),
            c.expires_at > self.clock(),
        )
        with self._db.engine.connect() as conn:
            rows = conn.execute(query).all()
        probe = normalised(entry.vector)
        best: tuple[float, int] | None = None
        for i, row in enumerate(rows):
            stored = array("f")
            stored.frombytes(row.embedding)
            if len(stored) != len(probe):
                continue
            similarity = sum(x * y for x, y in zip(probe, stored, strict=True))
            if best is None or similarity > best[0]:
                best = (similarity, i)
        if best is None or best[0] < threshold:
            return None
        row = rows[best[1]]
        return Hit(Response.model_validate(row.response), min(best[0], 1.0), row.question)

    def put(
        self, entry: Entry, response: Response, *, ttl_s: float, max_entries: int = 500
    ) -> None:
        """Store ``response`` for ``entry`` for ``ttl_s`` seconds (replacing the entry of
        the same question), then evict the scope's oldest rows beyond ``max_entries``."""
        now = self.clock()
        c = _table.c
        ident = hashlib.sha256(f"{entry.scope}\x00{entry.question}".encode()).hexdigest()[:32]
        values = {
            "tenant": entry.tenant,
            "id": ident,
            "vfm": entry.vfm,
            "scope": entry.scope,
            "facts": facts_digest(entry.question),
            "question": entry.question,
            "embedding": array("f", normalised(entry.vector)).tobytes(),
            "response": response.model_dump(mode="json"),
            "created_at": now,
            "expires_at": now + ttl_s,
        }
        in_scope = (c.tenant == entry.tenant, c.scope == entry.scope)
        with self._db.begin() as conn:
            conn.execute(delete(_table).where(c.tenant == entry.tenant, c.id == ident))
            conn.execute(_table.insert().values(values))
            count = conn.execute(
                select(func.count()).select_from(_table).where(*in_scope)
            ).scalar_one()
            if count > max_entries:
                oldest = (
                    select(c.id)
                    .where(*in_scope)
                    .order_by(c.created_at, c.id)
                    .limit(count - max_entries)
                )
                doomed = list(conn.execute(oldest).scalars())
                conn.execute(delete(_table).where(c.tenant == entry.tenant, c.id.in_(doomed)))

    def invalidate(self, tenant: str | None = None, vfm: str | None = None) -> int:
        """Drop the entries of ``tenant``, of ``vfm``, of both, or (neither given) all of
        them; returns the number dropped."""
        with self._db.begin() as conn:
            return int(conn.execute(delete(_table).where(*where(_table, tenant, vfm))).rowcount)

    def purge_expired(self) -> int:
        """Drop every expired entry (they are never served); returns how many."""
        with self._db.begin() as conn:
            query = delete(_table).where(_table.c.expires_at <= self.clock())
            return int(conn.execute(query).rowcount)


def where(table: Table, tenant: str | None, vfm: str | None) -> list[ColumnElement[bool]]:
    """Conditions selecting the rows of ``table`` (either cache) of ``tenant`` and/or
    ``vfm``; none (every row) when neither is given."""
    conditions = []
    if tenant is not None:
        conditions.append(table.c.tenant == tenant)
    if vfm is not None:
        conditions.append(table.c.vfm == vfm)
    return conditions
