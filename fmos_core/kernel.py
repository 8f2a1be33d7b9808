"""The kernel: builds pFMs from config, owns the state store and the pipeline.

Example:
    >>> from fmos_core import FMOS, Config
    >>> cfg = Config.parse({"pfms": {"s": {"driver": "scripted"}},
    ...                     "vfms": {"default": {"pfms": ["s"]}}, "state": {"enabled": False}})
    >>> with FMOS(cfg) as fmos:
    ...     fmos.vfm("default").invoke("hi").pfm
    's'
"""

from __future__ import annotations

import time
import uuid
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from fmos_core._sync import SyncBridge
from fmos_core.assembly import build_pfms, context_stage, known_vfms
from fmos_core.backends import Backend
from fmos_core.cache import ExactCache, SemanticCache
from fmos_core.cache.embedders import configured_embedders
from fmos_core.config import Config, TenantConfig, fmos_home
from fmos_core.context.knowledge import MemoryRecall
from fmos_core.context.policies import ContextPolicy
from fmos_core.contract import Request
from fmos_core.errors import ConfigError, UnknownVFM
from fmos_core.escalation import LadderArtifact, LadderArtifacts
from fmos_core.escalation.examples import train_from_traces
from fmos_core.evolution import PromptSelector
from fmos_core.evolution.canary import CanaryWatch, Verdict
from fmos_core.evolution.evaluation import Candidate, Case, Score, replay
from fmos_core.evolution.evolver import Evolution, Plan, evolve, evolve_policy
from fmos_core.evolution.examples import judged_examples
from fmos_core.evolution.mirror import VersionRegistry
from fmos_core.evolution.parameters import read_judged
from fmos_core.evolution.rendering import EVALUATION_TAG, PROPOSAL_TAG
from fmos_core.evolution.setup import version_registry
from fmos_core.health import BreakerStatus, breakers
from fmos_core.mediation import Mediator
from fmos_core.memory import AgentFS
from fmos_core.memory.indexer import MemoryIndexer
from fmos_core.pipeline import (
    Admit,
    Call,
    Execute,
    Guard,
    Guardrails,
    Pipeline,
    Reserve,
    Route,
    Settle,
    TrapCheck,
    Verify,
)
from fmos_core.pipeline.accounts import Accounts
from fmos_core.pipeline.cache import Cache, CacheStore
from fmos_core.pipeline.escalation import Escalation, TrustTrap
from fmos_core.pipeline.failover import Failover
from fmos_core.pipeline.handlers import TrustHandler, default_trap_table
from fmos_core.pipeline.reason import Reason
from fmos_core.pipeline.verify import Ladders
from fmos_core.reasoning.bandit import tune
from fmos_core.reasoning.outcomes import read_outcomes
from fmos_core.reasoning.policy import PolicyBook, ReasoningPolicies, ReasoningPolicy
from fmos_core.reasoning.retune import Retuner
from fmos_core.registry import DriverRegistry, load_vector_index
from fmos_core.routing import RouterArtifact, RouterArtifacts, Routers, train_router
from fmos_core.routing.traces import outcomes
from fmos_core.store import (
    ApprovalStore,
    BudgetLedger,
    Database,
    KeyValueStore,
    StateWriter,
    TraceReader,
)
from fmos_core.store.pins import ToolPins
from fmos_core.verification import AnswerKey, RuleCheck
from fmos_core.vfm import VFM

_T = TypeVar("_T")


class FMOS:
    """An FMOS kernel. ``FMOS()`` serves VFM ``default`` on the embedded model.

    ``backends`` replaces configured drivers by ready instances (tests, embedding);
    ``policies`` adds context policies in code, per VFM, after the configured ones;
    ``checks`` adds the app's rule checks per VFM (``fmos_core.verification.RuleCheck``);
    ``answer_keys`` tells self-consistency which answers agree, per VFM (``text -> key``,
    e.g. the number an answer names); ``clock`` times the pFMs' circuit breakers (tests).
    """

    def __init__(
        self,
        config: Config | None = None,
        *,
        backends: dict[str, Backend] | None = None,
        registry: DriverRegistry | None = None,
        policies: dict[str, list[ContextPolicy]] | None = None,
        checks: dict[str, list[RuleCheck]] | None = None,
        answer_keys: dict[str, AnswerKey] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config = config or Config()
        self.pfms = build_pfms(config, backends or {}, registry or DriverRegistry())
        self.breakers = breakers(config.pfms, clock)
        self.db: Database | None = None
        self._ledger: BudgetLedger | None = None
        self._approvals: ApprovalStore | None = None
        self._writer: StateWriter | None = None
        self._cache: ExactCache | None = None
        self._semantic: SemanticCache | None = None
        accounts: Accounts | None = None
        if config.state.enabled:
            self.db = Database(config.state.resolved_url())
            self._cache = ExactCache(self.db)
            self._semantic = SemanticCache(self.db)
            self._ledger = BudgetLedger(self.db)
            self._approvals = ApprovalStore(self.db)
            self._writer = StateWriter(self.db)
            # a kernel never closed still writes what it queued when collected or at exit
            weakref.finalize(self, self._writer.close)
            accounts = Accounts(self._ledger, self._writer)
        self.indexer: MemoryIndexer | None = None
        if config.memory.vector is not None:
            index = load_vector_index(config.memory.vector, config.memory.resolved_options())
            self.indexer = MemoryIndexer(index)
            weakref.finalize(self, self.indexer.close)
        traces = self._writer if config.state.trace else None
        self.traps = default_trap_table(accounts, self._approvals)
        checks = known_vfms(checks or {}, config, "checks")
        self._checks = checks
        approval = TrustHandler(self._approvals)
        keys = known_vfms(answer_keys or {}, config, "answer_keys")
        failover = Failover(self.breakers, accounts)
        escalation = Escalation(accounts, self.pfms, checks, approval, keys, failover)
        self.traps.register("trust", TrustTrap(approval, escalation))
        self.ladders = Ladders(LadderArtifacts(fmos_home() / "artifacts" / "ladder"))
        self.routers = Routers(
            RouterArtifacts(fmos_home() / "artifacts" / "router"),
            frozenset(name for name, found in checks.items() if found),
        )
        self.reasoning = PolicyBook(ReasoningPolicies(fmos_home() / "artifacts" / "reasoning"))
        self.retuner = Retuner(self.tune_reasoning)  # [vfms.X.reasoning] retune_every
        # evolved versions of each VFM's artifacts: served, mirrored, watched as canaries
        self.versions: VersionRegistry | None = None
        self.prompt_versions: PromptSelector | None = None
        self.canaries: CanaryWatch | None = None
        if self.db is not None:
            self.versions = version_registry(self.db, config.evolution)
            self.prompt_versions = PromptSelector(self.versions.store)
            self.canaries = CanaryWatch(
                self.db,
                self.versions,
                {name: v.rollout for name, v in config.vfms.items()},
                flush=self._writer.flush if self._writer is not None else lambda: None,
                on_move=self.prompt_versions.forget,
            )
        if self.db is not None:  # the knowledge trap: named memory is paged into the window
            vectors = self.indexer.index if self.indexer is not None else None
            recall = MemoryRecall(AgentFS(self.db), accounts, index=vectors)
            self.traps.add_detector(recall.detect)
            self.traps.register("knowledge", recall)
        caching = any(v.cache.exact or v.cache.semantic for v in config.vfms.values())
        embedders = configured_embedders({n: v.cache for n, v in config.vfms.items()})
        self.pipeline = Pipeline(
            [
                Admit(frozenset(config.tenants)),
                context_stage(
                    config,
                    self.pfms,
                    known_vfms(policies or {}, config, "policies"),
                    AgentFS(self.db) if self.db is not None else None,
                    accounts,
                    failover,
                    self.indexer,
                    self.prompt_versions,
                    self.canaries.served if self.canaries is not None else None,
                ),
                Guard(
                    Guardrails(),
                    dict(config.tenants),
                    {name: v.trust for name, v in config.vfms.items()},
                ),
                Reason(self.reasoning, frozenset(checks), self.retuner.request),
                Cache(self._cache, caching, self._semantic, embedders),
                Reserve(accounts),
                TrapCheck(self.traps),
                Route(accounts, self.routers),
                Execute(failover),
                Verify(
                    self.traps,
                    {n: int(t.clearance) for n, t in config.tenants.items()},
                    ToolPins(self.db) if self.db is not None else None,
                    accounts=accounts,
                    checks=checks,
                    ladders=self.ladders,
                    failover=failover,
                ),
                CacheStore(self._cache, caching, self._semantic),
                Settle(accounts, traces),
            ],
            timed=traces is not None,
        )
        self.loop = SyncBridge()
        self._vfms = {name: VFM(self, name, vfm) for name, vfm in config.vfms.items()}
        self.mediator = Mediator(self)

    @classmethod
    def from_config(cls, path: str | Path, **kwargs: object) -> FMOS:
        """An FMOS kernel from a strict TOML file."""
        return cls(Config.load(path), **kwargs)  # type: ignore[arg-type]

    def vfm(self, name: str = "default") -> VFM:
        """The VFM called ``name``."""
        try:
            return self._vfms[name]
        except KeyError:
            raise UnknownVFM(
                f"no VFM named {name!r}; configured: {', '.join(sorted(self._vfms))}"
            ) from None

    def new_call(self, vfm: VFM, request: Request) -> Call:
        """The pipeline state for one request to ``vfm`` (pFM = the pool's first)."""
        tenant = self.config.tenants.get(request.identity.tenant)
        pool = [self.pfms[p] for p in vfm.config.pfms]
        return Call(
            request=request,
            vfm_name=vfm.name,
            vfm=vfm.config,
            tenant=tenant if tenant is not None else TenantConfig(),  # admit rejects it
            trace_id=uuid.uuid4().hex,
            started=time.perf_counter(),
            pfm=pool[0],
            pool=pool,
        )

    def health(self) -> dict[str, BreakerStatus]:
        """Each pFM's circuit breaker: ``closed``, ``open`` (calls skip it) or ``half_open``."""
        return {name: breaker.status() for name, breaker in self.breakers.items()}

    @property
    def budgets(self) -> BudgetLedger:
        """The budget ledger, after every queued settlement is written."""
        self.flush()
        return _need(self._ledger, "budgets")

    @property
    def kv(self) -> KeyValueStore:
        """The tenant-scoped key-value tier of the state store."""
        return KeyValueStore(_need(self.db, "the key-value store"))

    @property
    def fs(self) -> AgentFS:
        """The agent filesystem tier: files, state, tool-call log, snapshots per session."""
        return AgentFS(_need(self.db, "the agent filesystem"))

    @property
    def response_cache(self) -> ExactCache:
        """The exact response cache (``[vfms.X.cache] exact``): ``invalidate`` it by
        tenant and/or VFM."""
        return _need(self._cache, "the response cache")

    @property
    def semantic_cache(self) -> SemanticCache:
        """The semantic response cache (``[vfms.X.cache] semantic``): ``invalidate`` it
        by tenant and/or VFM."""
        return _need(self._semantic, "the semantic cache")

    @property
    def approvals(self) -> ApprovalStore:
        return _need(self._approvals, "approvals")

    @property
    def traces(self) -> TraceReader:
        if self._writer is not None:
            self._writer.flush()
        return TraceReader(_need(self.db, "traces"))

    def feedback(
        self, trace_id: str, score: float, comment: str | None = None, *, tenant: str = "default"
    ) -> None:
        """Rate the answer of trace ``trace_id`` (0 = bad … 1 = good); stored with the trace
        (the comment PII-redacted). The learned ladder and router and reasoning tuning
        learn from these; an unknown trace or a score outside 0..1 is a typed error."""
        self.traces.feedback(trace_id, score, comment, tenant=tenant)

    def evolve(
        self,
        vfm: str = "default",
        kind: str = "demonstrations",
        *,
        family: str | None = None,
        cases: Sequence[Case] | None = None,
        holdout: float = 0.3,
        max_examples: int = 4,
        tenant: str = "default",
    ) -> Evolution:
        """One evolution step of ``vfm``'s ``kind`` (``demonstrations``,
        ``system_prompt`` or ``policy``) from the judged traces of every tenant that
        shares them: propose, evaluate offline on held-out traces (or ``cases``),
        register the version with its evaluation and make it the canary if it beat
        production; ``CandidateRejected`` if it did not (``fmos_core.evolution``)."""
        target = self.vfm(vfm)  # an unknown VFM is an error
        versions = _need(self.versions, "evolution")
        self.flush()
        tenants = self.config.tenants

        def shares(tenant: str) -> bool:
            return tenant not in tenants or tenants[tenant].share_learning

        db = _need(self.db, "evolution")
        plan = Plan(kind, family=family, holdout=holdout, max_examples=max_examples)
        if kind == "policy":
            judged = read_judged(db, vfm, shares=shares)
            try:
                return evolve_policy(vfm, plan, judged, target.config, versions=versions)
            finally:
                _need(self.prompt_versions, "evolution").forget()
        examples = judged_examples(db, vfm, shares=shares, tag=family)

        async def evaluate(candidate: Candidate, chosen: Sequence[Case]) -> Score:
            return await replay(target, candidate, chosen, tenant=tenant)

        async def ask(prompt: str) -> str:
            answer = await target.ainvoke(
                prompt,
                tags=[EVALUATION_TAG, PROPOSAL_TAG],
                tenant=tenant,
                app="fmos-evolution",
                max_tokens=200,
            )
            return answer.text

        step = evolve(
            vfm,
            plan,
            examples,
            versions=versions,
            served=self.served(vfm),
            evaluate=evaluate,
            ask=ask,
            rollout=target.config.rollout,
            cases=cases,
            has_checks=bool(self._checks.get(vfm)),
        )
        try:
            return self.loop.run(step)
        finally:
            _need(self.prompt_versions, "evolution").forget()

    def watch_canaries(self, vfm: str = "default") -> list[Verdict]:
        """Judge ``vfm``'s canaries on their live scores now, and promote or roll back
        (FMOS also does this by itself every ``[vfms.X.rollout] check_every`` calls)."""
        self.vfm(vfm)  # an unknown VFM is an error
        verdicts = _need(self.canaries, "canary rollouts").check(vfm)
        _need(self.prompt_versions, "canary rollouts").forget()
        return verdicts

    def served(self, vfm: str = "default") -> Candidate:
        """What ``vfm``'s production sessions are served now (pinned, else production):
        the system prompt and demonstrations, e.g. to replay with ``evolution.replay``."""
        versions = _need(self.versions, "evolution")
        prompt = self.vfm(vfm).config.system_prompt or ""
        number = versions.store.serving(vfm, "system_prompt")
        if number is not None:
            prompt = str(versions.get(vfm, "system_prompt", number).body.get("text", ""))
        number = versions.store.serving(vfm, "demonstrations")
        if number is None:
            return Candidate(prompt)
        return Candidate(prompt, versions.get(vfm, "demonstrations", number).body["examples"])

    def train_router(self, vfm: str = "default", *, holdout: float = 0.3) -> RouterArtifact:
        """Train the learned router of ``vfm`` from its judged traces, save it as the next
        version (``$FMOS_HOME/artifacts/router/<vfm>/``) and use it, with
        ``[vfms.X.routing] learned = true``, if it beat the rules on the held-out traces."""
        config = self.vfm(vfm).config  # an unknown VFM is an error
        self.flush()
        store = _need(self.routers.artifacts, "routers")
        pool = [self.pfms[name] for name in config.pfms]
        found = outcomes(_need(self.db, "router training"), vfm)
        artifact = train_router(found, config.routing, pool, vfm=vfm, holdout=holdout)
        saved = store.save(artifact)
        self.routers.refresh()
        return saved

    def train_ladder(self, vfm: str = "default", *, holdout: float = 0.3) -> LadderArtifact:
        """Train the learned ladder of ``vfm`` from its traces, save it as the next version
        and use it if it beat the rules on the held-out traces."""
        config = self.vfm(vfm).config.verify  # an unknown VFM is an error
        store = _need(self.ladders.artifacts, "ladders")
        saved = train_from_traces(self.traces, vfm, config, store, holdout=holdout)
        self.ladders.refresh()
        return saved

    def tune_reasoning(self, vfm: str = "default") -> ReasoningPolicy | None:
        """Tune ``vfm``'s reasoning level per tag from its scored traces and save the
        policy as the next version (used by ``"auto"`` when ``[vfms.X.reasoning] tune``);
        None when no tag has ``min_calls`` scored calls yet."""
        config = self.vfm(vfm).config.reasoning  # an unknown VFM is an error
        self.flush()
        policy = tune(read_outcomes(_need(self.db, "reasoning tuning"), vfm), config, vfm=vfm)
        if policy is None:
            return None
        saved = self.reasoning.store.save(policy)
        self.reasoning.refresh()
        return saved

    @property
    def vectors(self) -> MemoryIndexer:
        """The vector tier (``[memory] vector``): ingest documents, query per tenant."""
        if self.indexer is None:
            raise ConfigError('the vector tier is off; set [memory] vector = "chroma"')
        return self.indexer

    def flush(self) -> None:
        """Wait until every trace, settlement and queued index item is durable, and
        every background re-tune has finished."""
        if self._writer is not None:
            self._writer.flush()
        if self.indexer is not None:
            self.indexer.flush()
        self.retuner.wait()

    async def aclose(self) -> None:
        """Close the drivers' resources that belong to the running loop."""
        for pfm in self.pfms.values():
            await pfm.backend.aclose()

    def close(self) -> None:
        """Flush traces and settlements, close drivers and loops, close the store."""
        self.retuner.wait()
        if self.canaries is not None:
            self.canaries.wait()
        if self._writer is not None:
            self._writer.close()
        if self.indexer is not None:
            self.indexer.close()
        self.loop.run(self.aclose())
        for loop in self.loop.loops():  # drivers' resources bound to other FMOS loops
            if not loop.is_running():
                loop.run_until_complete(self.aclose())
        self.loop.close()
        if self.db is not None:
            self.db.close()

    def __enter__(self) -> FMOS:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _need(value: _T | None, what: str) -> _T:
    if value is None:
        raise ConfigError(f"{what} need the state store; set [state] enabled = true")
    return value
