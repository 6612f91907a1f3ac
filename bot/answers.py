"""Choose facts from the knowledge file and format cited replies.

This is the one formatter: every sentence the bot sends about its subject comes from
data/knowledge.yml through here. Replies are Markdown: citation markers [n] after
each fact, then a numbered source list with links, one item a line and no blank lines
(Rasa splits a text at blank lines into separate messages). Channels adapt the Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot import settings
from bot.entities import EntityNormaliser
from bot.knowledge import Fact, Knowledge, Source

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


@dataclass(frozen=True)
class OutOfScope:
    """Why a question is out of scope: which message, and about what."""

    message: str  # key in knowledge.messages
    subject: str


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass
class Section:
    """Facts to state, after an optional lead sentence of the bot's own (no figures)."""

    facts: list[Fact]
    lead: str = ""
    general: bool = False  # a topic's lead facts, not facts picked for what was asked
    gap: bool = False  # its lead says the sources lack what was asked
    gap_id: str = ""  # the knowledge file's gap it says so for


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    topic: str | None = None  # the topic a fact answer was about
    facts: list[str] = field(default_factory=list)  # ids of the facts stated, in order
    # What the reply is, for the maintainer's report (stored with it): "answer" (cited
    # facts), "gap" (facts after saying the sources lack what was asked), "decline",
    # "follow_up" (the sources or dates of the last answer), "feedback" (to a rating or a
    # comment), "chitchat" (the rest).
    kind: str = "chitchat"
    gaps: list[str] = field(default_factory=list)  # the known gaps it names
    # a decline for scope: the knowledge file's message saying so (out_of_region,
    # other_occupation) and what the question was about ("Germany", "nurses")
    scope: tuple[str, str] | None = None


def human_date(value: str) -> str:
    """'2022-06' -> 'June 2022'; '2022-11-08' -> 'November 8, 2022'."""
    parts = [int(p) for p in str(value).split("-")]
    month = MONTHS[parts[1] - 1]
    return f"{month} {parts[2]}, {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def source_age(source: Source) -> str:
    if source.accessed is not None:
        return f"accessed {human_date(source.accessed.isoformat())}"
    return str(source.date_note)


def slot_ids(value: object) -> list[str]:
    """The string ids in a slot value that should hold a list of ids; junk is dropped.

    Slots can be set by users (`/intent{"last_facts": ...}`), so they may hold anything.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str)]
    return []


def _fill(template: str, **values: str) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


class Answers:
    def __init__(self, kb: Knowledge, entities: EntityNormaliser):
        self.kb = kb
        self.entities = entities

    # -- formatting ------------------------------------------------------------
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

    def suggestion_buttons(self) -> list[Button]:
        return [Button(s.title, s.payload) for s in self.kb.suggestions]

    def after_answer_buttons(self, topic_id: str, seen: Iterable[str], asked_topics: Iterable[str]) -> list[Button]:
        """Quick replies after a fact answer on `topic_id`: "tell me more" while the topic has
        facts not `seen`, "where is that from?", then questions on the topic's `next` topics
        not in `asked_topics`, and the 👍 / 👎 ratings (data/knowledge.yml: after_answer, topics)."""
        after = self.kb.after_answer
        buttons = []
        if any(f.id not in set(seen) for f in self.kb.facts_of(topic_id)):
            buttons.append(Button(after.more.title, after.more.payload))
        buttons.append(Button(after.source.title, after.source.payload))
        asked = set(asked_topics) | {topic_id}
        for other in [t for t in self.kb.topic(topic_id).next if t not in asked][: after.related]:
            question = self.kb.topic_question(other)
            buttons.append(Button(question.title, question.payload))
        return buttons + [
            Button(after.helpful.title, after.helpful.payload),
            Button(after.unhelpful.title, after.unhelpful.payload),
        ]

    def with_suggestions(self, text: str) -> Reply:
        return Reply(text=text.strip(), buttons=self.suggestion_buttons())

    # -- replies -------------------------------------------------------------------
    def offer(self, message: str) -> Reply:
        """The greeting or help text (`message`: greet or help) with suggested questions."""
        return self.with_suggestions(self.kb.messages[message])

    def out_of_scope(self, values: Mapping[str, list[str]]) -> OutOfScope | None:
        """Out of scope if another country is named, or only other occupations are."""
        home = self.kb.scope
        elsewhere = [c for c in values.get("country", []) if c != home.country]
        if elsewhere:
            return OutOfScope("out_of_region", elsewhere[0])
        occupations = values.get("occupation", [])
        if occupations and home.occupation not in occupations:
            return OutOfScope("other_occupation", occupations[0])
        return None

    def decline(self, entities: Iterable[Mapping] = ()) -> Reply:
        """A polite refusal with no figure in it, saying what the bot can answer."""
        return self.decline_values(self.entities.normalise(entities))

    def decline_values(self, values: Mapping[str, list[str]]) -> Reply:
        """decline() for entity values already normalised."""
        scope = self.out_of_scope(values)
        if scope is not None:
            message = _fill(self.kb.messages[scope.message], subject=scope.subject)
            return replace(self.with_suggestions(message), kind="decline", scope=(scope.message, scope.subject))
        return replace(self.with_suggestions(self.kb.messages["decline"]), kind="decline")

    def _topic_reply(self, topic_id: str, facts: list[Fact]) -> Reply:
        return self.compose([Section(facts)], topic_id)

    def compose(self, sections: Sequence[Section], topic_id: str | None, seen: Iterable[str] = ()) -> Reply:
        """A fact answer from sections (each fact stated once, in order). The reply is
        about `topic_id`; it offers "tell me more" while that topic has facts not yet
        stated or `seen`."""
        stated: list[str] = []
        unique = []
        for section in sections:
            facts = [f for f in section.facts if f.id not in stated]
            stated += [f.id for f in facts]
            if facts or section.lead:
                unique.append(replace(section, facts=facts))
        text = self._cite(unique)
        shown = set(stated) | set(seen)
        if topic_id and any(f.id not in shown for f in self.kb.facts_of(topic_id)):
            text += "\n" + self.kb.messages["more_prompt"]
        gaps = [s.gap_id for s in unique if s.gap_id]
        return Reply(text=text, topic=topic_id, facts=stated, kind="gap" if gaps else "answer", gaps=gaps)

    def lead_facts(self, intent: str, values: Mapping[str, list[str]]) -> list[Fact]:
        """The facts a topic question gets: the route's, the ones its entities pick, or the
        topic's first ones."""
        route = self.kb.routes[intent]
        keyed = self.keyed(self.kb.facts_of(route.topic), values)
        if route.facts:  # and the others the entities name ("the median and the average?")
            facts = [self.kb.fact(f) for f in route.facts]
            return facts + [f for f in keyed if f not in facts]
        return keyed or self.first_facts(route.topic)

    def first_facts(self, topic_id: str) -> list[Fact]:
        return self.kb.facts_of(topic_id)[: self.kb.topic(topic_id).first]

    def gap_section(self, gap_id: str) -> Section:
        """'My sources don't cover <detail>', then the closest facts."""
        gap = self.kb.gap(gap_id)
        facts = [self.kb.fact(f) for f in gap.facts] or self.first_facts(gap.topic)
        return Section(facts, _fill(self.kb.messages["gap"], detail=gap.detail), gap=True, gap_id=gap_id)

    def message(self, name: str, **values: str) -> str:
        return _fill(self.kb.messages[name], **values)

    def chitchat(self, message: str) -> Reply:
        return Reply(text=self.kb.messages[message])

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

    def keyed(self, topic_facts: list[Fact], values: Mapping[str, list[str]]) -> list[Fact]:
        """Facts of the topic whose keys match an entity value, in domain.yml's label order."""
        for label in self.entities.labels:
            wanted = values.get(label, [])
            matched = [f for f in topic_facts if set(f.keys.get(label, [])) & set(wanted)]
            if matched:
                return matched
        return []

    def for_intent(self, intent: object, entities: Iterable[Mapping] = ()) -> Reply:
        """The answer to a topic question, or a decline if there is none."""
        values = self.entities.normalise(entities)
        if self.out_of_scope(values) is not None:
            return self.decline(entities)
        if not isinstance(intent, str) or intent not in self.kb.routes:
            return self.decline()
        return self._topic_reply(self.kb.routes[intent].topic, self.lead_facts(intent, values))

    def more(self, topic_id: object, seen: object) -> Reply:
        """The next fact on the topic of the last answer."""
        if not self.kb.has_topic(topic_id):
            return self.with_suggestions(self.kb.messages["nothing_to_continue"])
        seen_ids = set(slot_ids(seen))
        remaining = [f for f in self.kb.facts_of(topic_id) if f.id not in seen_ids]
        if not remaining:
            title = self.kb.topic(topic_id).title
            return self.with_suggestions(_fill(self.kb.messages["no_more"], topic=title))
        return self._topic_reply(topic_id, remaining[:1])

    def sources_of(self, fact_ids: object) -> Reply:
        """Where the facts of the last answer come from."""
        facts = [self.kb.fact(f) for f in slot_ids(fact_ids) if self.kb.has_fact(f)]
        if not facts:
            return self.with_suggestions(self.kb.messages["no_answer_yet"])
        return Reply(text=self._source_block("sources_of_last", facts), facts=[f.id for f in facts], kind="follow_up")


def seen_after(seen: object, reply: Reply) -> list[str]:
    """The facts shown so far on a topic, after `reply` (junk slot values dropped)."""
    before = slot_ids(seen)
    return before + [f for f in reply.facts if f not in before]


def load_answers(knowledge_file=None, domain_file=None, patterns_file=None) -> Answers:
    """Load and cross-check everything an answer needs; raises KnowledgeError on a bad file.

    KNOWLEDGE_FILE in the environment overrides the default data/knowledge.yml.
    """

    from bot import DOMAIN_FILE
    from bot.domain import read_domain
    from bot.entities import PATTERNS_FILE
    from bot.knowledge import load_knowledge

    knowledge_file = knowledge_file or settings.value("KNOWLEDGE_FILE")
    domain = read_domain(domain_file or DOMAIN_FILE)
    entities = EntityNormaliser.from_file(patterns_file or PATTERNS_FILE, domain.entities)
    kb = load_knowledge(knowledge_file, domain=domain, entity_ids=entities.ids)
    return Answers(kb, entities)
