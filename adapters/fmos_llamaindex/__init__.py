"""FMOS for LlamaIndex: ``FMOSLLM``, a function-calling LLM served by an FMOS VFM.

Every call goes through the FMOS pipeline (budgets, traps, traces, approvals); the
adapter only translates LlamaIndex's types to the FMOS contract and back.

Example::

    from fmos_core import FMOS
    from fmos_llamaindex import FMOSLLM

    with FMOS() as fmos:
        llm = FMOSLLM(fmos.vfm(), max_tokens=16)
        print(llm.complete("Name a colour.").text)
"""

try:
    import llama_index.core  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by a test with the package hidden
    raise ImportError('pip install "fmos[llamaindex]"') from exc

from fmos_llamaindex._llm import FMOSLLM

__all__ = ["FMOSLLM"]
