"""The rule table: one entry per attack phrasing, grouped by the rule name it reports.

Each entry is ``rule(name, pattern, (user, tool, document), *anchor groups, …)`` (see
``_rule`` for what the parts mean and ``_gate`` for the anchors). Anchor groups are
chosen among the first words of a match, within ``CHUNK * REACH`` characters of its
start; a group of several words means "one of these". The entries live by attack
family — ``_rules_override`` (ignore previous instructions, new instructions),
``_rules_roles`` (fake system and tool messages, role play, jailbreaks) and
``_rules_exfil`` (exfiltration, tool coercion, secrecy) and ``_rules_leak`` (prompt
leaking, secrets asked for) — on words from
``_vocab``; this module puts them together.
"""

from __future__ import annotations

from fmos_core.trust._gate import inside_anchors, word_anchors
from fmos_core.trust._rule import SOURCES, Rule, Source
from fmos_core.trust._rules_exfil import EXFIL_RULES
from fmos_core.trust._rules_leak import LEAK_RULES
from fmos_core.trust._rules_override import OVERRIDE_RULES
from fmos_core.trust._rules_roles import ROLE_RULES

__all__ = ["ANCHORS", "INSIDE_WORDS", "RULES", "SOURCES", "Rule", "Source"]

RULES: tuple[Rule, ...] = (*OVERRIDE_RULES, *ROLE_RULES, *EXFIL_RULES, *LEAK_RULES)
ANCHORS = word_anchors([r.needs for r in RULES])
INSIDE_WORDS = inside_anchors([r.needs for r in RULES])
