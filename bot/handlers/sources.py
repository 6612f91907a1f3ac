""" "Where is that from?": the sources of the facts it names, or of the last answer. A
"that"-question about the topic ("is that quick compared with ...?") is not one."""

from __future__ import annotations

from bot.cues import ASKS_SOURCE, REFERRING, SOURCE_CUE
from bot.handlers.context import Context
from bot.thresholds import CONFIDENT, LEANING_COVERAGE
from bot.turn import Outcome


def handle(ctx: Context):
    turn, terms = ctx.turn, ctx.terms
    asks_source = (
        ctx.intent == "request_source"
        and (SOURCE_CUE.search(ctx.clean) or not terms and ctx.confidence >= CONFIDENT)
        or ASKS_SOURCE.search(ctx.clean)
        and ctx.kb.has_topic(turn.last_topic)
    )
    if not asks_source:
        return None
    asking = [t for t in terms if t not in REFERRING]
    section = ctx.responder._follow_up(asking, turn, ctx.values, LEANING_COVERAGE) if asking else None
    if section is not None:
        return None  # a question about the topic, in words of its own: answered below
    named = ctx.responder._named_facts(terms, ctx.values)
    return Outcome(ctx.answers.sources_of(named or turn.last_facts))
