"""Choose facts from the knowledge file and format cited replies.

This is the one formatter: every sentence the bot sends about its subject comes from
data/knowledge.yml through here. Replies are Markdown: citation markers [n] after
each fact, then a numbered source list with links, one item a line and no blank lines
(Rasa splits a text at blank lines into separate messages). Channels adapt the Markdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from bot import settings
from bot.citing import Citing
from bot.entities import EntityNormaliser
from bot.knowledge import Fact, Knowledge
from bot.reply import Button, OutOfScope, Reply, Section, slot_ids


def _fill(template: str, **values: str) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


class Answers(Citing):
    def __init__(self, kb: Knowledge, entities: EntityNormaliser):
        self.kb = kb
        self.entities = entities

    # -- formatting ------------------------------------------------------------

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
