"""FMOS for LangChain: a chat model over a VFM, a callback handler, an agent middleware.

- ``ChatFMOS``: a LangChain chat model whose every call runs through the FMOS pipeline.
- ``FMOSCallbackHandler``: FMOS traces, budgets and tenant checks for any chat model.
- ``FMOSMiddleware``: FMOS context policies and the tool privilege gate for
  ``langchain.agents.create_agent``.

Example:
    >>> import fmos_langchain
    >>> sorted(fmos_langchain.__all__)
    ['ChatFMOS', 'FMOSCallbackHandler', 'FMOSMiddleware']
"""

try:
    import langchain.agents  # noqa: F401
    import langchain_core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError('pip install "fmos[langchain]"') from exc

from fmos_langchain._callback import FMOSCallbackHandler
from fmos_langchain._chat_model import ChatFMOS
from fmos_langchain._middleware import FMOSMiddleware

__all__ = ["ChatFMOS", "FMOSCallbackHandler", "FMOSMiddleware"]
