"""``fmos reasoning``: tune the reasoning level per task family from traces, show it."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer
from rich.table import Table

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.config import Config, fmos_home
from fmos_core.errors import UnknownVFM
from fmos_core.reasoning import ReasoningPolicies, ReasoningPolicy, tune
from fmos_core.reasoning.outcomes import read_outcomes

reasoning_app = typer.Typer(help="The reasoning level per task family (request tag).")
app.add_typer(reasoning_app, name="reasoning")

VfmOption = Annotated[str, typer.Option("--vfm", help="The VFM whose reasoning it is.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _store() -> ReasoningPolicies:
    return ReasoningPolicies(fmos_home() / "artifacts" / "reasoning")


def _known(config: Config, vfm: str) -> None:
    if vfm not in config.vfms:
        raise UnknownVFM(f"no VFM named {vfm!r}; configured: {', '.join(sorted(config.vfms))}")


@reasoning_app.command("tune")
def tune_command(
    ctx: typer.Context, vfm: VfmOption = "default", as_json: JsonOption = False
) -> None:
    """Score each level per tag (success minus token_weight × tokens) from the VFM's
    traces and save the best measured level of every tag with min_calls scored calls
    as the next policy version (used by ``"auto"`` when ``[vfms.X.reasoning] tune``)."""
    config = settings(ctx).config()
    _known(config, vfm)
    outcomes = read_outcomes(settings(ctx).database(), vfm)
    reasoning = config.vfms[vfm].reasoning
    policy = tune(outcomes, reasoning, vfm=vfm)
    if policy is None:
        counts = Counter(o.tag for o in outcomes)
        found = ", ".join(f"{tag}: {n}" for tag, n in sorted(counts.items())) or "none"
        if as_json:
            print_json({"policy": None, "scored_calls": dict(counts)})
            return
        out().print(
            f"no policy written: no tag of VFM {vfm} has {reasoning.min_calls} scored calls "
            f"yet (scored calls by tag: {found}); score calls with feedback, rule checks or "
            "the ladder, or lower [vfms.X.reasoning] min_calls"
        )
        return
    saved = _store().save(policy)
    if as_json:
        print_json({"policy": saved.to_json()})
        return
    out().print(f"reasoning policy v{saved.version} of {vfm}: trained on {saved.trained_on} calls")
    out().print(_table(saved))


@reasoning_app.command("show")
def show(ctx: typer.Context, vfm: VfmOption = "default", as_json: JsonOption = False) -> None:
    """The newest policy: each tag's level and what every level measured."""
    _known(settings(ctx).config(), vfm)
    policy = _store().latest(vfm)
    if as_json:
        print_json({"policy": None if policy is None else policy.to_json()})
        return
    if policy is None:
        out().print(f"no reasoning policy for VFM {vfm} yet; run `fmos reasoning tune`")
        return
    out().print(f"reasoning policy v{policy.version} of {vfm} (token weight {policy.token_weight})")
    out().print(_table(policy))


def _table(policy: ReasoningPolicy) -> Table:
    table = Table("tag", "level", "calls", "measured: level calls success tokens reward")
    for tag, chosen in sorted(policy.tags.items()):
        arms = "; ".join(
            f"{a.level} {a.calls} {a.success:.2f} {a.tokens:.0f} {a.reward:+.3f}"
            for a in chosen.arms
        )
        table.add_row(tag, str(chosen.level), str(chosen.calls), arms)
    return table
