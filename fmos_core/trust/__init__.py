"""Trust guardrails: detectors that inspect what enters a model's context.

Each detector lives in its own module and exports its public names here.
"""

# prompt injection (injection.py, normalise.py, classifier.py)
from fmos_core.trust.classifier import ClassifierScore, InjectionClassifier
from fmos_core.trust.injection import InjectionDetector, InjectionVerdict, Span
from fmos_core.trust.normalise import Normalised, normalise

# PII detection and redaction (pii.py)
from fmos_core.trust.pii import (
    PII_KINDS,
    PiiMatch,
    Redaction,
    find_pii,
    redact,
    redact_value,
)

# (other guardrails add their imports here)

__all__ = [
    # prompt injection
    "ClassifierScore",
    "InjectionClassifier",
    "InjectionDetector",
    "InjectionVerdict",
    "Normalised",
    "Span",
    "normalise",
    # (other guardrails add their names here)
]

# PII detection and redaction (its own list: one sorted __all__ cannot keep the groups apart)
__all__ += ["PII_KINDS", "PiiMatch", "Redaction", "find_pii", "redact", "redact_value"]
