"""Citing (part of bot.answers.Answers): [n] markers after each fact, one numbered source
list with links and dates, how old a figure is, and where the last answer came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.knowledge import Fact, Source
from bot.reply import Reply, Section, slot_ids

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def human_date(value: str) -> str:
    """'2022-06' -> 'June 2022'; '2022-11-08' -> 'November 8, 2022'."""
    parts = [int(p) for p in str(value).split("-")]
    month = MONTHS[parts[1] - 1]
    return f"{month} {parts[2]}, {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def source_age(source: Source) -> str:
    if source.accessed is not None:
        return f"accessed {human_date(source.accessed.isoformat())}"
    return str(source.date_note)


class Citing:
    def _sources_list(self, facts: Sequence[Fact]) -> list[str]:
        """Source ids in order of first citation."""
        order: list[str] = []
        for fact in facts:
            for source_id in fact.sources:
                if source_id not in order:
                    order.append(source_id)
        return order

    def _source_block(self, heading: str, facts: Sequence[Fact]) -> str:
        """A heading line, then one numbered line per source, in order of first citation."""
        lines = [self.kb.messages[heading]]
        lines += [self._source_line(n, s, facts) for n, s in enumerate(self._sources_list(facts), 1)]
        return "\n".join(lines)

    def _source_line(self, number: int, source_id: str, facts: Sequence[Fact]) -> str:
        source = self.kb.source(source_id)
        line = f"[{number}] {source.publisher}: [{source.title}]({source.url}), {source_age(source)}"
        dated = sorted({f.as_of for f in facts if source_id in f.sources and f.as_of})
        if dated:
            line += "; figure as of " + ", ".join(human_date(d) for d in dated)
        return line

    def _cite(self, sections: Sequence[Section]) -> str:
        """Each section's lead, then its facts with [n] markers; one source list for all."""
        facts = [f for section in sections for f in section.facts]
        order = self._sources_list(facts)
        sentences = []
        for section in sections:
            if section.lead:
                sentences.append(section.lead)
            for fact in section.facts:
                body = fact.text.rstrip()
                stop = body[-1] if body[-1] in ".!?" else "."
                body = body[:-1] if body[-1] in ".!?" else body
                if fact.as_of:
                    body += f" (as of {human_date(fact.as_of)})"
                markers = "".join(f"[{order.index(s) + 1}]" for s in fact.sources)
                sentences.append(f"{body} {markers}{stop}")
        return " ".join(sentences) + "\n" + self._source_block("sources_heading", facts)

    def dates_of(self, fact_ids: object) -> Reply:
        """How old the figures of these facts are: their `as_of`, or plainly that the
        source gives no reference year, with the source's accessed date."""
        facts = [self.kb.fact(f) for f in slot_ids(fact_ids) if self.kb.has_fact(f)]
        if not facts:
            return self.with_suggestions(self.kb.messages["no_answer_yet"])
        undated = [f for f in facts if not f.as_of and any(c.isdigit() for c in f.text)]
        if not undated and not any(f.as_of for f in facts):
            return self.sources_of(fact_ids)  # no figures: the source list has the dates
        sections = []
        for source_id in dict.fromkeys(s for f in undated for s in f.sources):
            source = self.kb.source(source_id)
            detail = self.message("no_reference_year", publisher=source.publisher, age=source_age(source))
            sections.append(
                Section([f for f in undated if source_id in f.sources], self.message("gap", detail=detail), gap=True)
            )
        dated = [f for f in facts if f.as_of]
        if dated:
            sections.insert(0, Section(dated, self.kb.messages["figure_dates"]))
        return replace(self.compose(sections, None), kind="follow_up")

    def sources_of(self, fact_ids: object) -> Reply:
        """Where the facts of the last answer come from."""
        facts = [self.kb.fact(f) for f in slot_ids(fact_ids) if self.kb.has_fact(f)]
        if not facts:
            return self.with_suggestions(self.kb.messages["no_answer_yet"])
        return Reply(text=self._source_block("sources_of_last", facts), facts=[f.id for f in facts], kind="follow_up")
