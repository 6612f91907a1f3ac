"""Which numbers in a reply its stated facts do not account for.

The bot's promise is that every figure it states comes from data/knowledge.yml, with
its source. `ungrounded_numbers(text, kb)` checks a reply as a user sees it (plain
Markdown, web chat's escaped Markdown or Slack mrkdwn) against that promise:

- the facts stated in the reply are found by their text (as the formatter writes it);
- a sentence may contain the numbers of the stated facts' text and `as_of`, and the
  dates of the sources those facts cite;
- a source line may contain its source's own numbers (title, URL, date) and the
  `as_of` of the facts citing that source;
- citation markers ([1], \\[1\\]) are not figures and are ignored;
- every other number is returned: a reply with no stated fact or source may contain none.

Plain Python, used by the tests and the answer evaluation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.knowledge import Fact, Knowledge, Source

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CITATION_MARKER = re.compile(r"\\?\[\d+\\?\]")
TRAILING_STOP = ".!?"


def numbers_in(text: str) -> set[str]:
    """Every number in a text, normalised: '$131,490' -> '131490', '08' -> '8'."""
    found = set()
    for match in NUMBER.findall(text):
        value = match.replace(",", "")
        found.add(value.lstrip("0") or "0")
    return found


def stated_body(fact: Fact) -> str:
    """The part of a fact's text that every reply stating it contains verbatim."""
    return fact.text.rstrip().rstrip(TRAILING_STOP)


def stated_facts(text: str, kb: Knowledge) -> list[Fact]:
    """The facts whose text appears in `text`, in the order they appear."""
    found = [(text.find(stated_body(fact)), fact) for fact in kb.facts]
    return [fact for at, fact in sorted(found, key=lambda pair: pair[0]) if at >= 0]


def source_numbers(source: Source) -> set[str]:
    """Numbers a source line may show: its publisher, title, URL and date."""
    accessed = source.accessed.isoformat() if source.accessed else ""  # 2022-11-08: 2022, 11, 8
    return set().union(
        *(numbers_in(part) for part in (source.publisher, source.title, source.url, accessed, source.date_note or ""))
    )


def allowed_numbers(facts: Iterable[Fact], kb: Knowledge) -> set[str]:
    """Numbers the sentences stating `facts` may contain: theirs, and their sources' dates."""
    allowed: set[str] = set()
    for fact in facts:
        allowed |= numbers_in(fact.text) | numbers_in(fact.as_of or "")
        for source_id in fact.sources:
            allowed |= source_numbers(kb.source(source_id))
    return allowed


def _source_on(line: str, kb: Knowledge) -> Source | None:
    return next((s for s in kb.sources if s.url in line), None)


def ungrounded_numbers(text: str, kb: Knowledge) -> set[str]:
    """Numbers in `text` that the facts it states, or the sources it lists, do not account for.

    A source line (one that holds a source's URL) may show that source's own numbers and
    the `as_of` dates of the facts citing it; every other line only the numbers of the
    facts stated in the reply and of their sources.
    """
    stated = allowed_numbers(stated_facts(text, kb), kb)
    found: set[str] = set()
    for line in text.splitlines():
        source = _source_on(line, kb)
        if source is None:
            allowed = stated
        else:
            dated = (f.as_of for f in kb.facts if f.as_of and source.id in f.sources)
            allowed = source_numbers(source).union(*(numbers_in(d) for d in dated))
        found |= numbers_in(CITATION_MARKER.sub(" ", line)) - allowed
    return found
