"""Which intent one part of a message reads like.

Rasa classifies a whole message; a message with two questions ("what do they do and who do
they work with?") gets one intent. This classifier reads each part the way the NLU pipeline
reads a message: the same features and model as config.yml (word counts and char_wb 2-4
counts, logistic regression), fitted on the same training examples (data/nlu/*.yml).

Fitting takes a few seconds, so the fitted model is kept in models/ under the hash of the
examples and refitted only when they change.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import scipy.sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from bot.built_cache import cached, content_hash


class PartIntents:
    def __init__(self, model: Pipeline):
        self.model = model

    @classmethod
    def fit(cls, examples: dict[str, list[str]]) -> PartIntents:
        texts = [text for phrases in examples.values() for text in phrases]
        labels = [intent for intent, phrases in examples.items() for _ in phrases]
        features = make_union(CountVectorizer(), CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)))
        model = make_pipeline(features, LogisticRegression(max_iter=500))
        model.fit(texts, labels)
        return cls(model)

    def classify(self, text: str) -> tuple[str | None, float]:
        """(intent, probability) of the likeliest intent; (None, 0.0) for empty text."""
        if not text.strip():
            return None, 0.0
        return self.rankings([text])[0][0]

    def rankings(self, texts: list[str], top: int = 1) -> list[list[tuple[str, float]]]:
        """For each text (one batch), its `top` likeliest intents with their probabilities."""
        rankings = []
        for probabilities in self.probabilities(list(texts)):
            order = (-probabilities).argsort(kind="stable")[:top]  # ties: the first, as argmax
            rankings.append([(str(self.model.classes_[i]), float(probabilities[i])) for i in order])
        return rankings

    def probabilities(self, texts: list[str]):
        """The model's predict_proba, its two feature sets taken straight from their
        vectorizers: sklearn's FeatureUnion adds about 1.8 ms a call (joblib's set-up) to
        the 0.3 ms of the features themselves, and a part is read on most long messages."""
        union, classifier = self.model.steps[0][1], self.model.steps[-1][1]
        features = scipy.sparse.hstack([vectorizer.transform(texts) for _, vectorizer in union.transformer_list])
        return classifier.predict_proba(features.tocsr())


def examples_hash(examples: dict[str, list[str]]) -> str:
    return content_hash(examples)


def load_part_intents(
    examples: dict[str, list[str]], cache_dir: Path | None = None, name: str = "part_intents"
) -> PartIntents:
    """The classifier for these examples: from cache_dir if fitted on them before, else
    fitted now (and kept there, as `name`-<hash>.pkl: bot.built_cache)."""

    def read(path: Path) -> PartIntents | None:
        with path.open("rb") as handle:
            model = pickle.load(handle)
        return PartIntents(model) if isinstance(model, Pipeline) else None

    def write(classifier: PartIntents, path: Path) -> None:
        with path.open("wb") as handle:
            pickle.dump(classifier.model, handle)

    return cached(cache_dir, name, examples_hash(examples), ".pkl", lambda: PartIntents.fit(examples), read, write)
