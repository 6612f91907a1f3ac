"""How the responder chooses facts (part of bot.responder.Responder): the best-ranked
entry for a question (a gap when it accounts for more), a topic's facts with the intent
as a prior, the facts a message names or that hold a figure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answers import Section
from bot.cues import (
    HAS_TYPE,
    REFERRING,
)
from bot.knowledge import Fact
from bot.retrieval import Hit
from bot.thresholds import (
    ANSWER_COVERAGE,
    CONFIDENT,
    CROSS_TOPIC_COVERAGE,
    DETAIL_COVERAGE,
    DETAIL_GAIN,
    DETAIL_MARGIN,
    GAP_COVERAGE,
)


class Choosing:
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

    def _figures_of(self, topic: str) -> list[Fact]:
        """The topic's facts that give an amount (not only a rank or a year)."""
        return [f for f in self.kb.facts_of(topic) if HAS_TYPE["amount"](f.text)]

    def _named_facts(self, terms, values) -> list[str]:
        """Facts a follow-up names itself ("where is the median from?"), if any."""
        keyed = self.answers.keyed(self.kb.facts, values)
        if keyed:
            return [f.id for f in keyed]
        naming = [t for t in terms if t not in REFERRING]
        hit = self._best(naming, kinds=("fact",)) if naming else None
        return [hit.entry.id] if hit and hit.coverage >= ANSWER_COVERAGE else []
