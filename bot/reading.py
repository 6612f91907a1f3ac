"""A message read once, before an answer is chosen: its sentences, which of them ask
something, what the person tells about themselves, and whether the question is about the
future. Plain Python, no Rasa.

- A long message that tells the person's story first ("I'm 34, a nurse in Ohio for nine
  years. ... Where should I start?") is answered for its question sentences. The story is
  background: a job, degree or place named in it is never the subject of the question.
- A message of statements only, from someone who says they want this career ("... no
  idea where to begin", "I want to become an ML engineer."), asks where to start.
- A question about pay or demand in the future ("in ten years", "by 2035", "will AI
  replace them?") is marked with its subject, for bot/forecast.py to say what the sources
  do and do not forecast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.claims import AMOUNT

# The question a message of statements implies when it says the person wants this career.
START_QUESTION = "How do I get started as a machine learning engineer?"

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\s*\n+\s*")
QUESTION_START = re.compile(
    r"^\W*(?:(?:so|and|but|ok|okay|well|also|plus|oh|honestly|basically|anyway|hi|hey|hello)\W+)*"
    r"(?:what|whats|what's|wat|how|hows|how's|which|why|when|where|wheres|who|whos|is|are|am|do|does|did|"
    r"can|could|should|would|will|any|isn't|aren't|don't|doesn't)\b",
    re.I,
)
AUXILIARIES = {
    "is", "are", "am", "do", "does", "did", "can", "could", "should", "would", "will", "isn't", "aren't",
    "don't", "doesn't",
}  # fmt: skip
SUBJECTS = {
    "i", "you", "they", "it", "we", "he", "she", "there", "ml", "machine", "ai", "data", "this", "that", "these",
    "those", "someone", "anyone", "people", "employers", "companies", "most", "many",
}  # fmt: skip
# A sentence that asks without a question mark ("I want to know which skills I need").
ASKING = re.compile(
    r"\b(?:(?:wants?|wanna|would like|'d like|needs?|wanted) to (?:know|understand|ask|find out)|i'?m (?:wondering|curious)|"
    r"wondering (?:if|whether|what|how|which|where)|curious (?:about|if|whether|what|how)|tell me|explain|"
    r"any (?:advice|tips|suggestions|recommendations?)|(?:please )?(?:recommend|advise|suggest)|"
    r"give me (?:a|some|the)|show me)\b",
    re.I,
)
# A question after a clause of its own ("im a nurse thinking of switching, what do they do all day").
EMBEDDED_QUESTION = re.compile(
    r"(?:[,;:]|\b(?:but|and|so))\s+(?:what|how|which|why|where|who)(?:'s|s)?\s+"
    r"(?:do|does|did|is|are|was|should|would|could|can|will|kind|sort|type)\b",
    re.I,
)
# "... no idea where to begin", "gotta start somewhere": where to start, said as a statement.
START_CUE = re.compile(
    r"\b(?:no|zero) (?:idea|clue)\b|\b(?:don'?t|do not|dont|idk|not sure) (?:\w+ )?(?:know )?"
    r"(?:where|how|from where) (?:to |i should |should i |do i )?(?:even )?(?:start|begin)|"
    r"\bwhere (?:to|do i|should i|would i|can i) (?:even )?(?:start|begin)\b|\bstart(?:ing)? somewhere\b|"
    r"\bstarting (?:from )?(?:zero|scratch)\b|\bwhere to begin\b|\b(?:feels|seems) (?:impossible|overwhelming|like a huge)\b|"
    r"\b(?:don'?t|do not|dont) know (?:the|which) (?:path|way|route|steps)\b|\bwhere (?:do|should|would|can) (?:i|one) (?:even )?(?:start|begin)\b",
    re.I,
)
# Wanting this career ("I want to become an ML engineer", "thinking about machine learning").
GOAL = re.compile(
    r"\b(?:want|wanna|hope|plan|trying|try|would like|'d like|dream|aim)\b[^.?!]{0,40}"
    r"\b(?:be|become|get into|go (?:back )?into|switch|move|pivot|shift|transition|break into|work|aim (?:for|at))\b|"
    r"\bkeep (?:seeing|hearing|reading) (?:about )?|\baim(?:ing)? (?:for|at)\b|"
    r"\b(?:thinking (?:about|of)|considering|interested in|looking (?:at|into)|pivot(?:ing)?|switch(?:ing)?|"
    r"transition(?:ing)?|hooked|fascinat\w+)\b",
    re.I,
)
ML_WORDS = re.compile(
    r"\b(?:machine[- ]learning|ml|mle|mles|ai|artificial intelligence|data science)\b",
    re.I,
)
# "sorry no, I meant the job outlook": the user corrects their own last message; what follows
# the cue is the question ("not postings", set aside, is for bot.cues.UNASKED to drop).
CORRECTION = re.compile(
    r"^\W*(?:(?:sorry|oops|whoops|my bad|no|nope|actually|wait|typo|scratch that|correction|ok|okay)\W+)*"
    r"(?:i meant|i mean|meant|what i meant (?:was|is)|i wanted to ask(?: about)?)\s+",
    re.I,
)
# A wish to know, said as a statement ("I need to know if it's worth it"): beside a real
# question it is the person's story, not another question.
WONDERING = re.compile(
    r"^\W*(?:\w+\W+){0,8}?(?:i|i'?m|im)\W+(?:\w+\W+){0,2}?(?:want|need|would like|'d like|wonder|wondering|curious)"
    r"\b(?:\s+to\s+(?:know|understand|find out))?\s+(?:if|whether|that|she|he|they|it|my|this|is)\b",
    re.I,
)
# What a question said as a wish asks ("... I want to know what they earn"): what follows.
WANTS_TO_KNOW = re.compile(
    r"\b(?:want|need|would like|'d like|wanna)\s+to\s+(?:know|understand|find out|ask)\s+(?:about\s+)?"
    r"(?=(?:what|how|which|where|when|why|whether|if|the|their|ml|machine)\b)",
    re.I,
)
# Where the person lives, as the question says it ("what's the pay around here?").
HERE = re.compile(
    r"\b(?:around here|over here|here|there|in my (?:area|state|city|region|town)|where i live|locally|near me)\b",
    re.I,
)
# A figure the person gives of their own pay ("I make about 58k"): background, not a claim.
OWN_PAY = re.compile(
    r"\b(?:i|i'?m|im)\s+(?:currently\s+)?(?:make|earn|making|earning|paid|get paid|bring in)\b|\bmy (?:salary|pay)\b|"
    r"(?:,|\band|\bbut)\s+(?:make|earn)\s+(?:about|around|roughly|like|only|just)?\s*[$~]?\d",
    re.I,
)
# What a fragment naming a job asks about, when it is not the person's own ("outlook for plumbers").
ASKED_ABOUT = re.compile(
    r"\b(?:outlook|salar\w*|pay|paid|earn\w*|wages?|income|demand|growth|growing|hiring|openings|prospects|"
    r"how much|duties|future)\b",
    re.I,
)
# A sentence that opens by saying who the person is ("I'm a nurse practitioner ...").
IDENTITY = re.compile(r"^\W*(?:(?:hi|hey|hello|so|ok|well)\W+)*(?:i'?m|i am|im|i work as|i'?ve been) an?\b", re.I)
FIRST_PERSON = re.compile(r"\b(?:i|i'?m|im|i'?ve|ive|i'?d|my|me|myself)\b", re.I)
# What says who the person is: an age, years of experience, a degree or school, a place
# they live or come from, a job they do or did ("Chemist here", "Retail store manager, 37").
BACKGROUND = re.compile(
    r"\b\d{2} ?(?:yo|y/o|y\.o\.|years? old|yrs? old)\b|,\s*\d{2}\s*(?:,|\.|$)|\b(?:i'?m|i am|im) \d{2}\b|"
    r"\b(?:\d+\+?|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty) ?(?:years?|yrs?)\b|"
    r"^\W*[\w.-]+(?: [\w.-]+)? here\b|\b(?:degree|diploma|bachelor'?s?|master'?s?|phd|b\.?sc?|m\.?sc|ba|bs|ms|mba|ged|"
    r"associate'?s|major(?:ed|ing)?|student|grad|graduate[ds]?|college|university|school|bootcamp|freshman|sophomore)\b|"
    r"\b(?:i (?:live|lived|work|worked|teach|taught|studied|study|graduated|finished|completed|drove|spent|run|"
    r"write|manage|managed|do|did|have|had|got|make|earn|use|build|built|love|enjoy|enjoyed)|"
    r"i'?m (?:a|an|from|in|based|living|currently|working|studying)|i am (?:a|an|from|in|based|living|working)|"
    r"im (?:a|an|from|in)|i'?ve been|ive been|based in|living in|i'?m from|former|retired|here\W*$)\b",
    re.I,
)

# When a question looks beyond what the sources report.
YEAR = re.compile(r"\b(20[2-9]\d)(?:s|'s)?\b")  # ("the early 2030s")
AFTER_YEAR = re.compile(r"\b(?:after|beyond|past|post)[- ](20[2-9]\d)\b", re.I)  # "after 2031": 2032 on
# AI taking the job over: no projection answers that, whatever year is named.
REPLACE = r"\b(?:replace[ds]?|replacing|obsolete|automated away|take over|taking over|make (?:\w+ ){0,4}disappear)\b"
FUTURE = re.compile(
    r"\b(?:in|within|after|over) (?:the )?(?:next )?(?:\d+|a few|few|couple(?: of)?|two|three|four|five|six|seven|"
    r"eight|nine|ten|fifteen|twenty|thirty) (?:more )?(?:years?|yrs?|decades?)\b|"
    r"\b(?:\d+|five|ten|fifteen|twenty) (?:years?|yrs?) (?:from now|down the (?:road|line)|later|out|ahead)\b|"
    r"\bnext (?:decade|few years|\d+ years|ten years|five years)\b|"
    r"\bin the (?:future|long run|long term|coming years|years (?:ahead|to come)|next decade)\b|"
    r"\b(?:over|in|for) the long (?:haul|run|term)\b|\bby the end of (?:this|the|next) (?:decade|year)\b|"
    r"\b(?:expected|projected|predicted|forecast|likely|set) to (?:keep|continue|rise|increase|grow|go up|go down|"
    r"climb|drop|fall|expand|shrink|level off|plateau|stay|remain)\b|"
    r"\bwhat will (?:\w+ ){0,4}be\b|\bhow (?:much|high|far|fast) (?:will|could|might|would) (?:\w+ ){0,4}"
    r"(?:climb|rise|grow|go|get|increase|drop|fall)\b|\bwill there (?:still |even )?be\b|"
    r"\bwhen (?:she|he|i|they|we|you) (?:graduates?|finish(?:es)?|get (?:out|done)|(?:is|am|are) done)\b|"
    r"\bfuture[- ]proof\b|\blong[- ]term\b|\bby the time i\b|\bgoing forward\b|\bdown the (?:road|line)\b|"
    r"\bwill (?:\w+ ){0,6}(?:still|ever|always|keep|continue|go up|go down|rise|increase|grow|drop|fall|"
    r"decline|shrink|disappear|exist|earn|make|pay|get paid|be (?:around|needed|in demand|replaced|automated|"
    r"obsolete|higher|lower|worth|saturated|relevant|paid|making|earning))\b|"
    r"\bby then\b|\bnext year\b|\b(?:disappear|go away|die out|dry up|get worse|become obsolete)\b|"
    r"\b(?:going to|gonna|about to) (?:\w+ ){0,3}(?:rise|increase|grow|expand|drop|fall|go up|go down|crash|"
    r"disappear|level off|plateau|slow|shrink|decline|boom|keep|continue|stay|remain|be|get)\b|" + REPLACE,
    re.I,
)
PAY_WORDS = re.compile(
    r"\b(?:pay|paid|salary|salaries|earn|earns|earning|earnings|make|making|wages?|income|compensation|money|"
    r"six figures|6 figures)\b",
    re.I,
)
DEMAND_WORDS = re.compile(
    r"\b(?:demand|jobs?|openings?|hiring|hire|market|growth|grow|growing|need(?:ed)?|around|exist|replace[ds]?|"
    r"replacing|obsolete|automat\w*|saturated|career|field|future[- ]proof|relevant|positions?|roles?|work|"
    r"layoffs?|disappear)\b",
    re.I,
)


@dataclass(frozen=True)
class Reading:
    """What one message asks, read once per turn."""

    text: str  # what the rest of the responder reads: the question sentences, or the implied question
    sentences: tuple[str, ...]
    told: tuple[str, ...] = ()  # what the person says about themselves: background, not asked about
    implied: bool = False  # statements only: `text` is the question they imply
    future: str | None = None  # "pay", "demand" or "projection": asked about the future (future_subject)

    @property
    def rewritten(self) -> bool:
        """True when `text` is not the whole message (a story was set aside)."""
        return bool(self.told) or self.implied


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]


def asks(sentence: str) -> bool:
    """True for a sentence that asks something ("no idea where to begin" asks where to)."""
    if sentence.rstrip().endswith("?") or ASKING.search(sentence) or EMBEDDED_QUESTION.search(sentence):
        return True
    if START_CUE.search(sentence):
        return True
    start = QUESTION_START.match(sentence)
    if start is None:
        return False
    # "Did a coding bootcamp last year." tells; "can i do it without a degree" asks
    verb = start.group(0).split()[-1].lower()
    following = sentence[start.end() :].split()[:1]
    return verb not in AUXILIARIES or bool(following and following[0].lower().strip(",.") in SUBJECTS)


def without_time(text: str) -> str:
    """`text` without the words that say when ("in 5 years", "by 2035"): what a figure
    left in it claims is a claim, not a date."""
    return YEAR.sub(" ", FUTURE.sub(" ", text))


def future_subject(text: str, this_year: int, horizon: int | None = None) -> str | None:
    """What `text` asks about the future: "pay" (any later year: the sources forecast no
    pay), "demand" (beyond `horizon`, the last year the sources forecast demand to, or
    with no year; AI replacing the job, whatever the year), "projection" (demand within
    the horizon, which the projection answers); else None."""
    years = [int(y) for y in YEAR.findall(text)] + [int(y) + 1 for y in AFTER_YEAR.findall(text)]
    later = [y for y in years if y > this_year]
    future = bool(later or FUTURE.search(text))
    if PAY_WORDS.search(text) and future:
        return "pay"
    if not DEMAND_WORDS.search(text) or not future:
        return None
    if re.search(REPLACE, text, re.I) or horizon is None or any(y > horizon for y in later):
        return "demand"
    return "projection" if later else "demand"


def read(text: str, this_year: int, horizon: int | None = None, jobs=None) -> Reading:
    """The Reading of a message (`this_year`: the year it is now; `horizon`: the last year
    the sources forecast demand to; `jobs(sentence)`: whether it names an occupation)."""
    sentences = sentences_of(text)
    questions = [s for s in sentences if asks(s)]
    if any(s.rstrip().endswith("?") for s in questions):  # "I need to know if it's worth it. What do they make?"
        questions = [s for s in questions if not WONDERING.search(s) or s.rstrip().endswith("?")]
    told = [s for s in sentences if s not in questions and _background(s, jobs)]
    reading = Reading(text, tuple(sentences))
    if any(AMOUNT.search(s) and not OWN_PAY.search(s) for s in told):
        pass  # a told sentence with an amount may be a claim to check: "I read they make $500k."
    elif questions:
        kept = [_asked(s) for s in _with_the_question(sentences, told, questions, jobs)]
        if told or kept != [s for s in sentences if s not in told]:
            reading = Reading(" ".join(kept), tuple(sentences), tuple(told), implied=not told)
    elif (len(sentences) >= 2 or START_CUE.search(text)) and (
        _wants_this_career(sentences) or told and ML_WORDS.search(text)
    ):  # a story, then "I keep seeing ML engineering come up": where to start
        reading = Reading(START_QUESTION, tuple(sentences), tuple(told), implied=True)
    corrected = CORRECTION.sub("", reading.text, count=1)
    if corrected != reading.text and corrected.strip():  # "sorry, I meant the median, not the average"
        reading = Reading(corrected, reading.sentences, reading.told, True)
    subject = future_subject(reading.text, this_year, horizon)
    return Reading(reading.text, reading.sentences, reading.told, reading.implied, subject)


def _background(sentence: str, jobs=None) -> bool:
    """A sentence that tells who the person is: their job, age, degree, place, years ("I'm a
    nurse practitioner in Idaho and weirdly drawn to AI"), not what others do in this career
    ("our ML engineers fascinate me")."""
    if asks(sentence):
        return False
    if ML_WORDS.search(sentence) and not (IDENTITY.match(sentence) and jobs is not None and jobs(sentence)):
        return False
    mine = FIRST_PERSON.search(sentence) and not re.search(r"\b(?:we|our|us)\b", sentence, re.I)
    # ("job outlook for plumbers pls" names a job to ask about it, not to say who one is)
    named = jobs is not None and bool(jobs(sentence)) and (mine or not ASKED_ABOUT.search(sentence))
    # a fragment: "no degree.", "Retail store manager, 37, Wisconsin.", "Background: 41, CPA"
    fragment = len(sentence.split()) <= 6 or bool(re.match(r"^\W*background\b", sentence, re.I)) or named
    return bool(
        (BACKGROUND.search(sentence) and (mine or fragment)) or (named and (mine or len(sentence.split()) <= 6))
    )


def _with_the_question(sentences: list[str], told: list[str], questions: list[str], jobs=None) -> list[str]:
    """What stays with the question when a story is set aside: the questions, and the
    sentence a short question leans on ("Our ML engineers fascinate me. What do they do?",
    "My goal is a job that pays well. Does ML engineering qualify?"). With a story, what
    else the person says about this career ("everyone at my firm talks about AI") is set
    aside with it; without one, only a statement naming another job ("His counselor
    suggested ML.") is."""
    kept = []
    for index, sentence in enumerate(sentences):
        following = sentences[index + 1] if index + 1 < len(sentences) else ""
        leaned_on = following and following in questions and len(following.split()) <= 6
        if sentence in told and not (leaned_on and ML_WORDS.search(sentence)):
            continue
        if sentence in questions or leaned_on or AMOUNT.search(sentence):  # (a figure may be a claim to check)
            kept.append(sentence)
        elif not told and not (jobs is not None and jobs(sentence) and not ASKED_ABOUT.search(sentence)):
            kept.append(sentence)  # ("job outlook for plumbers pls" asks about that job)
    return kept


def _asked(sentence: str) -> str:
    """ "No idea where to begin", "where do I even begin?" ask where to start; anything else
    is as it is ("where do I start with the Stanford course?" asks about the course)."""
    if START_CUE.search(sentence) and (not QUESTION_START.match(sentence) or len(sentence.split()) <= 8):
        return START_QUESTION
    wish = WANTS_TO_KNOW.search(sentence)  # "Before I commit to a master's, I want to know what they earn."
    return sentence[wish.end() :] if wish else sentence


def _wants_this_career(sentences: list[str]) -> bool:
    whole = " ".join(sentences)
    return bool(
        ML_WORDS.search(whole) and FIRST_PERSON.search(whole) and (GOAL.search(whole) or START_CUE.search(whole))
    )
