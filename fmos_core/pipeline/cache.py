"""The cache stages: look an answer up after the guard, store a verified one.

``cache`` runs after ``guard`` and before ``reserve``: the key covers the request
as the context and guard stages shaped it (system prompt, policies, quarantined
text). A hit becomes the call's response — zero tokens, no cost, ``usage.cached``,
a fresh trace id, ``cache:exact`` in provenance — and the runner skips every later
stage but ``settle``: nothing is reserved or charged, the pFM is not called, and
the trace records the hit. ``cache_store`` runs after ``verify``, so only an answer
that passed verification is stored; a call that failed never reaches it.

Only deterministic requests are cached: ``sampling.temperature`` 0 or unset, or a
fixed ``seed``. A caller who asks for temperature > 0 without a seed asks for a new
sample each time, and a stored answer would silently defeat that; with temperature
0 or a seed the pFM is meant to repeat itself, so the stored answer is the one the
caller would have got (an unset temperature asks for no variety; the VFM's
``[cache] exact`` is the opt-in). Streams bypass the cache both ways.

An answer shaped by a trap (a budget downgrade, memory paged in by the knowledge
trap, an escalation, an approval) is not stored: it depends on state outside the
key. Entries expire after ``[vfms.X.cache] ttl_s``; any change of the VFM's or the
tenant's configuration, or of the policies applied, changes the policy version in
the key, so answers made under the old ones miss.
"""

from __future__ import annotations

from fmos_core.backends import Completion
from fmos_core.cache.exact import ExactCache, cache_key, policy_version
from fmos_core.contract import Request, Response, Usage
from fmos_core.pipeline.call import Call
from fmos_core.pipeline.stages import Stage

CACHED = "cache:exact"  # the provenance entry of a served answer


def deterministic(request: Request) -> bool:
    """Whether ``request`` asks for a reproducible answer (see the module doc)."""
    sampling = request.sampling
    return sampling.temperature in (None, 0) or sampling.seed is not None


class Cache(Stage):
    """Serves a stored answer for an identical deterministic request of an enabled VFM."""

    name = "cache"

    def __init__(self, cache: ExactCache | None, enabled: bool) -> None:
        self._cache = cache
        self._enabled = enabled  # some VFM has [cache] exact = true

    @property
    def active(self) -> bool:
        return self._cache is not None and self._enabled

    async def run(self, call: Call) -> None:
        assert self._cache is not None
        if not call.vfm.cache.exact or call.wants_stream or not deterministic(call.request):
            return
        tenant = call.request.identity.tenant
        call.cache_key = key = cache_key(
            tenant,
            call.vfm_name,
            call.pfm.name,
            call.pfm.backend.version,
            call.request,
            _policy_version(call),
        )
        cached = self._cache.get(tenant, key)
        if cached is not None:
            serve(call, cached)


class CacheStore(Stage):
    """Stores the verified answer of a call the ``cache`` stage missed."""

    name = "cache_store"

    def __init__(self, cache: ExactCache | None, enabled: bool) -> None:
        self._cache = cache
        self._enabled = enabled

    @property
    def active(self) -> bool:
        return self._cache is not None and self._enabled

    async def run(self, call: Call) -> None:
        assert self._cache is not None
        if call.cache_key is None or call.response is None or call.traps:
            return
        self._cache.put(
            call.request.identity.tenant,
            call.cache_key,
            call.vfm_name,
            call.response,
            ttl_s=call.vfm.cache.ttl_s,
        )


def serve(call: Call, cached: Response) -> None:
    """Make ``cached`` the call's response, free and marked, and end the call's work."""
    call.cache_key = None  # nothing to store
    call.served = True
    served_by = next((p for p in call.pool if p.name == cached.pfm), None)
    if served_by is not None:
        call.pfm = served_by  # the trace names the pFM that made the answer
    for policy in cached.provenance.policies:  # route, verification… of the stored call
        if policy not in call.provenance_policies:
            call.provenance_policies.append(policy)
    call.provenance_policies.append(CACHED)
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
