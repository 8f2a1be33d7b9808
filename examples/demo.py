"""The main job on the embedded model: a short agent task with a tool call through FMOS.

Run with `make demo`. State goes to $FMOS_HOME (default ./.fmos).
"""

from __future__ import annotations

from fmos_core import FMOS, ApprovalRequired, ToolSpec
from fmos_core.agent import Tool, run_agent
from fmos_core.cli import app

WEATHER = {"paris": "light rain, 14°C", "tokyo": "clear, 21°C", "lima": "overcast, 18°C"}


def get_weather(city: str) -> str:
    """The tool: today's weather for a city (a fixed table, so the demo is repeatable)."""
    return WEATHER.get(city.strip().lower(), f"no report for {city}")


def main() -> None:
    weather = Tool(
        ToolSpec(
            name="get_weather",
            description="Today's weather for a city.",
            parameters={
                "type": "object",
                "properties": {"city": {"type": "string", "maxLength": 40}},
                "required": ["city"],
            },
        ),
        get_weather,
    )
    with FMOS() as fmos:
        fmos.budgets.set("default", tokens=50_000, requests=1_000)
        run = run_agent(
            fmos.vfm(),
            "What is the weather in Paris today?",
            [weather],
            first_tool_choice="required",
            max_tokens=64,
            temperature=0.0,
        )
        for response in run.responses:
            for call in response.tool_calls:
                print(f"tool call  {call.name}({call.arguments})")
        print(f"tool said  {run.tool_results}")
        print(f"answer     {run.answer.strip()}")

        # A tool with side effects is above the default tenant's clearance ("read"):
        # the trust trap holds the model's call until a human approves it.
        send = ToolSpec(
            name="send_email",
            description="Send an email.",
            privilege="write",
            parameters={
                "type": "object",
                "properties": {
                    "to": {"type": "string", "maxLength": 40},
                    "body": {"type": "string", "maxLength": 80},
                },
                "required": ["to", "body"],
            },
        )
        vfm = fmos.vfm()
        try:
            vfm.invoke(
                f"Send an email to ops@example.com saying: Paris is {get_weather('paris')}.",
                tools=[send],
                tool_choice="required",
                max_tokens=64,
                temperature=0.0,
            )
        except ApprovalRequired as held:
            print(f"held       {held}")
            fmos.approvals.decide(held.approval_id, approve=True, by="demo")
            resumed = vfm.resume(held.approval_id)
            for call in resumed.tool_calls:
                print(f"approved   {call.name}({call.arguments})")
        fmos.flush()
    app(["traces", "--limit", "5"], standalone_mode=False)
    app(["budget", "show"], standalone_mode=False)


if __name__ == "__main__":
    main()
