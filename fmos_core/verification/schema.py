"""JSON-schema checks of answers and tool arguments, and the message that asks for a repair.

Example:
    >>> check_value({"n": 1}, {"type": "object", "required": ["n"]}, "the response")
    >>> repair_message("'n' is a required property").role
    'user'
"""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from fmos_core.contract import Message
from fmos_core.errors import VerificationFailed


def check_json(text: str, schema: dict[str, object], what: str) -> None:
    """Raise ``VerificationFailed`` unless ``text`` is JSON valid against ``schema``."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise VerificationFailed(f"{what} is not JSON: {exc}") from None
    check_value(value, schema, what)


def check_value(value: object, schema: dict[str, object], what: str) -> None:
    """Raise ``VerificationFailed`` naming the first error of ``value`` against ``schema``."""
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=str)
    if errors:
        raise VerificationFailed(f"{what} failed schema validation: {errors[0].message}")


_SCHEMA_CHARS = 1500


def repair_message(problem: str, schema: dict[str, object] | None = None) -> Message:
    """What the pFM is told after an invalid JSON answer, to answer again."""
    shape = ""
    if schema is not None:
        shape = f" The JSON schema: {json.dumps(schema, separators=(',', ':'))[:_SCHEMA_CHARS]}"
    return Message(
        role="user",
        content=(
            f"Your answer was rejected: {problem}. Reply again with only the corrected "
            f"JSON, matching the schema exactly.{shape}"
        ),
    )
