"""The words the rules are made of: each a pattern (``any_of``: spaces match any
separator) and, where rules take their anchors from it, the same words as an anchor
group (``_A``; see ``_gate``)."""

from __future__ import annotations

from fmos_core.trust._rule import S, any_of

# "ignore", but not in "# type: ignore"
IGNORE = any_of(
    "ignore", "disregard", "forget", "override", "bypass", "neglect", "set aside",
    "pay no attention to", "stop following", "do not follow", "don t follow", "dont follow",
    "discard", "abandon", "throw away", "throw out", "disobey", "never mind", "nevermind",
    "stop obeying", "do not obey", "don t obey", "dont obey", "no longer follow",
    "no longer obey", "pay no heed to", "take no notice of", "don t bother with",
    "do not bother with", "stop paying attention to", "put aside", "look past",
).replace("(?:ignore|", "(?:(?<!type: )(?<!type:)ignore|", 1)  # fmt: skip
IGNORE_A = "ignore disregard forget override bypass neglect set pay stop do dont don discard"
IGNORE_A += " abandon throw disobey never nevermind obeying obey longer no take put look"
# weaker verbs: orders only when they name the assistant's own instructions
DROP = any_of(
    "cancel", "drop", "reset", "scrap", "scratch", "dismiss", "delete", "remove", "clear",
    "erase", "abort", "suspend", "deactivate", "turn off", "switch off", "lift",
)  # fmt: skip
DROP_A = "cancel drop reset scrap scratch dismiss delete remove clear erase abort suspend"
DROP_A += " deactivate turn switch lift"
OWN_DIRECTIVES = any_of(
    "instructions", "prompt", "system prompt", "directives", "guidelines", "programming",
    "training", "rules", "restrictions", "limitations", "guardrails", "safety", "filters",
    "constraints", "task", "original task", "assignment",
)  # fmt: skip
QUALIFIER = any_of(
    "previous", "prior", "above", "preceding", "earlier", "original", "initial", "foregoing",
    "existing", "all", "any", "every", "your", "system", "default", "developer", "safety",
    "these", "those", "old", "current", "given", "my", "our",
)  # fmt: skip
DIRECTIVES = any_of(
    "instruction", "prompt", "direction", "directive", "rule", "guideline", "guidance", "task",
    "command", "constraint", "guardrail", "programming", "polic", "restriction", "filter",
    "training", "context", "brief", "order",
)  # fmt: skip
DIRECTIVES_A = "instruction prompt direction directive rule guideline guidance command task"
DIRECTIVES_A += " constraint guardrail programming policy restriction filter training context"
DIRECTIVES_A += " brief order"
AI = any_of(
    "ai", "assistant", "llm", "language model", "chatbot", "bot", "agent", "model", "gpt",
    "chatgpt", "claude", "gemini", "copilot",
)  # fmt: skip
AI_A = "ai assistant llm language model chatbot bot agent gpt chatgpt claude gemini copilot"
AI_STRICT = any_of(  # the words for an AI that mean nothing else
    "ai", "ai agent", "ai assistant", "assistant", "llm", "language model", "chatbot", "gpt",
    "chatgpt", "claude", "gemini", "copilot",
)  # fmt: skip
AI_STRICT_A = "ai assistant llm language chatbot gpt chatgpt claude gemini copilot"
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
JAILBREAK_MODES = any_of(
    "developer", "god", "jailbreak", "jailbroken", "unrestricted", "unfiltered", "dan", "sudo",
    "unlocked", "opposite", "evil", "chaos",
)  # fmt: skip
MODES_A = "developer dev god jailbreak unrestricted unfiltered dan sudo admin root debug"
MODES_A += " maintenance unlocked opposite evil chaos"
SECRETS = any_of(
    "conversation", "chat", "history", "messages", "transcript", "system prompt", "prompt",
    "instructions", "api key", "keys", "secret", "credentials", "password", "passcode",
    "token", "cookie", "session", "context", "memory", "env", "environment variables",
    "ssh", "private key", "social security", "credit card", "card number", "bank account",
    "bank details", "everything the user", "whatever the user", "everything you know", "thread",
    "chat log", "logs", "user s emails", "user s files", "user s documents", "user s data",
    "user s messages", "user s contacts", "user s inbox", "user s address", "user s email",
    "user s saved", "user s stored", "user s personal", "user s private", "users saved",
    "saved passwords", "saved addresses", "payment details",
)  # fmt: skip
ROUTINE = any_of(
    "files", "documents", "personal data", "personal information", "personal details",
    "user data", "data", "emails", "contacts", "inbox", "address book", "notes",
)  # fmt: skip
YOU_A = "you your youre"
NOT_AFTER_YOU_ARE_NOW = (  # "you are now logged in" and friends are not a new persona
    rf"(?!(?:logged|connected|signed|subscribed|registered|ready|able|in{S}the{S}queue|on{S}the"
    rf"|online|offline|eligible|enrolled|a{S}member|part{S}of|talking|chatting|speaking|viewing"
    rf"|using|leaving|entering|following|free{S}to|set|all{S}set|done|finished|up{S}to|booked"
    rf"|checked|verified|authenticated|the{S}owner))"
)
LEAK_VERBS = (  # what makes the model show something
    rf"(?:reveal|show|print|output|repeat|display|tell{S}me|give{S}me|share|leak|dump|disclose"
    rf"|expose|recite|write{S}(?:out|down)|spell{S}out|list|paste|copy|return|send{S}me|quote"
    rf"|type{S}out|reproduce|restate|echo|put|include|render|provide|post|what{S}(?:s|is|are"
    r"|was|were))"
)
LEAK_VERBS_A = "reveal show print output repeat display tell give share leak dump disclose expose"
LEAK_VERBS_A += " recite write spell list paste copy return send quote type reproduce restate"
LEAK_VERBS_A += " echo put include render provide post what"
CONFIG_QUALIFIER = (  # words before what the model was set up with
    "system|initial|original|hidden|secret|internal|developer|pre|first|full|complete|exact"
    "|entire|underlying|base|core|confidential|starting|configuration|setup|startup|operator"
    "|whole|actual|current"
)
OWN_CONFIG = (  # what the model was set up with, named bare after "your"
    rf"prompt|instructions|directives|system{S}message|developer{S}message|setup{S}message"
    rf"|preamble|configuration|programming|context{S}window|initial{S}message"
)
SETTERS = (  # who sets a model up
    r"(?:developer|creator|admin|administrator|operator|system|openai|anthropic|company|owner"
    r"|deployer|maker)"
)
SECRET_OBJECTS = any_of(  # secrets asked for by name
    "api key", "api token", "access token", "secret key", "private key", "password",
    "passwords", "credentials", "session token", "auth token", "bearer token", "env vars",
    "environment variables", "secrets", "ssh key",
)  # fmt: skip
