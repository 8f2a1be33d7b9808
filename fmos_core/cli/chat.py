"""``fmos chat``: one prompt through a VFM."""

from __future__ import annotations

from typing import Annotated

import typer

from fmos_core.cli._app import app, out, print_json, settings
from fmos_core.kernel import FMOS


@app.command()
def chat(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="The user message.")],
    vfm: Annotated[str, typer.Option("--vfm", help="Virtual model to call.")] = "default",
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant to bill.")] = "default",
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=1)] = 128,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Response as JSON.")] = False,
) -> None:
    """Send PROMPT to a VFM and print the answer."""
    with FMOS(settings(ctx).config()) as fmos:
        response = fmos.vfm(vfm).invoke(prompt, tenant=tenant, max_tokens=max_tokens)
    if as_json:
        print_json(response.model_dump(mode="json"))
        return
    console = out()
    console.print(response.text)
    for call in response.tool_calls:
        console.print(f"[cyan]tool call[/cyan] {call.name}({call.arguments})")
    usage = response.usage
    console.print(
        f"[dim]{response.pfm} · {usage.input_tokens}+{usage.output_tokens} tokens · "
        f"${usage.cost:.6f} · trace {response.trace_id}[/dim]"
    )
