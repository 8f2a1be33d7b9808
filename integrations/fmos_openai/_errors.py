"""The openai SDK's exceptions, translated by type into FMOS ``BackendError``s.

The SDK's exception is dropped from the displayed chain (``from None``): a server
that is down gives one line naming the pFM, not an SDK stack trace. It stays on
``__context__`` for debugging.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Protocol

import openai

from fmos_core.errors import (
    BackendError,
    BackendRateLimited,
    BackendTimeout,
    BackendUnavailable,
    ContextWindowExceeded,
)


class _HasHeaders(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...


# Structured markers of "the prompt does not fit": OpenAI and llama-cpp-python's
# server send ``code``; llama.cpp's C++ server sends ``type``.
_CONTEXT_CODES = frozenset({"context_length_exceeded"})
_CONTEXT_TYPES = frozenset({"exceed_context_size_error"})


@contextmanager
def translated(*, pfm: str, base_url: str, timeout: float) -> Iterator[None]:
    """Run the body; raise SDK failures as the matching ``BackendError``."""
    try:
        yield
    except openai.APITimeoutError:
        raise BackendTimeout(
            f"pfm {pfm!r}: no answer from {base_url} within {timeout:g}s", pfm=pfm
        ) from None
    except openai.APIConnectionError as exc:
        raise BackendUnavailable(
            f"pfm {pfm!r}: cannot reach {base_url} ({_cause(exc)})", pfm=pfm
        ) from None
    except openai.APIStatusError as exc:
        raise status_error(exc, pfm=pfm) from None
    except openai.APIError as exc:
        # An error event inside a stream, or a body the SDK could not read.
        raise BackendError(f"pfm {pfm!r}: {exc.message}", pfm=pfm) from None


def status_error(exc: openai.APIStatusError, *, pfm: str) -> BackendError:
    """The ``BackendError`` for an HTTP error answer, chosen by status and error code."""
    status = exc.status_code
    message = f"pfm {pfm!r}: {exc.message} ({exc.request.method} {exc.request.url})"
    if status == 429:
        return BackendRateLimited(message, pfm=pfm, retry_after=retry_after(exc.response))
    if status >= 500:
        return BackendUnavailable(message, pfm=pfm)
    if status == 408:
        return BackendTimeout(message, pfm=pfm)
    if status in (400, 413) and (exc.code in _CONTEXT_CODES or exc.type in _CONTEXT_TYPES):
        return ContextWindowExceeded(message, pfm=pfm)
    return BackendError(message, pfm=pfm)


def retry_after(response: _HasHeaders) -> float | None:
    """The wait a 429 asks for, in seconds: ``retry-after-ms`` (OpenAI), else
    ``retry-after`` as seconds or an HTTP date; None when absent or unreadable."""
    headers = response.headers
    try:
        if (ms := headers.get("retry-after-ms")) is not None:
            return max(0.0, float(ms) / 1000)
        if (value := headers.get("retry-after")) is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (ValueError, TypeError):
        return None


def _cause(exc: openai.APIConnectionError) -> str:
    cause = exc.__cause__
    return f"{type(cause).__name__}: {cause}" if cause is not None else exc.message
