"""``reasoning_level`` (named, a token budget, or "auto") passes through every adapter, and
LangChain run tags become FMOS request tags."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from autogen_core.models import UserMessage
from fmos_autogen import FMOSChatCompletionClient
from fmos_langchain import ChatFMOS
from fmos_langgraph import FMOSModelNode
from fmos_llamaindex import FMOSLLM
from langchain_core.messages import HumanMessage

from fmos_core import FMOS, Config
from fmos_core.testing import RecordingBackend, ScriptedBackend


@pytest.fixture
def kernel() -> Iterator[tuple[FMOS, RecordingBackend]]:
    config = Config.parse(
        {
            "state": {"enabled": False},
            "pfms": {"p": {"driver": "scripted", "profile": {"reasoning_knob": "token_budget"}}},
            "vfms": {"default": {"pfms": ["p"], "reasoning": {"default": "medium"}}},
        }
    )
    recording = RecordingBackend(ScriptedBackend(["ok"], repeat=True))
    with FMOS(config, backends={"p": recording}) as fmos:
        yield fmos, recording


def test_langchain(kernel: tuple[FMOS, RecordingBackend]) -> None:
    fmos, recording = kernel
    ChatFMOS(fmos=fmos, reasoning_level=2048).invoke("hi")
    ChatFMOS(fmos=fmos).invoke("hi", reasoning_level="auto")
    assert [r.reasoning_level for r in recording.requests] == [2048, "medium"]


def test_autogen(kernel: tuple[FMOS, RecordingBackend]) -> None:
    fmos, recording = kernel
    client = FMOSChatCompletionClient(fmos)
    ask = [UserMessage(content="hi", source="user")]
    asyncio.run(client.create(ask, extra_create_args={"reasoning_level": 2048}))
    asyncio.run(client.create(ask, extra_create_args={"reasoning_level": "auto"}))
    assert [r.reasoning_level for r in recording.requests] == [2048, "medium"]


def test_llamaindex(kernel: tuple[FMOS, RecordingBackend]) -> None:
    fmos, recording = kernel
    FMOSLLM(fmos.vfm(), reasoning_level=2048).complete("hi")
    FMOSLLM(fmos.vfm(), additional_kwargs={"reasoning_level": "auto"}).complete("hi")
    assert [r.reasoning_level for r in recording.requests] == [2048, "medium"]


def test_langgraph(kernel: tuple[FMOS, RecordingBackend]) -> None:
    fmos, recording = kernel
    FMOSModelNode(fmos, reasoning_level=2048).invoke({"messages": [HumanMessage("hi")]})
    FMOSModelNode(fmos, reasoning_level="auto").invoke({"messages": [HumanMessage("hi")]})
    assert [r.reasoning_level for r in recording.requests] == [2048, "medium"]


def test_langchain_run_tags_become_request_tags(kernel: tuple[FMOS, RecordingBackend]) -> None:
    fmos, recording = kernel
    ChatFMOS(fmos=fmos, tags=["math"]).invoke("hi")
    ChatFMOS(fmos=fmos).invoke("hi", config={"tags": ["cacheable", "seq:step:1"]})
    ChatFMOS(fmos=fmos).invoke("hi")
    assert [r.tags for r in recording.requests] == [["math"], ["cacheable"], []]
