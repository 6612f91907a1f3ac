"""Grounding: every reply the core can produce states only figures of the facts it states,
and every reply with a fact carries its citation and source list. Expected values come
from data/knowledge.yml, except the seed figures pinned in tests/support/seed_pins.py."""

import re

import pytest
import yaml

from bot import DOMAIN_FILE
from bot.citing import human_date, source_age
from bot.entities import EntityNormaliser, load_patterns
from bot.grounding import allowed_numbers, stated_body, stated_facts
from bot.reply import seen_after
from tests.conftest import ANSWERS, numbers_in, ungrounded
from tests.support.seed_pins import SEED_ANSWERS

KB = ANSWERS.kb
PATTERNS = load_patterns()
ENTITY_VALUES = sorted({(p["label"], p["id"]) for p in PATTERNS})
JUNK = [None, "", 42, "pay_median", ["nope"], [None, {}], [{}], [["pay_median"]], {"a": 1}, 3.5]


def all_replies(answers):
    kb = answers.kb
    for intent in kb.routes:
        yield f"route {intent}", answers.for_intent(intent)
        for label, value in ENTITY_VALUES:
            yield f"route {intent} + {label}={value}", answers.for_intent(intent, [{"entity": label, "value": value}])
    for topic in kb.topics:
        seen = []
        for step in range(len(kb.facts_of(topic.id)) + 1):
            reply = answers.more(topic.id, seen)
            yield f"more {topic.id} #{step}", reply
            seen = seen_after(seen, reply)
    for fact in kb.facts:
        yield f"sources {fact.id}", answers.sources_of([fact.id])
        yield f"dates {fact.id}", answers.dates_of([fact.id])
    for topic in kb.topics:
        yield f"dates of {topic.id}", answers.dates_of([f.id for f in kb.facts_of(topic.id)])
    for gap in kb.gaps:
        yield f"gap {gap.id}", answers.compose([answers.gap_section(gap.id)], gap.topic)
    for label, value in ENTITY_VALUES:
        yield f"decline {label}={value}", answers.decline([{"entity": label, "value": value}])
    yield "decline", answers.decline()
    yield "greet", answers.offer("greet")
    yield "help", answers.offer("help")
    for name in ("thanks", "goodbye", "bot_challenge"):
        yield name, answers.chitchat(name)


REPLIES = list(all_replies(ANSWERS))
FACT_ANSWERS = [
    (name, reply) for name, reply in REPLIES if reply.facts and not name.startswith(("sources", "dates", "gap"))
]


def shown(reply) -> str:
    return reply.text + "\n" + "\n".join(b.title for b in reply.buttons)


def test_every_reply_is_grounded_and_cited():
    assert len(REPLIES) > 500
    for name, reply in REPLIES:
        assert not ungrounded(shown(reply)), name
        if reply.facts:
            assert "[1]" in reply.text, name
            assert "](https://" in reply.text, name


def test_the_grounding_check_sees_the_facts_each_answer_states():
    for name, reply in FACT_ANSWERS:
        assert [f.id for f in stated_facts(reply.text, KB)] == reply.facts, name


def foreign_numbers(reply):
    """Numbers a reply must not contain: other facts' figures, and invented ones."""
    allowed = allowed_numbers(stated_facts(reply.text, KB), KB)
    others = {n for fact in KB.facts for n in numbers_in(fact.text)} - allowed
    return sorted(others)[:6] + ["400,000", "77"]


@pytest.mark.parametrize("name, reply", FACT_ANSWERS[::5], ids=lambda v: v if isinstance(v, str) else "")
def test_mutation_a_foreign_number_in_a_reply_is_caught(name, reply):
    assert not ungrounded(reply.text)
    first_line = reply.text.split("\n", 1)[0]
    for number in foreign_numbers(reply):
        added = reply.text.replace(first_line, f"{first_line} Jobs grow {number}% a year [1].", 1)
        assert ungrounded(added) == numbers_in(number), (name, number)


@pytest.mark.parametrize("fact_id", [f.id for f in KB.facts if numbers_in(f.text)])
def test_mutation_a_changed_figure_inside_a_stated_fact_is_caught(fact_id):
    """Once a figure in a fact's sentence is altered, the sentence no longer states that fact."""
    answer = next(reply.text for _, reply in FACT_ANSWERS if fact_id in reply.facts)
    body = stated_body(KB.fact(fact_id))
    assert not ungrounded(answer)
    changed = re.sub(r"\d+", lambda m: m.group() + "37", body, count=1)
    assert ungrounded(answer.replace(body, changed)), changed


def test_mutation_the_issue_example_is_caught():
    reply = ANSWERS.for_intent("ask_pay")
    body, sources = reply.text.split("\n", 1)
    assert not ungrounded(reply.text)
    assert ungrounded(f"You would earn $220 and jobs grow 2019% [1].\n{sources}") == {"220", "2019"}
    assert ungrounded("Machine learning engineers earn $131,490.") == {"131490"}  # no fact stated


def test_domain_has_no_responses_every_sentence_is_in_the_knowledge_file():
    assert not yaml.safe_load(DOMAIN_FILE.read_text()).get("responses")


def test_the_bots_own_messages_state_no_figures():
    for name, message in KB.messages.items():
        assert not numbers_in(message), name
    for suggestion in KB.suggestions:
        assert not numbers_in(suggestion.title), suggestion.title


def test_how_old_a_figure_is(answers):
    """A dated figure says its date; an undated one says plainly the source gives none."""
    for fact in KB.facts:
        reply = answers.dates_of([fact.id])
        if fact.as_of:
            assert reply.text.startswith(KB.messages["figure_dates"])
            assert f"(as of {human_date(fact.as_of)})" in reply.text
        elif numbers_in(fact.text):
            source = KB.source(fact.sources[0])
            assert reply.text.startswith(KB.messages["gap"].split("{")[0])
            assert source.publisher in reply.text.split("\n")[0]
            assert stated_body(fact) in reply.text
        else:
            assert reply.text.startswith(KB.messages["sources_of_last"])
        assert not ungrounded(reply.text)


@pytest.mark.parametrize("gap_id", [g.id for g in KB.gaps])
def test_a_gap_is_said_plainly_then_the_closest_facts(answers, gap_id):
    gap = KB.gap(gap_id)
    reply = answers.compose([answers.gap_section(gap_id)], gap.topic)
    assert reply.text.startswith(KB.messages["gap"].replace("{detail}", gap.detail))
    assert reply.facts and "[1]" in reply.text
    assert not ungrounded(reply.text)


@pytest.mark.parametrize("intent, entities, figure, source", SEED_ANSWERS)
def test_seed_figures_come_with_their_source(answers, intent, entities, figure, source):
    reply = answers.for_intent(intent, entities)
    body, sources = reply.text.split("\n" + KB.messages["sources_heading"] + "\n")
    assert figure in body
    assert "[1]" in body
    assert sources.startswith(f"[1] {source}: [")


def test_every_stated_fact_is_dated_and_every_source_line_says_how_old_it_is():
    dated = set()
    for name, reply in REPLIES:
        for fact in stated_facts(reply.text, KB):
            if fact.as_of:
                assert f"{stated_body(fact)} (as of {human_date(fact.as_of)}) [" in reply.text, name
                assert f"figure as of {human_date(fact.as_of)}" in reply.text, name
                dated.add(fact.id)
            for source_id in fact.sources:
                source = KB.source(source_id)
                line = next(l for l in reply.text.splitlines() if f"]({source.url})" in l)
                assert line.split("), ", 1)[1].startswith(source_age(source)), name
    assert dated == {f.id for f in KB.facts if f.as_of}


def test_first_answer_then_tell_more_walks_the_topic_once(answers):
    first = answers.for_intent("ask_pay_median")
    topic_facts = [f.id for f in KB.facts_of(first.topic)]
    seen = seen_after([], first)
    stated = list(first.facts)
    for _ in topic_facts:
        reply = answers.more(first.topic, seen)
        if not reply.facts:
            break
        stated += reply.facts
        seen = seen_after(seen, reply)
    assert sorted(stated) == sorted(topic_facts)
    last = answers.more(first.topic, seen)
    assert not last.facts
    assert KB.messages["no_more"].replace("{topic}", KB.topic(first.topic).title) in last.text
    assert last.buttons


def test_sources_of_last_answer(answers):
    facts = [KB.facts_of("pay")[i] for i in (1, 2)]
    reply = answers.sources_of([f.id for f in facts])
    lines = reply.text.splitlines()
    assert lines[0] == KB.messages["sources_of_last"]
    publishers = [KB.source(f.sources[0]).publisher for f in facts]
    assert [l.split(":")[0] for l in lines[1:]] == [f"[1] {publishers[0]}", f"[2] {publishers[1]}"]


@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_junk_slot_values_never_crash_or_invent(answers, junk):
    for reply in (answers.more(junk, junk), answers.sources_of(junk), answers.for_intent(junk, junk)):
        assert reply.text
        assert not ungrounded(reply.text)


@pytest.mark.parametrize("junk", JUNK, ids=repr)
@pytest.mark.parametrize("topic", [t.id for t in KB.topics])
def test_tell_more_on_a_real_topic_with_junk_seen_facts(answers, topic, junk):
    reply = answers.more(topic, junk)
    assert reply.facts and reply.topic == topic
    assert not ungrounded(reply.text)
    unseen = [f.id for f in KB.facts_of(topic) if f.id != junk]
    assert reply.facts == unseen[:1]


@pytest.mark.parametrize(
    "entities, says",
    [
        ([{"entity": "country", "value": "Germany"}], "for Germany"),
        ([{"entity": "country", "value": "U.K."}], "for the UK"),
        ([{"entity": "occupation", "value": "nurse"}], "about nurses"),
        ([{"entity": "occupation", "value": "nurse"}, {"entity": "occupation", "value": "ML engineers"}], None),
        ([{"entity": "country", "value": "USA"}], None),
    ],
)
def test_other_countries_and_occupations_are_declined(answers, entities, says):
    reply = answers.for_intent("ask_pay", entities)
    if says is None:
        assert reply.facts  # in scope: a real answer
    else:
        assert says in reply.text
        assert not reply.facts
        assert not numbers_in(reply.text)
        assert reply.buttons


def test_entity_normaliser_maps_text_and_ids_and_drops_junk():
    norm = EntityNormaliser(PATTERNS)
    got = norm.normalise(
        [
            {"entity": "degree_level", "value": "Master's"},
            {"entity": "degree_level", "value": "phd"},
            {"entity": "pay_statistic", "value": "banana"},
            {"entity": "nonsense", "value": "x"},
            "not a dict",
            {"entity": "country", "value": ["list"]},
        ]
    )
    assert got == {"degree_level": ["master", "phd"]}


def test_human_date():
    assert human_date("2022-06") == "June 2022"
    assert human_date("2022-11-08") == "November 8, 2022"


def test_where_the_article_is_silent_the_bot_says_it_does_not_know(answers):
    """The article's list of entry-level positions is lost: the answer admits it."""
    reply = answers.for_intent("ask_entry_level")
    admits = [f for f in stated_facts(reply.text, KB) if "missing" in f.text and "can't" in f.text]
    assert admits, reply.text
