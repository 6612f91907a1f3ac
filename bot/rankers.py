"""The two lexical rankers the retriever can order entries by (`make compare-rankers`
measures both): BM25 (bm25s) and TF-IDF cosine (scikit-learn)."""

from __future__ import annotations

from collections.abc import Callable


class BM25Ranker:
    name = "bm25"

    def __init__(self, corpus: list[list[str]]):
        import bm25s  # it would use JAX if it could; the install leaves JAX out (bot.rasa_ext.left_out)

        self._model = bm25s.BM25()
        self._model.index([doc or ["\x00"] for doc in corpus], show_progress=False)
        self._vocab = self._model.vocab_dict

    def scores(self, terms: list[str]):
        known = [t for t in terms if t in self._vocab]
        if not known:
            return None
        return self._model.get_scores(known)


class TfidfRanker:
    name = "tfidf"

    def __init__(self, corpus: list[list[str]]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._vectorizer = TfidfVectorizer(analyzer=lambda terms: terms, sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform(corpus)

    def scores(self, terms: list[str]):
        query = self._vectorizer.transform([terms])
        if query.nnz == 0:
            return None
        return (self._matrix @ query.T).toarray().ravel()


RANKERS: dict[str, Callable[[list[list[str]]], object]] = {"bm25": BM25Ranker, "tfidf": TfidfRanker}
