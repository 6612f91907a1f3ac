"""The retriever over the knowledge file: terms, both rankers, and `asks` that make a fact
findable without code or retraining."""

import copy

import pytest
import spacy
import yaml

from bot import KNOWLEDGE_FILE, PROJECT_ROOT
from bot.analyzer import Analyzer
from bot.knowledge import load_knowledge
from bot.rankers import RANKERS
from bot.retrieval import Retriever, load_examples
from tests.conftest import ANSWERS

KB = ANSWERS.kb
NLP = spacy.load(PROJECT_ROOT / "models" / "spacy_en_career")
ANALYZER = Analyzer(NLP)


@pytest.mark.parametrize(
    "text, terms",
    [
        ("How many numbers are in the data?", ["number", "data"]),
        ("Is ML engineering a top job?", ["top"]),
        ("are they a go-between?", ["go-between"]),
        ("what does Indeed say", ["indeed"]),
        ("the and of what is", []),
        ("which languages tho", ["language"]),  # fillers ask for nothing
        ("can i start rn, basically", ["start"]),
        ("is ml basically ai?", ["ai"]),  # not "have", as the tokenizer's "ain't" rule has it
    ],
)
def test_terms_are_lemmas_without_stop_words(text, terms):
    assert ANALYZER.terms(text) == terms


@pytest.mark.parametrize(
    "text, terms",
    [
        ("how many ppl signed up", ["people", "enroll"]),
        ("what do they make per hr", ["pay", "hour"]),
        ("is ml basically ai?", ["intelligence"]),
        ("has the cs field been growing", ["computer", "field", "grow"]),
        # a phrase of a group is one term; its words alone are not
        ("have job ads grown?", ["posting", "grow"]),
        ("facebook ads", ["facebook", "ad"]),
    ],
)
def test_the_knowledge_files_synonyms_read_chat_words(text, terms):
    assert Analyzer(NLP, KB.synonym_map()).terms(text) == terms


def test_among_entries_holding_as_much_of_a_question_the_closest_phrase_comes_first():
    """ "is it any good?" is held by the fact calling the Stanford course "a good
    introduction" and by the rating fact, whose asks say it: the rating fact leads."""
    retriever = Retriever(KB, Analyzer(NLP, KB.synonym_map()), "bm25")
    terms = retriever.analyzer.terms("is it any good?")
    hits = retriever.rank(terms, among=[f.id for f in KB.facts_of("courses")])
    assert hits[0].entry.id == "course_stanford_first"
    assert any(h.entry.id == "course_stanford" and h.coverage == hits[0].coverage for h in hits[1:])


@pytest.mark.parametrize("ranker", sorted(RANKERS))
def test_each_fact_is_found_by_its_own_asks(ranker):
    """Most of a fact's `asks` phrases rank it in the top three, with either ranker."""
    retriever = Retriever(KB, ANALYZER, ranker)
    found = total = 0
    for fact in KB.facts:
        phrases = [p for p in fact.asks if ANALYZER.terms(p)]
        assert phrases or not fact.asks, f"{fact.id}: no `asks` phrase has a word that counts"
        for phrase in phrases:
            total += 1
            found += fact.id in [h.entry.id for h in retriever.rank(ANALYZER.terms(phrase))[:3]]
    assert found / total >= 0.8, f"{found}/{total}"


@pytest.mark.parametrize("ranker", sorted(RANKERS))
def test_a_maintainer_makes_a_fact_findable_by_adding_asks(tmp_path, ranker):
    raw = yaml.safe_load(KNOWLEDGE_FILE.read_text(encoding="utf-8"))
    question = ANALYZER.terms("what about zeppelins and submarines")
    assert Retriever(KB, ANALYZER, ranker).rank(question) == []
    edited = copy.deepcopy(raw)
    target = edited["facts"][-1]
    target["asks"] = target.get("asks", []) + ["zeppelins and submarines"]
    path = tmp_path / "knowledge.yml"
    path.write_text(yaml.safe_dump(edited, sort_keys=False, allow_unicode=True), encoding="utf-8")
    hits = Retriever(load_knowledge(path), ANALYZER, ranker).rank(question)
    assert hits[0].entry.id == target["id"] and hits[0].coverage == 1.0


def test_coverage_is_the_share_of_the_question_an_entry_holds():
    retriever = Retriever(KB, ANALYZER)
    hit = retriever.rank(ANALYZER.terms("Stanford course enrollment zeppelin"))[0]
    assert 0.0 < hit.coverage < 1.0
    assert retriever.rank(ANALYZER.terms("Stanford course"))[0].coverage == 1.0


def test_gaps_are_ranked_too():
    retriever = Retriever(KB, ANALYZER)
    gap = KB.gaps[0]
    assert retriever.rank(ANALYZER.terms(gap.asks[0]))[0].entry.id == gap.id


def test_training_examples_lend_their_intent():
    examples = load_examples(PROJECT_ROOT / "data" / "nlu")
    retriever = Retriever(KB, ANALYZER, examples=examples)
    intent, phrase = next(
        (i, p) for i, ps in examples.items() if i in KB.routes for p in ps if len(ANALYZER.terms(p)) >= 2
    )
    hit = retriever.intent(ANALYZER.terms(phrase))
    assert hit.entry.id == intent and hit.coverage == 1.0
    assert hit.entry.topics == (KB.routes[intent].topic,)
