"""Decide what the bot says to one user turn.

Input: the message text, the intent and entities Rasa's NLU found, and what the last
answer was about (slots). Output: one Reply, built by bot.answers (the one formatter)
from facts of data/knowledge.yml. The intent is a strong hint, not a cage:

1. Markup is dropped. A message with no word the bot recognises (numbers, symbols,
   markup, SQL) is declined: it never gets a figure.
2. Another country or occupation is declined only when the question is about it, not
   when it names the user's own background ("I'm a nurse, how do I ..."); a message that
   also asks about ML engineers gets that question answered, with a sentence declining
   the other. A US state or city gets the national figures and a sentence saying there
   are no local ones.
3. Greetings, thanks and the like get their message, unless the text is really a question.
4. "Tell me more", "where is that from?" and "how old is that?" work on the last answer
   (or on the facts the message names).
5. A question is split into its parts ("... and ...?", two question marks). Each part
   is answered from the facts the retriever ranks for it, with the intent it reads like
   (bot.part_intents); "then what?" takes the next of the knowledge file's `steps`. The
   topic of a confident intent is a prior: its lead facts, unless the question asks for one detail of the
   topic that a later fact holds. A short or uncertain message is first matched against
   the facts of the last answer's topic. A detail the sources lack (a known gap) is
   said plainly, with the closest facts.
6. A figure the user states that the facts given do not hold is never repeated: the
   reply says its sources don't support it and gives its own, cited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from bot.answers import Answers, Section, slot_ids
from bot.claims import AMOUNT, CLAIM_CUE, SCALE, UNIT, YEAR, spelled_in
from bot.cues import (
    ABOUT_ME,
    ADVANCE,
    ASKED_TYPE,
    ASKING_WORDS,
    ASKS_SOURCE,
    BACKGROUND_CUE,
    CARRY_ON,
    CHAT_QUESTION,
    CHITCHAT,
    COMMA_QUESTION,
    COUNTING,
    DATE_CUE,
    DECLINE_INTENTS,
    DOUBT,
    EXAMPLES,
    FOLLOW_UPS,
    HAS_TYPE,
    LEADING_LINK,
    LEANING,
    LETTERS,
    NAMING,
    NEXT_STEP,
    OWN_BACKGROUND,
    PART_SPLIT,
    QUESTION,
    REFERRING,
    SHORT_WHY,
    STEP_NAMED,
    STEP_TERMS,
    STRUCTURED,
    WHY,
    WORDS,
)
from bot.grounding import allowed_numbers, numbers_in
from bot.handlers import context_of, first_outcome
from bot.knowledge import Fact
from bot.occupations import Occupations, load_occupations
from bot.part_intents import PartIntents
from bot.reading import ML_WORDS, Reading, read
from bot.retrieval import DOMAIN_STOP, Analyzer, Hit, Retriever, content_words, plain_words
from bot.thresholds import (
    ANSWER_COVERAGE,
    CHAT_PHRASE_SIMILARITY,
    CHITCHAT_CONFIDENT,
    CONFIDENT,
    CROSS_TOPIC_COVERAGE,
    DETAIL_COVERAGE,
    DETAIL_GAIN,
    DETAIL_MARGIN,
    FOLLOW_UP_COVERAGE,
    FOLLOW_UP_SLACK,
    GAP_COVERAGE,
    INTENT_COVERAGE,
    INTENT_MARGIN,
    LEANING_COVERAGE,
    LONE_WORD_PHRASE,
    OVERRIDE_COVERAGE,
    PHRASE_SIMILARITY,
    PHRASE_WORDS,
    PLAIN_SIMILARITY,
    SHORT,
)
from bot.turn import Outcome, Turn


class Responder:
    def __init__(
        self,
        answers: Answers,
        retriever: Retriever,
        part_intents: PartIntents | None = None,
        occupations: Occupations | None = None,
    ):
        self.answers = answers
        self.part_intents = part_intents
        self.occupations = occupations or load_occupations()
        self.kb = answers.kb
        self.retriever = retriever
        self.analyzer: Analyzer = retriever.analyzer
        # the kinds of answer a short question can ask for: a year, an amount, a reason, and
        # the knowledge file's own (a subject: "in which field?")
        self.asked_type = dict(ASKED_TYPE)
        self.has_type = dict(HAS_TYPE)
        self.kind_terms: dict[str, set] = {}
        for name, kind in self.kb.kinds.items():
            self.asked_type[name] = re.compile(
                r"\b(?:which|what|wat)\s+(?:" + "|".join(re.escape(w) for w in kind.asked) + r")\b", re.I
            )
            self.has_type[name] = re.compile(
                r"\b(?:" + "|".join(re.escape(w) for w in kind.named) + r")\b", re.I
            ).search
            self.kind_terms[name] = {t for w in kind.asked for t in self.analyzer.terms(w)}
        for name, words in ASKING_WORDS.items():
            self.kind_terms[name] = set(self.analyzer.terms(words))

    # -- understanding ---------------------------------------------------------------
    def _entities(self, turn: Turn, clean: str, doc) -> dict[str, list[str]]:
        """Canonical entity values, from Rasa and from our own pipeline; a country or an
        occupation named as the user's own background is left out."""
        found = [dict(e) for e in turn.entities if isinstance(e, Mapping)]
        found += [{"entity": e.label_, "value": e.text, "start": e.start_char} for e in doc.ents]
        kept = []
        for entity in found:
            start = entity.get("start")
            if (
                entity.get("entity") in ("country", "occupation")
                and isinstance(start, int)
                and 0 <= start <= len(clean)
                and BACKGROUND_CUE.search(clean[:start])
            ):
                continue
            kept.append(entity)
        values = self.answers.entities.normalise(kept)
        named = [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "occupation"]
        for title in self.occupations.titles(clean):
            end = title.start + len(title.text)
            if any(s < end and title.start < e for s, e in named) or BACKGROUND_CUE.search(clean[: title.start]):
                continue  # a listed job (its own id), or the user's own background
            values.setdefault("occupation", [])
            if title.name not in values["occupation"]:
                values["occupation"].append(title.name)
        return values

    def _values_in(self, text: str, values: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """The message's entity values that this part of it names."""
        found = self.answers.entities.normalise(
            [{"entity": e.label_, "value": e.text} for e in self.analyzer.nlp(text).ents]
        )
        return {
            label: [v for v in ids if v in values.get(label, [])]
            for label, ids in found.items()
            if any(v in values.get(label, []) for v in ids)
        }

    @staticmethod
    def _split(clean: str) -> list[str]:
        """The questions of a message. A sentence that tells about the user ("I'm thinking
        about a master's.", "I've never taken a class.") is not one: it is read with the
        question that follows it."""
        parts, told = [], ""
        split = [
            q
            for p in PART_SPLIT.split(clean)
            if p
            for q in (COMMA_QUESTION.split(p) if QUESTION.match(p) or CHAT_QUESTION.match(p) else [p])
        ]
        for part in (p for p in split if WORDS.search(p)):
            if ABOUT_ME.match(part) and not QUESTION.match(part):
                told = f"{told} {part}".strip()
                continue
            parts.append(f"{told} {part}".strip())
            told = ""
        return parts + [told] if told else parts

    def _terms(self, doc) -> list[str]:
        """Index terms of a parsed text; a number no fact holds is a claim to check, not a
        word to look for."""
        known = self.retriever.facts.vocabulary
        # "I'm a nurse, ...": who asks, not what; words no fact holds only water the question down
        background = [
            i
            for e in doc.ents
            if e.label_ == "occupation" and BACKGROUND_CUE.search(doc.text[: e.start_char])
            for i in range(e.start, e.end)
            if not set(self.analyzer.terms(doc[i].text)) & known
        ]
        return [t for t in self.analyzer.terms_of(doc, background) if not t[:1].isdigit() or t in known]

    def _parts(self, texts: list[str]) -> list[list[str]]:
        """The terms of each question of a message (a part may have none: "what do they
        do?" is all stop words, and the intent tells what it asks)."""
        return [self._terms(self.analyzer.nlp(p)) for p in texts] or [[]]

    # -- choosing facts ----------------------------------------------------------------
    def _topic_of(self, intent: str | None, confidence: float) -> str | None:
        route = self.kb.routes.get(intent) if isinstance(intent, str) else None
        return route.topic if route is not None and confidence >= CONFIDENT else None

    def _best(
        self, terms: Sequence[str], among=None, kinds=("fact", "gap"), naming: bool = False, counting: bool = False
    ) -> Hit | None:
        """The best-scoring entry; a gap only if no fact accounts for more of the question.
        A gap that holds as much of it as the top fact is taken when the question asks to
        name things ("which languages?": the facts don't name them), to count something
        the top fact gives no number for, or when the gap lists that fact as its closest
        (its answer says what is missing, then gives the fact)."""
        hits = self.retriever.rank(terms, among=among, kinds=kinds)
        if not hits:
            return None
        # ("how much do they make?": a fact of its topic as close as the top one gives a number)
        uncounted = (
            counting
            and hits[0].entry.kind == "fact"
            and not any(
                re.search(r"\d", self.kb.fact(h.entry.id).text)
                for h in hits
                if h.entry.kind == "fact" and h.coverage >= hits[0].coverage and h.entry.topics == hits[0].entry.topics
            )
        )
        if naming or uncounted:
            # (not over a fact one of whose phrases says it more closely: "which companies use it?")
            gap = next(
                (
                    h
                    for h in hits
                    if h.entry.kind == "gap"
                    and h.coverage >= hits[0].coverage
                    and (h.phrase >= hits[0].phrase or not naming)
                ),
                None,
            )
            if gap is not None:
                return gap
        if hits[0].entry.kind == "fact":
            # a gap holding as much as the top fact and giving that fact after saying what is
            # missing ("and after 2018?": no figure; "who teaches it?": the course, no names)
            gap = next(
                (
                    h
                    for h in hits
                    if h.entry.kind == "gap"
                    and h.coverage >= hits[0].coverage
                    and hits[0].entry.id in self.kb.gap(h.entry.id).facts
                ),
                None,
            )
            if gap is not None:
                return gap
        if hits[0].entry.kind == "gap":
            fact = next((h for h in hits if h.entry.kind == "fact"), None)
            if fact is not None and fact.coverage > hits[0].coverage:
                return fact
        return hits[0]

    def _section_for_hit(self, hit: Hit) -> Section:
        if hit.entry.kind == "gap":
            return self.answers.gap_section(hit.entry.id)
        fact = self.kb.fact(hit.entry.id)
        topic = fact.topics[0]
        lead = self.answers.first_facts(topic)
        return Section(lead, general=True) if fact in lead else Section([fact])

    def _with_prior(
        self, terms, intent: str, values, last_topic: object = None, naming: bool = False, counting: bool = False
    ) -> Section:
        """The intent's lead facts, unless the question asks for a detail that another fact
        (or a known gap) holds and the lead facts do not."""
        lead = self.answers.lead_facts(intent, values)
        topic = self.kb.routes[intent].topic
        asked = set(terms) - set(self.analyzer.terms(self.kb.topic(topic).title))
        hits = self.retriever.rank(terms) if asked or counting else []  # ("how many courses?" asks a count)
        if not hits:  # nothing asked beyond the topic itself ("tell me about courses")
            return Section(lead, general=True)
        lead_ids = {f.id for f in lead}
        lead_hits = [h for h in hits if h.entry.id in lead_ids]
        lead_coverage = max((h.coverage for h in lead_hits), default=0.0)
        if isinstance(last_topic, str) and last_topic != topic:
            # "what skills will I get?" after a course: the fact both topics share
            lead_phrase = max((h.phrase for h in lead_hits if h.coverage == lead_coverage), default=0.0)
            shared = [
                h
                for h in hits
                if h.entry.kind == "fact"
                and topic in h.entry.topics
                and last_topic in h.entry.topics
                and (h.coverage, h.phrase) >= (lead_coverage, lead_phrase)
            ]
            if shared:
                return Section([self.kb.fact(shared[0].entry.id)])
        best = self._best(terms, naming=naming, counting=counting)
        if best.entry.kind == "fact" and topic not in best.entry.topics:
            # "is it for beginners?" about courses: of the facts holding as much of the
            # question, the intent's topic's own (the course's level, not the job's)
            own = next(
                (h for h in hits if h.entry.kind == "fact" and topic in h.entry.topics and h.coverage >= best.coverage),
                None,
            )
            if own is not None:
                best = own
        if best.coverage >= ANSWER_COVERAGE and not any(topic in h.entry.topics for h in hits):
            # nothing of the intent's topic holds a word of the question ("my friend said
            # the median is $250,000" taken for the postings): the classifier misread it
            return self._section_for_hit(best)
        if (
            best.entry.kind == "fact"
            and best.entry.id not in lead_ids
            and self._names_a_figure_of(terms, best.entry.id, lead)
        ):
            return Section([self.kb.fact(best.entry.id)])  # "... through 2031?": the fact with 2031
        gain = best.coverage - lead_coverage  # how much more of the question it accounts for
        lead_score = max((h.score for h in lead_hits), default=0.0)
        closer = (
            naming or counting or best.phrase > max((h.phrase for h in lead_hits), default=0.0)
        )  # "which languages?"
        if (
            best.entry.kind == "gap"
            and best.coverage >= GAP_COVERAGE
            and (best.score > lead_score or closer)
            and (gain > 0 or (gain == 0 and (len(set(terms)) >= 2 or closer)))
        ):
            return self.answers.gap_section(best.entry.id)
        if best.entry.kind != "fact":
            return Section(lead, general=True)
        same_topic = topic in best.entry.topics
        if best.entry.id in lead_ids:
            others = max((h.score for h in lead_hits if h.entry.id != best.entry.id), default=0.0)
            if len(lead) > 1 and best.coverage >= DETAIL_COVERAGE and best.score >= others * DETAIL_MARGIN:
                # the detail asked for comes first
                return Section([f for f in lead if f.id == best.entry.id] + [f for f in lead if f.id != best.entry.id])
            return Section(lead, general=True)
        if (
            best.coverage >= (DETAIL_COVERAGE if same_topic else CROSS_TOPIC_COVERAGE)
            and (
                gain >= DETAIL_GAIN
                or same_topic
                and gain >= 0
                and best.score > lead_score
                and best.phrase > max((h.phrase for h in lead_hits if h.coverage >= lead_coverage), default=0.0)
            )
            and (same_topic or len(set(terms)) >= 2)
        ):
            return Section([self.kb.fact(best.entry.id)])
        return Section(lead, general=True)

    def _entries_of(self, topic: str) -> list[str]:
        """The ids of a topic's facts and known gaps."""
        return [f.id for f in self.kb.facts_of(topic)] + [g.id for g in self.kb.gaps if g.topic == topic]

    def _names_a_figure_of(self, terms, fact_id: str, others: Sequence[Fact]) -> bool:
        """Does the question name a figure or year (of 2 characters or more) that this fact
        holds and none of `others` does?"""
        index = self.retriever.facts
        figures = [t for t in set(terms) if t[:1].isdigit() and len(t) >= 2]
        return any(index.holds(fact_id, t) and not any(index.holds(f.id, t) for f in others) for t in figures)

    def _follow_up(
        self,
        terms,
        turn: Turn,
        values,
        least: float = 0.0,
        in_message: bool = False,
        naming: bool = False,
        counting: bool = False,
    ) -> Section | None:
        """A fact of the last answer's topic that this short message asks about. Within one
        message (a later part leaning on an earlier one) the earlier part's topic only
        breaks ties: a part that names a source or statistic is answered on its own."""
        if not self.kb.has_topic(turn.last_topic):
            return None
        keyed = [] if in_message else self.answers.keyed(self.kb.facts_of(turn.last_topic), values)
        if keyed:
            return Section(keyed)  # "and Indeed's figure?"
        if not terms:
            return None
        among = self._entries_of(turn.last_topic)
        if in_message:  # an earlier part's facts and all their topics ("the Stanford course's skills")
            among += [
                e
                for f in slot_ids(turn.last_facts)
                if self.kb.has_fact(f)
                for t in self.kb.fact(f).topics
                for e in self._entries_of(t)
            ]
        hit = self._best(terms, among=among, naming=naming, counting=counting)
        if hit is not None and in_message:
            # within one message, the fact of the earlier part's topics that holds most of this
            # part ("... the Stanford course? What's the average time to finish it?")
            widest = max(
                self.retriever.rank(terms, among=among, kinds=("fact",)), key=lambda h: h.coverage, default=hit
            )
            if widest.coverage > hit.coverage:
                hit = widest
        if hit is None or hit.coverage < max(least, FOLLOW_UP_COVERAGE):
            return None
        anywhere = self._best(terms)
        slack = 0.0 if in_message else FOLLOW_UP_SLACK
        if (
            anywhere is not None
            and anywhere.coverage >= max(ANSWER_COVERAGE, hit.coverage + slack)
            and (anywhere.coverage, in_message and anywhere.phrase) > (hit.coverage, in_message and hit.phrase)
        ):
            return None  # the message stands on its own: another topic answers it clearly better
        if hit.entry.kind == "gap":
            return self.answers.gap_section(hit.entry.id)
        return Section([self.kb.fact(hit.entry.id)])

    def _answer_part(
        self,
        terms,
        turn: Turn,
        prior: str | None,
        values,
        follow_up: bool = True,
        leaning: bool = False,
        in_message: bool = False,
        claim: bool = False,
    ) -> Section | None:
        naming = bool(NAMING.match(turn.text)) if isinstance(turn.text, str) else False
        counting = bool(COUNTING.search(turn.text)) if isinstance(turn.text, str) else False
        if prior is not None:
            if leaning and prior != turn.last_topic and len(terms) <= SHORT:
                # "and what about its rating?" right after a course: the last topic's fact,
                # where it holds more of the message than anything of the intent's topic
                section = self._follow_up(terms, turn, values, LEANING_COVERAGE)
                if section is not None:
                    best_prior = max(
                        (h.coverage for h in self.retriever.rank(terms, kinds=("fact",)) if prior in h.entry.topics),
                        default=0.0,
                    )
                    if section.gap:  # "ok but what do entry-level people start at?" after the pay
                        held = self._best(terms, among=self._entries_of(turn.last_topic)).coverage
                        if held >= best_prior:
                            return section
                    elif min(self.retriever.facts.coverage_of(terms, f.id) for f in section.facts) > best_prior:
                        return section
            return self._with_prior(terms, turn.intent, values, turn.last_topic, naming, counting)
        if follow_up and len(terms) <= SHORT:
            section = self._follow_up(terms, turn, values, in_message=in_message, naming=naming, counting=counting)
            if section is not None:
                return section
        hit = self._best(terms, counting=counting)
        need = GAP_COVERAGE if hit and hit.entry.kind == "gap" else ANSWER_COVERAGE
        found = hit.coverage if hit and hit.coverage >= need else 0.0
        if (
            found
            and turn.intent in DECLINE_INTENTS
            and len(set(self._known(terms))) == 1
            and hit.phrase < LONE_WORD_PHRASE
            and not claim
        ):  # ("Indeed said 200k": a figure pushed about what the word names)
            # one known word in an off-topic message ("what time is it?", "bitcoin price?") is
            # not a question about the fact that uses it, unless one of its phrases is that word
            found = 0.0
        if turn.intent == "out_of_scope" and turn.confidence >= CONFIDENT:
            # the classifier is sure it is off-topic: only a clear fact match overrides it, or
            # a known gap when the message says it is about the job ("what GPA do employers
            # want from ML engineers?")
            about_us = (
                hit is not None and hit.entry.kind == "gap" and self.kb.scope.occupation in values.get("occupation", [])
            )
            clear = found and (hit.coverage >= OVERRIDE_COVERAGE or about_us)
            return self._section_for_hit(hit) if clear else None
        like = self.retriever.intent(terms)  # the training example it reads most like
        if like is not None and like.coverage >= INTENT_COVERAGE and like.coverage >= found + INTENT_MARGIN:
            if like.entry.id in self.kb.routes:
                return self._with_prior(terms, like.entry.id, values)
            return None  # reads like chitchat, a follow-up or an off-topic question
        return self._section_for_hit(hit) if found else None

    def _typed_follow_up(self, clean: str, terms, turn: Turn, values) -> Section | None:
        """ "What year?", "by how much?", "on what grounds?" right after an answer: the facts
        just given that hold a year, an amount, a reason. Not when the message names
        something those facts don't hold ("what year did Indeed rank it?" after the pay)."""
        kinds = [kind for kind, cue in self.asked_type.items() if cue.search(clean)]
        if (
            not kinds
            or not self.kb.has_topic(turn.last_topic)
            or len(terms) > SHORT
            or any(found for label, found in values.items() if label != "country")
        ):  # ("in the US?": in scope)
            return None

        def typed_of(facts):  # the facts holding a year, an amount, a subject ... asked for
            return [f for f in facts if any(self.has_type[kind](f.text) for kind in kinds)]

        typed = typed_of(self.kb.fact(f) for f in slot_ids(turn.last_facts) if self.kb.has_fact(f))
        asking = set().union(*(self.kind_terms.get(kind, set()) for kind in kinds))
        if not typed and not [t for t in terms if t not in asking]:
            # "by how much?", "in which fields?" after facts with none: the topic's facts that have one
            typed = typed_of(self.kb.facts_of(turn.last_topic))
        if not typed:
            return None
        own = [t for t in terms if t not in REFERRING and t not in asking]
        if own:
            hit = self._best(own)
            if (
                hit is not None
                and hit.coverage >= ANSWER_COVERAGE
                and hit.entry.id not in {f.id for f in typed}
                and max(self.retriever.facts.coverage_of(own, f.id) for f in typed) < hit.coverage
            ):
                return None
        return Section(typed)

    # -- replies ------------------------------------------------------------------------
    def _decline(self, values) -> Outcome:
        return Outcome(self.answers.decline_values(values))

    def _named_facts(self, terms, values) -> list[str]:
        """Facts a follow-up names itself ("where is the median from?"), if any."""
        keyed = self.answers.keyed(self.kb.facts, values)
        if keyed:
            return [f.id for f in keyed]
        naming = [t for t in terms if t not in REFERRING]
        hit = self._best(naming, kinds=("fact",)) if naming else None
        return [hit.entry.id] if hit and hit.coverage >= ANSWER_COVERAGE else []

    def _holders(self, claimed: list[str]) -> list[Fact]:
        """The facts holding a figure the user claims (not a year, not a one-digit number)."""
        wanted = [
            numbers_in(c)
            for c in claimed
            if not YEAR.fullmatch(c) and not SCALE.search(c) and any(len(n) >= 2 or "." in n for n in numbers_in(c))
        ]
        return [f for f in self.kb.facts if any(n <= numbers_in(f.text) for n in wanted)]

    def _unsupported(self, claimed: list[str], facts: Sequence[Fact], values, clean: str = "") -> list[str]:
        """The user's figures that `facts` do not hold (a figure in words never is), and
        those credited to a source that does not give them ("Indeed says the median is
        $131,490": the BLS does)."""
        # the facts' own figures and the years they or their sources are dated (a claimed "8
        # years" is not supported by a source accessed on November 8)
        dated = allowed_numbers(facts, self.kb)
        allowed = set().union(*(numbers_in(f.text) for f in facts)) | {n for n in dated if YEAR.fullmatch(n)}
        named = set(values.get("data_source", []))
        unsupported = []
        for claim in claimed:
            if SCALE.search(claim) or not (numbers_in(claim) <= allowed or spelled_in(claim, clean, facts)):
                unsupported.append(claim)
            elif named and not YEAR.fullmatch(claim):
                credited = [f for f in facts if numbers_in(claim) <= numbers_in(f.text) and f.keys.get("data_source")]
                if credited and not any(named & set(f.keys["data_source"]) for f in credited):
                    unsupported.append(claim)
        return unsupported

    @staticmethod
    def _without_claims(terms: list[str]) -> list[str]:
        """Terms without the one-digit numbers of a claim; a year or figure the facts hold still
        points at them ("... through 2031, correct?")."""
        return [t for t in terms if not t[:1].isdigit() or len(t) >= 2]

    def _recognised(self, doc, terms, intent: str | None, confidence: float, last: list[str] | None = None) -> bool:
        """Does the message hold a word the bot knows what to do with? Numbers, symbols,
        markup, SQL and stop words alone are not enough, unless the classifier is sure it
        is chitchat or a follow-up ("hi", "tell me more", "where is that from?")."""
        if not LETTERS.search(doc.text):
            return False
        if (
            intent in CHITCHAT
            and confidence >= CHITCHAT_CONFIDENT
            or (intent in FOLLOW_UPS and confidence >= CONFIDENT)
        ):
            return True
        words = [
            t
            for t in terms
            if not t[:1].isdigit()
            or last is not None
            and len(t) >= 2
            and any(self.retriever.facts.holds(f, t) for f in last)
        ]  # "is 21% a lot?" after the 21%
        domain = [t for t in doc if t.lower_ in DOMAIN_STOP and len(t.lower_) > 1 and t.is_alpha]
        if not words and not domain:
            return False
        return bool(words) or (intent not in DECLINE_INTENTS and confidence >= CONFIDENT)

    def _known(self, terms) -> list[str]:
        """The terms a fact, a gap or a topic's training example holds ("usd", "bitcoin": none)."""
        return [t for t in terms if t in self.retriever.topic_vocabulary]

    def _figures_of(self, topic: str) -> list[Fact]:
        """The topic's facts that give an amount (not only a rank or a year)."""
        return [f for f in self.kb.facts_of(topic) if HAS_TYPE["amount"](f.text)]

    def _leans_on_last(self, clean: str, turn: Turn) -> bool:
        """A question that only makes sense after the last answer ("is that a lot?",
        "through when?"): stop words alone, but about the facts just given."""
        words = len(plain_words(clean))
        return (
            self.kb.has_topic(turn.last_topic)
            and bool(slot_ids(turn.last_facts))
            and words <= 2 * SHORT
            and bool(WORDS.search(clean))
            and (
                bool(DATE_CUE.search(clean))
                or bool(ASKS_SOURCE.search(clean))
                or any(c.search(clean) for c in self.asked_type.values())  # "thru when", "is that in the US only"
                or words <= SHORT
                and bool(LEANING.search(clean))
                and (clean.rstrip().endswith("?") or bool(QUESTION.match(LEADING_LINK.sub("", clean))))
            )
        )

    def _phrased(self, clean: str, turn: Turn, intent: str | None, confidence: float) -> Outcome | None:
        """A question of stop words only that says what an `asks` phrase says ("is that a
        lot?" after the pay, "how many ML engineers are there?"): that fact or gap, looked
        for among the last answer's topic first."""
        if STRUCTURED.match(clean) or DATE_CUE.search(clean) or CARRY_ON.match(clean):
            return None
        # a greeting or "tell me more" only where a phrase of the last topic says it closely
        chat = (
            intent in CHITCHAT and confidence >= CHITCHAT_CONFIDENT or intent in FOLLOW_UPS and confidence >= CONFIDENT
        )
        words = content_words(clean)
        if len(words) < PHRASE_WORDS:
            return None
        entry, similarity = None, 0.0
        if self.kb.has_topic(turn.last_topic):
            entry, similarity = self.retriever.closest_phrase(words, self._entries_of(turn.last_topic))
        if chat and similarity < CHAT_PHRASE_SIMILARITY:
            return None
        if similarity < PHRASE_SIMILARITY:
            if LEANING.search(clean):  # "is that a lot?" with nothing said yet: about nothing
                return None
            entry, similarity = self.retriever.closest_phrase(words)
            if similarity < PHRASE_SIMILARITY:
                return None
        prior = self._topic_of(intent, confidence)
        if entry.kind == "fact" and prior is not None and self.kb.fact(entry.id) in self.answers.lead_facts(intent, {}):
            return None  # a general question on the intent's topic: its lead facts, as usual
        if entry.kind == "gap":
            section = self.answers.gap_section(entry.id)
        else:
            section = Section([self.kb.fact(entry.id)])
        return self._answered([section], section.facts[0].topics[0] if section.facts else entry.topics[0], turn)

    def _reasons(self, turn: Turn, terms) -> Outcome | None:
        """ "Why?" after an answer: the facts the knowledge file gives as its facts' reasons
        (`reasons`); with words of its own ("why data science?"), those that hold them."""
        last = [f for f in slot_ids(turn.last_facts) if f in self.kb.reasons]
        if not last:
            return None
        # a fact that says its own reason ("..., because postings had grown") comes first
        ids = [f for f in last if HAS_TYPE["reason"](self.kb.fact(f).text)]
        because = [self.kb.fact(f) for f in dict.fromkeys(ids + [r for f in last for r in self.kb.reasons[f]])]
        asked = set(terms)  # (not less the REFERRING words: "why data science?" names data)
        overlap = {f.id: len(asked & set(self.analyzer.terms(f.text))) for f in because}
        most = max(overlap.values(), default=0)
        facts = [f for f in because if overlap[f.id] == most] if most else because
        seen = slot_ids(turn.seen_facts)
        return Outcome(self.answers.compose([Section(facts)], turn.last_topic, seen), seen)

    def _carry_on(self, turn: Turn, clean: str, values) -> Outcome | None:
        """A message with no words of its own that carries the last answer on."""
        if WHY.match(clean) and SHORT_WHY.match(clean):  # ("how?" asks how, not why)
            reasons = self._reasons(turn, [])
            if reasons is not None:
                return reasons
        if WHY.match(clean) or DOUBT.match(clean):  # the reason (or what was doubted) is in the facts just given
            facts = [self.kb.fact(f) for f in slot_ids(turn.last_facts) if self.kb.has_fact(f)]
            if facts:
                seen = slot_ids(turn.seen_facts)
                return Outcome(self.answers.compose([Section(facts)], turn.last_topic, seen), seen)
        if EXAMPLES.match(clean):  # "which ones?" after "some entry-level jobs lead there"
            last = set(slot_ids(turn.last_facts))
            gaps = [g for g in self.kb.gaps if g.topic == turn.last_topic and last & set(g.facts)]
            if len(gaps) == 1:  # the one thing the facts just given leave unnamed
                seen = slot_ids(turn.seen_facts)
                section = self.answers.gap_section(gaps[0].id)
                return Outcome(self.answers.compose([section], turn.last_topic, seen), seen)
        if CARRY_ON.match(clean):  # "then what?"
            return self._more(turn)
        places = values.get("us_place", [])
        if places and not values.get("country"):  # "and in Texas?"
            facts = self.answers.first_facts(turn.last_topic)
            lead = self.answers.message("local_figures", place=places[0])
            return Outcome(self.answers.compose([Section(facts, lead)], turn.last_topic), [f.id for f in facts])
        return None

    def _next_step(self, clean: str, terms, turn: Turn) -> Fact | None:
        """ "Then what?", "ok and once I have the degree?": the step after the one the message
        names (the earliest that holds its words) or, naming none, after the last answer's."""
        steps = self.kb.steps
        if not steps or len(terms) > SHORT:
            return None
        known = self.retriever.facts.vocabulary
        own = [t for t in terms if t not in STEP_TERMS and t in known]
        if own and STEP_NAMED.search(clean):
            named = [
                i
                for i, step in enumerate(steps)
                if max(self.retriever.facts.coverage_of(own, f) for f in step) >= ANSWER_COVERAGE
            ]
            at = named[0] if named else None
        elif not own and NEXT_STEP.search(clean):  # ("do I need a master's after that?" names what it asks)
            last = set(slot_ids(turn.last_facts))
            at = max((i for i, step in enumerate(steps) if last & set(step)), default=None)
        else:
            return None
        if at is None or at + 1 >= len(steps):
            return None
        return self.kb.fact(steps[at + 1][0])

    def _more(self, turn: Turn) -> Outcome:
        seen = slot_ids(turn.seen_facts)
        reply = self.answers.more(turn.last_topic, seen)
        return Outcome(reply, seen + [f for f in reply.facts if f not in seen])

    def respond(self, turn: Turn) -> Outcome:
        """The reply to a turn; a fact answer ends with quick replies to go on from it."""
        outcome = first_outcome(context_of(self, turn))
        reply = outcome.reply
        if not (reply.facts and self.kb.has_topic(reply.topic)):
            return outcome
        asked = [t for t in slot_ids(turn.asked_topics) if t != reply.topic] + [reply.topic]
        if not reply.buttons:
            reply = replace(reply, buttons=self.answers.after_answer_buttons(reply.topic, outcome.seen, asked))
        return replace(outcome, reply=reply, asked=asked)

    def reading(self, turn: Turn) -> Reading | None:
        """The message read as a whole (bot.reading); None for a button or a refused message."""
        text = turn.text if isinstance(turn.text, str) else ""
        if turn.refused or not text.strip() or text.lstrip().startswith("/"):
            return None
        demand = self.kb.forecasts.get("demand")
        return read(text, date.today().year, demand.until if demand else None, jobs=self.occupations.titles)

    def _answer(
        self, turn: Turn, clean: str, terms, values, confidence: float, claimed: list[str], notes: Sequence[str] = ()
    ) -> Outcome:
        prior = self._topic_of(turn.intent, confidence)
        texts = self._split(clean)  # split once: the parts' terms, words and text
        parts = self._parts(texts) if clean else [terms]
        if claimed:
            parts = [self._without_claims(part) for part in parts]
        sections: list[Section] = []
        if len(parts) == 1:
            leaning = bool(clean) and bool(LEANING.search(clean)) and self.kb.has_topic(turn.last_topic)
            section = self._answer_part(parts[0], turn, prior, values, leaning=leaning, claim=bool(claimed))
            if section is not None:
                sections.append(section)
        else:
            covered = set()
            context = turn  # a later part may lean on an earlier one ("... and how long is it?")
            for part, text in zip(parts, texts, strict=False):
                words = plain_words(text)
                part_values = self._values_in(text, values)
                if not part:  # only stop words: which intent does it read like?
                    intent, similarity = self._part_intent(text, words)
                    if self.kb.has_topic(context.last_topic) and not (
                        intent in self.kb.routes and similarity >= PLAIN_SIMILARITY
                    ):
                        # "by how much, and up to what year?": the topic just talked about
                        section = Section(self.answers.first_facts(context.last_topic), general=True)
                    elif intent in self.kb.routes and similarity >= PLAIN_SIMILARITY:
                        section = Section(self.answers.lead_facts(intent, part_values), general=True)
                    elif prior is not None and prior not in covered:
                        section = Section(self.answers.lead_facts(turn.intent, values), general=True)
                    else:
                        section = None
                else:
                    # an earlier part is context only where it fits at least as well as anything
                    step = self._next_step(text, part, context)  # "... and what do I do after my degree?"
                    if step is not None:
                        section = Section([step])
                    else:  # each part with the intent it reads like, as a message of its own would be
                        intent, sureness = self._part_intent(text, words)
                        part_prior = self._topic_of(intent, sureness)
                        asked = (
                            replace(context, text=text, intent=intent, confidence=sureness) if part_prior else context
                        )
                        section = self._answer_part(
                            part, asked, part_prior, part_values, follow_up=context is not turn, in_message=True
                        )
                if section is not None and section.facts:
                    sections.append(section)
                    covered |= {t for f in section.facts for t in f.topics}
                    context = Turn(
                        turn.text,
                        turn.intent,
                        turn.confidence,
                        turn.entities,
                        section.facts[0].topics[0],
                        [f.id for f in section.facts],
                    )
            if prior is not None and prior not in covered:
                sections.insert(0, self._with_prior(terms, turn.intent, values))
        if not sections and prior is None and turn.intent in self.kb.routes and self._known(terms):
            sections.append(Section(self.answers.lead_facts(turn.intent, values), general=True))
        short_question = len(plain_words(clean)) <= SHORT and QUESTION.match(clean)
        if not sections and any(AMOUNT.search(c) for c in claimed):
            # an amount pushed with words no fact holds ("..., my friend swears"): those only
            # say who made the claim, the rest what it is about
            known = self._known(parts[0]) if len(parts) == 1 else []
            section = self._answer_part(known, turn, prior, values, claim=True) if known else None
            if section is not None:
                sections.append(section)
        if (
            not sections
            and self.kb.has_topic(turn.last_topic)
            and (LEANING.search(clean) or short_question or claimed)
            and not (turn.intent == "out_of_scope" and turn.confidence >= CONFIDENT)
        ):
            # a question about what was just said, in words of its own: stay on that topic
            section = self._follow_up(terms, turn, values, least=1e-9) if terms else None
            sections.append(section or Section(self.answers.first_facts(turn.last_topic), general=True))
        if not sections:
            return self._decline(values)
        stated = [f.id for s in sections for f in s.facts]
        if (
            len(sections) == 1
            and sections[0].general
            and self.kb.has_topic(turn.last_topic)
            and set(stated) <= set(slot_ids(turn.last_facts))
            and (ADVANCE.search(clean) or not clean)
        ):
            more = self._more(turn)  # "what else ...?": not the same lead facts again
            if more.reply.facts:
                return more  # (with nothing left to add, the facts asked about are said again)

        stated_ids = {f.id for s in sections for f in s.facts}
        holders = [f for f in self._holders(claimed) if f.id not in stated_ids]
        if holders:  # "indeed says the median is $131,490?": the fact that holds the figure, first
            sections.insert(0, Section(holders))
        facts = [f for s in sections for f in s.facts]
        leads = list(notes)
        unsupported = self._unsupported(claimed, facts, values, clean)
        worded = any(m.group(1) for m in CLAIM_CUE.finditer(clean))
        if unsupported and (worded or not any(s.gap for s in sections) or any(UNIT.search(c) for c in unsupported)):
            leads.append(self.kb.messages["unsupported_figure"])
            if facts and not any(
                HAS_TYPE["amount"](f.text) for f in facts
            ):  # the sources' own figures, to set against it
                figures = [f for f in self._figures_of(facts[0].topics[0]) if f not in facts]
                sections[-1] = replace(sections[-1], facts=sections[-1].facts + figures)
        places = values.get("us_place", [])
        if places:
            leads.append(self.answers.message("local_figures", place=places[0]))
        if leads:
            sections[0] = replace(sections[0], lead=" ".join(leads + [sections[0].lead]).strip())
        return self._answered(sections, self._topic_for(sections, prior), turn)

    def _in_scope_parts(self, turn: Turn, clean: str, claimed: list[str]) -> Outcome | None:
        """A message asking about ML engineers and about something else ("the median, and what
        about the UK?"): its questions that ask nothing out of scope are answered, with a
        sentence saying which part is not; None if every question is out of scope."""
        others = self.answers.out_of_scope(self._entities(turn, clean, self.analyzer.nlp(clean)))
        mine = ML_WORDS.search(clean) or turn.background or OWN_BACKGROUND.search(clean)
        if others is not None and others.message == "other_occupation" and not mine:
            return None  # "truck driver pay? my cousin says it's good money": all about the other job
        texts = self._split(clean)
        kept, outside = [], None
        for text in texts:
            doc = self.analyzer.nlp(text)
            scope = self.answers.out_of_scope(self._entities(Turn(text), text, doc))
            if scope is None:
                kept.append(text)
            else:
                outside = outside or scope
        if not kept or outside is None:
            return None
        text = " ".join(kept)
        doc = self.analyzer.nlp(text)
        intent, confidence = (
            self._part_intent(text, plain_words(text)) if len(kept) == 1 else (turn.intent, turn.confidence)
        )
        asked = replace(turn, text=text, intent=intent, confidence=confidence, entities=())
        note = self.answers.message(f"part_{outside.message}", subject=outside.subject)
        outcome = self._answer(
            asked, text, self._terms(doc), self._entities(asked, text, doc), confidence, claimed, notes=[note]
        )
        return outcome if outcome.reply.facts else None

    def _answered(self, sections: list[Section], topic: str | None, turn: Turn) -> Outcome:
        """A fact answer about `topic`; the facts shown on it so far, this answer's included."""
        seen = slot_ids(turn.seen_facts) if topic == turn.last_topic else []
        reply = self.answers.compose(sections, topic, seen)
        return Outcome(reply, seen + [f for f in reply.facts if f not in seen])

    def _part_intent(self, text: str, words) -> tuple[str | None, float]:
        """The intent one part of a message reads like, and how sure that is."""
        if self.part_intents is not None:
            return self.part_intents.classify(text)
        return self.retriever.closest_example(words)

    @staticmethod
    def _topic_for(sections: list[Section], prior: str | None) -> str | None:
        topics = [f.topics[0] for s in sections for f in s.facts]
        if prior in {t for s in sections for f in s.facts for t in f.topics}:
            return prior
        return topics[-1] if topics else None


def load_responder(answers: Answers | None = None, ranker: str = "bm25") -> Responder:
    """The responder over the knowledge file, with the project's spaCy pipeline."""
    from bot import DATA_DIR, PROJECT_ROOT
    from bot.answers import load_answers
    from bot.part_intents import load_part_intents
    from bot.retrieval import load_examples
    from bot.spacy_pipeline import load

    answers = answers or load_answers()
    analyzer = Analyzer(load(), answers.kb.synonym_map())
    examples = load_examples(DATA_DIR / "nlu")
    part_intents = load_part_intents(examples, PROJECT_ROOT / "models")
    return Responder(answers, Retriever(answers.kb, analyzer, ranker, examples), part_intents, load_occupations())
