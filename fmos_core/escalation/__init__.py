"""The escalation ladder: fast → verify → deliberate → human, decided by the trust trap.

``Signals`` describe a fast answer; a ``RuleLadder`` or a ``LearnedLadder`` (trained
from traces by ``train_ladder``, kept as versioned ``LadderArtifacts``) decides its
first rung. The rungs themselves run in ``fmos_core.pipeline.escalation``.

Example:
    >>> from fmos_core.config import VerifyConfig
    >>> RuleLadder(VerifyConfig()).decide(Signals(rule_failures=1)).rung
    'deliberate'
"""

from fmos_core.escalation.artifacts import LadderArtifact, LadderArtifacts
from fmos_core.escalation.ladder import Decision, Ladder, LearnedLadder, RuleLadder
from fmos_core.escalation.signals import FEATURES, RUNGS, Signals, logprob_stats
from fmos_core.escalation.training import Example, score, train_ladder, youden

__all__ = [
    "FEATURES",
    "RUNGS",
    "Decision",
    "Example",
    "Ladder",
    "LadderArtifact",
    "LadderArtifacts",
    "LearnedLadder",
    "RuleLadder",
    "Signals",
    "logprob_stats",
    "score",
    "train_ladder",
    "youden",
]
