"""Verification: JSON-schema checks with repair, app rule checks, self-consistency and
a verifier pFM's judgement — the checks the verify stage and the escalation ladder use.

Example:
    >>> from fmos_core.verification import answer_key, majority
    >>> majority([answer_key("Paris"), answer_key(" paris."), answer_key("Lyon")])
    (0, 0.6666666666666666)
"""

from fmos_core.verification.consistency import AnswerKey, answer_key, majority
from fmos_core.verification.judge import JUDGE_MAX_TOKENS, judge_request, parse_verdict
from fmos_core.verification.rules import RuleCheck, run_checks
from fmos_core.verification.schema import check_json, check_value, repair_message

__all__ = [
    "JUDGE_MAX_TOKENS",
    "AnswerKey",
    "RuleCheck",
    "answer_key",
    "check_json",
    "check_value",
    "judge_request",
    "majority",
    "parse_verdict",
    "repair_message",
    "run_checks",
]
