"""Rank the knowledge file's facts and known gaps for a question.

Every fact is indexed with its text, its `asks` (phrasings a maintainer adds so the
fact can be found) and its topics' titles; every gap with its `asks` and `detail`.
Terms are bot.analyzer's (the project's spaCy lemmas, without stop words); one of
bot.rankers orders the entries.

A ranking also says how much of the question an entry accounts for (`coverage`: the
share of the question's term weight, by IDF, that the entry contains), which is what
the responder's thresholds are set on: ranker scores are not comparable across
questions, coverage is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy
import scipy.sparse

from bot.analyzer import Analyzer
from bot.knowledge import Knowledge
from bot.rankers import RANKERS
from bot.words import content_words, plain_words


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str  # "fact" or "gap"
    topics: tuple[str, ...]


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float  # the ranker's, for ordering
    coverage: float  # 0..1: how much of the question's term weight the entry holds
    phrase: float = 0.0  # 0..1: how closely one of its phrases says what the question says


class Index:
    """Entries with their texts, ranked for a question by one of RANKERS."""

    def __init__(
        self,
        entries: list[Entry],
        texts: list[str],
        terms: dict[str, list[str]],
        ranker: str,
        phrases: list[list[str]] | None = None,
    ):
        """`terms` holds the terms of every text and phrase (Analyzer.terms_table)."""
        self.entries = entries
        corpus = [terms[text] for text in texts]
        # each entry's phrases (its text, each of its asks) as term sets, for phrase_scores:
        # their sizes, and for each term the (entry, phrase) pairs holding it
        sets = (
            [[frozenset(terms[p]) for p in ps] for ps in phrases] if phrases else [[frozenset(doc)] for doc in corpus]
        )
        self._phrase_sizes = [[len(p) for p in ps] for ps in sets]
        self._phrase_postings: dict[str, list[tuple[int, int]]] = {}
        for index, entry_phrases in enumerate(sets):
            for number, phrase in enumerate(entry_phrases):
                for term in phrase:
                    self._phrase_postings.setdefault(term, []).append((index, number))
        self._sets = [set(doc) for doc in corpus]
        frequency: dict[str, int] = {}
        for terms in self._sets:
            for term in terms:
                frequency[term] = frequency.get(term, 0) + 1
        n = len(corpus)
        self._idf = {t: math.log(1 + n / f) for t, f in frequency.items()}
        # which entry holds which term, columns in sorted term order: coverages() sums each
        # entry's share in the same order coverage() does, so both give the same floats
        self._column = {t: i for i, t in enumerate(sorted(frequency))}
        rows = [(i, self._column[t]) for i, terms in enumerate(self._sets) for t in terms]
        self._holding = scipy.sparse.csr_matrix(
            ([1.0] * len(rows), ([r for r, _ in rows], [c for _, c in rows])), shape=(n, len(self._column))
        )
        self._holding.sort_indices()
        self._unknown_idf = math.log(1 + n)  # a word no entry has weighs like the rarest
        self.vocabulary = frozenset(frequency)
        self.ranker = RANKERS[ranker](corpus)

    def coverage(self, terms: Sequence[str], index: int) -> float:
        """Rounded, and summed in a fixed order, so that equal shares compare equal whatever
        the process's hash seed (set order would change the float sums' last bits)."""
        unique = sorted(set(terms))
        total = sum(self._idf.get(t, self._unknown_idf) for t in unique)
        held = sum(self._idf[t] for t in unique if t in self._sets[index])
        return round(held / total, 9) if total else 0.0

    def coverages(self, terms: Sequence[str]):
        """coverage() of every entry at once (a numpy array, one per entry)."""
        unique = sorted(set(terms))
        total = sum(self._idf.get(t, self._unknown_idf) for t in unique)
        if not total:
            return numpy.zeros(len(self.entries))
        weights = numpy.zeros(len(self._column))
        for t in unique:
            if t in self._column:
                weights[self._column[t]] = self._idf[t]
        return numpy.round(self._holding @ weights / total, 9)

    def phrase_scores(self, terms: Sequence[str]) -> dict[int, float]:
        """For each entry sharing a term with the question, how closely one of its phrases
        (its text or one of its asks) says what the question says: the best Jaccard
        similarity of their term sets."""
        wanted = set(terms)
        shared: dict[tuple[int, int], int] = {}
        for term in wanted:
            for pair in self._phrase_postings.get(term, ()):
                shared[pair] = shared.get(pair, 0) + 1
        scores: dict[int, float] = {}
        for (index, number), common in shared.items():
            similarity = common / (len(wanted) + self._phrase_sizes[index][number] - common)
            if similarity > scores.get(index, 0.0):
                scores[index] = similarity
        return scores

    def holds(self, entry_id: str, term: str) -> bool:
        """Does the entry (any entry with this id) hold the term?"""
        return any(e.id == entry_id and term in self._sets[i] for i, e in enumerate(self.entries))

    def coverage_of(self, terms: Sequence[str], entry_id: str) -> float:
        return max((self.coverage(terms, i) for i, e in enumerate(self.entries) if e.id == entry_id), default=0.0)

    def best(self, terms: Sequence[str]) -> Hit | None:
        """The top entry alone (cheaper than rank() on a large index)."""
        scores = self.ranker.scores(list(terms))
        if scores is None:
            return None
        index = int(scores.argmax())
        if scores[index] <= 0:
            return None
        return Hit(self.entries[index], float(scores[index]), self.coverage(terms, index))

    def rank(
        self, terms: Sequence[str], among: Iterable[str] | None = None, kinds: Iterable[str] | None = None
    ) -> list[Hit]:
        """Entries sharing a term with the question, best first (only `among` ids if given)."""
        scores = self.ranker.scores(list(terms))
        if scores is None:
            return []
        wanted = set(among) if among is not None else None
        kinds = set(kinds) if kinds is not None else None
        hits = []
        phrases = self.phrase_scores(terms)
        coverages = self.coverages(terms)
        for index, entry in enumerate(self.entries):
            if scores[index] <= 0 or (kinds is not None and entry.kind not in kinds):
                continue
            if wanted is not None and entry.id not in wanted:
                continue
            hits.append(Hit(entry, float(scores[index]), float(coverages[index]), phrases.get(index, 0.0)))
        hits.sort(key=lambda h: (-h.score, -h.coverage))
        # Among entries that hold as much of the question as the top one, the one with a
        # phrase saying just what the question says comes first ("is it any good?": the
        # rating fact, whose asks say so, not the fact that calls the course "good").
        most = max((h.coverage for h in hits), default=0.0)
        tied = [h for h in hits if h.coverage == most] if hits and hits[0].coverage == most else []
        closest = max(tied, key=lambda h: h.phrase, default=None)
        if closest is not None and closest.phrase > hits[0].phrase:
            hits.remove(closest)
            hits.insert(0, closest)
        return hits


class Retriever:
    """Two indexes: the facts and gaps of the knowledge file, and the NLU training
    examples (one entry each, kind "intent", id the intent), so that a part of a
    question can be matched to a topic the way the intent classifier would."""

    def __init__(
        self,
        kb: Knowledge,
        analyzer: Analyzer,
        ranker: str = "bm25",
        examples: dict[str, list[str]] | None = None,
        cache_dir: Path | None = None,
    ):
        self.kb = kb
        self.analyzer = analyzer
        titles = {t.id: t.title for t in kb.topics}
        entries, texts, phrases = [], [], []
        for fact in kb.facts:
            entries.append(Entry(fact.id, "fact", tuple(fact.topics)))
            texts.append(" ".join([fact.text, *fact.asks, *(titles[t] for t in fact.topics)]))
            phrases.append([fact.text, *fact.asks])
        for gap in kb.gaps:
            entries.append(Entry(gap.id, "gap", (gap.topic,)))
            texts.append(" ".join([gap.detail, *gap.asks]))
            phrases.append([gap.detail, *gap.asks])
        examples = examples or {}
        terms = analyzer.terms_table(
            [*texts, *(p for ps in phrases for p in ps), *(p for ps in examples.values() for p in ps)], cache_dir
        )
        self.facts = Index(entries, texts, terms, ranker, phrases)
        entries, texts = [], []
        for intent, phrases in examples.items():
            route = kb.routes.get(intent)
            for phrase in phrases:
                entries.append(Entry(intent, "intent", (route.topic,) if route else ()))
                texts.append(phrase)
        self.intents = Index(entries, texts, terms, ranker) if entries else None
        self._example_words = [(entry.id, set(plain_words(text))) for entry, text in zip(entries, texts, strict=False)]
        # the words the bot can answer about: those of the facts, the gaps and the training
        # examples of the topics (not of chitchat or off-topic examples)
        self.topic_vocabulary = self.facts.vocabulary | frozenset(
            t for entry, text in zip(entries, texts, strict=False) if entry.topics for t in terms[text]
        )
        # every fact's and gap's phrases as plain words, for questions of stop words only
        # (gaps first: where a gap and a fact share a phrase, the gap's answer says what is
        # missing and then gives that fact)
        self._phrase_words = [(Entry(g.id, "gap", (g.topic,)), set(content_words(p))) for g in kb.gaps for p in g.asks]
        self._phrase_words += [
            (Entry(f.id, "fact", tuple(f.topics)), set(content_words(p))) for f in kb.facts for p in f.asks
        ]
        self.ranker_name = ranker

    def rank(
        self, terms: Sequence[str], among: Iterable[str] | None = None, kinds: Iterable[str] = ("fact", "gap")
    ) -> list[Hit]:
        return self.facts.rank(terms, among, kinds)

    def closest_example(self, words: Sequence[str]) -> tuple[str | None, float]:
        """(intent, Jaccard similarity) of the training example sharing most of these plain
        words (stop words included): for a question made only of them ("what do they do?")."""
        return _closest(self._example_words, words)

    def closest_phrase(self, words: Sequence[str], among: Iterable[str] | None = None) -> tuple[Entry | None, float]:
        """(entry, Jaccard similarity) of the fact or gap with the `asks` phrase closest to
        these plain words: for a question of stop words only ("is that a lot?", "how many
        are there?"), which the term ranking cannot see."""
        allowed = set(among) if among is not None else None
        return _closest([(e, p) for e, p in self._phrase_words if allowed is None or e.id in allowed], words)

    def intent(self, terms: Sequence[str]) -> Hit | None:
        """The training example closest to the question: which intent it reads like."""
        if self.intents is None or not terms:
            return None
        return self.intents.best(terms)


def _closest(items, words: Sequence[str]):
    """(key, Jaccard similarity) of the (key, word set) pair closest to these words; the
    first of equals."""
    wanted = set(words)
    best, score = None, 0.0
    for key, phrase in items:
        union = len(wanted | phrase)
        similarity = len(wanted & phrase) / union if union else 0.0
        if similarity > score:
            best, score = key, similarity
    return best, score


def load_examples(nlu_dir) -> dict[str, list[str]]:
    """{intent: [example, ...]} from Rasa NLU training files (data/nlu/*.yml)."""
    from bot import parse_yaml

    examples: dict[str, list[str]] = {}
    for path in sorted(Path(nlu_dir).glob("*.yml")):
        for block in (parse_yaml(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                lines = str(block.get("examples") or "").splitlines()
                phrases = [
                    re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", l.strip()[2:]) for l in lines if l.strip().startswith("- ")
                ]
                examples.setdefault(block["intent"], []).extend(phrases)
    return examples
