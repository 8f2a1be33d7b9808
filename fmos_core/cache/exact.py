"""The exact response cache: a stored answer for a request identical in every way
that shapes the output, scoped by tenant by construction.

The key is a SHA-256 over a canonical JSON of the tenant, the VFM, the preferred pFM
and its version, the whole request as the pFM would see it — messages with their
roles, kinds, tool calls and tool-call ids, tools with their schemas and privileges,
tool choice, response schema, sampling (temperature, top-p, seed, stop), max tokens,
reasoning level, log-probabilities, tags (they choose verification rungs) — and a
policy version naming the prompts and policies that shaped it. Identity other than
the tenant (app, session) and the per-attempt timeout are left out: they do not
change the answer. A field added to ``Request`` later is in the key unless it is
excluded here, so a new parameter can cause a miss, never a wrong hit.

The tenant is in the key *and* a column of the primary key: every read and write
names it, so one tenant can never see another's entries.

Example:
    >>> from fmos_core.contract import Message, Request
    >>> r = Request(messages=[Message(role="user", content="hi")])
    >>> a = cache_key("acme", "default", "smol", "1", r, "v1")
    >>> a == cache_key("acme", "default", "smol", "1", r, "v1"), len(a)
    (True, 64)
    >>> a == cache_key("other", "default", "smol", "1", r, "v1")
    False
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select

from fmos_core.contract import Request, Response
from fmos_core.memory._sql import upsert
from fmos_core.store import schema
from fmos_core.store.db import Database

_KEY_FORMAT = 1  # bump when what goes into the key changes: old entries then miss
_NOT_IN_KEY = {"identity", "timeout_s"}  # who calls (but the tenant) and how long to wait
_table = schema.response_cache


def canonical_json(value: Any) -> str:
    """``value`` as JSON with sorted keys and no spaces: equal values, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cache_key(
    tenant: str,
    vfm: str,
    pfm_name: str,
    pfm_version: str,
    request: Request,
    prompt_version: str,
) -> str:
    """The hex SHA-256 naming ``request``'s answer for ``tenant`` (see the module doc)."""
    body = {
        "format": _KEY_FORMAT,
        "tenant": tenant,
        "vfm": vfm,
        "pfm": pfm_name,
        "pfm_version": pfm_version,
        "request": request.model_dump(mode="json", exclude=_NOT_IN_KEY),
        "prompt_version": prompt_version,
    }
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def policy_version(*parts: Any) -> str:
    """A short digest of ``parts`` (JSON-able): configuration, applied policies, prompt
    versions. When any of them changes, keys built with it change, so entries stored
    under the old version are never served again."""
    return hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()[:16]


class ExactCache:
    """Responses stored by ``(tenant, key)`` in the state store, each until it expires.

    ``clock`` gives wall time in seconds (tests pass their own).

    Example:
        >>> import tempfile
        >>> from fmos_core.contract import Message
        >>> cache = ExactCache(Database(f"sqlite:///{tempfile.mkdtemp()}/s.db"))
        >>> answer = Response(message=Message(role="assistant", content="4"),
        ...                   vfm="default", pfm="smol", trace_id="t1")
        >>> cache.put("acme", "k", "default", answer, ttl_s=60)
        >>> cache.get("acme", "k").text, cache.get("other", "k")
        ('4', None)
    """

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self.clock = clock

    def get(self, tenant: str, key: str) -> Response | None:
        """The response stored under ``key`` for ``tenant``; None if absent or expired."""
        c = _table.c
        query = select(c.response).where(
            c.tenant == tenant, c.key == key, c.expires_at > self.clock()
        )
        with self._db.engine.connect() as conn:
            stored = conn.execute(query).scalar_one_or_none()
        return None if stored is None else Response.model_validate(stored)

    def put(self, tenant: str, key: str, vfm: str, response: Response, *, ttl_s: float) -> None:
        """Store ``response`` for ``ttl_s`` seconds, replacing an entry under the same key."""
        now = self.clock()
        values = {
            "tenant": tenant,
            "key": key,
            "vfm": vfm,
            "response": response.model_dump(mode="json"),
            "created_at": now,
            "expires_at": now + ttl_s,
        }
        with self._db.begin() as conn:
            upsert(conn, _table, values, ("tenant", "key"), replace=True)

    def invalidate(self, tenant: str | None = None, vfm: str | None = None) -> int:
        """Drop the entries of ``tenant``, of ``vfm``, of both, or (neither given) all of
        them — after a prompt or policy change the old keys simply miss; this frees the
        rows, or forgets answers at once. Returns the number of entries dropped."""
        c = _table.c
        where = [
            cond
            for cond in (
                None if tenant is None else c.tenant == tenant,
                None if vfm is None else c.vfm == vfm,
            )
            if cond is not None
        ]
        with self._db.begin() as conn:
            return int(conn.execute(delete(_table).where(*where)).rowcount)

    def purge_expired(self) -> int:
        """Drop every expired entry (they are never served); returns how many."""
        with self._db.begin() as conn:
            query = delete(_table).where(_table.c.expires_at <= self.clock())
            return int(conn.execute(query).rowcount)
