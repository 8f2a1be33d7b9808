"""A harness's own timeout setting bounds each pFM attempt (``Request.timeout_s``): a pFM
that does not answer in time gives ``BackendTimeout`` through every adapter, after the
VFM's retries, instead of hanging the agent."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from autogen_core.models import UserMessage
from fmos_autogen import FMOSChatCompletionClient
from fmos_langchain import ChatFMOS
from fmos_langgraph import FMOSModelNode
from fmos_llamaindex import FMOSLLM
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from fmos_core import FMOS, BackendTimeout, Completion, Config, Request
from fmos_core.backends import Backend
from fmos_core.profiles import CapabilityProfile

HANG_S = 5.0
TIMEOUT_S = 0.2


class Hanging(Backend):
    """A pFM that never answers within the test's timeout; records what it was asked."""

    Options = BaseModel

    def __init__(self, options: Any = None) -> None:
        self.profile = CapabilityProfile()
        self.requests: list[Request] = []

    async def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        await asyncio.sleep(HANG_S)
        return Completion(content="too late")


@pytest.fixture
def kernel() -> Iterator[tuple[FMOS, Hanging]]:
    config = Config.parse(
        {
            "state": {"enabled": False},
            "pfms": {"p": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["p"], "fallback": {"retries": 1, "backoff_s": 0}}},
        }
    )
    hanging = Hanging()
    with FMOS(config, backends={"p": hanging}) as fmos:
        yield fmos, hanging


def langchain(fmos: FMOS) -> None:
    ChatFMOS(fmos=fmos, timeout=TIMEOUT_S).invoke("hi")


def langchain_per_call(fmos: FMOS) -> None:
    ChatFMOS(fmos=fmos).invoke("hi", timeout=TIMEOUT_S)


def autogen(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos, timeout=TIMEOUT_S)
    asyncio.run(client.create([UserMessage(content="hi", source="user")]))


def autogen_per_call(fmos: FMOS) -> None:
    client = FMOSChatCompletionClient(fmos)
    ask = [UserMessage(content="hi", source="user")]
    asyncio.run(client.create(ask, extra_create_args={"timeout": TIMEOUT_S}))


def llamaindex(fmos: FMOS) -> None:
    FMOSLLM(fmos.vfm(), timeout=TIMEOUT_S).complete("hi")


def langgraph(fmos: FMOS) -> None:
    FMOSModelNode(fmos, timeout_s=TIMEOUT_S).invoke({"messages": [HumanMessage("hi")]})


@pytest.mark.parametrize(
    "harness",
    [langchain, langchain_per_call, autogen, autogen_per_call, llamaindex, langgraph],
)
def test_the_harness_timeout_bounds_each_attempt(
    kernel: tuple[FMOS, Hanging], harness: Callable[[FMOS], None]
) -> None:
    fmos, hanging = kernel
    started = time.monotonic()
    with pytest.raises(BackendTimeout, match=r"within the call.s timeout of 0\.2s"):
        harness(fmos)
    assert time.monotonic() - started < HANG_S  # neither attempt waited for the pFM
    assert [r.timeout_s for r in hanging.requests] == [TIMEOUT_S, TIMEOUT_S]  # one retry


def test_a_timeout_that_is_not_positive_is_refused_by_the_adapter(kernel) -> None:
    fmos, hanging = kernel
    with pytest.raises(ValueError, match="greater than 0"):
        ChatFMOS(fmos=fmos, timeout=0)
    assert hanging.requests == []
