"""Text -> index terms: the project's spaCy pipeline's lemmas, without stop words,
punctuation or places, with the knowledge file's synonyms (bot.retrieval indexes them)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable
from hashlib import sha256
from pathlib import Path

from bot import words as word_rules
from bot.built_cache import cached, content_hash
from bot.words import DOMAIN_STOP, FILLER, LEMMA_FIXES, NOT_STOP, PLACE_LABELS, WORD


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

    def terms_table(self, texts: Iterable[str], cache_dir: Path | None = None) -> dict[str, list[str]]:
        """The terms of many texts, each distinct text parsed once, in batches (spaCy's
        pipe): what building the indexes at start-up needs (a quarter of the knowledge
        file's and the training data's texts are repeats). With `cache_dir` (models/), kept
        there under the hash of all they are made from (bot.built_cache): the texts, the
        synonyms, this module's and bot.words' code and the spaCy pipeline's files."""
        unique = list(dict.fromkeys(texts))

        def build() -> dict[str, list[str]]:
            return {text: self.terms_of(doc) for text, doc in zip(unique, self.nlp.pipe(unique), strict=True)}

        def read(path: Path) -> dict[str, list[str]] | None:
            table = json.loads(path.read_text(encoding="utf-8"))
            return table if isinstance(table, dict) and list(table) == unique else None

        def write(table: dict[str, list[str]], path: Path) -> None:
            path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")

        if cache_dir is None or self.nlp.path is None:
            return build()
        return cached(cache_dir, "terms", self._fingerprint(unique), ".json", build, read, write)

    def _fingerprint(self, texts: list[str]) -> str:
        """A hash of everything the terms of `texts` depend on."""
        pipeline = Path(self.nlp.path)
        files = {
            str(p.relative_to(pipeline)): sha256(p.read_bytes()).hexdigest() for p in pipeline.rglob("*") if p.is_file()
        }
        code = [Path(module.__file__).read_text(encoding="utf-8") for module in (sys.modules[__name__], word_rules)]
        return content_hash(texts, self.synonyms, sorted(self.stop_words), code, files)

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
