"""The ``openai`` pFM driver: any OpenAI-compatible chat-completions server.

Registered as entry point ``openai`` in the ``fmos.backends`` group. Configure it
with ``[pfms.NAME] driver = "openai"`` and an ``[pfms.NAME.options]`` table
(see ``OpenAIOptions``).

Example:
    >>> from fmos_openai import OpenAIBackend
    >>> OpenAIBackend.Options.model_fields["max_retries"].default
    0
"""

from fmos_openai._backend import OpenAIBackend
from fmos_openai._options import OpenAIOptions

__all__ = ["OpenAIBackend", "OpenAIOptions"]
