"""A topic's facts with the intent as a prior (part of bot.responder.Responder): the intent's
lead facts, unless the question asks for a detail another fact or a known gap holds."""

from __future__ import annotations

from bot.reply import Section
from bot.thresholds import (
    ANSWER_COVERAGE,
    CROSS_TOPIC_COVERAGE,
    DETAIL_COVERAGE,
    DETAIL_GAIN,
    DETAIL_MARGIN,
    GAP_COVERAGE,
)


class Prior:
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
