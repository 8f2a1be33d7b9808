"""FMOS end to end over the OpenAI-compatible driver, against a real llama_cpp.server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from servers import LlamaServer, stub_http_server

from fmos_core import FMOS, BackendUnavailable, Config

pytestmark = pytest.mark.server


def kernel(tmp_path: Path, base_url: str, model: str, **pfm: object) -> FMOS:
    config = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/state.db"},
            "pfms": {
                "server": {
                    "driver": "openai",
                    "options": {"base_url": base_url, "model": model, "context_window": 2048},
                    **pfm,
                }
            },
            "vfms": {"default": {"pfms": ["server"]}},
        }
    )
    return FMOS(config)


@pytest.fixture
def fmos(tmp_path: Path, llama_server: LlamaServer) -> Iterator[FMOS]:
    with kernel(
        tmp_path,
        llama_server.base_url,
        llama_server.model,
        profile={"input_price_per_mtok": 2.0, "output_price_per_mtok": 4.0},
    ) as k:
        k.budgets.set("default", tokens=100_000, cost=1.0)
        yield k


def test_invoke_through_the_server_is_priced_budgeted_and_traced(fmos: FMOS) -> None:
    reply = fmos.vfm().invoke("Name a colour.", max_tokens=8, temperature=0.0)
    assert reply.text.strip() and reply.pfm == "server"
    usage = reply.usage
    assert usage.cost == pytest.approx((usage.input_tokens * 2 + usage.output_tokens * 4) / 1e6)
    status = fmos.budgets.show("default")
    assert status.tokens_used == usage.total_tokens
    assert status.cost_used == pytest.approx(usage.cost, abs=1e-6)
    assert fmos.traces.get(reply.trace_id).pfm == "server"


def test_a_stream_without_usage_is_charged_its_reservation(fmos: FMOS) -> None:
    events = list(fmos.vfm().stream("Count to three.", max_tokens=12))
    assert "".join(e.delta for e in events) == events[-1].response.text
    status = fmos.budgets.show("default")
    # llama_cpp.server sends no usage in streams: FMOS charges what it held, not zero
    assert status.tokens_used >= 12 and status.tokens_reserved == 0


def test_a_server_that_is_down_is_a_typed_error_and_costs_nothing(tmp_path: Path) -> None:
    with stub_http_server(status=503) as url, kernel(tmp_path, url, "m") as k:
        k.budgets.set("default", tokens=10_000)
        with pytest.raises(BackendUnavailable) as err:
            k.vfm().invoke("hi", max_tokens=8)
        assert err.value.pfm == "server"
        status = k.budgets.show("default")
        assert (status.tokens_used, status.tokens_reserved) == (0, 0)
        assert k.traces.get(err.value.trace_id).status == "error"
