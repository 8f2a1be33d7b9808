"""FMOS core: the framework-neutral kernel (contract, pipeline, traps, state).

Example:
    >>> import fmos_core
    >>> "FMOS" in fmos_core.__all__
    True
"""

from fmos_core.backends import Backend, Chunk, Completion
from fmos_core.config import Config
from fmos_core.contract import (
    Identity,
    Message,
    Privilege,
    Provenance,
    Request,
    Response,
    Sampling,
    StreamEvent,
    ToolCall,
    ToolSpec,
    TrapRecord,
    Usage,
)
from fmos_core.errors import (
    ApprovalDenied,
    ApprovalRequired,
    BackendError,
    BackendRateLimited,
    BackendTimeout,
    BackendUnavailable,
    BadRequest,
    BudgetExceeded,
    ConfigError,
    ContextWindowExceeded,
    DriverNotInstalled,
    FmosError,
    GuardrailTripped,
    ReasoningUnsupported,
    RunError,
    UnknownRecord,
    UnknownTenant,
    UnknownVFM,
    UserError,
    VerificationFailed,
    VerifierError,
)
from fmos_core.kernel import FMOS
from fmos_core.profiles import CapabilityProfile
from fmos_core.traps import Trap
from fmos_core.vfm import VFM

__all__ = [
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
