"""A question about the future (bot.reading marks it): what the sources forecast
(bot.forecast), unless it asks about another job or country, asks two things, or pushes
a figure of its own (those are for the handlers after it)."""

from __future__ import annotations

from dataclasses import replace

from bot.claims import claimed_figures, digits_for_words
from bot.forecast import forecast_reply
from bot.handlers.context import Context
from bot.reading import without_time
from bot.turn import Outcome


def handle(ctx: Context):
    reading, responder = ctx.reading, ctx.responder
    if reading is None or not reading.future:
        return None
    text = digits_for_words(reading.text)
    # "$200k in 5 years?" is a claim; within the projection so is a year ("through 2030?")
    if (
        claimed_figures(text if reading.future == "projection" else without_time(text))
        or len(responder._split(text)) > 1
    ):
        return None
    doc = responder.analyzer.nlp(reading.text[:1000])
    if ctx.answers.out_of_scope(responder._entities(replace(ctx.turn, entities=()), reading.text, doc)) is not None:
        return None
    reply = forecast_reply(ctx.answers, reading.future)
    return Outcome(reply, list(reply.facts)) if reply is not None else None
