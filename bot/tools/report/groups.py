"""The report's questions grouped by wording, each group with what a maintainer would add.

Wording: a question's terms are the retriever's (bot/retrieval.py Analyzer: spaCy lemmas
without stop words, the knowledge file's synonyms folded, places left out), with a plural
"s" the lookup lemmatizer did not know dropped ("bootcamps"). Questions with the same
terms are one entry; entries are weighted by TF-IDF (document frequencies over the NLU
training examples and the questions themselves) and grouped around leaders: the most
asked entry not yet in a group leads one, and every entry left whose cosine with it is at
least SIMILAR joins it. Chosen on 55 realistic rephrasings of 12 questions the bot cannot
answer (pairwise F1; see the README's "make report"): this scored 0.70 with no pair
grouped wrongly at 0.35 to 0.40, where average-linkage clustering of the same vectors
scored at most 0.70 with 31% of its pairs wrong, lemma sets without weights 0.56-0.63,
word TF-IDF 0.30 and character n-grams 0.48. Questions with no term at all ("hmm", "???")
are grouped by their plain words, those with none ("€€€") in one group.

Per group: the closest facts and gaps (the retriever's ranking for the most asked
wording), the closest intent (the classifier's own first intent stored with the messages,
and the part classifier's reading of that wording), and a suggestion as a YAML snippet.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.tools.report.store import Question

SIMILAR = 0.35  # cosine for an entry to join a leader's group
ASKS_COVERAGE = 0.5  # a fact holding this much of a declined question gets the `asks:` suggestion
GROUPING_TIMEOUT = 600  # seconds the report waits for its grouping child (100,000 messages: about 3)


@dataclass
class Suggestion:
    kind: str  # "asks", "nlu", "fact"
    summary: str  # one line: what to add where
    file: str  # where it goes
    snippet: str  # YAML, ready to paste


@dataclass
class Group:
    questions: list[Question]
    terms: tuple[str, ...]
    facts: list[tuple[str, str, str, float]] = field(default_factory=list)  # (kind, id, text, coverage)
    stored_intent: tuple[str, float] | None = None  # most frequent own intent, mean confidence
    read_intent: tuple[str, float] | None = None  # the part classifier's, for the wording
    suggestion: Suggestion | None = None

    @property
    def count(self) -> int:
        return len(self.questions)

    @property
    def wording(self) -> str:
        """The most asked wording (case and spacing aside), as first typed."""
        counts = Counter(" ".join(q.text.lower().split()) for q in self.questions)
        best = counts.most_common(1)[0][0]
        return next(q.text for q in self.questions if " ".join(q.text.lower().split()) == best)

    @property
    def first(self) -> float:
        return min(q.at for q in self.questions)

    @property
    def last(self) -> float:
        return max(q.at for q in self.questions)

    def channels(self) -> list[str]:
        return sorted({q.channel for q in self.questions})

    def reasons(self) -> Counter:
        return Counter(q.reason for q in self.questions)

    def examples(self, limit: int = 8) -> list[tuple[str, int]]:
        """Distinct wordings as typed, most asked first, with how often."""
        counts = Counter(q.text for q in self.questions)
        return counts.most_common(limit)


def singular(term: str) -> str:
    return term[:-1] if len(term) > 3 and term.endswith("s") and not term.endswith(("ss", "us", "is")) else term


def cluster(
    keyed: Sequence[tuple[tuple[str, ...], int]], corpus: Sequence[Sequence[str]], similar: float = SIMILAR
) -> list[list[int]]:
    """Groups (lists of indexes into `keyed`) of term sets with their counts: leaders in
    order of count, each taking the entries left within `similar` cosine (TF-IDF weights,
    document frequencies over `corpus` and the term sets)."""
    import numpy as np
    from scipy.sparse import csr_matrix

    frequency: Counter = Counter()
    for terms in corpus:
        frequency.update(set(terms))
    for terms, _ in keyed:
        frequency.update(set(terms))
    documents = len(corpus) + len(keyed)
    vocabulary: dict[str, int] = {}
    rows, columns, values = [], [], []
    for row, (terms, _) in enumerate(keyed):
        weights = {t: math.log(1 + documents / frequency[t]) for t in set(terms)}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        for term, weight in weights.items():
            rows.append(row)
            columns.append(vocabulary.setdefault(term, len(vocabulary)))
            values.append(weight / norm)
    matrix = csr_matrix((values, (rows, columns)), shape=(len(keyed), max(len(vocabulary), 1)))
    order = sorted(range(len(keyed)), key=lambda i: (-keyed[i][1], keyed[i][0]))
    free = np.ones(len(keyed), dtype=bool)
    groups = []
    for leader in order:
        if not free[leader]:
            continue
        similarity = (matrix @ matrix[leader].T).toarray().ravel()
        members = np.flatnonzero(free & (similarity >= similar))
        members = [leader] + [int(m) for m in members if m != leader]
        free[members] = False
        groups.append(members)
    return groups


class Grouper:
    """The project's analyzer, retriever and part classifier, loaded once."""

    def __init__(self):
        from bot import DATA_DIR, PROJECT_ROOT
        from bot.analyzer import Analyzer
        from bot.answers import load_answers
        from bot.part_intents import load_part_intents
        from bot.retrieval import Retriever, load_examples
        from bot.spacy_pipeline import load

        self.kb = load_answers().kb
        self.analyzer = Analyzer(load(), self.kb.synonym_map())
        self.retriever = Retriever(self.kb, self.analyzer)  # facts and gaps (the examples are not ranked here)
        examples = load_examples(DATA_DIR / "nlu")
        self.part_intents = load_part_intents(examples, PROJECT_ROOT / "models")
        self.corpus = self.terms([text for phrases in examples.values() for text in phrases])
        self.nlu_files = {}
        for path in sorted((DATA_DIR / "nlu").glob("*.yml")):
            for intent in re.findall(r"^- intent: *(\S+)", path.read_text(encoding="utf-8"), re.M):
                self.nlu_files.setdefault(intent, f"data/nlu/{path.name}")

    def terms(self, texts: Sequence[str]) -> list[tuple[str, ...]]:
        """Each text's terms (spaCy in batches); for one with none ("why?", "in the US
        only?"), its plain words, marked so they only meet each other's."""
        from bot.words import plain_words

        found = []
        for text, doc in zip(texts, self.analyzer.nlp.pipe(texts, batch_size=256), strict=False):
            terms = {singular(t) for t in self.analyzer.terms_of(doc)} or {"~" + w for w in plain_words(text)}
            found.append(tuple(sorted(terms)))
        return found

    def group(self, questions: Sequence[Question]) -> list[Group]:
        """The questions in groups, largest first, each with its closest facts and intent
        and a suggestion."""
        from bot.cues import MARKUP  # what the bot drops before reading a message

        folded = [" ".join(re.findall(r"\w+", MARKUP.sub(" ", q.text).lower())) or q.text for q in questions]
        texts = list(dict.fromkeys(folded))  # each wording once, case and punctuation aside
        by_text = dict(zip(texts, self.terms(texts), strict=False))
        by_terms: dict[tuple[str, ...], list[Question]] = {}
        for question, text in zip(questions, folded, strict=False):
            by_terms.setdefault(by_text[text], []).append(question)
        wordless = by_terms.pop((), [])
        scoped: dict[str, list[Question]] = {}  # declined for scope: one group per reason
        for question in questions:
            if question.scope:
                scoped.setdefault(question.scope, []).append(question)
        if scoped:
            kept = {id(q) for q in questions if not q.scope}
            by_terms = {terms: [q for q in asked if id(q) in kept] for terms, asked in by_terms.items()}
            by_terms = {terms: asked for terms, asked in by_terms.items() if asked}
            wordless = [q for q in wordless if id(q) in kept]
        keyed = [(terms, len(asked)) for terms, asked in by_terms.items()]
        groups = []
        for members in cluster(keyed, self.corpus):
            terms = keyed[members[0]][0]
            groups.append(Group([q for m in members for q in by_terms[keyed[m][0]]], terms))
        if wordless:
            groups.append(Group(wordless, ()))
        groups += [Group(asked, ("~scope", reason)) for reason, asked in scoped.items()]
        groups.sort(key=lambda g: (-g.count, -g.last))
        wordings = [group.wording for group in groups]
        readings = self.read_intents(wordings)
        for group, wording, reading in zip(groups, wordings, readings, strict=False):
            self.describe(group, wording, reading)
        return groups

    def read_intents(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The part classifier's intent and probability for each text (one batch)."""
        return [ranking[0] for ranking in self.part_intents.rankings(list(texts))] if texts else []

    def describe(self, group: Group, wording: str, reading: tuple[str, float]) -> None:
        terms = self.analyzer.terms(wording)
        for hit in self.retriever.rank(terms)[:3]:
            entry = hit.entry
            text = self.kb.fact(entry.id).text if entry.kind == "fact" else self.kb.gap(entry.id).detail
            group.facts.append((entry.kind, entry.id, text, hit.coverage))
        intents = Counter(q.intent for q in group.questions if q.intent)
        if intents:
            intent = intents.most_common(1)[0][0]
            confidences = [q.confidence for q in group.questions if q.intent == intent]
            group.stored_intent = (intent, sum(confidences) / len(confidences))
        group.read_intent = reading
        group.suggestion = self.suggest(group, wording)

    def topic_intent(self, group: Group) -> str | None:
        """The topic intent the group reads like: the stored or the read one, if a topic's."""
        for found in (group.stored_intent, group.read_intent):
            if found and found[0] in self.kb.routes:
                return found[0]
        answered = Counter(q.topic for q in group.questions if q.topic)
        if answered:
            topic = answered.most_common(1)[0][0]
            return next((i for i, r in self.kb.routes.items() if r.topic == topic), None)
        return None

    def suggest(self, group: Group, wording: str) -> Suggestion | None:
        if group.terms[:1] == ("~scope",):
            return scope_note(group)
        if not group.terms or group.terms[0].startswith("~"):
            return None  # nothing to teach from "hmm", "???" or "why?"
        reasons = group.reasons()
        phrase = " ".join(wording.split())
        best = group.facts[0] if group.facts else None
        gap = next((f for f in group.facts if f[0] == "gap"), None) if reasons["gap"] else None
        if (
            reasons["gap"] >= max(reasons["declined"], reasons["low confidence"])
            and gap is not None
            or best is not None
            and best[0] == "gap"
            and best[3] >= ASKS_COVERAGE
        ):
            gap = gap or best
            topic = self.kb.gap(gap[1]).topic
            return Suggestion(
                "fact",
                f"a new fact for the known gap '{gap[1]}' ({gap[2]}), with a source",
                "data/knowledge.yml",
                new_fact(gap[1], topic, phrase),
            )
        intent = self.topic_intent(group)
        if reasons["low confidence"] >= reasons["declined"] and intent is not None:
            return nlu_example(intent, self.nlu_files.get(intent, "data/nlu/<topic>.yml"), phrase)
        if best is not None and best[0] == "fact" and best[3] >= ASKS_COVERAGE:
            snippet = f"# under the fact `- id: {best[1]}`\n    asks:\n      - {json.dumps(phrase, ensure_ascii=False)}"
            return Suggestion("asks", f"an asks: phrase on fact '{best[1]}'", "data/knowledge.yml", snippet)
        if intent is not None and group.read_intent and group.read_intent[1] >= 0.5:
            return nlu_example(intent, self.nlu_files.get(intent, "data/nlu/<topic>.yml"), phrase)
        topic = self.kb.fact(best[1]).topics[0] if best is not None and best[0] == "fact" else None
        return Suggestion(
            "fact",
            "a new fact, with a source (nothing the bot knows is close)",
            "data/knowledge.yml",
            new_fact(None, topic, phrase),
        )


SCOPE_LABELS = {"out_of_region": "another country", "other_occupation": "another occupation"}


def scope_note(group: Group) -> Suggestion:
    """Questions declined because they are about another country or job: nothing to teach;
    the subjects asked about, most asked first, say what a new source would have to cover."""
    reason = group.terms[1]
    subjects = Counter(q.subject for q in group.questions if q.subject).most_common(8)
    listed = ", ".join(f"{subject} ({count})" for subject, count in subjects) or "not recorded"
    what = SCOPE_LABELS.get(reason, reason)
    return Suggestion(
        "scope",
        f"nothing: these ask about {what}, which the sources do not cover; a fact on it would need a source that does",
        "data/knowledge.yml",
        f"# declined as {what} ({reason}); asked about: {listed}\n"
        "# the sources cover the `scope:` of data/knowledge.yml only",
    )


def nlu_example(intent: str, file: str, phrase: str) -> Suggestion:
    snippet = f"- intent: {intent}\n  examples: |\n    - {phrase}"
    return Suggestion("nlu", f"an NLU example for intent '{intent}' in {file}", file, snippet)


def new_fact(gap: str | None, topic: str | None, phrase: str) -> str:
    slug = "_".join(re.findall(r"[a-z0-9]+", (gap or phrase).lower())[:4]) or "new_fact"
    lines = [
        f"  - id: {slug}",
        f"    topic: {topic or 'TODO'}",
        "    text: >-",
        "      TODO: the statement, in our own words",
        "    sources: [TODO]  # a source id from `sources:` (add the source there first)",
        "    asks:",
        f"      - {json.dumps(phrase, ensure_ascii=False)}",
    ]
    if gap:
        lines.append(f"# then drop the gap '{gap}' from `gaps:` if the new fact covers it")
    return "\n".join(lines)


# What the grouping child imports, imported once by multiprocessing's fork server
PRELOAD = ["bot.tools.report.groups", "bot.answers", "bot.part_intents", "bot.retrieval", "bot.spacy_pipeline"]


class Background:
    """A Grouper loading in a child process of its own (the spaCy pipeline, the knowledge
    file, the retriever and the classifier take about 3 s) while this process reads the
    store, then grouping the questions sent to it. `group()` returns the groups; `stop()`
    ends the child when there is nothing to group.

    The child comes from multiprocessing's fork server, not a fork of this process: a fork
    of a process with threads (a test's, a server's) can inherit a lock held by one of
    them, and the child then hangs (it did, in pytest). The fork server, started once per
    process with PRELOAD imported, is single-threaded; a second report in the same process
    (the tests run many) forks a child that has its imports already, where a spawned one
    would import them again (2-3 s). The child is started from a thread, because the first
    start waits for the fork server's imports and this process meanwhile reads the store."""

    def __init__(self):
        import multiprocessing
        import threading

        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self._pipe, child_end = context.Pipe()
        # the fork server's environment is this process's when it started: the child takes
        # this process's now (KNOWLEDGE_FILE and the like may have changed since)
        environment = dict(os.environ)
        self._process = context.Process(target=_serve, args=(child_end, environment), daemon=True)

        def start() -> None:
            self._process.start()
            child_end.close()

        self._starting = threading.Thread(target=start, name="report-grouper-start", daemon=True)
        self._starting.start()

    def group(self, questions: Sequence[Question]) -> list[Group]:
        self._starting.join()
        self._pipe.send(list(questions))
        if not self._pipe.poll(GROUPING_TIMEOUT):
            self.stop()
            raise RuntimeError(f"grouping the questions took over {GROUPING_TIMEOUT} s")
        outcome, value = self._pipe.recv()
        self._process.join()
        if outcome == "error":
            raise RuntimeError(value)
        return value

    def stop(self) -> None:
        self._starting.join()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()


def _serve(pipe, environment: dict[str, str]) -> None:
    import warnings

    os.environ.clear()
    os.environ.update(environment)
    warnings.simplefilter("ignore")
    try:
        grouper = Grouper()
        pipe.send(("groups", grouper.group(pipe.recv())))
    except EOFError:  # the parent had nothing to group
        pass
    except Exception as error:  # a broken knowledge or training file: said by the parent
        pipe.send(("error", f"{type(error).__name__}: {error}"))
