"""The policy sections of a VFM: fallbacks, trust, verification, caches, reasoning,
routing (``[vfms.NAME.<section>]``). Unknown keys are errors.

Example:
    >>> RoutingConfig.model_validate({"rules": [{"tags": ["hard"], "prefer": "big"}]}).configured
    True
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fmos_core.contract import ReasoningLevel


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FallbackConfig(_Strict):
    """Retries and fallbacks of a VFM's calls.

    A transient failure (unreachable, 5xx, timeout, 429) is retried ``retries`` times
    on the same pFM, waiting ``backoff_s`` doubled each time (with jitter, at most
    ``max_backoff_s``, or what a 429 asked for); then the call falls back along
    ``order`` (default: the VFM's ``pfms``). ``timeout_s`` bounds each attempt
    (default: the driver's own timeout); a request's ``timeout_s`` overrides it.
    """

    retries: int = Field(default=2, ge=0, le=10)
    backoff_s: float = Field(default=0.2, ge=0)
    max_backoff_s: float = Field(default=5.0, ge=0)
    timeout_s: float | None = Field(default=None, gt=0)
    order: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> FallbackConfig:
        if self.max_backoff_s < self.backoff_s:
            raise ValueError(
                f"max_backoff_s ({self.max_backoff_s:g}) is below backoff_s "
                f"({self.backoff_s:g}); raise max_backoff_s or lower backoff_s"
            )
        if self.order is not None:
            twice = sorted({p for p in self.order if self.order.count(p) > 1})
            if twice:
                names = ", ".join(map(repr, twice))
                raise ValueError(f"order names {names} more than once; list each pFM once")
        return self


class TrustConfig(_Strict):
    """Guardrails of a VFM.

    ``injection``: what to do with text that looks like injected instructions — in user
    messages, tool results and retrieved pages — ``off``, ``flag`` (record it),
    ``quarantine`` (wrap it as untrusted data; the default) or ``refuse``
    (``GuardrailTripped``). ``pii``: ``traces`` (redact what traces store; the default),
    ``redact`` (also what the pFM sees and what it answers: typed placeholders such as
    ``[EMAIL_1]``) or ``off``.
    """

    injection: Literal["off", "flag", "quarantine", "refuse"] = "quarantine"
    pii: Literal["off", "traces", "redact"] = "traces"


class VerifyConfig(_Strict):
    """Verification and the escalation ladder of a VFM.

    A JSON answer that fails its schema goes back to the pFM with the validator's
    message up to ``repair_retries`` times. ``ladder`` decides whether a fast answer
    climbs: ``rules`` (the default), ``learned`` (the newest ladder artifact that beat
    the rules on held-out traces, else the rules) or ``off``. The rungs: ``verify``
    checks the answer (``verifier_pfm`` judges it, else ``samples`` sampled answers must
    agree with it); ``deliberate`` answers again on ``deliberate_pfm`` (default the same
    pFM), keeping the majority of up to ``samples`` answers that pass the app's checks
    (``early_stop``: drawing stops once two agree); ``human`` holds the answer for a
    reviewer when ``human`` is true.
    The rules send calls tagged ``verify_tags`` to verify, ``deliberate_tags`` to
    deliberate, and (with logprobs) answers whose mean token probability is below
    ``min_confidence`` to verify.
    """

    repair_retries: int = Field(default=1, ge=0, le=5)
    ladder: Literal["off", "rules", "learned"] = "rules"
    samples: int = Field(default=3, ge=2, le=16)
    early_stop: bool = True  # deliberation stops drawing once two passing answers agree
    temperature: float = Field(default=0.7, gt=0, le=2)
    verifier_pfm: str | None = None
    deliberate_pfm: str | None = None
    human: bool = False
    min_confidence: float = Field(default=0.0, ge=0, le=1)  # 0: the rules ignore logprobs
    verify_tags: list[str] = Field(default_factory=lambda: ["verify"])
    deliberate_tags: list[str] = Field(default_factory=lambda: ["deliberate", "high_stakes"])


class CacheConfig(_Strict):
    """The response caches of a VFM (``[vfms.X.cache]``), off by default.

    ``exact``: serve a stored answer to a request identical in everything that shapes
    the output (deterministic, non-streaming requests only; see ``fmos_core.cache``),
    for ``ttl_s`` seconds after it was stored. ``semantic``: also serve the answer of a
    question worded differently — requests tagged one of ``semantic_tags`` (every
    request when empty) whose question embeds (``embedder``) within cosine similarity
    ``threshold`` of a stored one and states the same literal facts; at most
    ``max_entries`` answers per scope, the oldest evicted.
    """

    exact: bool = False
    ttl_s: float = Field(default=3600.0, gt=0)
    semantic: bool = False
    threshold: float = Field(default=0.9, gt=0, le=1)
    embedder: str = "minilm"
    semantic_tags: list[str] = Field(default_factory=lambda: ["cacheable"])
    max_entries: int = Field(default=500, ge=1, le=100_000)


ConcreteLevel = ReasoningLevel | Annotated[int, Field(ge=1)]


def _all_levels() -> list[ConcreteLevel]:
    return ["off", "low", "medium", "high"]


class ReasoningConfig(_Strict):
    """The reasoning level of a VFM's ``"auto"`` requests (``[vfms.X.reasoning]``).

    ``"auto"`` becomes the tuned level of the request's first tag that has one (with
    ``tune``, from the newest policy ``fmos reasoning tune`` wrote), else ``default``.
    With ``tune``, a share ``explore`` of those calls tries another of ``levels``
    (chosen by a stable hash of the session and prompt, so runs repeat). Tuning scores
    each level by success minus ``token_weight`` × tokens (the price of one token
    against one success) and writes a tag's level after ``min_calls`` scored calls.
    ``retune_every``: with ``tune``, every that many ``"auto"`` calls FMOS re-tunes in
    the background and uses the new policy (0: only ``fmos reasoning tune``).
    """

    default: ConcreteLevel = "off"
    tune: bool = False
    levels: list[ConcreteLevel] = Field(default_factory=_all_levels, min_length=1)
    explore: float = Field(default=0.1, ge=0, le=1)
    token_weight: float = Field(default=0.001, ge=0)
    min_calls: int = Field(default=20, ge=1)
    retune_every: int = Field(default=0, ge=0)


class RolloutConfig(_Strict):
    """How a VFM serves versions of its artifacts (``[vfms.X.rollout]``): when the
    version store has a ``canary``, ``canary_share`` of sessions get it (a stable hash of
    the session), the rest ``production``; ``pinned`` overrides both.

    With ``watch`` on, FMOS checks the canary's live scores every ``check_every`` calls
    that may draw it: once ``window`` of its answers are judged it is promoted if its
    success rate is within ``tolerance`` of production's, else rolled back — earlier,
    as soon as it can no longer get there."""

    canary_share: float = Field(default=0.1, ge=0, le=1)
    watch: bool = True
    window: int = Field(default=30, ge=2, le=100_000)
    tolerance: float = Field(default=0.05, ge=0, le=1)
    check_every: int = Field(default=5, ge=1)


ROUTE_CHOICES = ("cheapest", "most_capable")


class RouteRule(_Strict):
    """One routing rule: when every condition it sets holds, ``prefer`` a pFM.

    Conditions (unset ones always hold): ``tags`` — the request carries any of them;
    ``capability`` — the request needs it (``tools``, ``json_schema``, ``logprobs``);
    ``min_prompt_tokens`` / ``max_prompt_tokens`` — the prompt's length; ``budget_below``
    — the tenant's tightest budget has less than this share left; ``tenants`` — the
    caller's tenant is one of them. ``prefer`` names a pFM of the VFM's pool, or
    ``cheapest`` / ``most_capable`` (the highest-priced) among those that can serve.
    """

    tags: list[str] = Field(default_factory=list)
    capability: Literal["tools", "json_schema", "logprobs"] | None = None
    min_prompt_tokens: int | None = Field(default=None, ge=0)
    max_prompt_tokens: int | None = Field(default=None, ge=0)
    budget_below: float | None = Field(default=None, gt=0, le=1)
    tenants: list[str] = Field(default_factory=list)
    prefer: str


class RoutingConfig(_Strict):
    """How a VFM picks the pFM of each call (``[vfms.X.routing]``); see
    ``fmos_core.routing``. ``rules`` are tried in order, the first that matches and
    whose pFM can serve decides; none: the pool's first pFM that can serve.
    ``explore``: this share of calls (by a hash of the trace id) goes to a pFM drawn
    uniformly among those that can serve, so traces hold every pFM's outcomes to learn
    from. ``learned``: use the newest router artifact that beat the rules on held-out
    traces (``FMOS.train_router``) in the rules' place, else the rules.
    """

    rules: list[RouteRule] = Field(default_factory=list)
    explore: float = Field(default=0.0, ge=0, le=1)
    learned: bool = False

    @property
    def configured(self) -> bool:
        """Whether anything beyond the default (keep the first capable pFM) is asked."""
        return bool(self.rules) or self.explore > 0 or self.learned
