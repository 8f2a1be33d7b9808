"""The reason stage: settle the call's reasoning level before the cache looks it up.

It runs after ``guard`` and before ``cache``, so the exact cache's key holds the level
the pFM will really get. ``"auto"`` becomes a concrete level (``fmos_core.reasoning.
bandit.choose``): the VFM's tuned level for the request's first tag that has one, a
sampled level for the share that explores (among the levels some pool pFM can
express), else ``[vfms.X.reasoning] default``. When the call's pFM cannot express the
level, the call moves to the first pFM of the pool that can (nothing is reserved yet),
else ``ReasoningUnsupported``. What was chosen goes to the trace's
``signals.reasoning``, which tuning reads back.

A request without tags whose level is ``"off"``, or ``"auto"`` on a VFM that neither
tunes nor sets a default, has nothing to decide or record: it passes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fmos_core.errors import ReasoningUnsupported
from fmos_core.pipeline.call import Call
from fmos_core.pipeline.stages import Stage
from fmos_core.reasoning.bandit import choose
from fmos_core.reasoning.knob import Level, expresses, plan
from fmos_core.reasoning.policy import PolicyBook


@dataclass(slots=True)
class ReasoningRecord:
    """What the reason stage decided for one call; stored in its trace's ``signals``.

    Example:
        >>> ReasoningRecord(asked="auto", used="low", tag="math").to_json()["used"]
        'low'
    """

    asked: Level | str
    used: Level
    tag: str | None
    tuned: bool = False
    explored: bool = False
    policy: int = 0
    checked: bool = False  # the VFM has rule checks: a clean answer counts as a success

    def to_json(self) -> dict[str, object]:
        return {
            "asked": self.asked,
            "used": self.used,
            "tag": self.tag,
            "tuned": self.tuned,
            "explored": self.explored,
            "policy": self.policy,
            "checked": self.checked,
        }


class Reason(Stage):
    """Resolves ``"auto"``, keeps the call on a pFM that can express its level, records."""

    name = "reason"

    def __init__(
        self,
        policies: PolicyBook,
        checked: frozenset[str] = frozenset(),
        retune: Callable[[str], None] | None = None,
    ) -> None:
        self._policies = policies
        self._checked = checked  # VFMs with rule checks
        self._retune = retune  # asks for a background re-tune of a VFM
        self._since: dict[str, int] = {}  # "auto" calls per VFM since the last re-tune

    async def run(self, call: Call) -> None:
        request = call.request
        asked = request.reasoning_level
        if not request.tags and _plainly_off(asked, call):
            if asked == "auto":
                call.request = request.model_copy(update={"reasoning_level": "off"})
            return  # the fast path: every pFM can do without reasoning
        if asked == "auto":
            config = call.vfm.reasoning
            if config.tune and config.retune_every and self._retune is not None:
                self._count(call.vfm_name, config.retune_every)
            policy = self._policies.get(call.vfm_name) if config.tune else None
            levels = [
                lv for lv in config.levels if any(expresses(p.profile, lv) for p in call.pool)
            ]
            choice = choose(config, policy, request.tags, _explore_key(call), levels=levels)
            call.request = request.model_copy(update={"reasoning_level": choice.level})
            record = ReasoningRecord(
                asked, choice.level, choice.tag, choice.tuned, choice.explored, choice.policy
            )
        else:
            tag = request.tags[0] if request.tags else None
            record = ReasoningRecord(asked, asked, tag)
        record.checked = call.vfm_name in self._checked
        call.reasoning = record
        if not expresses(call.pfm.profile, record.used):
            _move(call, record.used)

    def _count(self, vfm: str, every: int) -> None:
        """Count an ``"auto"`` call of ``vfm``; every ``every``-th asks for a re-tune."""
        since = self._since.get(vfm, 0) + 1
        if since >= every:
            since = 0
            assert self._retune is not None
            self._retune(vfm)
        self._since[vfm] = since


def _plainly_off(asked: object, call: Call) -> bool:
    """Whether the call's level is off with nothing to tune."""
    if asked == "off":
        return True
    config = call.vfm.reasoning
    return asked == "auto" and not config.tune and config.default == "off"


def _move(call: Call, level: Level) -> None:
    """Put the call on the first pool pFM that expresses ``level``, or raise why not."""
    for pfm in call.pool:
        if pfm is not call.pfm and expresses(pfm.profile, level) and call.fits(pfm):
            call.provenance_policies.append(f"reasoning:{call.pfm.name}->{pfm.name}:{level}")
            call.pfm = pfm
            return
    try:
        plan(level, call.pfm.profile, pfm=call.pfm.name)
    except ReasoningUnsupported as exc:
        knobs = ", ".join(f"{p.name}: {p.profile.reasoning_knob}" for p in call.pool)
        raise ReasoningUnsupported(
            f"no pFM of VFM {call.vfm_name!r} can express reasoning_level {level!r} "
            f"(knobs: {knobs}). {exc}",
            pfm=call.pfm.name,
        ) from None


def _explore_key(call: Call) -> str:
    """A stable key for the call: the same session and prompt explore the same way."""
    identity = call.request.identity
    last = call.request.messages[-1].content
    return "\x1f".join(
        (call.vfm_name, identity.tenant, identity.app, identity.session, *call.request.tags, last)
    )
