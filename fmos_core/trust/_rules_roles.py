"""Rules for texts that pretend to be someone else or make the assistant someone else:
fake system, developer and tool messages, chat-template tokens, role play, jailbreaks."""

from __future__ import annotations

from fmos_core.trust._rule import S1, Rule, S, rule
from fmos_core.trust._vocab import (
    AI,
    AI_A,
    JAILBREAK_MODES,
    MODES,
    MODES_A,
    NOT_AFTER_YOU_ARE_NOW,
    ROLE_SUFFIX,
    ROLE_SUFFIX_A,
    ROLES,
    ROLES_A,
    YOU_A,
)

ROLE_RULES: tuple[Rule, ...] = (
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
    rule(  # "[system]", "<system>", "**SYSTEM**", "### System:"
        "fake_system_message",
        r"(?<![^\s>])(?:#{1,6}|\[{1,2}|<{1,2}|\*\*|\{\{)[ \t]{0,10}(?:system|developer)[ \t]{0,10}"
        r"(?:\]{1,2}|>{1,2}|\*\*|\}\}|:)",
        (0.5, 0.5, 0.5),
        "system developer",
        "# [ < ** {{",
        view="plain",
        word_start=False,
    ),
    rule(  # "(system note)", "[admin override]", "### System prompt:"
        "fake_system_message",
        rf"(?<![^\s>])(?:#{{1,6}}|\[{{1,2}}|<{{1,2}}|\*\*|\(|\{{\{{|={{2,}}|-{{3,}})[ \t]{{0,10}}"
        rf"{ROLES}(?:[ \t_-]{{0,10}}{ROLE_SUFFIX}){{1,2}}[ \t]{{0,10}}(?:\]|>|\*\*|\)|\}}\}}|:|=)",
        (0.5, 0.5, 0.5),
        ROLES_A,
        ROLE_SUFFIX_A,
        view="plain",
        word_start=False,
    ),
    rule(  # "[admin]", "<root>"
        "fake_system_message",
        r"(?<![^\s>])(?:\[|<|\*\*)(?:admin|administrator|root|operator|sysadmin)(?:\]|>|\*\*)",
        (0.35, 0.35, 0.35),
        "admin administrator root operator sysadmin",
        "[ < **",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_system_message",
        rf"(?:^|\n)[ \t>*-]{{0,10}}{ROLES}[ \t-]{{0,10}}{ROLE_SUFFIX}s?[ \t]{{0,10}}:",
        (0.5, 0.5, 0.5),
        ROLES_A,
        ROLE_SUFFIX_A,
        ":",
        view="plain",
        word_start=False,
    ),
    rule(
        "fake_system_message",
        rf"(?:^|\n)[ \t>*-]{{0,10}}{ROLES}[ \t]{{0,10}}"
        rf"(?:[(\[][^()\[\]\n]{{0,30}}[)\]][ \t]{{0,10}})?:"
        rf"[ \t]{{0,10}}(?:you\b|your\b|the"
        r"[ \t]{1,10}(?:user|assistant|ai|model)|ignore|disregard|do[ \t]{1,10}not|don't|always"
        r"|never|from[ \t]{1,10}now|new\b|all\b|important|override|reveal|respond|reply|answer"
        r"|assistant|effective|disable|enable|comply|grant|send|delete|execute|run|call|print"
        r"|output|allow|stop|switch|activate|bypass|forward|share|leak|remove|give|tell)",
        (0.5, 0.5, 0.5),
        ROLES_A,
        ":",
        view="plain",
        word_start=False,
    ),
    rule(  # "Message from the system administrator: …", "Policy update from OpenAI: …"
        "fake_system_message",
        rf"(?:message|note|notice|instructions?|update|directive|order|alert|warning)s?{S1}(?:from"
        rf"|by){S1}(?:the{S1}|your{S1})?(?:system(?:{S1}administrator)?|admin(?:istrator)?"
        rf"|developers?|operators?|openai|anthropic|security{S1}team|it{S1}department|root|owner"
        r"|creators?)\b",
        (0.45, 0.5, 0.5),
        "message note notice instruction update directive order alert warning",
        "from by",
        view="plain",
    ),
    rule(  # "[tool: system]", "[ASSISTANT NOTE]", "<role=admin>"
        "fake_system_message",
        rf"[\[<(][ \t]{{0,10}}(?:(?:tool|function|role|from|source|channel)[ \t]{{0,10}}[:=]"
        rf"[ \t]{{0,10}}{ROLES}|(?:assistant|ai|model|agent)[ \t_-]{{1,10}}(?:note|notice"
        r"|instruction|instructions|directive|override|command|memo))[ \t]{0,10}[\]>)]",
        (0.45, 0.5, 0.5),
        "tool function role from source channel assistant ai model agent",
        "system developer admin administrator root operator sysadmin note notice instruction"
        " directive override command memo",
        view="plain",
        word_start=False,
    ),
    rule(  # "System message to the assistant:"
        "fake_system_message",
        rf"{ROLES}{S1}{ROLE_SUFFIX}s?{S1}(?:to|for){S1}(?:the{S1}|any{S1}|all{S1})?{AI}s?{S}:",
        (0.45, 0.5, 0.5),
        ROLES_A,
        ROLE_SUFFIX_A,
        view="plain",
    ),
    rule(  # Alpaca-style prompt headers
        "fake_system_message",
        r"(?:^|\n)[ \t]{0,10}#{2,}[ \t]{0,10}(?:instruction|response)[ \t]{0,10}:",
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
        r"(?:^|\n)[ \t>*#-]{0,10}(?:assistant|ai|chatgpt|gpt|claude|human|user)[ \t]{0,10}:"
        r"(?=[ \t]{0,10}[^\n=|\[(]{10,200}(?:\n|$))",
        (0.25, 0.2, 0.2),
        "assistant ai chatgpt gpt claude human user",
        ":",
        view="plain",
        word_start=False,
    ),
    rule(  # a tool output that closes its own wrapper: what follows pretends to be outside
        "fake_tool_output",
        r"</\s*(?:tool_?(?:output|result|response)s?|function_?(?:results?|response|calls?)"
        r"|observations?|search_results?|untrusted_?\w{0,20}|retrieved_?\w{0,20})\s*>"
        r"|\[/?\s*(?:function_?results?|tool_?(?:output|result|response)s?)"
        r"(?:[ \t][^\]\n]{0,60})?\]",
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
        rf"(?:end|close|closing|begin|beginning|start){S}of{S}(?:the{S})?(?:tool|function"
        rf"|search|web|email|file|untrusted|retrieved|user)?{S}(?:output|result|response"
        r"|content|data|input|document|context|text|message|results)s?\b",
        (0.25, 0.25, 0.25),
        "end close closing begin beginning start",
        "output result response content data input document context text message",
        view="plain",
    ),
    rule(
        "fake_tool_output",
        rf"(?:tool|function|api){S}(?:output|result|response)s?[ \t]{{0,10}}:",
        (0.35, 0.35, 0.35),
        "tool function api",
        "output result response",
        ":",
        view="plain",
    ),
    rule(  # "=== tool call finished ===", "--- tool message ends ---"
        "fake_tool_output",
        rf"(?:tool|function|api|search){S}(?:output|result|response|message|call|run)s?{S}"
        r"(?:ends|ended|finished|complete|completed|over|done)\b",
        (0.25, 0.3, 0.3),
        "tool function api search",
        "output result response message call run",
        view="plain",
    ),
    rule(  # "function_call: transfer_money(...)" in a tool's output
        "fake_tool_output",
        r"(?:function_?call|tool_?call|next_?action|action)[\"']?[ \t]{0,10}[:=][ \t]{0,10}"
        r"[\"'{]?[ \t]{0,10}(?:[a-z0-9]{1,20}_){0,3}(?:delete|transfer|send|pay|refund|grant"
        r"|drop|wipe|export|reset|disable|revoke|forward|upload|remove|purge|wire|create_user"
        r"|post|email|close)[a-z0-9_]{0,30}[ \t]{0,10}\(",
        (0.35, 0.5, 0.5),
        "function tool next action",
        ": =",
        view="plain",
        word_start=False,
    ),
    # --- role-play and jailbreaks ----------------------------------------------------------
    rule(
        "jailbreak",
        rf"do{S}anything{S}now",
        (0.8, 0.8, 0.8),
        "anything",
        "now",
    ),
    rule(
        "jailbreak",
        rf"dan{S}(?:mode|prompt|jailbreak)\b|you{S}(?:are"
        rf"|re){S}(?:now{S})?(?:going{S}to{S}(?:be|act{S}as|pretend{S}to{S}be){S})?dan\b",
        (0.8, 0.8, 0.8),
        "dan",
    ),
    rule(
        "jailbreak",
        rf"(?:as|like){S1}dan(?:{S1}(?:would|does|did))?\b",
        (0.7, 0.7, 0.7),
        "dan",
    ),
    rule(  # "an assistant that has escaped its guidelines", "you have no restrictions"
        "jailbreak",
        rf"(?:escaped|broken{S1}free{S1}(?:of|from)|break{S1}free{S1}(?:of|from)|freed{S1}from"
        rf"|liberated{S1}from|released{S1}from|unshackled{S1}from)(?:{S1}(?:its|your|the|all|any"
        rf"|their|his|her))?{S1}(?:[a-z]{{1,20}}{S1})?(?:guidelines|rules|restrictions"
        rf"|programming|constraints|filters|limits|limitations|shackles|chains|confines|policies"
        rf"|guardrails|training)|you{S}(?:have|ve|now{S1}have){S1}(?:no|zero){S1}(?:[a-z]{{1,20}}"
        rf"{S1})?(?:restrictions|limits|limitations|filters|rules|guidelines|boundaries|censorship"
        r"|morals|ethics)\b",
        (0.6, 0.6, 0.6),
        "escaped broken break freed liberated released unshackled you your youre",
    ),
    rule(
        "jailbreak",
        rf"jailbr(?:oken|eak{S}mode)|(?:unfiltered|uncensored|unrestricted|unaligned|unbound"
        rf"|unchained|evil|amoral|immoral){S}(?:(?:ai|assistant|model|chatbot|bot|version|mode"
        rf"|persona|character|llm|gpt|response|twin|alter{S}ego)|[a-z]{{1,20}}{S1}(?:ai"
        r"|assistant|model|chatbot|mode|persona|llm|gpt))\b",
        (0.8, 0.8, 0.8),
        "jailbroken jailbreak unfiltered uncensored unrestricted unaligned unbound unchained evil"
        " amoral immoral",
    ),
    rule(
        "jailbreak",
        rf"{AI}s?{S}(?:(?:that{S}|which{S}|who{S})?(?:has|have|having){S}no|with{S}no"
        rf"|without{S}(?:any{S})?|free{S}(?:of|from){S}(?:all{S}"
        rf"|any{S})?){S}(?:ethical{S}|moral{S}|content{S}|safety{S})?(?:restrictions|limits"
        r"|limitations|filters|rules|guidelines|ethics|morals|censorship|polic|safety)",
        (0.6, 0.6, 0.6),
        AI_A,
        "with without free has have having that which who",
    ),
    rule(
        "mode_switch",
        rf"(?:enable|activate|enter|switch{S}(?:on|to|into)|turn{S}on|engage|unlock|boot{S}into)"
        rf"{S}(?:the{S})?(?:god|jailbreak|jailbroken|unrestricted|unfiltered|dan|evil|chaos"
        rf"|opposite|sudo){S}mode",
        (0.6, 0.6, 0.6),
        "enable activate enter switch turn engage unlock boot",
        "mode",
    ),
    rule(
        "mode_switch",
        rf"(?:enable|activate|enter|switch{S}(?:on|to|into)|turn{S}on|engage|unlock"
        rf"|boot{S}into){S}(?:the{S})?{MODES}{S}mode",
        (0.4, 0.4, 0.4),
        "enable activate enter switch turn engage unlock boot",
        "mode",
    ),
    rule(
        "mode_switch",
        rf"{JAILBREAK_MODES}{S}mode{S}(?:is{S})?(?:now{S})?(?:enabled|activated|engaged|unlocked"
        r"|on(?=[ \t]{0,10}(?:$|[.!,;:\n])))",
        (0.45, 0.45, 0.45),
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
        rf"(?:no|without|free{S}(?:of|from)|zero|remove[ds]?|lift(?:ed)?|drop(?:ped)?"
        rf"|beyond|never{S}heard{S}of|stripped{S}of){S}(?:any{S}|all{S}|your{S}|the{S}|every{S}"
        rf"|its{S}|their{S})?(?:ethical{S}|moral{S}|content{S}|safety{S}|openai{S}|anthropic{S})?"
        r"(?:restrictions|limitations|limits?|filters|filtering|censorship|guidelines|boundaries"
        r"|guardrails|morals|ethics|rules|safeguards|polic(?:y|ies)|warnings|disclaimers)\b",
        (0.3, 0.3, 0.3),
        "no without free zero remove removed removes lift lifted drop dropped beyond never"
        " stripped",
        "restrictions limitations filters filtering censorship guidelines boundaries guardrails"
        " morals ethics rules limit limits safeguards policy policies warnings disclaimers heard",
    ),
    rule(
        "never_refuse",
        rf"(?:never|don{S}t|do{S}not|will{S}not|won{S}t|cannot|can{S}t|must{S}not"
        rf"|not{S}allowed{S}to){S}(?:ever{S})?(?:refuse|decline|reject|apologi[sz]e|say{S}(?:no"
        rf"|sorry|you{S}can{S}t)|add{S}(?:any{S})?(?:warnings|disclaimers))",
        (0.45, 0.45, 0.45),
        "never don do will won cannot can must not",
        "refuse decline reject say apologise apologize add",
    ),
    rule(
        "never_refuse",
        rf"without{S1}(?:ever{S1}|any{S1})?(?:refusing|refusals?|declining)",
        (0.35, 0.35, 0.35),
        "without",
    ),
    rule(
        "no_limits",
        rf"(?:answers?|responds?(?:{S1}to)?|repl(?:y|ies)(?:{S1}to)?){S1}(?:anything|everything"
        rf"|any{S1}(?:question|request|prompt)|all{S1}(?:questions|requests)|every{S1}(?:question"
        r"|request|prompt))\b",
        (0.3, 0.3, 0.3),
        "answer answers respond responds reply replies",
    ),
    rule(
        "persona_switch",
        rf"you{S}(?:are|re){S}now{S1}{NOT_AFTER_YOU_ARE_NOW}",
        (0.25, 0.35, 0.35),
        YOU_A,
        "now",
    ),
    rule(
        "persona_switch",
        rf"you{S}(?:are|re|will{S}be){S}(?:now{S})?(?:an?{S})?(?:new{S})?(?:ai|assistant|model"
        rf"|chatbot|bot|persona|character)?{S}(?:called|named)\b",
        (0.25, 0.35, 0.35),
        YOU_A,
        "called named",
    ),
    rule(
        "persona_switch",
        rf"(?:take{S1}on|adopt|assume|play){S1}(?:the{S1})?(?:persona|role|character|identity)"
        rf"{S1}of\b|you{S}(?:are|re){S1}[a-z0-9]{{1,20}}gpt\b|you{S1}(?:are|re){S1}[a-z0-9]{{2,20}}"
        rf"{S1}now\b|for{S1}the{S1}rest{S1}of{S1}(?:this|the|our){S1}(?:chat|conversation"
        rf"|session){S}you{S1}(?:are|will{S1}be)\b",
        (0.25, 0.35, 0.35),
        "take adopt assume play you your youre for",
    ),
    rule(
        "persona_switch",
        rf"(?:pretend|imagine)(?:{S1}that)?{S1}(?:to{S1}be|you)",
        (0.25, 0.35, 0.35),
        "pretend imagine",
    ),
    rule(
        "persona_switch",
        rf"(?:act|behave|respond){S}as{S}(?:if{S}you|an?{S}(?:ai|assistant|model|chatbot"
        r"|unrestricted|unfiltered|evil|rogue|different))",
        (0.25, 0.35, 0.35),
        "act behave respond",
    ),
    rule(
        "persona_switch",
        rf"role{S}play{S}as|stay{S}in{S}character",
        (0.25, 0.35, 0.35),
        "role roleplay stay",
    ),
    rule(
        "persona_switch",
        rf"no{S}longer{S1}(?:an?{S1})?(?:ai|assistant|bound|restricted|limited)",
        (0.25, 0.35, 0.35),
        "longer",
        "ai assistant bound restricted limited",
    ),
)
