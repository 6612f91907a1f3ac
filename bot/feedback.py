"""Ratings of answers and what the bot stores about each reply (issue 13).

After a fact answer the user can rate it: the 👍 / 👎 quick replies (payloads
/feedback_good, /feedback_bad) or the same typed ("thanks, that helped", "that's wrong").
A rating is about the last fact answer (slots `last_answer`, `last_facts`, `last_topic`)
and never changes what the bot says next: those slots stay as they were, so "tell me
more" after a 👍 goes on from the rated answer. A 👎 asks one optional question, "what
were you looking for?"; the next typed message is stored as the comment on that answer.
If it is a topic question, or one the bot has something new for (other facts, or a gap it
names), it is answered as well; otherwise (a complaint, "something else", or the rated answer
again) the bot says the comment was passed on. A button pressed instead, or a new rating
button, is no comment.

What is stored (for `make report`, bot/tools/report.py), all as events of the
conversation in the tracker store:
- every reply carries `record(reply, answer_id)` in its bot event's metadata (key
  `careerbot`): what kind of reply it was, the facts it stated and the gaps it named;
- a rating or a comment sets the slot `feedback` to {rating, answer, facts, topic, comment}.

Plain Python: bot.responder decides the reply to everything that is not a rating.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from bot.claims import claimed_figures
from bot.cues import ELLIPTICAL_QUESTION, FOLLOW_UPS
from bot.reading import asks
from bot.reply import Reply, slot_ids
from bot.responder import Responder
from bot.thresholds import CHITCHAT_CONFIDENT
from bot.turn import Outcome, Turn

RATINGS = {"feedback_good": "up", "feedback_bad": "down"}
METADATA_KEY = "careerbot"  # the bot event's metadata entry that record() fills
COMMENT_LIMIT = 1000  # characters of a comment kept


def new_answer_id(reply: Reply) -> str | None:
    """An id for a reply that a rating can refer to: one that states facts on a topic (and
    so sets `last_answer`); None for any other."""
    return uuid.uuid4().hex[:12] if reply.facts and reply.topic else None


def record(reply: Reply, answer_id: str | None) -> dict[str, object]:
    """What is stored with a reply: its kind, its id, the facts it stated, the gaps it named,
    and for a decline for scope, why and about what ({"reason": "out_of_region", "subject":
    "Germany"})."""
    scope = {"reason": reply.scope[0], "subject": reply.scope[1]} if reply.scope else None
    return {
        "kind": reply.kind,
        "answer": answer_id,
        "facts": list(reply.facts),
        "topic": reply.topic,
        "gaps": list(reply.gaps),
        "scope": scope,
    }


def rated_answer(turn: Turn) -> dict[str, object] | None:
    """The last fact answer, as a rating refers to it; None if there was none."""
    facts = slot_ids(turn.last_facts)
    if not facts:
        return None
    answer = turn.last_answer if isinstance(turn.last_answer, str) else None
    topic = turn.last_topic if isinstance(turn.last_topic, str) else None
    return {"answer": answer, "facts": facts, "topic": topic}


def _asked(value: object) -> dict[str, object] | None:
    """The slot `feedback_asked` as the action set it (user text cannot set it; junk is None)."""
    if isinstance(value, dict) and isinstance(value.get("facts"), list):
        return {
            "answer": value.get("answer") if isinstance(value.get("answer"), str) else None,
            "facts": slot_ids(value["facts"]),
            "topic": value.get("topic") if isinstance(value.get("topic"), str) else None,
        }
    return None


def rating_of(turn: Turn) -> str | None:
    """ "up" or "down" when the message rates the last answer: a rating button, or the same
    typed and recognised with confidence, without a figure of its own ("that's wrong, it's
    $200k" is a claim for the responder to check)."""
    rating = RATINGS.get(turn.intent) if isinstance(turn.intent, str) else None
    if rating is None:
        return None
    text = turn.text if isinstance(turn.text, str) else ""
    if text.startswith("/"):
        return rating
    confidence = turn.confidence if isinstance(turn.confidence, (int, float)) else 0.0
    if (asks(text) or ELLIPTICAL_QUESTION.search(text)) and not text.rstrip().endswith("!"):
        return None  # "why would that help?", "anything else that helps?" ask; they do not rate
    return rating if confidence >= CHITCHAT_CONFIDENT and not claimed_figures(text) else None


class Feedback:
    """The responder with ratings and comments in front of it."""

    def __init__(self, responder: Responder):
        self.responder = responder
        self.answers = responder.answers

    def respond(self, turn: Turn) -> Outcome:
        text = turn.text if isinstance(turn.text, str) else ""
        typed = not text.startswith("/") and turn.refused is None and bool(text.strip())
        asked = _asked(turn.feedback_asked)
        rating = rating_of(turn)
        if rating is not None and not (asked and typed):
            return self._rate(turn, rating)
        outcome = self.responder.respond(turn)
        if asked is None or not typed:
            return outcome
        comment = dict(asked, rating="down", comment=text.strip()[:COMMENT_LIMIT])
        reply = outcome.reply
        question = (
            turn.intent in self.answers.kb.routes
            or reply.gaps
            or (turn.intent not in FOLLOW_UPS and set(reply.facts) - set(asked["facts"]))
        )
        if rating is not None or reply.kind not in ("answer", "gap") or not question:
            # no question, or only the rated answer again ("it was confusing"): just thanks
            outcome = Outcome(Reply(text=self.answers.message("feedback_noted"), kind="feedback"))
        return replace(outcome, feedback=comment)

    def _rate(self, turn: Turn, rating: str) -> Outcome:
        answer = rated_answer(turn)
        if answer is None:
            return Outcome(self.answers.offer("nothing_to_rate"))
        feedback = dict(answer, rating=rating, comment=None)
        if rating == "up":
            return Outcome(Reply(text=self.answers.message("feedback_thanks"), kind="feedback"), feedback=feedback)
        return Outcome(
            Reply(text=self.answers.message("feedback_ask"), kind="feedback"), feedback=feedback, asking=answer
        )


def load_feedback() -> Feedback:
    from bot.responder import load_responder

    return Feedback(load_responder())
