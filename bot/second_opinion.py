"""A second opinion to the ranker: which topic a question asks about, read by its
character and word n-grams rather than its shared words (issue 25, item 5).

BM25 (bot.retrieval) only sees the words a question shares with the knowledge file; "a
normal salary around here" shares "salary" with the pay facts and "normal" with nothing,
so the pay facts hold too little of it to answer. The second opinion is the part
classifier (bot.part_intents) fitted on the NLU training examples and on every fact's and
known gap's `asks`, each filed under the intent that routes to its topic: it reads "pull
in", "comp" or "ballpark" as pay from how the maintainers' phrasings are written. The
responder asks it only where the ranker is unsure (no entry holds enough of the
question), and takes its intent only when it is sure (bot.thresholds.SECOND_OPINION).
"""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import Knowledge
from bot.part_intents import PartIntents, load_part_intents


def opinion_examples(kb: Knowledge, examples: dict[str, list[str]]) -> dict[str, list[str]]:
    """The training examples, with each fact's and gap's asks under the first intent that
    routes to its topic (data/knowledge.yml `routes` order)."""
    route_of: dict[str, str] = {}
    for intent, route in kb.routes.items():
        route_of.setdefault(route.topic, intent)
    merged = {intent: list(phrases) for intent, phrases in examples.items()}
    asked = [(fact.topics[0], fact.asks) for fact in kb.facts] + [(gap.topic, gap.asks) for gap in kb.gaps]
    for topic, asks in asked:
        intent = route_of.get(topic)
        if intent is not None:
            merged.setdefault(intent, []).extend(asks)
    return merged


def load_second_opinion(kb: Knowledge, examples: dict[str, list[str]], cache_dir: Path | None = None) -> PartIntents:
    """Fitted once per change of the examples or asks, and kept in cache_dir (models/)."""
    return load_part_intents(opinion_examples(kb, examples), cache_dir, name="second_opinion")
