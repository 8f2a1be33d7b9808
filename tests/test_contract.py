"""The VFM contract: validation of messages, tools and requests; the public API; the errors."""

from __future__ import annotations

import inspect

import pytest
from pydantic import ValidationError

import fmos_core
from fmos_core import (
    FMOS,
    BadRequest,
    Config,
    FmosError,
    Message,
    Privilege,
    Request,
    Response,
    RunError,
    ToolCall,
    ToolSpec,
    UserError,
)
from fmos_core import errors as errors_module
from fmos_core.testing import ScriptedBackend

NONSENSE_SCHEMA = {"type": "object", "properties": {"a": {"type": "nonsense"}}}
ADD = {
    "name": "add",
    "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
}


@pytest.fixture
def fmos(tmp_path):
    """A kernel whose pFM must never be called: every request here is rejected first."""
    backend = ScriptedBackend([])
    cfg = Config.parse(
        {
            "state": {"url": f"sqlite:///{tmp_path}/s.db"},
            "pfms": {"s": {"driver": "scripted"}},
            "vfms": {"default": {"pfms": ["s"]}},
        }
    )
    with FMOS(cfg, backends={"s": backend}) as kernel:
        yield kernel
    assert backend.requests == [], "a rejected request reached the pFM"
    backend.assert_consumed()


# --- Message ---------------------------------------------------------------------------


def test_tool_message_needs_tool_call_id():
    with pytest.raises(ValidationError, match="role 'tool' needs tool_call_id"):
        Message(role="tool", content="42")
    assert Message(role="tool", content="42", tool_call_id="c1").tool_call_id == "c1"


@pytest.mark.parametrize("role", ["user", "system", "tool"])
def test_only_assistant_messages_carry_tool_calls(role):
    call = ToolCall(id="c1", name="add", arguments={"a": 1})
    with pytest.raises(ValidationError, match="only an 'assistant' message may carry tool_calls"):
        Message(role=role, content="", tool_calls=[call], tool_call_id="c0")
    assert Message(role="assistant", tool_calls=[call]).tool_calls == [call]


def test_message_rejects_unknown_fields_and_roles():
    with pytest.raises(ValidationError, match="extra"):
        Message(role="user", content="hi", colour="blue")
    with pytest.raises(ValidationError, match="role"):
        Message(role="robot", content="hi")


# --- ToolSpec --------------------------------------------------------------------------


def test_tool_schema_that_is_not_json_schema_names_where():
    with pytest.raises(ValidationError) as info:
        ToolSpec(name="f", parameters=NONSENSE_SCHEMA)
    message = str(info.value)
    assert "not valid JSON Schema" in message
    assert "properties/a/type" in message


def test_tool_parameters_must_be_an_object_schema():
    with pytest.raises(ValidationError, match='"type": "object"'):
        ToolSpec(name="f", parameters={"type": "string"})


def test_tool_name_and_privilege_are_validated():
    with pytest.raises(ValidationError, match="name"):
        ToolSpec(name="has spaces")
    with pytest.raises(ValidationError, match="unknown privilege 'root'"):
        ToolSpec(name="f", privilege="root")
    assert ToolSpec(name="f", privilege="write").privilege is Privilege.WRITE
    assert ToolSpec(name="f", privilege=3).privilege is Privilege.ADMIN
    assert ToolSpec(name="f").privilege is Privilege.SAFE


# --- Request ---------------------------------------------------------------------------


def test_tool_choice_naming_an_unknown_tool():
    with pytest.raises(ValidationError, match=r"tool_choice names 'sub'.*\(add\)"):
        Request(messages=[Message(role="user", content="hi")], tools=[ADD], tool_choice="sub")
    ok = Request(messages=[Message(role="user", content="hi")], tools=[ADD], tool_choice="add")
    assert ok.tool_choice == "add"


def test_tool_choice_without_tools():
    with pytest.raises(ValidationError, match="has no tools"):
        Request(messages=[Message(role="user", content="hi")], tool_choice="required")


def test_tool_choice_and_response_schema_exclude_each_other():
    with pytest.raises(ValidationError, match="not both"):
        Request(
            messages=[Message(role="user", content="hi")],
            tools=[ADD],
            tool_choice="required",
            response_schema={"type": "object"},
        )


def test_invalid_response_schema_names_where():
    with pytest.raises(ValidationError, match="response_schema is not valid JSON Schema at type"):
        Request(messages=[Message(role="user", content="hi")], response_schema={"type": "nope"})


def test_request_needs_a_message_and_a_positive_max_tokens():
    with pytest.raises(ValidationError, match="messages"):
        Request(messages=[])
    with pytest.raises(ValidationError, match="max_tokens"):
        Request(messages=[Message(role="user", content="hi")], max_tokens=0)


# --- the same mistakes through a VFM: BadRequest saying what to fix ----------------------


@pytest.mark.parametrize(
    ("messages", "options", "expected"),
    [
        (
            [{"role": "tool", "content": "42"}],
            {},
            "messages.0: a message with role 'tool' needs tool_call_id",
        ),
        (
            [{"role": "user", "content": "hi", "tool_calls": [{"id": "c", "name": "add"}]}],
            {},
            "messages.0: only an 'assistant' message may carry tool_calls",
        ),
        (
            "hi",
            {"tools": [{"name": "f", "parameters": NONSENSE_SCHEMA}]},
            "tools.0.parameters: tool parameters is not valid JSON Schema at properties/a/type",
        ),
        (
            "hi",
            {"tools": [ADD], "tool_choice": "sub"},
            "tool_choice names 'sub', which is not among the tools (add)",
        ),
        (
            "hi",
            {"response_schema": {"type": "object", "properties": {"x": {"minimum": "abc"}}}},
            "response_schema is not valid JSON Schema at properties/x/minimum",
        ),
        ("hi", {"temperature": 7}, "sampling.temperature"),
        ("hi", {"colour": "blue"}, "unknown key 'colour'"),
        ([], {}, "messages"),
    ],
    ids=[
        "tool-without-id",
        "user-tool-calls",
        "bad-tool-schema",
        "unknown-tool-choice",
        "bad-response-schema",
        "bad-sampling",
        "unknown-option",
        "no-messages",
    ],
)
def test_invoke_turns_invalid_input_into_bad_request(fmos, messages, options, expected):
    with pytest.raises(BadRequest) as info:
        fmos.vfm().invoke(messages, **options)
    assert str(info.value).startswith("invalid request: ")
    assert expected in str(info.value)
    assert isinstance(info.value, UserError)
    assert info.value.__cause__ is None  # the pydantic noise is not chained in


async def test_ainvoke_and_stream_reject_the_same_way(fmos):
    with pytest.raises(BadRequest, match="role 'tool' needs tool_call_id"):
        await fmos.vfm().ainvoke([{"role": "tool", "content": "x"}])
    with pytest.raises(BadRequest, match="not among the tools"):
        async for _ in fmos.vfm().astream("hi", tools=[ADD], tool_choice="sub"):
            pass
    with pytest.raises(BadRequest, match="not valid JSON Schema"):
        for _ in fmos.vfm().stream("hi", response_schema={"type": "nope"}):
            pass


def test_options_beside_a_request_object_are_refused(fmos):
    request = Request(messages=[Message(role="user", content="hi")])
    with pytest.raises(BadRequest, match="inside the Request"):
        fmos.vfm().invoke(request, max_tokens=5)


def test_response_helpers():
    response = Response(
        message=Message(role="assistant", content='{"a": 1}'), vfm="v", pfm="p", trace_id="t"
    )
    assert response.text == '{"a": 1}'
    assert response.parsed() == {"a": 1}
    assert response.tool_calls == []


# --- the public API ---------------------------------------------------------------------

EXPECTED_EXPORTS = [
    "FMOS",
    "VFM",
    "ApprovalDenied",
    "ApprovalRequired",
    "Backend",
    "BackendError",
    "BackendRateLimited",
    "BackendTimeout",
    "BackendUnavailable",
    "BadRequest",
    "BudgetExceeded",
    "CapabilityProfile",
    "Chunk",
    "Completion",
    "Config",
    "ConfigError",
    "ContextWindowExceeded",
    "DriverNotInstalled",
    "FmosError",
    "GuardrailTripped",
    "Identity",
    "Message",
    "Privilege",
    "Provenance",
    "ReasoningUnsupported",
    "Request",
    "Response",
    "RunError",
    "Sampling",
    "StreamEvent",
    "ToolCall",
    "ToolSpec",
    "Trap",
    "TrapRecord",
    "UnknownRecord",
    "UnknownTenant",
    "UnknownVFM",
    "Usage",
    "UserError",
    "VerificationFailed",
    "VerifierError",
]


def test_public_api_is_the_export_list():
    assert fmos_core.__all__ == EXPECTED_EXPORTS
    for name in EXPECTED_EXPORTS:
        assert getattr(fmos_core, name) is not None


# --- the error tree ---------------------------------------------------------------------

USER_ERRORS = {
    "ConfigError",
    "BadRequest",
    "ReasoningUnsupported",
    "UnknownVFM",
    "UnknownTenant",
    "UnknownRecord",
    "DriverNotInstalled",
}
RUN_ERRORS = {
    "BackendError",
    "BackendUnavailable",
    "BackendTimeout",
    "BackendRateLimited",
    "ContextWindowExceeded",
    "BudgetExceeded",
    "VerificationFailed",
    "VerifierError",
    "GuardrailTripped",
    "ApprovalRequired",
    "ApprovalDenied",
}
PARENTS = {
    "BackendUnavailable": "BackendError",
    "BackendTimeout": "BackendError",
    "BackendRateLimited": "BackendError",
    "ContextWindowExceeded": "BackendError",
    "ApprovalDenied": "ApprovalRequired",
    "VerifierError": "VerificationFailed",
    "ReasoningUnsupported": "BadRequest",
}


def _error_classes() -> dict[str, type[BaseException]]:
    return {
        name: cls
        for name, cls in inspect.getmembers(errors_module, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__ == errors_module.__name__
    }


def test_every_error_derives_from_fmos_error_and_is_exported():
    classes = _error_classes()
    assert set(classes) == USER_ERRORS | RUN_ERRORS | {"FmosError", "UserError", "RunError"}
    for name, cls in classes.items():
        assert issubclass(cls, FmosError), name
        assert getattr(fmos_core, name) is cls, f"{name} is not exported"


def test_user_errors_and_run_errors_split_by_cause():
    classes = _error_classes()
    assert not issubclass(UserError, RunError)
    assert not issubclass(RunError, UserError)
    for name in USER_ERRORS:
        assert issubclass(classes[name], UserError), name
        assert not issubclass(classes[name], RunError), name
    for name in RUN_ERRORS:
        assert issubclass(classes[name], RunError), name
        assert not issubclass(classes[name], UserError), name
    for child, parent in PARENTS.items():
        assert classes[child].__mro__[1] is classes[parent], child


def test_every_error_class_is_drawn_in_the_module_docstring():
    doc = errors_module.__doc__
    assert doc is not None
    for name in _error_classes():
        assert name in doc, f"{name} is missing from the tree in errors.py"


def test_run_errors_carry_their_context():
    error = fmos_core.BudgetExceeded(
        "over", tenant="acme", resource="tokens", limit=10, requested=11, trace_id="t1"
    )
    assert (error.tenant, error.resource, error.limit, error.requested, error.trace_id) == (
        "acme",
        "tokens",
        10,
        11,
        "t1",
    )
    assert fmos_core.BackendUnavailable("down", pfm="p").pfm == "p"
    assert fmos_core.ApprovalDenied("no", approval_id="a1").approval_id == "a1"
    assert fmos_core.GuardrailTripped("no", guardrail="pii").guardrail == "pii"
    assert fmos_core.RunError("x").trace_id is None
