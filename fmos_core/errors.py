"""The FMOS exception tree.

Every error FMOS raises is an ``FmosError``. The tree splits by cause, so a caller
can tell "fix your input" from "the run failed"::

    FmosError
    ├── UserError                  the caller must change something
    │   ├── ConfigError            invalid or unknown-key configuration
    │   ├── BadRequest             malformed messages, tool schemas, parameters
    │   │   └── ReasoningUnsupported   a reasoning level the pFM cannot express
    │   ├── UnknownVFM             no virtual model of that name
    │   ├── UnknownTenant          no tenant of that name
    │   ├── UnknownRecord          no trace / approval with that id
    │   └── DriverNotInstalled     a pFM driver whose extra is not installed
    └── RunError                   the run failed; the input may be fine
        ├── BackendError           a physical model failed
        │   ├── BackendUnavailable     unreachable, refused, 5xx
        │   ├── BackendTimeout         no answer in time
        │   ├── BackendRateLimited     429 from the provider
        │   └── ContextWindowExceeded  the prompt does not fit any pFM
        ├── BudgetExceeded         the reservation would pass a limit
        ├── VerificationFailed     the output failed a check (schema, tool arguments)
        │   └── VerifierError          a check could not give a verdict (it raised)
        ├── GuardrailTripped       a trust policy refused the call
        └── ApprovalRequired       a human must approve before this proceeds
            └── ApprovalDenied     ... and a human said no

Example:
    >>> from fmos_core.errors import BudgetExceeded, RunError
    >>> issubclass(BudgetExceeded, RunError)
    True
"""

from __future__ import annotations

from typing import Any


class FmosError(Exception):
    """Root of every error FMOS raises."""


class UserError(FmosError):
    """The caller's mistake: the message says what to change."""


class ConfigError(UserError):
    """The configuration is invalid (bad value, unknown key, missing file)."""


class BadRequest(UserError):
    """The request is malformed (messages, tools, schemas or parameters)."""


class ReasoningUnsupported(BadRequest):
    """The pFM's reasoning knob cannot express the requested ``reasoning_level``.
    ``pfm`` names it; the message says what to pass instead."""

    def __init__(self, message: str, *, pfm: str) -> None:
        super().__init__(message)
        self.pfm = pfm


class UnknownVFM(UserError):
    """No virtual foundation model of that name is configured."""


class UnknownTenant(UserError):
    """No tenant of that name is configured."""


class UnknownRecord(UserError):
    """No stored record (trace, approval) has that id."""


class DriverNotInstalled(UserError):
    """A pFM driver is configured but its package is not installed."""


class RunError(FmosError):
    """A run failed; the request itself may be valid. ``trace_id`` names its trace."""

    def __init__(self, message: str, *, trace_id: str | None = None) -> None:
        super().__init__(message)
        self.trace_id = trace_id


class BackendError(RunError):
    """A physical model failed to answer. ``pfm`` names it."""

    def __init__(self, message: str, *, pfm: str | None = None, trace_id: str | None = None):
        super().__init__(message, trace_id=trace_id)
        self.pfm = pfm


class BackendUnavailable(BackendError):
    """The pFM could not be reached, refused the connection or answered 5xx."""


class BackendTimeout(BackendError):
    """The pFM did not answer within the timeout."""


class BackendRateLimited(BackendError):
    """The pFM's provider answered 429 (rate limited).

    ``retry_after`` is the wait in seconds the provider asked for, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        pfm: str | None = None,
        trace_id: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, pfm=pfm, trace_id=trace_id)
        self.retry_after = retry_after


class ContextWindowExceeded(BackendError):
    """The prompt does not fit the context window of any allowed pFM."""


class BudgetExceeded(RunError):
    """Reserving this call would pass a budget limit; nothing was spent.

    ``resource`` is ``"tokens"``, ``"cost"`` or ``"requests"``.
    """

    def __init__(
        self,
        message: str,
        *,
        tenant: str,
        resource: str,
        limit: float,
        requested: float,
        trace_id: str | None = None,
    ) -> None:
        super().__init__(message, trace_id=trace_id)
        self.tenant = tenant
        self.resource = resource
        self.limit = limit
        self.requested = requested


class VerificationFailed(RunError):
    """The pFM's output failed verification (JSON schema, tool arguments)."""


class VerifierError(VerificationFailed):
    """A check could not judge the output: an app's rule check or the verifier pFM
    raised. The output is withheld; ``check`` names the check to fix."""

    def __init__(self, message: str, *, check: str, trace_id: str | None = None):
        super().__init__(message, trace_id=trace_id)
        self.check = check


class GuardrailTripped(RunError):
    """A trust policy refused the call. ``guardrail`` names the policy."""

    def __init__(self, message: str, *, guardrail: str, trace_id: str | None = None):
        super().__init__(message, trace_id=trace_id)
        self.guardrail = guardrail


class ApprovalRequired(RunError):
    """A privileged action waits for a human; ``approval_id`` names the pending approval."""

    def __init__(self, message: str, *, approval_id: str, trace_id: str | None = None):
        super().__init__(message, trace_id=trace_id)
        self.approval_id = approval_id


class ApprovalDenied(ApprovalRequired):
    """A human denied the approval; the privileged action will not run."""


def describe(error: BaseException) -> dict[str, Any]:
    """A JSON-safe description of an error, for traces and ``--json`` output."""
    return {"type": type(error).__name__, "message": str(error)}
