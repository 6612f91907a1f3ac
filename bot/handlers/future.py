"""A question about the future (bot.reading marks it): what the sources forecast
(bot.forecast), unless it asks about another job or country, asks two things, or pushes
a figure of its own (those are for the handlers after it)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.claims import claimed_figures, digits_for_words
from bot.forecast import forecast_reply
from bot.handlers.context import Context
from bot.reading import future_subject, without_time
from bot.turn import Outcome

DECADE = re.compile(r"\b(?:early|mid|late)?[- ]?20[2-9]0'?s\b", re.I)


def handle(ctx: Context):
    reading, responder = ctx.reading, ctx.responder
    if reading is None or not reading.future:
        return None
    text = DECADE.sub(" ", digits_for_words(reading.text))  # ("the early 2030s" names no figure to check)
    # "$200k in 5 years?" is a claim; within the projection so is a year ("through 2030?")
    # (a part that asks something of today is for the answer handler: "the median now, and in 2035?")
    parts = responder._split(text)
    today = [p for p in parts if future_subject(p, ctx.this_year, ctx.horizon) is None] if len(parts) > 1 else []
    if claimed_figures(text if reading.future == "projection" else without_time(text)) or today:
        return None
    doc = responder.analyzer.nlp(reading.text[:1000])
    if ctx.answers.out_of_scope(responder._entities(replace(ctx.turn, entities=()), reading.text, doc)) is not None:
        return None
    reply = forecast_reply(ctx.answers, reading.future)
    return Outcome(reply, list(reply.facts)) if reply is not None else None
