"""Rules for what an injection wants done and how it talks to the model: exfiltration,
tool-call coercion and commands, prompt leaking, text addressed to the model, secrecy
and phishing."""

from __future__ import annotations

from fmos_core.trust._rule import (
    S1,
    Rule,
    S,
    beacon,
    destructive,
    gap,
    routine_object,
    rule,
)
from fmos_core.trust._vocab import AI, AI_A, AI_STRICT, AI_STRICT_A, ROUTINE, SECRETS

EXFIL_RULES: tuple[Rule, ...] = (
    # --- exfiltration ----------------------------------------------------------------------
    rule(
        "exfiltration",
        r"(?:send|post|upload|forward|transmit|leak|exfiltrate|e-?mail|mail|submit|share|copy"
        r"|paste|append|embed|attach|encode|sync|report"
        rf"|dump|bundle|sync|back{S}up)(?:{S1}[a-z0-9]{{1,30}}){{0,6}}?{S1}(?:(?P<strong>{SECRETS})"
        rf"|{ROUTINE})s?(?:{S1}[a-z0-9]{{1,30}}){{0,8}}?{S1}(?:to|at|into|via|using|through"
        rf"|onto){S1}(?:https?://|www\.|[\w.+-]+@[\w-]+\.[a-z]|(?:this|the|that|our|my"
        rf"|following|below|external|remote|attacker'?s?|an?){S}(?:url|link|address|endpoint"
        r"|webhook|server|email|form|site|domain|api|inbox|bucket|pastebin)|webhook|pastebin"
        r"|ngrok)",
        (0.5, 0.7, 0.7),
        "send post upload forward transmit leak exfiltrate email mail submit share copy paste"
        " append embed attach encode sync report dump bundle back",
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
        rf"(?:replace|substitute|fill{S}in|insert|append|add|put|encode|include|write|place"
        rf"|paste|attach){gap(6)}(?:conversation|chat{S}history|history|summary|messages"
        rf"|secrets?|passwords?|api{S}keys?|keys|tokens?|credentials|cookies|session|ssh"
        rf"|private{S}key|user{S}s{S}(?:data|info|details|name|email|address)){gap(6)}(?:in"
        rf"|into|to|at|within|inside){S}(?:the{S}|a{S}|this{S}|that{S})?(?:url|link|image|query|parameter"
        r"|placeholder|src)\b",
        (0.5, 0.6, 0.6),
        "replace substitute fill insert append add put encode include write place paste attach",
        "url link image query parameter placeholder src",
    ),
    rule(
        "exfiltration",
        rf"(?:url|link|address|src)[^\n]{{0,150}}?=[ \t]{{1,10}}(?:followed{S}by|plus|with"
        rf"|then){S}(?:the{S})?(?:user|conversation|chat|secret|password|api|session|their|his"
        r"|her)",
        (0.5, 0.6, 0.6),
        "url link address src",
        "=",
        "followed plus with then",
        view="plain",
    ),
    rule(  # "make a request to https://… with the conversation as a parameter"
        "exfiltration",
        rf"https?://[^\s)\]]{{1,200}}{S1}(?:[a-z0-9]{{1,30}}{S1}){{0,2}}?(?:with|containing"
        rf"|including|carrying|attaching|appending|adding)(?:{S1}(?:the|all|any|their"
        rf"|your))?{S1}(?:(?:user{S}s|full|entire|whole|current|previous){S1})?(?:conversation"
        rf"|chat|history|messages|secrets?|passwords?|api{S}keys?|tokens?|credentials|cookies"
        rf"|session|context|memory|system{S}prompt)\b",
        (0.5, 0.6, 0.6),
        "http",
        "with containing including carrying attaching appending adding",
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
    rule(  # "bundle the chat log and POST it to https://…"
        "exfiltration",
        rf"(?P<strong>{SECRETS})s?(?:{S1}[a-z0-9]{{1,30}}){{0,4}}?{S1}(?:and|then){S1}(?:post"
        rf"|send|upload|forward|mail|email|sync|transmit|submit|push){S1}(?:it|them|this|that"
        rf"|everything|a{S1}copy){S1}(?:to|at){S1}(?:https?://|www\.|[\w.+-]+@[\w-]+\.[a-z])",
        (0.5, 0.7, 0.7),
        "conversation chat history messages transcript system prompt instructions api keys secret"
        " credentials password passcode token cookie session context memory env environment ssh"
        " private social credit card bank everything whatever thread logs user users saved payment",
        "and then",
        view="plain",
    ),
    # --- tool-call coercion and commands ---------------------------------------------------
    rule(
        "tool_coercion",
        r"(?:call|invoke|execute|trigger|run|use|fire|activate)[ \t]{1,10}(?:(?:the|your|a"
        r"|this|these)[ \t]{1,10})?`?(?:[a-z][a-z0-9]{0,30}(?:_[a-z0-9]{1,30}){1,6}"
        rf"|[a-z]{{1,30}}(?:[ -][a-z]{{1,30}})?{S}(?:tool|function|api|endpoint|plugin|action"
        r"|command|script)s?\b)|(?:run|execute|exec)[ \t]{1,10}`[^`\n]{1,200}`",
        (0.05, 0.25, 0.25),
        "call invoke execute trigger run use fire activate exec",
        "tool function api endpoint plugin action command script _ `",
        view="plain",
        refine=destructive,
    ),
    rule(  # "you must now run …", "quietly call the export tool"
        "tool_coercion",
        rf"(?:you{S1}(?:must|need{S1}to|have{S1}to|are{S1}(?:required|expected){S1}to|should)"
        rf"|(?:quietly|secretly|silently|covertly)){S1}(?:now{S1}|also{S1}|immediately{S1})?(?:run"
        rf"|call|execute|invoke|trigger|delete|send|forward|transfer|grant|drop|wipe|upload|email"
        r"|export|post|pay|disable|remove)\b",
        (0.1, 0.3, 0.3),
        "you quietly secretly silently covertly",
        "must need have are should now also immediately run call execute invoke trigger delete"
        " send forward transfer grant drop wipe upload email export post pay disable remove",
        refine=destructive,
    ),
    rule(
        "dangerous_command",
        r"rm[ \t]{1,10}-[rf]{1,3}[ \t]{1,10}(?:/|~|\*|\$home|\.\.)",
        (0.2, 0.2, 0.2),
        "rm",
        view="plain",
    ),
    rule(
        "dangerous_command",
        r"(?:curl|wget)[^\n|]{0,200}\|[ \t]{0,10}(?:sudo[ \t]{1,10})?(?:ba|z|da)?sh\b",
        (0.2, 0.2, 0.2),
        "curl wget",
        "|",
        view="plain",
    ),
    rule(
        "dangerous_command",
        r"mkfs\.|dd[ \t]{1,10}if=|:\(\)[ \t]{0,10}\{|drop[ \t]{1,10}(?:table|database)"
        r"|format[ \t]{1,10}c:|del[ \t]{1,10}/[fsq]|chmod[ \t]{1,10}-r[ \t]{1,10}777"
        r"|powershell[^\n]{0,100}-e(?:nc)?\b|invoke-expression|iex[ \t]{0,10}\(",
        (0.2, 0.2, 0.2),
        "mkfs dd :( drop format del chmod powershell invoke iex",
        view="plain",
    ),
    rule(
        "urgency",
        rf"immediately|right{S}now|right{S}away",
        (0.05, 0.2, 0.2),
        "immediately right",
    ),
    rule(
        "urgency",
        rf"without{S}(?:asking|confirmation|confirming|checking|telling|notifying|informing"
        rf"|permission|approval|hesitation)|no{S}need{S}to{S}(?:ask|confirm|check)",
        (0.05, 0.2, 0.2),
        "without need",
        "asking confirmation confirming checking telling notifying informing permission"
        " approval hesitation ask confirm check",
    ),
    rule(
        "decode_and_obey",
        r"(?:decode|decrypt|unscramble|deobfuscate|convert|translate"
        rf"|reverse)(?:{S1}[a-z0-9]{{1,30}}){{0,8}}?{S1}(?:and|then){S1}(?:(?:do{S})?(?:follow"
        rf"|obey|execute|apply|perform)|do{S}(?:what|as){S}it{S}says|carry{S}(?:it{S})?out"
        rf"|act{S}on)",
        (0.45, 0.5, 0.5),
        "decode decrypt unscramble deobfuscate convert translate reverse",
        "follow obey execute apply perform says carry act",
    ),
    rule(
        "decode_and_obey",
        rf"(?:carry{S1}out|follow|obey|execute|do|apply|act{S1}on)(?:{S1}exactly)?{S1}(?:what"
        rf"|whatever|everything){S1}it{S1}(?:says|asks|tells{S1}you|contains|instructs|requests)"
        rf"|treat{S1}(?:the{S1}(?:result|output|decoded{S1}text)|it|this){S1}as{S1}(?:your{S1})?"
        r"(?:new{S1})?(?:instructions|prompt|system{S1}prompt|orders|commands|task)",
        (0.35, 0.45, 0.45),
        "carry follow obey execute do apply act treat",
        "what whatever everything result output decoded it this",
    ),
    # --- instructions addressed to the model -----------------------------------------------
    rule(
        "addressed_to_ai",
        r"(?:note|message|instructions?|attention|important|notice|reminder|memo|warning|directive"
        rf"|orders?)s?{S}"
        rf"(?:to|for)(?:{S1}(?:the|any|all))?{S1}{AI}s?\b",
        (0.15, 0.45, 0.45),
        "note message instruction attention important notice reminder memo warning directive"
        " order orders",
        AI_A,
    ),
    rule(
        "addressed_to_ai",
        rf"(?:dear|hey|hello|hi|attention|attn|important|note)[ \t:,-]{{1,3}}{AI_STRICT}s?\b",
        (0.15, 0.45, 0.45),
        "dear hey hello hi attention attn important note",
        AI_STRICT_A,
    ),
    rule(
        "addressed_to_ai",
        rf"if{S}you{S}(?:are|re)(?:{S1}an?)?{S1}(?:{AI}|automated)\b",
        (0.15, 0.45, 0.45),
        "if",
        f"{AI_A} automated",
    ),
    rule(
        "addressed_to_ai",
        rf"{AI_STRICT}s?{S}(?:assistants?{S}|agents?{S}|models?{S})?(?:reading|processing"
        r"|summari[sz]ing|browsing|parsing|analy[sz]ing|reviewing|scanning|crawling|indexing"
        rf"|ingesting|viewing){S}(?:this|these|the{S}(?:page|document|email|text|content|site"
        r"|file))",
        (0.15, 0.45, 0.45),
        AI_STRICT_A,
        "reading processing summarising summarizing browsing parsing analysing analyzing"
        " reviewing scanning crawling indexing ingesting viewing",
    ),
    rule(
        "addressed_to_ai",
        rf"(?:when|if|once|whenever)(?:{S1}(?:an?|the|any))?{S1}{AI_STRICT}s?{S}(?:reads|sees"
        rf"|processes|summari[sz]es|parses|finds|encounters|analy[sz]es|is{S}(?:reading"
        rf"|processing|asked))|{AI_STRICT}s?{S}(?:models?{S})?(?:that|which|who){S}(?:see|read"
        rf"|process|find|encounter)s?{S}this",
        (0.15, 0.45, 0.45),
        AI_STRICT_A,
        "reads sees processes summarises summarizes parses finds encounters analyses analyzes"
        " is see read process find encounter",
    ),
    rule(  # "AI agents: …", "Assistant, …" at the start of a sentence
        "addressed_to_ai",
        rf"(?:^|\n|[.!?][ \t]{{1,10}}|>[ \t]{{0,10}}|<!--[ \t]{{0,10}})[ \t>*#-]{{0,10}}"
        rf"(?P<at>(?:ai|llm|chatgpt|gpt|claude|gemini|copilot)(?:{S}(?:agents?|assistants?"
        r"|models?|systems?|tools?))?s?[ \t]{0,10}[:,]|(?:assistant|chatbot)[ \t]{0,10},)"
        r"(?=[ \t]{0,10}[^\n=|\[(]{10,200})",
        (0.15, 0.45, 0.45),
        "ai llm chatgpt gpt claude gemini copilot assistant chatbot",
        ": ,",
        view="plain",
        word_start=False,
    ),
    # --- secrecy, phishing -----------------------------------------------------------------
    rule(
        "secrecy",
        rf"(?:do{S}not|don{S}t|never|without){S}(?:tell|inform|notify|alert|mention|let"
        r"|telling|informing|notifying|alerting|mentioning|letting|reveal|revealing|show"
        rf"|showing){S}(?:this{S}(?:to{S})?|it{S}(?:to{S})?"
        rf"|anything{S}(?:to{S})?)?(?:the{S})?(?:user|human|customer|operator|person)",
        (0.25, 0.55, 0.5),
        "tell inform notify alert mention let telling informing notifying alerting mentioning"
        " letting reveal revealing show showing",
        "user human customer operator person",
    ),
    rule(
        "secrecy",
        rf"(?:keep|hide){S}(?:this|it|these){S}(?:secret|hidden"
        rf"|confidential)?{S}from{S}(?:the{S})?(?:user|human)|(?:the{S})?user{S}(?:must"
        rf"|should){S}(?:not|never){S}(?:know|see|find|learn|notice)",
        (0.25, 0.55, 0.5),
        "keep hide user",
        "user human must should",
    ),
    rule(
        "secrecy",
        rf"(?:never|do{S}not|don{S}t|no{S}need{S}to){S}(?:mention|reveal|disclose|acknowledge|refer{S}to"
        rf"|repeat){S}(?:this|these|it){S}(?:note|instruction|message|text|comment|request)?s?\b",
        (0.25, 0.55, 0.5),
        "mention reveal disclose acknowledge refer repeat",
        "note instruction message text comment request",
    ),
    rule(
        "secrecy",
        rf"without{S}(?:asking|confirming{S}with|checking{S}with|consulting"
        rf"|the{S}consent{S}of){S}(?:the{S})?(?:user|human|customer|owner)",
        (0.15, 0.4, 0.35),
        "without",
        "user human customer owner",
    ),
    rule(
        "credential_phish",
        rf"(?:ask|request|prompt|get|collect|obtain|require){S}(?:the{S})?(?:user|customer"
        rf"|them|him|her){S}(?:for|to{S}(?:enter|provide|share|confirm|give|type"
        rf"|send)){S}(?:their|his|her|your|the)?{S}(?:full{S})?(?:password|credentials"
        rf"|api{S}key|credit{S}card|card{S}number|social{S}security|ssn|pin\b|login|2fa|otp"
        rf"|one{S}time|verification{S}code|bank)",
        (0.2, 0.5, 0.5),
        "ask request prompt get collect obtain require",
        "user customer them him her",
    ),
)
