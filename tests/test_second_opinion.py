"""The second opinion (bot.second_opinion): the part classifier fitted on the training
examples and the knowledge file's asks, each under the intent that routes to its topic."""

from bot.answers import load_answers
from bot.part_intents import examples_hash, load_part_intents
from bot.second_opinion import opinion_examples

EXAMPLES = {
    "ask_pay": ["what do they earn", "how much is the salary"],
    "greet": ["hi", "hello there"],
}


def test_every_fact_and_gap_is_filed_under_an_intent_routing_to_its_topic():
    kb = load_answers().kb
    merged = opinion_examples(kb, {"greet": ["hi"]})
    assert merged["greet"] == ["hi"]  # the examples stay as they are
    routed = {t for t in (r.topic for r in kb.routes.values())}
    for fact in kb.facts:
        if fact.topics[0] in routed and fact.asks:
            holders = [i for i, phrases in merged.items() if set(fact.asks) <= set(phrases)]
            assert any(kb.routes[i].topic == fact.topics[0] for i in holders if i in kb.routes), fact.id
    for gap in kb.gaps:
        if gap.topic in routed and gap.asks:
            assert any(
                set(gap.asks) <= set(p) and kb.routes[i].topic == gap.topic for i, p in merged.items() if i in kb.routes
            )


def test_its_fitted_model_is_kept_beside_the_part_classifiers_not_over_it(tmp_path):
    load_part_intents(EXAMPLES, tmp_path)
    other = dict(EXAMPLES, thanks=["thanks", "thank you"])
    assert load_part_intents(other, tmp_path, name="second_opinion").classify("thank you")[0] == "thanks"
    assert sorted(p.name for p in tmp_path.glob("*.pkl")) == [
        f"part_intents-{examples_hash(EXAMPLES)}.pkl",
        f"second_opinion-{examples_hash(other)}.pkl",
    ]
