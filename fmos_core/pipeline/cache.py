"""The cache stages: look an answer up after the guard, store a verified one.

``cache`` runs after ``guard`` and before ``reserve``: the key covers the request
as the context and guard stages shaped it (system prompt, policies, quarantined
text). The exact cache is asked first; on a miss, a request tagged cacheable (see
``fmos_core.cache.semantic``) asks the semantic cache, its question embedded off the
event loop. A hit becomes the call's response — zero tokens, no cost,
``usage.cached``, a fresh trace id, ``cache:exact`` or ``cache:semantic`` in
provenance with ``cache:source=<trace id>`` naming the call that made the answer —
and the runner skips every later
stage but ``settle``: nothing is reserved or charged, the pFM is not called, and
the trace records the hit. ``cache_store`` runs after ``verify``, so only an answer
that passed verification is stored; a call that failed never reaches it.

Only deterministic requests are cached: ``sampling.temperature`` 0 or unset, or a
fixed ``seed``. A caller who asks for temperature > 0 without a seed asks for a new
sample each time, and a stored answer would silently defeat that; with temperature
0 or a seed the pFM is meant to repeat itself, so the stored answer is the one the
caller would have got (an unset temperature asks for no variety; the VFM's
``[cache] exact`` / ``semantic`` is the opt-in). Streams bypass the cache both ways.

An answer shaped by a trap (a budget downgrade, memory paged in by the knowledge
trap, an escalation, an approval) is not stored: it depends on state outside the
key. Entries expire after ``[vfms.X.cache] ttl_s``; any change of the VFM's or the
tenant's configuration, or of the policies applied, changes the policy version in
the key, so answers made under the old ones miss.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from fmos_core.backends import Completion
from fmos_core.cache.embedders import Embedder
from fmos_core.cache.exact import ExactCache, cache_key, policy_version
from fmos_core.cache.semantic import Entry, SemanticCache, semantic_scope, wording
from fmos_core.contract import Request, Response, Usage
from fmos_core.pipeline.call import Call
from fmos_core.pipeline.stages import Stage

CACHED = "cache:exact"  # the provenance entry of an answer served by the exact cache
SEMANTIC = "cache:semantic"  # … by the semantic cache
SOURCE = "cache:source="  # + the trace id of the call that made the served answer


def deterministic(request: Request) -> bool:
    """Whether ``request`` asks for a reproducible answer (see the module doc)."""
    sampling = request.sampling
    return sampling.temperature in (None, 0) or sampling.seed is not None


class Cache(Stage):
    """Serves a stored answer for a deterministic request of a VFM with a cache on:
    the exact cache first, then (for requests tagged cacheable) the semantic one."""

    name = "cache"

    def __init__(
        self,
        cache: ExactCache | None,
        enabled: bool,
        semantic: SemanticCache | None = None,
        embedders: Mapping[str, Embedder] | None = None,
    ) -> None:
        self._cache = cache
        self._enabled = enabled  # some VFM has [cache] exact or semantic = true
        self._semantic = semantic
        self._embedders = dict(embedders or {})

    @property
    def active(self) -> bool:
        return self._cache is not None and self._enabled

    async def run(self, call: Call) -> None:
        assert self._cache is not None
        config = call.vfm.cache
        if not (config.exact or config.semantic) or call.wants_stream:
            return
        if not deterministic(call.request):
            return
        tenant = call.request.identity.tenant
        version = _policy_version(call)
        if config.exact:
            call.cache_key = key = cache_key(
                tenant,
                call.vfm_name,
                call.pfm.name,
                call.pfm.backend.version,
                call.request,
                version,
            )
            cached = self._cache.get(tenant, key)
            if cached is not None:
                serve(call, cached)
                return
        entry = await self._entry(call, version)
        if entry is None:
            return
        assert self._semantic is not None
        hit = self._semantic.get(entry, config.threshold)
        if hit is not None:
            serve(call, hit.response, SEMANTIC)
        else:
            call.semantic_entry = entry

    async def _entry(self, call: Call, version: str) -> Entry | None:
        """The call's question in its semantic scope, embedded; None when the call is
        not a candidate (semantic cache off, not tagged, not ending with a question)."""
        config = call.vfm.cache
        if not config.semantic or self._semantic is None:
            return None
        if config.semantic_tags and not set(config.semantic_tags) & set(call.request.tags):
            return None
        question = wording(call.request)
        embedder = self._embedders.get(config.embedder)
        if question is None or embedder is None:
            return None
        vectors = await asyncio.to_thread(embedder.embed, [question])
        scope = semantic_scope(
            call.request.identity.tenant,
            call.vfm_name,
            call.pfm.name,
            call.pfm.backend.version,
            call.request,
            version,
            embedder.name,
        )
        return Entry(call.request.identity.tenant, call.vfm_name, scope, question, vectors[0])


class CacheStore(Stage):
    """Stores the verified answer of a call the ``cache`` stage missed, in the exact
    and/or the semantic cache."""

    name = "cache_store"

    def __init__(
        self, cache: ExactCache | None, enabled: bool, semantic: SemanticCache | None = None
    ) -> None:
        self._cache = cache
        self._enabled = enabled
        self._semantic = semantic

    @property
    def active(self) -> bool:
        return self._cache is not None and self._enabled

    async def run(self, call: Call) -> None:
        assert self._cache is not None
        if call.response is None or call.traps or call.error is not None:
            return
        config = call.vfm.cache
        if call.cache_key is not None:
            self._cache.put(
                call.request.identity.tenant,
                call.cache_key,
                call.vfm_name,
                call.response,
                ttl_s=config.ttl_s,
            )
        if call.semantic_entry is not None and self._semantic is not None:
            self._semantic.put(
                call.semantic_entry,
                call.response,
                ttl_s=config.ttl_s,
                max_entries=config.max_entries,
            )


def serve(call: Call, cached: Response, served_from: str = CACHED) -> None:
    """Make ``cached`` the call's response, free and marked with the cache it was
    ``served_from`` and the trace that made it, and end the call's work."""
    call.cache_key = None  # nothing to store
    call.semantic_entry = None
    call.served = True
    served_by = next((p for p in call.pool if p.name == cached.pfm), None)
    if served_by is not None:
        call.pfm = served_by  # the trace names the pFM that made the answer
    for policy in cached.provenance.policies:  # route, verification… of the stored call
        if policy not in call.provenance_policies:
            call.provenance_policies.append(policy)
    call.provenance_policies.extend((served_from, SOURCE + cached.trace_id))
    for handle in cached.provenance.memory_handles:
        if handle not in call.memory_handles:
            call.memory_handles.append(handle)
    message = cached.message
    call.completion = Completion(
        content=message.content,
        tool_calls=list(message.tool_calls),
        finish_reason=cached.finish_reason,
        logprobs=cached.logprobs,
        model_version=cached.pfm_version,
    )
    call.response = cached.model_copy(
        update={
            "usage": Usage(cached=True),
            "vfm": call.vfm_name,
            "trace_id": call.trace_id,
            "provenance": call.provenance(),
            "traps": call.traps,
        }
    )


def _policy_version(call: Call) -> str:
    """What shaped the answer besides the request: the VFM's and the tenant's
    configuration (prompts, policies, trust, verification, clearance) and the
    policies the context and guard stages applied to this call."""
    return policy_version(
        call.vfm.model_dump(mode="json", exclude={"cache"}),
        call.tenant.model_dump(mode="json"),
        call.provenance_policies,
        call.provenance().prompt_versions,
    )
