"""Decide what the bot says to one user turn.

Input: the message text, the intent and entities Rasa's NLU found, and what the last
answer was about (slots): a bot.turn.Turn. Output: a bot.turn.Outcome, whose Reply is built
by bot.answers (the one formatter) from facts of data/knowledge.yml. The intent is a strong
hint, not a cage.

What a turn gets is decided by bot.handlers: an ordered list of small handlers (refused,
future, reasons, next step, carry on, phrased, junk, scope, chitchat, dates, typed
follow-up, sources, tell more, doubt, answer), each given the turn's Context, computed once
(the message read as a whole by bot.reading, cleaned, parsed; its terms, claims and
entities). The ranking and formatting they share are the Responder's, in seven parts:
bot.understanding (reading a message), bot.choosing (choosing facts), bot.prior (a topic's
facts with the intent as prior), bot.follow_ups (following up the last answer),
bot.next_steps (going on from it), bot.answering (answering a question) and bot.parts
(answering its parts).
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.analyzer import Analyzer
from bot.answering import Answering
from bot.answers import Answers
from bot.background import Background, background_of
from bot.choosing import Choosing
from bot.cues import (
    ASKED_TYPE,
    ASKING_WORDS,
    HAS_TYPE,
)
from bot.follow_ups import FollowUps
from bot.handlers import context_of, first_outcome
from bot.next_steps import NextSteps
from bot.occupations import Occupations, load_occupations
from bot.part_intents import PartIntents
from bot.parts import Parts
from bot.prior import Prior
from bot.reply import slot_ids
from bot.retrieval import Retriever
from bot.turn import Outcome, Turn
from bot.understanding import Understanding


class Responder(Understanding, Choosing, Prior, FollowUps, NextSteps, Answering, Parts):
    """What a turn gets: the first Outcome of bot.handlers' ordered list, with quick replies
    after a fact answer; the ranking and formatting the handlers share come from its parts."""

    def __init__(
        self,
        answers: Answers,
        retriever: Retriever,
        part_intents: PartIntents | None = None,
        occupations: Occupations | None = None,
        second_opinion: PartIntents | None = None,
    ):
        self.answers = answers
        self.part_intents = part_intents
        self.second_opinion = second_opinion  # bot.second_opinion: asked where the ranker is unsure
        self.occupations = occupations or load_occupations()
        self.kb = answers.kb
        self.retriever = retriever
        self.analyzer: Analyzer = retriever.analyzer
        # the kinds of answer a short question can ask for: a year, an amount, a reason, and
        # the knowledge file's own (a subject: "in which field?")
        self.asked_type = dict(ASKED_TYPE)
        self.has_type = dict(HAS_TYPE)
        self.kind_terms: dict[str, set] = {}
        for name, kind in self.kb.kinds.items():
            self.asked_type[name] = re.compile(  # ("in what?" right after "a bachelor's degree")
                r"\b(?:which|what|wat)\s+(?:" + "|".join(re.escape(w) for w in kind.asked) + r")\b"
                r"|^\W*(?:in|of) (?:what|which|wat)\W*$",
                re.I,
            )
            self.has_type[name] = re.compile(
                r"\b(?:" + "|".join(re.escape(w) for w in kind.named) + r")\b", re.I
            ).search
            self.kind_terms[name] = {t for w in kind.asked for t in self.analyzer.terms(w)}
        for name, words in ASKING_WORDS.items():
            self.kind_terms[name] = set(self.analyzer.terms(words))

    def respond(self, turn: Turn) -> Outcome:
        """The reply to a turn; a fact answer ends with quick replies to go on from it."""
        ctx = context_of(self, turn)
        outcome = first_outcome(ctx)
        if ctx.turn.background:  # a story: what it tells of the person, kept for later turns
            told = Background.from_slot(turn.known_background).updated(self._background_of(ctx.turn.background))
            if told != Background():
                outcome = replace(outcome, background=told.as_slot())
        reply = outcome.reply
        if not (reply.facts and self.kb.has_topic(reply.topic)):
            return outcome
        asked = [t for t in slot_ids(turn.asked_topics) if t != reply.topic] + [reply.topic]
        if not reply.buttons:
            reply = replace(reply, buttons=self.answers.after_answer_buttons(reply.topic, outcome.seen, asked))
        return replace(outcome, reply=reply, asked=asked)

    def _background_of(self, sentences: tuple[str, ...]) -> Background:
        """What a story tells of the person, with the job and place it names."""
        text = " ".join(sentences)[:1000]
        jobs = self.occupations.titles(text)
        places = [e.text for e in self.analyzer.nlp(text).ents if e.label_ in ("us_place", "country")]
        return background_of(sentences, jobs[0].text.lower() if jobs else None, places[0] if places else None)


def load_responder(answers: Answers | None = None, ranker: str = "bm25") -> Responder:
    """The responder over the knowledge file, with the project's spaCy pipeline."""
    from bot import DATA_DIR, PROJECT_ROOT
    from bot.answers import load_answers
    from bot.part_intents import load_part_intents
    from bot.retrieval import load_examples
    from bot.second_opinion import load_second_opinion
    from bot.spacy_pipeline import load

    answers = answers or load_answers()
    analyzer = Analyzer(load(), answers.kb.synonym_map())
    examples = load_examples(DATA_DIR / "nlu")
    models = PROJECT_ROOT / "models"  # what `make train` built from the data (bot.built_cache)
    part_intents = load_part_intents(examples, models)
    opinion = load_second_opinion(answers.kb, examples, models)
    retriever = Retriever(answers.kb, analyzer, ranker, examples, models)
    return Responder(answers, retriever, part_intents, load_occupations(), opinion)


# `make train`: what the responder loads from models/ (bot.built_cache) is built once there,
# so that servers and tests start without building it.
if __name__ == "__main__":
    load_responder()
