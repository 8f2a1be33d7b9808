"""Self-evolution: versions of a VFM's prompts, demonstrations and policies, their
aliases (``production``, ``canary``, ``pinned``) and the history of every alias move.

Example:
    >>> "canary" in ALIASES
    True
"""

from fmos_core.evolution.serving import PromptSelector, Selected
from fmos_core.evolution.versions import ALIASES, KINDS, AliasMove, Version, VersionStore

__all__ = [
    "ALIASES",
    "KINDS",
    "AliasMove",
    "PromptSelector",
    "Selected",
    "Version",
    "VersionStore",
]
