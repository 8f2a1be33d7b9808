"""Test doubles and the harness conformance suite that ship with FMOS.

Example:
    >>> from fmos_core.testing import ScriptedBackend
    >>> ScriptedBackend(["hi"]).version
    'scripted-1'
"""

from fmos_core.testing.recording import RecordingBackend
from fmos_core.testing.scripted import ScriptedBackend, ScriptedOptions, tool_call

__all__ = ["RecordingBackend", "ScriptedBackend", "ScriptedOptions", "tool_call"]
