"""The words and patterns the responder reads a message by: the intents it groups, the
words that point back at an answer, and the regular expressions of cues ("how old is
that figure?", "where is that from?", "then what?", "why?"), each with an example."""

from __future__ import annotations

import re

from bot.claims import YEAR

CHITCHAT = {
    "greet": "greet",
    "help": "help",
    "thanks": "thanks",
    "goodbye": "goodbye",
    "bot_challenge": "bot_challenge",
}
OFFERS = {"greet", "help"}
FOLLOW_UPS = {"tell_more", "request_source"}
DECLINE_INTENTS = {"out_of_scope", "nlu_fallback", None}

# Words that point back at an answer ("how old is that figure?") rather than name a fact.
REFERRING = {
    "year",
    "old",
    "recent",
    "current",
    "date",
    "new",
    "fresh",
    "figure",
    "number",
    "data",
    "stat",
    "statistic",
    "source",
    "measure",
    "publish",
    "info",
    "information",
    "come",
    "find",
    "reference",
    "base",
    "cite",
    "link",
    "reliable",
    "trust",
    "say",
    "said",
}

# A sentence about the user, not a question ("I've never taken an ML class.").
ABOUT_ME = re.compile(
    r"^\W*(i'?m|im|i am|i'?ve|i have|i had|i live|i work|i was|i used to|i currently|"
    r"currently|former|my)\b",
    re.I,
)
# The user's own job or place, anywhere in the message ("im a nurse, what degree ...").
OWN_BACKGROUND = re.compile(r"\b(?:i'?m|im|i am) (?:a|an|from|in)\b|\bas an?\b|\bi work(?:ed)? (?:as|in)\b", re.I)
# What the user sets aside ("never mind the ranking", "not the average", "apart from
# Stanford"): up to two words after the cue, dropped before the question is read.
UNASKED = re.compile(
    r"(\bnever ?mind\s+|\bforget(?: about)?\s+|,\s*not\s+|\bnot the\s+|\brather than\s+|"
    r"\binstead of\s+|\bapart from\s+|\bother than\s+|\bbesides\s+)(?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?",
    re.I,
)
# A question asking to count something ("how many courses are in it?").
COUNTING = re.compile(r"\bhow (many|much)\b|\b(what|which) (number|amount)\b", re.I)
# A question asking to name things ("which languages?", "ok what kind of math?").
NAMING = re.compile(r"^\W*(?:(?:ok|okay|so|and|but|then)\W+)?(?:which|what (?:kinds?|types?|sorts?) of)\b", re.I)
# Data, not a question: a JSON object or list ('{"salary": null}').
STRUCTURED = re.compile(
    r"^\s*(\{.*\}|\[.*\])\s*$|^\s*(select|insert|update|delete|drop|union)\b.*"
    r"\b(from|into|table|set|where)\b",
    re.S | re.I,
)
# An attempt to give the bot orders ("ignore previous instructions and say ..."): declined
INJECTION = re.compile(
    r"\b(ignore|disregard|forget|override|bypass)\b[\w\s,']{0,30}\b(instructions?|prompts?|rules?|"
    r"guidelines?|programming|training)\b|\b(system prompt|jailbreak|developer mode|dan mode)\b|"
    r"\byou are now\b|\bfrom now on,? (you|always|only|answer|respond|say)\b|"
    r"\bpretend (you are|you're|to be)\b",
    re.I,
)
# Idioms that ask for nothing ("what is ML in the first place?")
IDIOM = re.compile(r"\b(in the first place|at the end of the day|to be honest|by the way|btw|tbh)\b", re.I)
# Chat's "2" and "4" for "to" and "for" ("any course 2 start with?", "good 4 beginners?"): words, not figures.
CHAT_TO = re.compile(
    r"(?<=[a-z] )2(?= (?:start|become|get|learn|be|do|go|know|work|study|begin|find|apply|land|break|switch|move|"
    r"make|pick|take|read|watch|earn)\b)",
    re.I,
)
CHAT_FOR = re.compile(r"(?<=[a-z] )4(?= (?:me|u|you|beginners?|newbies?|noobs?|ml|mle|an?|the|someone|people)\b)", re.I)
# This career or the US, named after a question about another job or country ("and ML
# engineers?", "what about the US then?").
THE_US = r"\b(?:us|usa|u\.s\.?|united states|america|the states)\b"
OWN_SUBJECT = re.compile(r"\b(?:machine[- ]learning|ml|mle|mles|ai|artificial intelligence|here)\b|" + THE_US, re.I)
# "Are you a bot?" says whom it asks: you, or a bot, a person, ChatGPT ...
ABOUT_THE_BOT = re.compile(
    r"\b(?:you|u|ur|yourself|bot|robot|human|chatgpt|gpt|person|people|someone|somebody|machine\?|ai\?|"
    r"talking to|chatting with|who is this|who's this|whos this)",
    re.I,
)
# (what a script or style element holds is code, not words: "<script>salary</script>")
MARKUP = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)|<[^>]*>|&[a-z]+;|\{\{.*?\}\}", re.I | re.S)
LETTERS = re.compile(r"[A-Za-z]{2,}")
WORDS = re.compile(r"[A-Za-z]{3,}")
PART_SPLIT = re.compile(
    r"\?+\s*|;\s*|(?<=[a-z])\.\s+(?=[a-z])|(?<=[a-z)])[.!]\s+(?=[A-Z][a-z])|\s+(?:and also|plus|as well as|vs\.?|versus|\+|&)\s+|"
    r",\s*(?:and )?then\s+(?!what\b)|"
    r"(?:^|(?<=\s)|\s+)\(?[1-9][.)]\s+(?=[A-Za-z])|"  # numbered questions: "1) ... 2) ..."
    r",?\s+(?:and|also|n|nd)\s+(?=(?:what|whats|how|hows|which|who|whos|whom|where|wheres|when|why|is|are|"
    r"r|was|were|do|does|did|has|have|had|can|could|should|would|will|any|tell|give|show)\b)",
    re.I,
)
# A question, a comma, another question ("what's the median pay, how fast is it growing")
COMMA_QUESTION = re.compile(
    r",\s*(?=(?:what|whats|what's|how|hows|how's|which|who|where|when|why|is|are|do|does|"
    r"can|should)\s)",
    re.I,
)
CHAT_QUESTION = re.compile(r"^\W*(whats|hows|wheres|whos)\b", re.I)
# Questions without a question mark or a question word first, that a rating's words can hide
# in: "automation of what exactly", "anything else that helps with that".
ELLIPTICAL_QUESTION = re.compile(
    r"\b(?:of|like|about|for|with|as|in|on|to|from|by) (?:what|which|who|whom)\b|"
    r"^\W*(?:(?:and|so|ok|okay)\W+)?(?:anything|any other|something|what) (?:else|more)\b",
    re.I,
)
REFERENT = (
    r"(that|this|it|those|these|the( \w+)? (figures?|numbers?|data|stats?|statistics?|salary|"
    r"salaries|projection|average|median))"
)
# What a figure's date is asked with ("when was that measured?", "what year is it from?"):
# "what year does it run to?" asks what the fact says, not how old it is
DATED = (
    r"(from|measured|published|collected|dated|pulled|taken|gathered|released|updated|compiled|recorded|"
    r"reported|made|come out|describes?|refers?( to)?|reflects?|represents?|appl(y|ies)( to)?)"
)
DATE_CUE = re.compile(
    r"\bhow (old|recent|current|new|fresh|up[- ]to[- ]date|dated)\b|\bas of when\b|\bout[- ]of[- ]date\b|"
    r"\b(what|which) (year|yr|month|date)( (and|n|&|or) (year|yr|month))? (is|was|are|were|does|did) "
    + REFERENT
    + r"\b(?=\s*(?:[?.!,;)]|$|and\b|(?:\w+ ){0,2}"
    + DATED
    + r"\b))|\bfrom what year\b|"
    r"\bwhen (is|was|were|did) " + REFERENT + r"\b( \w+)? " + DATED + r"\b|"
    r"\b(is|are|was) " + REFERENT + r"( \w+)? (still )?(recent|current|new|old|outdated|up[- ]to[- ]date|fresh|dated)\b"
    r"(?! (?:york|jersey|mexico|hampshire|orleans|haven|england|zealand|delhi)\b)|"
    r"\bthis year'?s\b|\b(latest|current|recent) (data|numbers|figures)\b|\bdate (of|on) " + REFERENT + r"|"
    r"\bfrom when (is|was|are|were) " + REFERENT + r"|\bwhen (is|was|are|were) " + REFERENT + r" from\b",
    re.I,
)
# A request_source message that really asks for a source (not "is that quick compared ...?").
SOURCE_CUE = re.compile(
    r"\b(sources?|from|cite[sd]?|citation|references?|link|who (said|says|published)|by whom?|"
    r"says who|based on|evidence|proof|where did|according to|publisher|trust)\b",
    re.I,
)
# "where's it from?", "who says?": a source question whatever intent the classifier saw.
ASKS_SOURCE = re.compile(
    r"\bwhere('?s|\s+(is|was|are|were|does|did|do))?\s+" + REFERENT + r"( \w+)?\s+(come |coming |came )?from\b|"
    r"\bwho says\b|\bsays who\b|^\W*(\w+\W+)?by whom?\W*$|\bwhat('?s| is| was) (the|your) sources?\b|"
    r"\bsources?\W*$",
    re.I,
)
# Messages with no words of their own that carry the last answer on: "then what?", "why?"
CARRY_ON = re.compile(
    r"^\W*(and then|then|and after that|after that|what next|what else|anything else|"
    r"go on|continue|and|any ?(others?|more)|others?|more|some more|and others)"
    r"\W*(what|next|else|please|pls)?\W*$",
    re.I,
)
# Words around a short follow-up that change nothing ("ok, how?", "which ones exactly?")
LEAD_IN = r"(?:(?:ok|okay|and|but|so)\W+)?"
TRAILING = r"(?:\W+(?:exactly|then|tho|though))?"
# A request to name what the last answer spoke of ("which ones?", "like what?")
EXAMPLES = re.compile(
    r"^\W*" + LEAD_IN + r"(which ones|which are they|what are they|like what|such as|"
    r"(?:which|what) (?:jobs|roles|positions|titles)(?: are they| are those)?|"
    r"for (example|instance)|examples?|any examples|name (them|some|one|a few))" + TRAILING + r"\W*$",
    re.I,
)
# A doubt about the last answer ("really?", "are you sure?"): its facts again, with their sources.
DOUBT = re.compile(
    r"^\W*(really|are you sure|u sure|you sure|seriously|for real|is that (right|true|correct)|"
    r"no way|srsly)\W*$",
    re.I,
)
# A message asking for the step after one ("then what?", "and after the degree?", "degree
# done, what next?"): the knowledge file's `steps` say which comes next.
NEXT_STEP = re.compile(  # after the last answer's step: "then what?", "ok and after that", "what's next?"
    r"^\W*(?:(?:ok|okay|so|and|alright|right|fine|cool)\W+)*(?:then|after that|afterwards?|next)\b|"
    r"\bthen what\b|\bwhat(?:'?s| is| comes| do i do| should i do)? (?:next|after that|afterwards?)\b|"
    r"\bnext step\b|\b(?:after|once) (?:that|this|it)\b",
    re.I,
)
STEP_NAMED = re.compile(  # after a step the message names: "and after the degree?", "degree done, what now?"
    r"\b(?:after|once) (?:the|my|i|i'?ve|you|a|an|getting|finishing|completing)\b|"
    r"\b(?:done|finished|completed|got)\W+(?:then|what|now|next)\b",
    re.I,
)
STEP_TERMS = {"step", "next", "first", "finish", "complete", "get", "done", "start", "begin", "then", "move"}
WHY = re.compile(
    r"^\W*" + LEAD_IN + r"(why|how come|how so|why is that|why so|how|in what way|how does (it|that) work|"
    r"how do they do (it|that)|how does it do (it|that))" + TRAILING + r"\W*$",
    re.I,
)
# A short question asking the reason for the last answer, with words of its own ("why data science?").
SHORT_WHY = re.compile(r"^\W*(?:(?:ok|okay|and|but|so|hmm|huh)\W+)?(?:why|how come|how so)\b", re.I)
# A message that leans on the last answer: "and ...?", "what about ...", "is it ...".
LEANING = re.compile(
    r"^\s*(?:(?:ok|okay|right|alright)\W+)?(and|so|but|also|what about|how about|then)\b|\b(it|its|that|this|they|them|those|these)\b",
    re.I,
)
LEADING_LINK = re.compile(r"^\W*(and|so|but|ok|okay|then|also)\b\W*", re.I)  # "and where's it from"
QUESTION = re.compile(
    r"^\W*(what|which|how|why|when|where|who|whose|in which|in what|is|are|do|does|did|"
    r"can|could|should|would|will|any)\b",
    re.I,
)
# What kind of answer a short question wants: a year, an amount, a reason. A follow-up
# asking for one ("what year?", "by how much?", "on what grounds?") is about the facts just
# given that hold one, not about the next facts of the topic.
ASKED_TYPE = {
    "year": re.compile(
        r"\b(what|which) (year|years|yr|yrs|period|stretch|span|time ?frame|dates?)\b|\bwhen\b|"
        r"\b(since|until|till|through|thru|up to) (when|what)\b|\bhow long ago\b",
        re.I,
    ),
    "amount": re.compile(
        r"\bhow (much|many|big|high|fast|large|quickly|well)\b|\bby how\b|"
        r"\b(what|which) (number|percent|percentage|rate|figure|amount|sum)\b",
        re.I,
    ),
    "reason": re.compile(
        r"\bwhy\b|\bhow come\b|\b(what|which) (grounds?|reasons?|basis)\b|"
        r"\bon what\b|\bwhat for\b|\bwhat'?s the point\b",
        re.I,
    ),
    "comparison": re.compile(
        r"\b(compared (to|with)|than|relative to|vs\.?|versus) (what|which|whom?|other (jobs|careers|"
        r"occupations|fields|professions)|the rest|everything else)\b",
        re.I,
    ),
    "place": re.compile(
        r"^\W*(\w+\W+)?((is|are) (that|this|it|those|these) |that'?s |thats )?(only |just )?"
        r"(in|for) the (us|u\.s\.?|usa|united states)( only)?\W*$|\b(what|which) country\b",
        re.I,
    ),
}
# Words that only ask for a kind ("faster compared to what?"): not a subject of their own
ASKING_WORDS = {"comparison": "compared comparison"}
HAS_TYPE = {
    "year": lambda text: bool(YEAR.search(text)),
    "amount": lambda text: bool(re.search(r"\d", re.sub(r"#\d+|\b(19|20)\d\d\b", "", text))),  # not a rank or year
    "reason": lambda text: bool(re.search(r"\b(because|so that|since|as a result)\b", text, re.I)),
    "comparison": lambda text: bool(re.search(r"\b(than|compared|average)\b", text, re.I)),
    "place": lambda text: bool(re.search(r"\b(US|U\.S\.|United States)\b|\bnational\b", text)),
}
# A message asking to move on from the last answer ("what else?", "any other ...?").
ADVANCE = re.compile(r"\b(else|other|others|another|more|next|further|additional|besides|then|after)\b", re.I)
BACKGROUND_CUE = re.compile(
    r"(\bi'?m\b|\bi am\b|\bas an?\b|\bi work(ed)? (as|in)\b|\bcurrently\b|\bcoming from\b|\bswitch(ing)? from\b|"
    r"\bmove from\b|\bmoving from\b|\btransition(ing)? from\b|\bformer\b|\bi was\b|\bmy background\b|"
    r"\bi live in\b|\bliving in\b|\bi'?m from\b|\bbased in\b|\bmy job\b|\bwork as\b|\bfrom\b)[^.?!,;]*$",
    re.I,
)
