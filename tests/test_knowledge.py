"""The knowledge file: schema, sources, exact figures, and the start-up errors."""

import copy
import subprocess

import pytest
import yaml

from bot import DOMAIN_FILE, KNOWLEDGE_FILE, PROJECT_ROOT
from bot.domain import read_domain
from bot.entities import EntityNormaliser
from bot.knowledge import KnowledgeError, load_knowledge
from bot.ops.launcher import Servers
from tests.support.seed_pins import SEED_ACCESSED, SEED_AS_OF, SEED_FIGURES, SEED_FOOTNOTE_URLS

RAW = yaml.safe_load(KNOWLEDGE_FILE.read_text(encoding="utf-8"))
DOMAIN = read_domain(DOMAIN_FILE)
ENTITY_IDS = EntityNormaliser.from_file().ids
KEYED = next(i for i, f in enumerate(RAW["facts"]) if f.get("keys"))
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: the broken files below are written 6x faster


def load_checked(path):
    return load_knowledge(path, domain=DOMAIN, entity_ids=ENTITY_IDS)


def test_real_file_loads_and_covers_every_topic_intent():
    kb = load_checked(KNOWLEDGE_FILE)
    assert set(DOMAIN.topic_intents) == set(kb.routes)
    assert len(DOMAIN.topic_intents) >= 16


def test_entity_labels_have_one_list_in_domain_yml():
    assert list(ENTITY_IDS) == list(DOMAIN.entities)
    config = (PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
    assert "dimensions" not in config  # the extractor takes every label the ruler has


@pytest.fixture(scope="module")
def kb():
    """The real file as loaded without the domain's checks (the tests below only read it)."""
    return load_knowledge(KNOWLEDGE_FILE)


def test_every_fact_cites_known_sources_and_every_source_is_used(kb):
    source_ids = {s.id for s in kb.sources}
    cited = {s for f in kb.facts for s in f.sources}
    assert cited <= source_ids
    assert cited == source_ids  # no source listed that nothing cites


def test_sources_are_the_article_and_its_five_footnotes(kb):
    footnotes = [s for s in kb.sources if s.url in SEED_FOOTNOTE_URLS]
    assert len(footnotes) == len(SEED_FOOTNOTE_URLS)
    assert {s.accessed.isoformat() for s in footnotes} == {SEED_ACCESSED}


@pytest.mark.parametrize("figure, source_id", SEED_FIGURES)
def test_article_figures_carry_over_exactly(kb, figure, source_id):
    stating = [f for f in kb.facts if figure in f.text]
    assert stating, f"no fact states {figure}"
    for fact in stating:
        assert source_id in fact.sources, fact.id
        assert fact.as_of == SEED_AS_OF.get(figure), fact.id


def _broken(tmp_path, mutate):
    raw = copy.deepcopy(RAW)
    mutate(raw)
    path = tmp_path / "knowledge.yml"
    path.write_text(yaml.dump(raw, Dumper=DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _set(path, value):
    def mutate(raw):
        target = raw
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return mutate


FIRST_FACT = RAW["facts"][0]["id"]
SECOND_SOURCE = RAW["sources"][1]["id"]


@pytest.mark.parametrize(
    "mutate, entry, problem",
    [
        (_set(["facts", 0, "text"], KeyError), f"facts[0] ({FIRST_FACT}) field 'text'", "missing field"),
        (_set(["facts", 0, "sources"], KeyError), f"facts[0] ({FIRST_FACT}) field 'sources'", "missing field"),
        (_set(["sources", 1, "url"], KeyError), f"sources[1] ({SECOND_SOURCE}) field 'url'", "missing field"),
        (_set(["facts", 0, "sources"], []), f"facts[0] ({FIRST_FACT})", "needs at least one source"),
        (_set(["facts", 0, "sources"], ["nowhere"]), f"facts[0] ({FIRST_FACT})", "unknown source id 'nowhere'"),
        (_set(["facts", 1, "id"], FIRST_FACT), f"facts[1] ({FIRST_FACT})", f"duplicate id '{FIRST_FACT}'"),
        (_set(["sources", 2, "id"], RAW["sources"][0]["id"]), "sources[2]", "duplicate id"),
        (_set(["facts", 0, "as_of"], "June 2022"), f"facts[0] ({FIRST_FACT}) field 'as_of'", "YYYY-MM"),
        (_set(["facts", 0, "colour"], "red"), f"facts[0] ({FIRST_FACT}) field 'colour'", "unknown field"),
        (_set(["sources", 1, "accessed"], KeyError), f"sources[1] ({SECOND_SOURCE})", "needs `accessed`"),
        (_set(["facts", 0, "topic"], "astrology"), f"facts[0] ({FIRST_FACT})", "unknown topic 'astrology'"),
        (
            lambda raw: raw["topics"].append({"id": "astrology", "title": "stars"}),
            f"topics[{len(RAW['topics'])}] (astrology)",
            "no fact covers this topic",
        ),
        (_set(["routes", "ask_pay", "topic"], "astrology"), "routes.ask_pay", "unknown topic 'astrology'"),
        (
            _set(["routes", "ask_pay_median", "facts"], ["pay_typo"]),
            "routes.ask_pay_median",
            "unknown fact id 'pay_typo'",
        ),
        (_set(["routes", "ask_skills"], KeyError), "routes", "intent 'ask_skills' needs a topic"),
        (_set(["messages", "decline"], KeyError), "messages.decline", "missing message"),
        (
            _set(["facts", KEYED, "keys"], {"pay_statisitc": ["median"]}),
            f"facts[{KEYED}] ({RAW['facts'][KEYED]['id']}) field 'keys.pay_statisitc'",
            "unknown entity label",
        ),
        (
            _set(["facts", KEYED, "keys"], {"pay_statistic": ["medain"]}),
            f"facts[{KEYED}] ({RAW['facts'][KEYED]['id']}) field 'keys.pay_statistic'",
            "no entity pattern has id 'medain'",
        ),
        (
            _set(["suggestions", 0], {"title": "Pay?", "payload": "/ask_payy"}),
            "suggestions[0]",
            "'/ask_payy' names no intent",
        ),
        (_set(["suggestions", 0], {"title": "Pay?", "payload": "ask_pay"}), "suggestions[0]", "must be an intent"),
        (_set(["suggestions", 0], "astrology"), "suggestions[0] (astrology)", "not a topic with an `ask` question"),
        (_set(["after_answer", "more", "payload"], "/tell_moar"), "after_answer.more", "'/tell_moar' names no intent"),
        (
            _set(["topics", 0, "next"], ["astrology"]),
            f"topics[0] ({RAW['topics'][0]['id']})",
            "next: unknown topic 'astrology'",
        ),
        (_set(["after_answer"], KeyError), "after_answer", "missing field"),
        (
            _set(["scope", "country"], "Atlantis"),
            "scope.country",
            "no entity pattern with label 'country' has id 'Atlantis'",
        ),
        (_set(["scope"], KeyError), "scope", "missing field"),
        (_set(["gaps", 0, "topic"], "astrology"), f"gaps[0] ({RAW['gaps'][0]['id']})", "unknown topic 'astrology'"),
        (_set(["gaps", 0, "facts"], ["nope"]), f"gaps[0] ({RAW['gaps'][0]['id']})", "unknown fact id 'nope'"),
        (_set(["gaps", 0, "asks"], []), f"gaps[0] ({RAW['gaps'][0]['id']}) field 'asks'", "needs at least one phrase"),
        (_set(["gaps", 0, "id"], FIRST_FACT), f"gaps[0] ({FIRST_FACT})", "also a fact's id"),
        (_set(["facts", 0, "asks"], ["same", "Same"]), f"facts[0] ({FIRST_FACT}) field 'asks'", "listed twice"),
        (_set(["facts", 0, "asks"], ["  "]), f"facts[0] ({FIRST_FACT}) field 'asks'", "must not be empty"),
        (_set(["steps", 1], ["step_typo"]), "steps[1]", "unknown fact id 'step_typo'"),
        (_set(["forecasts", "demand", "facts"], ["growth_typo"]), "forecasts.demand", "unknown fact id 'growth_typo'"),
        (_set(["forecasts", "demand", "until"], KeyError), "forecasts.demand", "need `until`"),
        (_set(["forecasts", "pay", "until"], 2030), "forecasts.pay", "`until` needs the `facts`"),
        (_set(["forecasts", "pay", "topic"], "astrology"), "forecasts.pay", "unknown topic 'astrology'"),
        (_set(["forecasts", "weather"], {"subject": "rain"}), "forecasts", "unknown subject 'weather'"),
        (_set(["messages", "no_forecast"], KeyError), "messages.no_forecast", "missing message"),
        (_set(["steps", 1], [RAW["steps"][0][0]]), "steps[1]", f"'{RAW['steps'][0][0]}' is already in steps[0]"),
        (_set(["steps", 1], []), "steps[1]", "needs at least one fact id"),
        (_set(["steps"], [RAW["steps"][0]]), "steps", "at least two steps"),
        (_set(["kinds", "subject", "named"], []), "kinds", "needs at least one phrase"),
        (_set(["synonyms", 0], ["pay", "Salary"]), "synonyms", "must be one to three lower-case words"),
        (_set(["synonyms", 0], ["job ad", "posting"]), "synonyms", "its first entry 'job ad' must be one"),
    ],
)
def test_malformed_file_names_file_entry_and_problem(tmp_path, mutate, entry, problem):
    path = _broken(tmp_path, mutate)
    with pytest.raises(KnowledgeError) as caught:
        load_checked(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert entry in message
    assert problem in message


def test_invalid_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "knowledge.yml"
    bad.write_text("facts: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        load_knowledge(bad)
    with pytest.raises(KnowledgeError, match="cannot read"):
        load_knowledge(tmp_path / "absent.yml")


@pytest.mark.servers
def test_action_server_refuses_to_start_with_a_bad_file(tmp_path):
    path = _broken(tmp_path, _set(["facts", 0, "sources"], ["nowhere"]))
    env = {"KNOWLEDGE_FILE": str(path), "RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        Servers(bot_port=0, action_port=0).actions_args(),  # as the launcher starts it
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"{path}: facts[0] ({FIRST_FACT}): unknown source id 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr
