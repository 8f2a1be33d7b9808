"""One reasoning level mapped onto the knob a pFM really has. Pure: no I/O.

``plan(level, profile, pfm=...)`` reads ``profile.reasoning_knob``:

- ``token_budget``: a thinking-token budget; named levels map through
  ``profile.reasoning_budgets``, an int is used as is (above ``max_reasoning_tokens``
  it is an error, a named level is capped there); ``off`` is a budget of 0;
- ``effort``: the effort name ``profile.reasoning_efforts`` gives the level (``off``
  sends none unless the profile names one);
- ``on_off``: ``off`` turns thinking off, any other named level on; sent as the chat
  template's ``enable_thinking`` or as ``/think`` / ``/no_think`` in the prompt
  (``profile.reasoning_switch``);
- ``none``: a prompt technique: a brief chain-of-draft instruction for ``low``,
  step-by-step instructions of growing length for ``medium`` and ``high``.

A level the knob cannot express raises ``ReasoningUnsupported`` naming the pFM, its
knob and what to pass instead. ``prepare`` applies the prompt side to a request, so
every driver shares one implementation.

Example:
    >>> from fmos_core.profiles import CapabilityProfile
    >>> plan("medium", CapabilityProfile(reasoning_knob="token_budget"), pfm="q").budget
    1024
    >>> expresses(CapabilityProfile(reasoning_knob="effort"), 2048)
    False
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from fmos_core.contract import Message, ReasoningLevel, ReasoningSetting, Request
from fmos_core.errors import ReasoningUnsupported
from fmos_core.profiles import CapabilityProfile, ReasoningKnob

Level = ReasoningLevel | int  # a concrete level: what "auto" resolves to

THINK, NO_THINK = "/think", "/no_think"

# the prompt techniques for pFMs without a knob, from brief to thorough
TECHNIQUES: dict[ReasoningLevel, str] = {
    "off": "",
    "low": (
        "Think in a brief draft first: one short line per step, five words at most. "
        "Then give the answer."
    ),
    "medium": "Think step by step: write out each step briefly, then give the final answer.",
    "high": (
        "Think step by step, carefully. First restate what is asked. Then work through "
        "the problem one step at a time, checking each step before the next. Finally, "
        "state the final answer on its own line."
    ),
}


@dataclass(frozen=True, slots=True)
class ReasoningPlan:
    """What a driver sends for one level on one pFM. Only the fields of ``knob`` are set.

    Example:
        >>> ReasoningPlan(level="off", knob="none").instruction
        ''
    """

    level: Level
    knob: ReasoningKnob
    budget: int | None = None  # token_budget: thinking tokens (0 = off)
    effort: str | None = None  # effort: the effort name to send (None: send none)
    thinking: bool | None = None  # on_off: thinking on or off
    switch: Literal["template", "prompt"] | None = None  # on_off: how the switch is sent
    instruction: str = ""  # text appended to the last user message (technique, /think)


def plan(level: ReasoningSetting, profile: CapabilityProfile, *, pfm: str) -> ReasoningPlan:
    """The plan for ``level`` on a pFM with ``profile``; ``ReasoningUnsupported`` if none."""
    knob = profile.reasoning_knob
    if level == "auto":  # sent straight to a driver, with no VFM to decide: the pFM's own
        return ReasoningPlan(level="off", knob=knob)  # default, nothing sent
    if isinstance(level, int):
        return _budget_plan(level, profile, pfm=pfm)
    if knob == "token_budget":
        budget = 0 if level == "off" else profile.reasoning_budgets.get(level)
        if budget is None:
            raise _unsupported(pfm, knob, f"level {level!r}", _named(profile.reasoning_budgets))
        if profile.max_reasoning_tokens is not None:  # a named level is capped, not refused
            budget = min(budget, profile.max_reasoning_tokens)
        return ReasoningPlan(level=level, knob=knob, budget=budget)
    if knob == "effort":
        effort = profile.reasoning_efforts.get(level)
        if effort is None and level != "off":
            raise _unsupported(pfm, knob, f"level {level!r}", _named(profile.reasoning_efforts))
        return ReasoningPlan(level=level, knob=knob, effort=effort)
    if knob == "on_off":
        thinking = level != "off"
        switch = profile.reasoning_switch
        text = "" if switch == "template" else (THINK if thinking else NO_THINK)
        return ReasoningPlan(level, knob, thinking=thinking, switch=switch, instruction=text)
    return ReasoningPlan(level=level, knob=knob, instruction=TECHNIQUES[level])


def expresses(profile: CapabilityProfile, level: ReasoningSetting) -> bool:
    """Whether a pFM with ``profile`` can express ``level`` (``"auto"``: yes, the VFM
    resolves it first). For routing: skip pFMs that cannot."""
    if level == "auto":
        return True
    try:
        plan(level, profile, pfm="")
    except ReasoningUnsupported:
        return False
    return True


def prepare(
    request: Request, profile: CapabilityProfile, *, pfm: str
) -> tuple[Request, ReasoningPlan]:
    """``request`` with the plan's prompt side applied (a copy; unchanged when none), and
    the plan."""
    chosen = plan(request.reasoning_level, profile, pfm=pfm)
    if not chosen.instruction:
        return request, chosen
    return request.model_copy(update={"messages": _appended(request.messages, chosen)}), chosen


def _appended(messages: list[Message], chosen: ReasoningPlan) -> list[Message]:
    """``messages`` with the instruction at the end of the last user message (or a new one)."""
    glue = " " if chosen.knob == "on_off" else "\n\n"
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if message.role == "user":
            content = f"{message.content}{glue}{chosen.instruction}".lstrip()
            changed = message.model_copy(update={"content": content})
            return [*messages[:index], changed, *messages[index + 1 :]]
    return [*messages, Message(role="user", content=chosen.instruction)]


def _budget_plan(budget: int, profile: CapabilityProfile, *, pfm: str) -> ReasoningPlan:
    knob = profile.reasoning_knob
    if knob != "token_budget":
        names = {"effort": "off/low/medium/high", "on_off": "off (thinking off) or low/medium/high"}
        instead = names.get(knob, "off/low/medium/high (a prompt technique)")
        raise _unsupported(pfm, knob, f"a token budget ({budget})", instead)
    cap = profile.max_reasoning_tokens
    if cap is not None and budget > cap:
        raise ReasoningUnsupported(
            f"pFM {pfm!r} (knob token_budget) allows at most {cap} reasoning tokens, not "
            f"{budget}; pass a budget <= {cap} or a lower level, or raise "
            f"[pfms.{pfm}.profile] max_reasoning_tokens",
            pfm=pfm,
        )
    return ReasoningPlan(level=budget, knob=knob, budget=budget)


def _named(mapping: Mapping[ReasoningLevel, object]) -> str:
    order: list[str] = list(TECHNIQUES)
    return "/".join(sorted(mapping, key=lambda level: order.index(level))) or "a token budget"


def _unsupported(pfm: str, knob: str, what: str, instead: str) -> ReasoningUnsupported:
    return ReasoningUnsupported(
        f"pFM {pfm!r} cannot express {what}: its reasoning knob is {knob!r}; pass {instead} "
        f"instead, or route the request to a pFM whose profile has that knob",
        pfm=pfm,
    )
