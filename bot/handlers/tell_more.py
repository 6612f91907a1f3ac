""" "Tell me more": the last answer's topic's facts not given yet, unless the message names
something else ("... about the course", "and amazon?")."""

from __future__ import annotations

from bot.cues import REFERRING
from bot.handlers.context import Context
from bot.thresholds import ANSWER_COVERAGE


def handle(ctx: Context):
    if ctx.intent != "tell_more":
        return None
    responder, terms = ctx.responder, ctx.terms
    own = [t for t in terms if t not in REFERRING]
    named = responder._best(own) if len(set(terms)) >= 2 or (own and ctx.kb.has_topic(ctx.turn.last_topic)) else None
    if named is None or named.coverage < ANSWER_COVERAGE:
        return responder._more(ctx.turn)
    return None
