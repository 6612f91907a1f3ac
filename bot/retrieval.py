"""Rank the knowledge file's facts and known gaps for a question.

Every fact is indexed with its text, its `asks` (phrasings a maintainer adds so the
fact can be found) and its topics' titles; every gap with its `asks` and `detail`.
Terms are the lower-case lemmas of the project's own spaCy pipeline, without stop
words and punctuation. Two lexical rankers can order the entries (`make compare-rankers`
measures both): BM25 (bm25s) and TF-IDF cosine (scikit-learn).

A ranking also says how much of the question an entry accounts for (`coverage`: the
share of the question's term weight, by IDF, that the entry contains), which is what
the responder's thresholds are set on: ranker scores are not comparable across
questions, coverage is.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy
import scipy.sparse

from bot.knowledge import Knowledge

WORD = re.compile(r"[a-z0-9][a-z0-9'.%$-]*")
# Words too general to tell facts apart: every fact is about ML engineers in the US.
DOMAIN_STOP = {
    "ml",
    "machine",
    "learning",
    "engineer",
    "engineering",
    "mle",
    "job",
    "career",
    "tell",
    "know",
    "want",
    "like",
    "thing",
    "really",
    "please",
    "thank",
    "thanks",
    "bot",
    "hi",
    "hello",
    "hey",
    "ok",
    "okay",
    "yes",
    "yeah",
    "right",
    "lol",
    "u",
    "'s",
    "n't",
    "us",
    "get",
    "need",
    "also",
    "kind",
    "stuff",
    "way",
    "lot",
    "sort",
    "bit",
}
# Fillers and chat shorthand that ask for nothing ("which languages tho", "can i start rn").
FILLER = {
    "tho",
    "though",
    "rn",
    "exact",
    "exactly",
    "specifically",
    "basically",
    "actually",
    "honestly",
    "literally",
    "just",
    "pls",
    "plz",
    "ya",
    "gonna",
    "wanna",
    "kinda",
    "sorta",
    "anyway",
    "ones",
    "usually",
    "typically",
    "normally",
    "generally",
    "btw",
    "tbh",
    "idk",
    "im",
    "ur",
    "lemme",
    "gimme",
    "stuff",
    "guess",
    "wondering",
    "wonder",
    "curious",
    "quick",
    "question",
    "qs",
    "q",
    "live",
    "living",
    "lives",
    "oops",
    "meant",
    # chat spellings of stop words ("wat wud i earn")
    "wat",
    "wut",
    "wot",
    "wud",
    "wuld",
    "cud",
    "shud",
    "abt",
    "bout",
    "cuz",
    "coz",
    "bc",
    "dat",
    "dis",
    "pple",
    "hw",
    "wen",
    "wer",
    "whr",
    "y",
    "ne1",
    "smth",
    "sth",
    "shld",
    "wld",
    "cld",
}
# The lookup lemmatizer's few wrong guesses that matter here ("number" is not "numb").
LEMMA_FIXES = {
    "number": "number",
    "numbers": "number",
    "data": "data",
    "datum": "data",
    "media": "media",
    "learning": "learning",
    "pays": "pay",
    "paid": "pay",
    "matter": "matter",
    "later": "later",
    "closest": "close",
    "ads": "ad",
    "first": "first",
    "second": "second",
    "third": "third",
    "better": "better",
    "best": "best",
    "worse": "worse",
    "worst": "worst",
    "ai": "ai",
}
PLACE_LABELS = {"country", "us_place"}
# spaCy's English stop list holds words that tell facts apart here ("top job", "first
# course", "next step"): they count as terms.
NOT_STOP = {
    "make",
    "top",
    "first",
    "next",
    "last",
    "name",
    "become",
    "used",
    "use",
    "move",
    "full",
    "above",
    "below",
    "enough",
    "several",
    "take",
    "give",
    "show",
    "keep",
    "call",
    "well",
    "serious",
    "side",
    "whole",
    "front",
    "bottom",
    "empty",
    "fire",
    "put",
    "beyond",
    "indeed",
    "former",
    "latter",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "twelve",
    "fifteen",
    "twenty",
    "hundred",
}


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


def plain_words(text: str) -> list[str]:
    """Lower-case words, apostrophes dropped: "What's an MLE do?" -> what s an mle do."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("’", ""))


def content_words(text: str) -> list[str]:
    """Plain words without the domain's own words and fillers: "is that a lot for an ML
    engineer tho?" -> is that a for an."""
    return [w for w in plain_words(text) if w not in DOMAIN_STOP and w not in FILLER]


class Analyzer:
    """Text -> index terms, with the project's spaCy pipeline (lemmas, stop words)."""

    def __init__(self, nlp, synonyms: dict[str, str] | None = None):
        self.nlp = nlp
        self.stop_words = (set(nlp.Defaults.stop_words) - NOT_STOP) | DOMAIN_STOP | FILLER
        self.synonyms = synonyms or {}  # word or lemma -> canonical word (knowledge file)
        # phrases of the synonym groups ("job ads" -> posting), longest first, by first word
        self.phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, word in sorted(self.synonyms.items(), key=lambda item: -len(item[0].split())):
            if " " in phrase:
                words = tuple(phrase.split())
                self.phrases.setdefault(words[0], []).append((words, word))

    def terms(self, text: str) -> list[str]:
        return list(self._terms_cached(text)) if len(text) <= 80 else self.terms_of(self.nlp(text))

    @functools.lru_cache(maxsize=2048)  # noqa: B019 (one Analyzer per process: topic titles, short phrases)
    def _terms_cached(self, text: str) -> tuple[str, ...]:
        return tuple(self.terms_of(self.nlp(text)))

    def terms_table(self, texts: Iterable[str]) -> dict[str, list[str]]:
        """The terms of many texts, each distinct text parsed once, in batches (spaCy's
        pipe): what building the indexes at start-up needs (a quarter of the knowledge
        file's and the training data's texts are repeats)."""
        unique = list(dict.fromkeys(texts))
        return {text: self.terms_of(doc) for text, doc in zip(unique, self.nlp.pipe(unique), strict=True)}

    def terms_of(self, doc, skip: Iterable[int] = ()) -> list[str]:
        """The terms of a parsed text, without the tokens at the `skip` indexes."""
        terms = []
        skip = set(skip)
        for index, token in enumerate(doc):
            if index in skip:
                continue
            phrase = self._phrase_at(doc, index)
            if phrase is not None:  # "job ads" is one term: posting
                words, word = phrase
                terms.append(word)
                skip.update(range(index, index + len(words)))
                continue
            if (
                token.text == "-"
                and 0 < index < len(doc) - 1
                and not doc[index - 1].whitespace_
                and not token.whitespace_
            ):
                terms.append(f"{doc[index - 1].lower_}-{doc[index + 1].lower_}")  # go-between
                continue
            word = token.lower_
            lemma = LEMMA_FIXES.get(word) or (token.lemma_ or token.text).lower()
            if token.is_punct or token.is_space or token.ent_type_ in PLACE_LABELS:
                continue  # a place says where, not what: scope handles it
            if (word in self.stop_words or lemma in self.stop_words) and not token.ent_type_ or lemma in DOMAIN_STOP:
                continue
            if word in self.synonyms:  # before the lemma: "cs" is lemmatised to "c"
                terms.append(self.synonyms[word])
                continue
            if not WORD.fullmatch(lemma) or (len(lemma) < 2 and not lemma.isdigit()):
                continue
            terms.append(self.synonyms.get(lemma) or lemma)
        return terms

    def _phrase_at(self, doc, index: int) -> tuple[tuple[str, ...], str] | None:
        """The synonym phrase starting at this token, if any (the longest)."""
        for words, word in self.phrases.get(doc[index].lower_, ()):
            if tuple(t.lower_ for t in doc[index : index + len(words)]) == words:
                return words, word
        return None


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
        self, kb: Knowledge, analyzer: Analyzer, ranker: str = "bm25", examples: dict[str, list[str]] | None = None
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
            [*texts, *(p for ps in phrases for p in ps), *(p for ps in examples.values() for p in ps)]
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
    from pathlib import Path

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
