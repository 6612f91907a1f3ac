"""Score a trained Rasa model's intent classification on the held-out NLU set.

Tooling, not part of the answering core (it imports Rasa). Used by the NLU gate test
and by `make compare` (bot/nlu_compare.py).
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Dict, List, Tuple, Union

from bot import PROJECT_ROOT

HELDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
# Both run the same decline, so a low-confidence fallback on an out-of-scope question is right.
SAME_AS = {"nlu_fallback": "out_of_scope"}


def load_examples(path: Union[str, Path] = HELDOUT_FILE) -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def predict(model_path: Union[str, Path], texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))

    async def parse_all():
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def score(examples: List[Tuple[str, str]], parses: List[dict]) -> Dict:
    from sklearn.metrics import accuracy_score, f1_score

    gold = [intent for _, intent in examples]
    predicted = [SAME_AS.get(p["intent"]["name"], p["intent"]["name"]) for p in parses]
    errors = [(text, want, got) for (text, want), got in zip(examples, predicted) if want != got]
    return {
        "macro_f1": f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0),
        "accuracy": accuracy_score(gold, predicted),
        "fallbacks": sum(p["intent"]["name"] == "nlu_fallback" for p in parses),
        "count": len(examples),
        "errors": errors,
    }


def evaluate(model_path: Union[str, Path], heldout: Union[str, Path] = HELDOUT_FILE) -> Dict:
    examples = load_examples(heldout)
    return score(examples, predict(model_path, [text for text, _ in examples]))
