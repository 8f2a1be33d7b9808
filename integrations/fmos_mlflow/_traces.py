"""An FMOS trace record as an MLflow trace: its info and its spans, with their real timing.

The root span is the VFM call: inputs are the request's messages, outputs the response
text, attributes the tokens (also as MLflow's ``mlflow.chat.tokenUsage``), cost, latency,
traps, pFM, tenant and the prompt versions that shaped it. Each FMOS span (a pipeline
stage, an attempt) is a child with its own start and duration. The MLflow trace id is
derived from the FMOS trace id (``tr-`` and 32 hex digits of its SHA-256) and the trace
is tagged ``fmos.trace_id``, so an exported record is found again and never doubled.

Example:
    >>> from fmos_core.store.traces import Span as FmosSpan, TraceRecord
    >>> record = TraceRecord(id="t1", tenant="acme", vfm="default", pfm="s",
    ...                      latency_ms=5.0, spans=[FmosSpan("route", 1.0, 2.0)])
    >>> info, spans = trace_entities(record, "1")
    >>> info.tags["fmos.trace_id"], [s.name for s in spans]
    ('t1', ['vfm default', 'route'])
    >>> spans[1].start_time_ns - spans[0].start_time_ns
    1000000
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from fmos_core.store.traces import TraceRecord

from ._render import clip

if TYPE_CHECKING:
    from mlflow.entities import Span, TraceInfo

TRACE_TAG = "fmos.trace_id"
_LABEL = re.compile(r"v(\d+)")
_LLM_SPANS = ("execute", "attempt")
_PREVIEW = 1000


def mlflow_trace_id(fmos_id: str) -> str:
    """The MLflow trace id an FMOS trace is exported under."""
    return "tr-" + hashlib.sha256(fmos_id.encode()).hexdigest()[:32]


def prompt_versions(record: TraceRecord) -> dict[str, int]:
    """``{kind: FMOS version}`` of the prompt versions that shaped the call."""
    provenance = _plain(record.provenance) or {}
    labels = provenance.get("prompt_versions") or {}
    found = {}
    for kind, label in labels.items():
        match = _LABEL.match(str(label))
        if match:
            found[kind] = int(match.group(1))
    return found


def trace_entities(
    record: TraceRecord, experiment_id: str, linked: list[dict[str, str]] | None = None
) -> tuple[TraceInfo, list[Span]]:
    """The MLflow trace info and spans of ``record`` (see the module); ``linked`` names
    the MLflow prompt versions (``{"name", "version"}``) to link the trace to."""
    from mlflow.entities import TraceInfo, TraceLocation, TraceState

    trace_id = mlflow_trace_id(record.id)
    end_ns = int(record.created_at * 1e9)
    start_ns = end_ns - int(record.latency_ms * 1e6)
    ok = record.status == "ok"
    request = _plain(record.request) or {}
    response = _plain(record.response) or {}
    answer = ((response.get("message") or {}).get("content")) or ""
    root = _span(
        trace_id,
        f"vfm {record.vfm}",
        _span_id(record.id, -1),
        None,
        start_ns,
        end_ns,
        _root_attributes(record, request, answer),
        error=None if ok else (record.error or record.status),
    )
    spans = [root]
    for index, step in enumerate(record.spans):
        begin = start_ns + int(step.start_ms * 1e6)
        attributes = {f"fmos.{k}": v for k, v in (step.attributes or {}).items()}
        attributes["mlflow.spanType"] = "LLM" if step.name in _LLM_SPANS else "UNKNOWN"
        end = begin + int(step.duration_ms * 1e6)
        span_id = _span_id(record.id, index)
        spans.append(_span(trace_id, step.name, span_id, root.span_id, begin, end, attributes))
    tags = {
        TRACE_TAG: record.id,
        "fmos.tenant": record.tenant,
        "fmos.vfm": record.vfm,
        "fmos.pfm": record.pfm,
        "mlflow.traceName": f"vfm {record.vfm}",
    }
    if linked:
        tags["mlflow.linkedPrompts"] = json.dumps(linked)
    info = TraceInfo(
        trace_id=trace_id,
        trace_location=TraceLocation.from_experiment_id(experiment_id),
        request_time=start_ns // 1_000_000,
        state=TraceState.OK if ok else TraceState.ERROR,
        request_preview=clip(_last_user(request), _PREVIEW),
        response_preview=clip(str(answer), _PREVIEW),
        execution_duration=int(record.latency_ms),
        trace_metadata={"mlflow.trace.session": record.session},
        tags=tags,
    )
    return info, spans


def _root_attributes(record: TraceRecord, request: dict[str, Any], answer: str) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "mlflow.spanType": "CHAT_MODEL",
        "mlflow.spanInputs": {"messages": request.get("messages", [])},
        "mlflow.spanOutputs": answer,
        "mlflow.chat.tokenUsage": {
            "input_tokens": record.input_tokens,
            "output_tokens": record.output_tokens,
            "total_tokens": record.input_tokens + record.output_tokens,
        },
        "fmos.vfm": record.vfm,
        "fmos.pfm": record.pfm,
        "fmos.pfm_version": record.pfm_version,
        "fmos.tenant": record.tenant,
        "fmos.app": record.app,
        "fmos.session": record.session,
        "fmos.input_tokens": record.input_tokens,
        "fmos.output_tokens": record.output_tokens,
        "fmos.cached_tokens": record.cached_tokens,
        "fmos.reasoning_tokens": record.reasoning_tokens,
        "fmos.cost": record.cost,
        "fmos.latency_ms": record.latency_ms,
        "fmos.traps": _plain(record.traps),
        "fmos.prompt_versions": (_plain(record.provenance) or {}).get("prompt_versions", {}),
        "fmos.status": record.status,
    }
    if record.cost:
        attributes["mlflow.llm.cost"] = {"total_cost": record.cost}
    if record.error:
        attributes["fmos.error"] = record.error
    return attributes


def _span(
    trace_id: str,
    name: str,
    span_id: int,
    parent: str | None,
    start_ns: int,
    end_ns: int,
    attributes: dict[str, Any],
    *,
    error: str | None = None,
) -> Span:
    from mlflow.entities import Span

    encoded = {key: json.dumps(value, default=str) for key, value in attributes.items()}
    encoded["mlflow.traceRequestId"] = json.dumps(trace_id)
    return Span.from_dict(
        {
            "trace_id": _b64(int(trace_id.removeprefix("tr-"), 16), 16),
            "span_id": _b64(span_id, 8),
            "parent_span_id": _b64(int(parent, 16), 8) if parent else None,
            "name": name,
            "start_time_unix_nano": start_ns,
            "end_time_unix_nano": max(end_ns, start_ns),
            "status": {
                "code": "STATUS_CODE_OK" if error is None else "STATUS_CODE_ERROR",
                "message": error or "",
            },
            "attributes": encoded,
        }
    )


def _span_id(fmos_id: str, index: int) -> int:
    digest = hashlib.sha256(f"{fmos_id}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") or 1


def _b64(number: int, size: int) -> str:
    return base64.b64encode(number.to_bytes(size, "big")).decode()


def _last_user(request: dict[str, Any]) -> str:
    for message in reversed(request.get("messages") or []):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_defaults=True)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
