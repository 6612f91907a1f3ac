"""The NLU gate: intent macro-F1 on the held-out questions in tests/nlu/heldout.yml.

The held-out set was written separately from data/nlu (different people, phrasings,
typos and short forms); nlu_fallback counts as out_of_scope since both run the decline.
"""
import pytest

from bot import PROJECT_ROOT
from bot.nlu_eval import HELDOUT_FILE, evaluate, load_examples

GATE = 0.90


def test_heldout_set_is_large_and_separate_from_training():
    from rasa.shared.nlu.training_data.loading import load_data

    heldout = load_examples(HELDOUT_FILE)
    assert len(heldout) >= 150
    training = {m.get("text").strip().lower() for m in load_data(str(PROJECT_ROOT / "data" / "nlu")).intent_examples}
    overlap = [text for text, _ in heldout if text.strip().lower() in training]
    assert not overlap


@pytest.fixture(scope="module")
def result():
    return evaluate(PROJECT_ROOT / "models" / "career.tar.gz")


def test_intent_macro_f1_meets_the_gate(result):
    report = "\n".join(f"  {want} -> {got}: {text}" for text, want, got in result["errors"])
    print(f"held-out macro-F1 {result['macro_f1']:.3f}, accuracy {result['accuracy']:.3f}\n{report}")
    assert result["macro_f1"] >= GATE, f"macro-F1 {result['macro_f1']:.3f} < {GATE}\n{report}"
