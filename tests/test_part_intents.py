"""The part classifier: the intent one part of a message reads like, fitted once and kept."""

import pickle

import pytest

from bot.part_intents import PartIntents, examples_hash, load_part_intents

EXAMPLES = {
    "ask_pay": ["what do they earn", "how much is the salary", "what's the pay like", "how well paid is it"],
    "ask_role": ["what do they do", "what does the job involve", "what are their duties", "what is the work"],
    "greet": ["hi", "hello there", "good morning", "hey"],
}


@pytest.fixture(scope="module")
def classifier():
    return PartIntents.fit(EXAMPLES)


@pytest.mark.parametrize(
    "text, intent", [("how much do they earn", "ask_pay"), ("what does it involve", "ask_role"), ("hello", "greet")]
)
def test_a_part_gets_the_intent_it_reads_like(classifier, text, intent):
    got, probability = classifier.classify(text)
    assert got == intent
    assert 1 / len(EXAMPLES) < probability <= 1.0


def test_blank_text_has_no_intent(classifier):
    assert classifier.classify("   ") == (None, 0.0)


def test_the_fitted_model_is_kept_and_refitted_only_when_the_examples_change(tmp_path):
    first = load_part_intents(EXAMPLES, tmp_path)
    kept = tmp_path / f"part_intents-{examples_hash(EXAMPLES)}.pkl"
    assert kept.exists()
    with kept.open("wb") as handle:  # a marker model: loading must read this file, not fit
        pickle.dump(PartIntents.fit({"only": ["one intent", "one more"], "other": ["something else"]}).model, handle)
    assert load_part_intents(EXAMPLES, tmp_path).classify("one intent")[0] == "only"
    changed = dict(EXAMPLES, thanks=["thanks", "thank you", "cheers"])
    again = load_part_intents(changed, tmp_path)
    assert again.classify("thank you so much")[0] == "thanks"
    assert [p.name for p in tmp_path.glob("*.pkl")] == [f"part_intents-{examples_hash(changed)}.pkl"]
    assert first.classify("hello")[0] == "greet"


def test_a_broken_kept_file_is_refitted(tmp_path):
    path = tmp_path / f"part_intents-{examples_hash(EXAMPLES)}.pkl"
    path.write_bytes(b"not a pickle")
    assert load_part_intents(EXAMPLES, tmp_path).classify("hello")[0] == "greet"
    assert pickle.loads(path.read_bytes()) is not None


def test_its_probabilities_are_the_fitted_pipelines_own(classifier):
    texts = ["how much do they earn", "hello", "what does it involve", "zzz"]
    assert classifier.probabilities(texts) == pytest.approx(classifier.model.predict_proba(texts))
