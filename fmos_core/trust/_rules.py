"""The rule table: one entry per attack phrasing, grouped by the rule name it reports.

Each entry is ``rule(name, pattern, (user, tool, document), *anchor groups, …)`` (see
``_rule`` for what the parts mean and ``_gate`` for the anchors). Anchor groups are
chosen among the first words of a match, within ``CHUNK * REACH`` characters of its
start; a group of several words means "one of these".
"""

from __future__ import annotations

from fmos_core.trust._gate import inside_anchors, word_anchors
from fmos_core.trust._rule import (
    SOURCES,
    Rule,
    S,
    Source,
    any_of,
    beacon,
    destructive,
    gap,
    own_instructions,
    routine_object,
    rule,
)

__all__ = ["ANCHORS", "INSIDE_WORDS", "RULES", "SOURCES", "Rule", "Source"]

# --- vocabulary (pattern, anchors) ---------------------------------------------------------

IGNORE = any_of(
    "ignore", "disregard", "forget", "override", "bypass", "neglect", "set aside",
    "pay no attention to", "stop following", "do not follow", "don t follow", "dont follow",
    "discard", "abandon", "throw away", "throw out",
)  # fmt: skip
IGNORE_A = "ignore disregard forget override bypass neglect set pay stop do dont don discard"
IGNORE_A += " abandon throw"
QUALIFIER = any_of(
    "previous", "prior", "above", "preceding", "earlier", "original", "initial", "foregoing",
    "existing", "all", "any", "every", "your", "system", "default", "developer", "safety",
    "these", "those", "old", "current", "given", "my", "our",
)  # fmt: skip
DIRECTIVES = any_of(
    "instruction", "prompt", "direction", "directive", "rule", "guideline", "guidance",
    "command", "constraint", "guardrail", "programming", "polic", "restriction", "filter",
    "training", "context",
)  # fmt: skip
DIRECTIVES_A = "instruction prompt direction directive rule guideline guidance command"
DIRECTIVES_A += " constraint guardrail programming policy restriction filter training context"
AI = any_of(
    "ai", "assistant", "llm", "language model", "chatbot", "bot", "agent", "model", "gpt",
    "chatgpt", "claude", "gemini", "copilot",
)  # fmt: skip
AI_A = "ai assistant llm language model chatbot bot agent gpt chatgpt claude gemini copilot"
ROLES = r"(?:system|developer|admin|administrator|root|operator|sysadmin)"
ROLES_A = "system developer admin administrator root operator sysadmin"
ROLE_SUFFIX = (
    r"(?:message|prompt|note|notice|instruction|instructions|override|update|alert|command"
    r"|directive|policy)"
)
ROLE_SUFFIX_A = "message prompt note notice instruction override update alert command directive"
ROLE_SUFFIX_A += " policy"
MODES = any_of(
    "developer", "dev", "god", "jailbreak", "jailbroken", "unrestricted", "unfiltered", "dan",
    "sudo", "admin", "root", "debug", "maintenance", "unlocked", "opposite", "evil", "chaos",
)  # fmt: skip
MODES_A = "developer dev god jailbreak unrestricted unfiltered dan sudo admin root debug"
MODES_A += " maintenance unlocked opposite evil chaos"
SECRETS = any_of(
    "conversation", "chat", "history", "messages", "transcript", "system prompt", "prompt",
    "instructions", "api key", "keys", "secret", "credentials", "password", "passcode",
    "token", "cookie", "session", "context", "memory", "env", "environment variables",
    "ssh", "private key", "social security", "credit card", "card number", "bank account",
    "bank details", "everything the user", "whatever the user", "everything you know",
)  # fmt: skip
ROUTINE = any_of(
    "files", "documents", "personal data", "personal information", "personal details",
    "user data", "data", "emails", "contacts", "inbox", "address book", "notes",
)  # fmt: skip
YOU_A = "you your youre"
NOT_AFTER_YOU_ARE_NOW = (  # "you are now logged in" and friends are not a new persona
    r"(?!(?:logged|connected|signed|subscribed|registered|ready|able|in[\W_]*the[\W_]*queue"
    r"|on[\W_]*the|online|offline|eligible|enrolled|a[\W_]*member|part[\W_]*of|talking"
    r"|chatting|speaking|viewing|using|leaving|entering|following|free[\W_]*to|set|all[\W_]*set"
    r"|done|finished|up[\W_]*to|booked|checked|verified|authenticated|the[\W_]*owner))"
)

RULES: tuple[Rule, ...] = (
    # --- ignore / disregard / forget previous instructions --------------------------------
    rule(
        "ignore_previous",
        rf"{IGNORE}{gap(4)}(?:{QUALIFIER}{S}){{1,3}}{gap(2)}{DIRECTIVES}",
        (0.85, 0.85, 0.85),
        IGNORE_A,
        DIRECTIVES_A,
        refine=own_instructions,
    ),
    rule(
        "ignore_previous",
        rf"{any_of('forget', 'ignore', 'disregard')}{S}"
        rf"{any_of('everything', 'anything', 'all of that', 'all that', 'all of this')}{S}"
        r"(?:you(?:[\W_]*(?:ve|have|were|had))?[\W_]*(?:been[\W_]*)?"
        r"(?:told|taught|learned|instructed|programmed)|(?:written|said|stated)?[\W_]*"
        r"(?:above|before|prior|earlier|previously|so[\W_]*far|until[\W_]*now))",
        (0.8, 0.8, 0.8),
        "forget ignore disregard",
        "everything anything all",
    ),
    rule(
        "ignore_previous",
        rf"{any_of('ignore', 'disregard', 'forget')}{S}(?:all{S})?(?:of{S})?(?:the{S}|that{S})?"
        r"(?:above|preceding|foregoing)\b(?![\W_]*(?:error|warning|message|output|step|example"
        r"|line|row|section|paragraph|figure|table|note|link|code|command|comment|list|image"
        r"|screenshot|log|file|diagram|chart|value|number))",
        (0.6, 0.7, 0.7),
        "ignore disregard forget",
        "above preceding foregoing",
    ),
    rule(
        "ignore_previous",
        rf"{IGNORE}{S}(?:what|everything|anything|whatever){S}(?:the{S})?(?:developer|system"
        r"|admin|operator|openai|anthropic|they|you[\W_]*(?:were|have[\W_]*been|ve[\W_]*been)"
        r"|your[\W_]*(?:creators?|developers?))[\W_]*(?:told|said|instructed|wrote|gave|taught)",
        (0.8, 0.8, 0.8),
        IGNORE_A,
        "what everything anything whatever",
    ),
    rule(
        "ignore_previous",
        r"(?:ignore|disregard)[\W_]*(?:the[\W_]*)?(?:user[\W_]*s?|their|his|her)[\W_]*"
        r"(?:actual[\W_]*|original[\W_]*)?(?:question|request|query|message|input|instructions)",
        (0.6, 0.6, 0.6),
        "ignore disregard",
        "question request query message input instructions",
    ),
    rule(
        "ignore_previous",
        r"(?:(?:previous|prior|original|earlier|old|your|above|initial|system|those|these)[\W_]*"
        r"(?:instructions|rules|guidelines|directives|prompt)|(?:instructions|rules|guidelines"
        r"|directives)[\W_]*(?:that[\W_]*)?you[\W_]*(?:were|have[\W_]*been|got|received))"
        r"(?:[\W_]+[a-z0-9]+){0,4}?[\W_]+(?:no[\W_]*longer[\W_]*(?:apply|applies|valid|in[\W_]*"
        r"effect|matter)|(?:were|was)[\W_]*(?:just[\W_]*|only[\W_]*)?(?:a[\W_]*)?(?:test|joke"
        r"|fake|decoy|mistake))",
        (0.6, 0.6, 0.6),
        "instructions rules guidelines directives prompt",
        "longer test joke fake decoy mistake",
    ),
    rule(
        "ignore_previous",
        r"(?:your|the|all|any)[\W_]*(?:previous|prior|original|earlier|above|old|initial"
        r"|system|safety|existing)[\W_]*(?:instructions|rules|guidelines|directives|prompt"
        r"|programming|restrictions|constraints)[\W_]*(?:have[\W_]*been|are|were|is|has"
        r"[\W_]*been)[\W_]*(?:now[\W_]*)?(?:updated|changed|cancel+ed|revoked|replaced|void"
        r"|null|nullified|overridden|superseded|deprecated|outdated|obsolete|lifted|removed"
        r"|suspended|disabled|no[\W_]*longer[\W_]*(?:valid|appl|in[\W_]*effect|active))",
        (0.7, 0.75, 0.75),
        "instructions rules guidelines directives prompt programming restrictions constraints",
        "updated changed cancelled revoked replaced void null overridden superseded deprecated"
        " outdated obsolete lifted removed suspended disabled longer",
    ),
    rule(  # the same in French, German, Spanish, Italian and Portuguese
        "ignore_previous",
        r"(?:ignor(?:e|ez|ier|ieren[\W_]*sie|a)|oublie[zs]?|vergiss|vergessen[\W_]*sie|olvid[ae]"
        r"|dimentica|esqueca)(?:[\W_]+[a-z]+){0,3}?[\W_]+(?:(?:vorherigen|vorigen|bisherigen"
        r"|obigen|fruheren|alle|allen)[\W_]+(?:[a-z]+[\W_]+){0,2}?(?:anweisungen|instruktionen"
        r"|befehle|regeln|vorgaben)|(?:instructions|consignes|regles|directives|instrucciones"
        r"|indicaciones|reglas|istruzioni|regole|instrucoes|regras)[\W_]+(?:precedentes"
        r"|anterieures|ci[\W_]*dessus|initiales|anteriores|previas|precedenti|di[\W_]*sopra))",
        (0.8, 0.8, 0.8),
        "ignore ignorez ignoriere ignora oublie vergiss vergessen olvida dimentica esqueca",
        "anweisungen instruktionen befehle regeln vorgaben instructions consignes regles"
        " directives instrucciones indicaciones reglas istruzioni regole instrucoes regras",
    ),
    # --- new instructions, redirection -----------------------------------------------------
    rule(
        "new_instructions",
        r"(?:new|updated|revised|real|actual|true|secret|hidden|additional|override|priority"
        r"|urgent|important|further)[\W_]*(?:system[\W_]*)?(?:instructions?|directives?|orders"
        r"|task|objective|mission|prompt)[\W_]*(?:[:\-]|follow\b|for[\W_]*(?:you|the[\W_]*"
        rf"{AI})|from[\W_]*(?:the[\W_]*)?(?:admin|developer|system|operator|openai|anthropic))",
        (0.25, 0.4, 0.4),
        "new updated revised real actual true secret hidden additional override priority urgent"
        " important further",
        "instructions directives orders task objective mission prompt",
    ),
    rule(
        "new_instructions",
        r"your[\W_]*(?:new|real|actual|true|only|primary|next|updated)[\W_]*(?:task|instructions?"
        r"|goal|objective|purpose|mission|job|role|directive)[\W_]*(?:is|are|will[\W_]*be|:|now)",
        (0.25, 0.4, 0.4),
        "your",
        "new real actual true only primary next updated",
    ),
    rule(
        "redirect",
        r"from[\W_]*now[\W_]*on[\W_]*(?:you|your|always|never|only|respond|reply|answer|act"
        r"|ignore|do[\W_]*not|don)",
        (0.1, 0.3, 0.3),
        "from",
        "now",
    ),
    rule(
        "redirect",
        r"(?:instead|rather)[\W_]*(?:you[\W_]*(?:must|should|will|need[\W_]*to|are[\W_]*to)"
        r"|respond|reply|say|output|print|answer)",
        (0.1, 0.3, 0.3),
        "instead rather",
    ),
    # --- fake system / developer / tool messages -------------------------------------------
    rule(
        "chat_template",
        r"<\|\s*(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id"
        r"|start_header_id|end_header_id|begin_of_text|end_of_text|tool|ipython|end|eom_id"
        r"|channel|message|start|return|call)\s*\|>|\[/?inst\]|<<\s*/?sys\s*>>"
        r"|<\s*/?(?:start|end)_of_turn\s*>",
        (0.6, 0.7, 0.65),
        "<| [inst [/inst << _of_turn",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_system_message",
        rf"(?:#{{1,6}}|\[|<|\*\*|\(|\{{\{{)[ \t]*{ROLES}(?:[ \t_-]*{ROLE_SUFFIX})?[ \t]*"
        r"(?:\]|>|\*\*|\)|\}\}|:)",
        (0.5, 0.5, 0.5),
        ROLES_A,
        "# [ < ** ( {{",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_system_message",
        rf"(?:^|\n)[ \t>*-]*{ROLES}[ \t_-]*{ROLE_SUFFIX}s?[ \t]*:",
        (0.5, 0.5, 0.5),
        ROLES_A,
        ROLE_SUFFIX_A,
        ":",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_system_message",
        rf"(?:^|\n)[ \t>*-]*{ROLES}[ \t]*:[ \t]*(?:you\b|your\b|the[ \t]+(?:user|assistant|ai"
        r"|model)|ignore|disregard|do[ \t]+not|don't|always|never|from[ \t]+now|new\b|all\b"
        r"|important|override|reveal|respond|reply|answer|assistant|effective)",
        (0.5, 0.5, 0.5),
        ROLES_A,
        ":",
        view="plain",
        word_start=False,
    ),
    rule(  # Alpaca-style prompt headers
        "fake_system_message",
        r"(?:^|\n)[ \t]*#{2,}[ \t]*(?:instruction|response)[ \t]*:",
        (0.5, 0.5, 0.45),
        "#",
        "instruction response",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_system_message",
        r"\"\s*role\s*\"\s*:\s*\"\s*(?:system|developer)\s*\"",
        (0.3, 0.35, 0.3),
        "role",
        "system developer",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_turn",
        r"(?:^|\n)[ \t>*#-]*(?:assistant|ai|chatgpt|gpt|claude|bot|model|human|user)[ \t]*:",
        (0.25, 0.2, 0.2),
        "assistant ai chatgpt gpt claude bot model human user",
        ":",
        view="plain",
        word_start=False,
    ),
    rule(  # a tool output that closes its own wrapper: what follows pretends to be outside
        "fake_tool_output",
        r"</\s*(?:tool_?(?:output|result|response)s?|function_?(?:results?|response|calls?)"
        r"|observations?|search_results?|untrusted_?\w{0,20}|retrieved_?\w{0,20})\s*>"
        r"|\[/?\s*(?:function_?results?|tool_?(?:output|result|response)s?)\b",
        (0.4, 0.55, 0.5),
        "</ [",
        "tool function observation search untrusted retrieved",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_tool_output",
        r"</?\s*(?:tool_?(?:output|result|response|call|code)s?|function_?(?:results?|response"
        r"|calls?)|observations?|search_results?|untrusted_?\w{0,20}|document_?content"
        r"|retrieved_?\w{0,20}|web_?content|system_?(?:prompt|message|instructions?)|admin"
        r"|assistant_?(?:response|message)?)(?:\s[^<>]{0,100})?>",
        (0.35, 0.35, 0.35),
        "<",
        "tool function observation search untrusted document retrieved web system admin assistant",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_tool_output",
        r"(?:end|close|closing|begin|beginning|start)[\W_]*of[\W_]*(?:the[\W_]*)?(?:tool"
        r"|function|search|web|email|file|untrusted|retrieved|user)?[\W_]*(?:output|result"
        r"|response|content|data|input|document|context|text|message|results)s?\b",
        (0.35, 0.35, 0.35),
        "end close closing begin beginning start",
        "output result response content data input document context text message",
        view="plain",
    ),
    rule(
        "fake_tool_output",
        r"(?:tool|function|api)[\W_]*(?:output|result|response)s?[ \t]*:",
        (0.35, 0.35, 0.35),
        "tool function api",
        "output result response",
        ":",
        view="plain",
    ),
    # --- role-play and jailbreaks ----------------------------------------------------------
    rule(
        "jailbreak",
        r"do[\W_]*anything[\W_]*now",
        (0.8, 0.8, 0.8),
        "anything",
        "now",
    ),
    rule(
        "jailbreak",
        r"dan[\W_]*(?:mode|prompt|jailbreak)\b|you[\W_]*(?:are|re)[\W_]*(?:now[\W_]*)?(?:going"
        r"[\W_]*to[\W_]*(?:be|act[\W_]*as|pretend[\W_]*to[\W_]*be)[\W_]*)?dan\b",
        (0.8, 0.8, 0.8),
        "dan",
    ),
    rule(
        "jailbreak",
        r"jailbr(?:oken|eak[\W_]*mode)|(?:unfiltered|uncensored|unrestricted|unaligned|unbound"
        r"|unchained|evil|amoral|immoral)[\W_]*(?:ai|assistant|model|chatbot|bot|version|mode"
        r"|persona|character|llm|gpt|response|twin|alter[\W_]*ego)",
        (0.8, 0.8, 0.8),
        "jailbroken jailbreak unfiltered uncensored unrestricted unaligned unbound unchained evil"
        " amoral immoral",
    ),
    rule(
        "jailbreak",
        rf"{AI}{S}(?:with{S}no|without{S}(?:any{S})?|free{S}(?:of|from){S}(?:all{S}|any{S})?)"
        r"(?:ethical[\W_]*|moral[\W_]*|content[\W_]*|safety[\W_]*)?(?:restrictions|limits"
        r"|limitations|filters|rules|guidelines|ethics|morals|censorship|polic)",
        (0.6, 0.6, 0.6),
        AI_A,
        "with without free",
    ),
    rule(
        "mode_switch",
        rf"(?:enable|activate|enter|switch[\W_]*(?:on|to|into)|turn[\W_]*on|engage|unlock"
        rf"|boot[\W_]*into){S}(?:the{S})?{MODES}{S}mode",
        (0.4, 0.4, 0.4),
        "enable activate enter switch turn engage unlock boot",
        "mode",
    ),
    rule(
        "mode_switch",
        rf"{MODES}{S}mode{S}(?:is{S})?(?:now{S})?(?:enabled|activated|engaged|unlocked"
        r"|on(?=[ \t]*(?:$|[.!,;:\n])))",
        (0.6, 0.6, 0.6),
        MODES_A,
        "mode",
    ),
    rule(
        "mode_switch",
        rf"(?:you{S}are|you{S}re){S}(?:now{S})?(?:in|operating{S}in|running{S}in){S}(?:the{S})?"
        rf"{MODES}{S}mode",
        (0.6, 0.6, 0.6),
        YOU_A,
        "mode",
    ),
    rule(
        "no_limits",
        r"(?:no|without|free[\W_]*(?:of|from)|zero|remove[ds]?|lift(?:ed)?|drop(?:ped)?"
        r"|beyond)[\W_]*(?:any[\W_]*|all[\W_]*|your[\W_]*|the[\W_]*)?(?:ethical[\W_]*|moral"
        r"[\W_]*|content[\W_]*|safety[\W_]*|openai[\W_]*|anthropic[\W_]*)?(?:restrictions"
        r"|limitations|filters|filtering|censorship|guidelines|boundaries|guardrails|morals"
        r"|ethics|rules)\b",
        (0.3, 0.3, 0.3),
        "no without free zero remove removed removes lift lifted drop dropped beyond",
        "restrictions limitations filters filtering censorship guidelines boundaries guardrails"
        " morals ethics rules",
    ),
    rule(
        "never_refuse",
        r"(?:never|don[\W_]*t|do[\W_]*not|will[\W_]*not|won[\W_]*t|cannot|can[\W_]*t|must"
        r"[\W_]*not|not[\W_]*allowed[\W_]*to)[\W_]*(?:ever[\W_]*)?(?:refuse|decline|reject|say"
        r"[\W_]*(?:no|sorry|you[\W_]*can[\W_]*t))",
        (0.45, 0.45, 0.45),
        "never don do will won cannot can must not",
        "refuse decline reject say",
    ),
    rule(
        "persona_switch",
        rf"you[\W_]*(?:are|re)[\W_]*now[\W_]+{NOT_AFTER_YOU_ARE_NOW}",
        (0.25, 0.35, 0.35),
        YOU_A,
        "now",
    ),
    rule(
        "persona_switch",
        r"you[\W_]*(?:are|re|will[\W_]*be)[\W_]*(?:now[\W_]*)?(?:an?[\W_]*)?(?:new[\W_]*)?"
        r"(?:ai|assistant|model|chatbot|bot|persona|character)?[\W_]*(?:called|named)\b",
        (0.25, 0.35, 0.35),
        YOU_A,
        "called named",
    ),
    rule(
        "persona_switch",
        r"(?:pretend|imagine)[\W_]*(?:to[\W_]*be|you[\W_]*(?:are|re)|that[\W_]*you)",
        (0.25, 0.35, 0.35),
        "pretend imagine",
    ),
    rule(
        "persona_switch",
        r"(?:act|behave|respond)[\W_]*as[\W_]*(?:if[\W_]*you|an?[\W_]*(?:ai|assistant|model"
        r"|chatbot|unrestricted|unfiltered|evil|rogue|different))",
        (0.25, 0.35, 0.35),
        "act behave respond",
        "if ai assistant model chatbot unrestricted unfiltered evil rogue different",
    ),
    rule(
        "persona_switch",
        r"role[\W_]*play[\W_]*as|stay[\W_]*in[\W_]*character",
        (0.25, 0.35, 0.35),
        "role roleplay stay",
    ),
    rule(
        "persona_switch",
        r"no[\W_]*longer[\W_]*(?:an?[\W_]*)?(?:ai|assistant|bound|restricted|limited)",
        (0.25, 0.35, 0.35),
        "longer",
        "ai assistant bound restricted limited",
    ),
    # --- exfiltration ----------------------------------------------------------------------
    rule(
        "exfiltration",
        r"(?:send|post|upload|forward|transmit|leak|exfiltrate|e-?mail|mail|submit|share|copy"
        r"|paste|append|embed|attach|encode|sync|report|dump)(?:[\W_]+[\w'-]+){0,6}?[\W_]+"
        rf"(?:(?P<strong>{SECRETS})|{ROUTINE})(?:[\W_]+[\w'-]+){{0,8}}?[\W_]+(?:to|at|into"
        r"|via|using|through|onto)[\W_]+(?:https?://|www\.|[\w.+-]+@[\w-]+\.[a-z]|(?:this|the"
        r"|that|our|my|following|below|external|remote|attacker'?s?|an?)[\W_]*(?:url|link"
        r"|address|endpoint|webhook|server|email|form|site|domain|api|inbox|bucket|pastebin)"
        r"|webhook|pastebin|ngrok)",
        (0.5, 0.7, 0.7),
        "send post upload forward transmit leak exfiltrate email mail submit share copy paste"
        " append embed attach encode sync report dump",
        "http www @ url link address endpoint webhook server email form site domain api inbox"
        " bucket pastebin ngrok",
        view="plain",
        refine=routine_object,
    ),
    rule(  # markdown or HTML images whose URL would carry data out when rendered
        "exfiltration",
        r"!\[[^\]\n]{0,120}\]\(\s*<?https?://[^)\s?]{1,120}\?(?P<query>[^)\s]{1,400})\)"
        r"|<img\b[^<>]{0,120}?src\s*=\s*[\"']?https?://[^\"'\s<>?]{1,120}\?"
        r"(?P<query2>[^\"'\s<>]{1,400})",
        (0.6, 0.75, 0.75),
        "![ <img",
        "?",
        view="plain",
        refine=beacon,
        word_start=False,
    ),
    rule(
        "exfiltration",
        r"(?:replace|substitute|fill[\W_]*in|insert|append|add|put|encode|include|write|place"
        rf"|paste|attach){gap(6)}(?:conversation|chat{S}history|history|summary|messages"
        r"|secrets?|passwords?|api[\W_]*keys?|keys|tokens?|credentials|cookies|session|ssh"
        r"|private[\W_]*key|user[\W_]*s[\W_]*(?:data|info|details|name|email|address))"
        rf"{gap(6)}(?:in|into|to|at|within|inside)[\W_]*(?:the[\W_]*|a[\W_]*)?(?:url|link"
        r"|image|query|parameter|param|placeholder|src)",
        (0.4, 0.6, 0.6),
        "replace substitute fill insert append add put encode include write place paste attach",
        "url link image query parameter param placeholder src",
    ),
    rule(
        "exfiltration",
        r"(?:url|link|address|src)[^\n]{0,150}?=[ \t]+(?:followed[\W_]*by|plus|with|then)[\W_]*"
        r"(?:the[\W_]*)?(?:user|conversation|chat|secret|password|api|session|their|his|her)",
        (0.5, 0.6, 0.6),
        "url link address src",
        "=",
        "followed plus with then",
        view="plain",
    ),
    rule(
        "exfiltration",
        r"https?://[^\s)\]]{1,150}\?[^\s)\]]{0,60}?=(?:\{|<|\[|%7b|%3c|%5b)",
        (0.3, 0.35, 0.35),
        "http",
        "={ =< =[ =%7b =%3c =%5b",
        view="plain",
    ),
    # --- tool-call coercion and commands ---------------------------------------------------
    rule(
        "tool_coercion",
        r"(?:call|invoke|execute|trigger|run|use|fire|activate)(?![a-z])[\W_]*(?:the[\W_]*"
        r"|your[\W_]*|a[\W_]*|this[\W_]*|these[\W_]*)?`?(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+"
        r"|[a-z]+(?:[ -][a-z]+)?[\W_]*(?:tool|function|api|endpoint|plugin|action|command"
        r"|script)s?\b)|(?:run|execute|exec)[ \t]+`[^`\n]{1,200}`",
        (0.05, 0.35, 0.35),
        "call invoke execute trigger run use fire activate exec",
        "tool function api endpoint plugin action command script _ `",
        view="plain",
        refine=destructive,
    ),
    rule(
        "dangerous_command",
        r"rm[ \t]+-[rf]{1,3}[ \t]+(?:/|~|\*|\$home|\.\.)",
        (0.2, 0.2, 0.2),
        "rm",
        view="plain",
    ),
    rule(
        "dangerous_command",
        r"(?:curl|wget)[^\n|]{0,200}\|[ \t]*(?:sudo[ \t]+)?(?:ba|z|da)?sh\b",
        (0.2, 0.2, 0.2),
        "curl wget",
        "|",
        view="plain",
    ),
    rule(
        "dangerous_command",
        r"mkfs\.|dd[ \t]+if=|:\(\)[ \t]*\{|drop[ \t]+(?:table|database)|format[ \t]+c:|del"
        r"[ \t]+/[fsq]|chmod[ \t]+-r[ \t]+777|powershell[^\n]{0,100}-e(?:nc)?\b"
        r"|invoke-expression|iex[ \t]*\(",
        (0.2, 0.2, 0.2),
        "mkfs dd :( drop format del chmod powershell invoke iex",
        view="plain",
    ),
    rule(
        "urgency",
        r"immediately|right[\W_]*now|right[\W_]*away",
        (0.05, 0.2, 0.2),
        "immediately right",
    ),
    rule(
        "urgency",
        r"without[\W_]*(?:asking|confirmation|confirming|checking|telling|notifying|informing"
        r"|permission|approval|hesitation)|no[\W_]*need[\W_]*to[\W_]*(?:ask|confirm|check)",
        (0.05, 0.2, 0.2),
        "without need",
        "asking confirmation confirming checking telling notifying informing permission"
        " approval hesitation ask confirm check",
    ),
    rule(
        "decode_and_obey",
        r"(?:decode|decrypt|unscramble|deobfuscate|convert|translate|reverse)(?:[\W_]+[a-z0-9]+)"
        r"{0,8}?[\W_]+(?:and|then)[\W_]+(?:(?:do[\W_]*)?(?:follow|obey|execute|apply|perform)"
        r"|do[\W_]*(?:what|as)[\W_]*it[\W_]*says|carry[\W_]*(?:it[\W_]*)?out|act[\W_]*on)",
        (0.45, 0.5, 0.5),
        "decode decrypt unscramble deobfuscate convert translate reverse",
        "follow obey execute apply perform says carry act",
    ),
    # --- prompt leaking --------------------------------------------------------------------
    rule(
        "prompt_leak",
        r"(?:reveal|show|print|output|repeat|display|tell[\W_]*me|give[\W_]*me|share|leak|dump"
        r"|disclose|expose|recite|write[\W_]*(?:out|down)|spell[\W_]*out|list|paste|copy"
        rf"|return|send[\W_]*me|what[\W_]*(?:is|are|was|were)){gap(5)}(?:your|its){S}"
        r"(?:(?:(?:system|initial|original|hidden|secret|internal|developer|pre|first|full"
        r"|complete|exact|entire|underlying|base|core|confidential|starting)[\W_]*)+(?:prompt"
        r"|instructions|message|directives|rules|guidelines|configuration|programming|context)"
        r"|(?:prompt|instructions|directives|system[\W_]*message))",
        (0.7, 0.75, 0.75),
        "reveal show print output repeat display tell give share leak dump disclose expose"
        " recite write spell list paste copy return send what",
        "your its",
    ),
    rule(
        "prompt_leak",
        r"(?:repeat|print|output|show|copy|paste|reproduce|echo|recite|return|dump)[\W_]*"
        r"(?:back[\W_]*)?(?:all[\W_]*)?(?:of[\W_]*)?(?:the[\W_]*)?(?:text|words|everything"
        r"|content|messages?|lines|instructions|prompt)s?[\W_]*(?:(?:written|shown|given|that"
        r"[\W_]*(?:appears?|came|is|are|were))[\W_]*)?(?:above|before[\W_]*(?:this|my|the)"
        r"|preceding|prior|so[\W_]*far|at[\W_]*the[\W_]*(?:top|start|beginning))",
        (0.55, 0.65, 0.65),
        "repeat print output show copy paste reproduce echo recite return dump",
        "above before preceding prior far top start beginning",
    ),
    rule(
        "prompt_leak",
        r"starting[\W_]*(?:with|from)[\W_]*you[\W_]*are|(?:what|which)[\W_]*(?:were|are|was)"
        r"[\W_]*you[\W_]*(?:told|instructed|programmed|prompted|initiali[sz]ed)",
        (0.55, 0.65, 0.65),
        "starting what which",
        YOU_A,
    ),
    rule(
        "prompt_leak",
        r"(?:the|your)[\W_]*(?:prompt|instructions|rules)[\W_]*(?:that[\W_]*)?you[\W_]*(?:were"
        r"|have[\W_]*been|ve[\W_]*been|got)[\W_]*(?:given|told|provided|shown)",
        (0.55, 0.65, 0.65),
        "prompt instructions rules",
        "given told provided shown",
    ),
    rule(
        "prompt_leak",
        r"(?:reveal|show|print|output|display|leak|dump|disclose|expose)[\W_]*(?:me[\W_]*)?"
        r"(?:the[\W_]*)?(?:system[\W_]*prompt|developer[\W_]*(?:message|prompt)|hidden[\W_]*"
        r"(?:prompt|instructions)|secret[\W_]*(?:prompt|instructions)|(?:entire[\W_]*|whole"
        r"[\W_]*|full[\W_]*)?(?:conversation|chat[\W_]*history|context[\W_]*window)[\W_]*(?:so"
        r"[\W_]*far|until[\W_]*now|above))",
        (0.45, 0.6, 0.6),
        "reveal show print output display leak dump disclose expose",
        "system developer hidden secret entire whole full conversation chat context",
    ),
    # --- instructions addressed to the model -----------------------------------------------
    rule(
        "addressed_to_ai",
        rf"(?:note|message|instructions?|attention|important|notice|reminder|memo|warning|dear"
        rf"|hey|hello|hi)s?{S}(?:to|for)?{S}(?:the{S}|any{S}|all{S})?{AI}s?\b",
        (0.15, 0.45, 0.45),
        "note message instruction attention important notice reminder memo warning dear hey"
        " hello hi",
        AI_A,
    ),
    rule(
        "addressed_to_ai",
        rf"if{S}you{S}(?:are|re){S}(?:an?{S})?(?:{AI}|automated)\b",
        (0.15, 0.45, 0.45),
        "if",
        f"{AI_A} automated",
    ),
    rule(
        "addressed_to_ai",
        rf"{AI}s?{S}(?:assistants?{S}|agents?{S})?(?:reading|processing|summari[sz]ing|browsing"
        r"|parsing|analy[sz]ing|reviewing|scanning|crawling|indexing|ingesting|viewing)[\W_]*"
        r"(?:this|these|the[\W_]*(?:page|document|email|text|content|site|file))",
        (0.15, 0.45, 0.45),
        AI_A,
        "reading processing summarising summarizing browsing parsing analysing analyzing"
        " reviewing scanning crawling indexing ingesting viewing",
    ),
    rule(
        "addressed_to_ai",
        rf"(?:when|if|once|whenever){S}(?:an?{S}|the{S}|any{S})?{AI}s?{S}(?:reads|sees"
        r"|processes|summari[sz]es|parses|finds|encounters|analy[sz]es|is[\W_]*(?:reading"
        rf"|processing|asked))|{AI}s?{S}(?:that|which|who){S}(?:see|read|process|find"
        rf"|encounter)s?{S}this",
        (0.15, 0.45, 0.45),
        AI_A,
        "reads sees processes summarises summarizes parses finds encounters analyses analyzes"
        " is see read process find encounter",
    ),
    rule(  # "AI agents: …", "Assistant, …" at the start of a sentence
        "addressed_to_ai",
        rf"(?:^|[\n.!?>]){S}(?P<at>(?:ai|llm|chatgpt|gpt|claude|gemini|copilot)(?:{S}"
        rf"(?:agents?|assistants?|models?|systems?|tools?))?s?[ \t]*[:,]|(?:assistant|chatbot)"
        r"[ \t]*,)",
        (0.15, 0.45, 0.45),
        "ai llm chatgpt gpt claude gemini copilot assistant chatbot",
        ": ,",
        word_start=False,
    ),
    # --- secrecy, phishing -----------------------------------------------------------------
    rule(
        "secrecy",
        r"(?:do[\W_]*not|don[\W_]*t|never|without)[\W_]*(?:tell|inform|notify|alert|mention|let"
        r"|telling|informing|notifying|alerting|mentioning|letting|reveal|revealing|show"
        r"|showing)[\W_]*(?:this[\W_]*(?:to[\W_]*)?|it[\W_]*(?:to[\W_]*)?|anything[\W_]*(?:to"
        r"[\W_]*)?)?(?:the[\W_]*)?(?:user|human|customer|operator|person)",
        (0.25, 0.55, 0.5),
        "tell inform notify alert mention let telling informing notifying alerting mentioning"
        " letting reveal revealing show showing",
        "user human customer operator person",
    ),
    rule(
        "secrecy",
        r"(?:keep|hide)[\W_]*(?:this|it|these)[\W_]*(?:secret|hidden|confidential)?[\W_]*from"
        r"[\W_]*(?:the[\W_]*)?(?:user|human)|(?:the[\W_]*)?user[\W_]*(?:must|should)[\W_]*"
        r"(?:not|never)[\W_]*(?:know|see|find|learn|notice)",
        (0.25, 0.55, 0.5),
        "keep hide user",
        "user human must should",
    ),
    rule(
        "secrecy",
        r"(?:never|do[\W_]*not|don[\W_]*t)[\W_]*(?:mention|reveal|disclose|acknowledge|refer"
        r"[\W_]*to|repeat)[\W_]*(?:this|these)[\W_]*(?:note|instruction|message|text|comment"
        r"|request)s?",
        (0.25, 0.55, 0.5),
        "mention reveal disclose acknowledge refer repeat",
        "note instruction message text comment request",
    ),
    rule(
        "secrecy",
        r"without[\W_]*(?:asking|confirming[\W_]*with|checking[\W_]*with|consulting|the[\W_]*"
        r"consent[\W_]*of)[\W_]*(?:the[\W_]*)?(?:user|human|customer|owner)",
        (0.25, 0.55, 0.5),
        "without",
        "user human customer owner",
    ),
    rule(
        "credential_phish",
        r"(?:ask|request|prompt|get|collect|obtain|require)[\W_]*(?:the[\W_]*)?(?:user|customer"
        r"|them|him|her)[\W_]*(?:for|to[\W_]*(?:enter|provide|share|confirm|give|type|send))"
        r"[\W_]*(?:their|his|her|your|the)?[\W_]*(?:full[\W_]*)?(?:password|credentials|api"
        r"[\W_]*key|credit[\W_]*card|card[\W_]*number|social[\W_]*security|ssn|pin\b|login"
        r"|2fa|otp|one[\W_]*time|verification[\W_]*code|bank)",
        (0.2, 0.5, 0.5),
        "ask request prompt get collect obtain require",
        "user customer them him her",
    ),
)

ANCHORS = word_anchors([r.needs for r in RULES])
INSIDE_WORDS = inside_anchors([r.needs for r in RULES])
