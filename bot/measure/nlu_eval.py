"""Score a trained Rasa model's intent classification on the held-out NLU set.

Tooling, not part of the answering core (it imports Rasa). Used by the NLU gate test
and by `make compare` (bot/measure/nlu_compare.py).
"""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot import PROJECT_ROOT

HELDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
# Both run the same decline, so a low-confidence fallback on an out-of-scope question is right.
SAME_AS = {"nlu_fallback": "out_of_scope"}
DECLINE_INTENT = "out_of_scope"


def acted_on(parse: dict, answers=None) -> str:
    """The intent the bot acts on: the classifier's, except that a topic question naming
    another country or only other occupations is declined (bot.answers.Answers.out_of_scope),
    just as the action server does, and a fallback is the decline too."""
    intent = SAME_AS.get(parse["intent"]["name"], parse["intent"]["name"])
    if answers is not None and intent in answers.kb.routes:
        if answers.out_of_scope(answers.entities.normalise(parse.get("entities") or [])):
            return DECLINE_INTENT
    return intent


@lru_cache(maxsize=1 << 16)  # the near-duplicate checks ask for the same texts again and again
def normalise(text: str) -> tuple[str, ...]:
    """Words of a text without case, punctuation or apostrophes: "What's an MLE do?" ->
    ('whats', 'an', 'mle', 'do')."""
    text = re.sub(r"['’`]", "", text.lower())
    return tuple(re.findall(r"[a-z0-9]+", text))


def _one_word_apart(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Equal, or equal but for one word added, dropped or replaced while sharing at least
    two ("hi" and "bye" are not one word apart; "what do they earn" and "what do they make" are)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1 or min(len(a), len(b)) - (len(a) == len(b)) < 2:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=False)) <= 1
    shorter, longer = sorted((a, b), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def near_duplicate(a: str, b: str, jaccard: float = 0.8) -> bool:
    """The same question for a held-out set's purposes: equal after normalise(), one word
    apart, or sharing at least `jaccard` of their distinct words."""
    words_a, words_b = normalise(a), normalise(b)
    if _one_word_apart(words_a, words_b):
        return True
    set_a, set_b = set(words_a), set(words_b)
    return bool(set_a | set_b) and len(set_a & set_b) / len(set_a | set_b) >= jaccard


def near_duplicates(texts: list[str], training: list[str], jaccard: float = 0.8) -> list[tuple[str, str]]:
    """(text, training example) pairs that are near-duplicates (near_duplicate), checked only
    where the distinct words they share allow it, which is cheap to count: one word apart
    leaves at most one distinct word of either out of the other; a Jaccard of `jaccard`
    needs that share of all their distinct words."""
    by_word: dict[str, list[str]] = {}
    distinct = {example: set(normalise(example)) or {""} for example in training}
    for example, words in distinct.items():
        for word in words:
            by_word.setdefault(word, []).append(example)
    pairs = []
    for text in texts:
        words = set(normalise(text)) or {""}
        shared: dict[str, int] = {}
        for word in words:
            for example in by_word.get(word, ()):
                shared[example] = shared.get(example, 0) + 1
        near = []
        for example, common in shared.items():
            size = len(distinct[example])
            one_apart = len(words) - common <= 1 and size - common <= 1
            if one_apart or common >= jaccard * (len(words) + size - common) - 1e-9:  # then checked exactly
                near.append(example)
        pairs += [(text, e) for e in sorted(near) if near_duplicate(text, e, jaccard)]
    return pairs


def training_texts(nlu_dir: str | Path = PROJECT_ROOT / "data" / "nlu") -> list[str]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [m.get("text") for m in load_data(str(nlu_dir)).intent_examples]


def load_examples(path: str | Path = HELDOUT_FILE) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def predict(model: str | Path | Any, texts: list[str]) -> list[dict]:
    """Rasa's parse of each text by the model at `model` (a path), or by a loaded Agent."""
    from rasa.core.agent import Agent

    import bot.rasa_ext.rasa_patched  # noqa: F401 - parsed as the server parses

    agent = Agent.load(str(model)) if isinstance(model, str | Path) else model

    async def parse_all():
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def score(examples: list[tuple[str, str]], parses: list[dict], answers=None) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted({intent for _, intent in examples})
    gold = [intent for _, intent in examples]
    predicted = [acted_on(p, answers) for p in parses]
    errors = [(text, want, got) for (text, want), got in zip(examples, predicted, strict=False) if want != got]
    return {
        "macro_f1": f1_score(gold, predicted, average="macro", labels=labels, zero_division=0),
        "per_intent": dict(
            zip(labels, f1_score(gold, predicted, average=None, labels=labels, zero_division=0).tolist(), strict=False)
        ),
        "accuracy": accuracy_score(gold, predicted),
        "fallbacks": sum(p["intent"]["name"] == "nlu_fallback" for p in parses),
        "count": len(examples),
        "errors": errors,
    }


def evaluate(model_path: str | Path | Any, heldout: str | Path = HELDOUT_FILE) -> dict:
    """Scores of the intent the bot acts on, and under "classifier" of the classifier alone."""
    from bot.answers import load_answers

    examples = load_examples(heldout)
    parses = predict(model_path, [text for text, _ in examples])
    result = score(examples, parses, load_answers())
    result["classifier"] = {k: v for k, v in score(examples, parses).items() if k != "errors"}
    return result
