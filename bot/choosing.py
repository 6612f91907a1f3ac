"""How the responder chooses facts (part of bot.responder.Responder): the best-ranked
entry for a question (a gap when it accounts for more), the facts a message names or that
hold a figure (a topic's facts with the intent as a prior: bot.prior)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.cues import (
    HAS_TYPE,
    REFERRING,
)
from bot.knowledge import Fact
from bot.reply import Section
from bot.retrieval import Hit
from bot.thresholds import (
    ANSWER_COVERAGE,
    CONFIDENT,
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
