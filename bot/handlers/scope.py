"""Another country or another job asked about: the parts about this career answered, with
a sentence declining the rest, or all declined."""

from __future__ import annotations

from dataclasses import replace

from bot.handlers.context import Context
from bot.thresholds import ANSWER_COVERAGE


def handle(ctx: Context):
    if ctx.answers.out_of_scope(ctx.values) is None:
        return None
    responder = ctx.responder
    answered = responder._in_scope_parts(ctx.turn, ctx.clean, ctx.claimed)
    if answered is not None:
        return answered
    # what it asked, kept for "and ML engineers?" next (bot/handlers/back_home.py)
    topic = responder._topic_of(ctx.intent, ctx.confidence)
    if topic is None and ctx.strong is not None and ctx.strong.coverage >= ANSWER_COVERAGE:
        topic = ctx.strong.entry.topics[0]
    return replace(responder._decline(ctx.values), declined=topic)
