"""FMOS for AutoGen: a ``ChatCompletionClient`` whose calls run through an FMOS kernel.

Every ``create`` / ``create_stream`` of an AutoGen agent goes through FMOS's pipeline,
so budgets, traces, traps and approvals apply; FMOS errors propagate unchanged.

Example::

    from fmos_autogen import FMOSChatCompletionClient

    client = FMOSChatCompletionClient(tenant="default", max_tokens=32)
    result = await client.create([UserMessage(content="Name a colour.", source="user")])
    print(result.content, result.usage, result.fmos_metadata["trace_id"])
"""

try:
    import autogen_agentchat  # noqa: F401
    import autogen_core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError('pip install "fmos[autogen]"') from exc

from fmos_autogen._client import FMOSChatCompletionClient
from fmos_autogen._config import FMOSClientConfig
from fmos_autogen._results import FMOSCreateResult

__all__ = ["FMOSChatCompletionClient", "FMOSClientConfig", "FMOSCreateResult"]
