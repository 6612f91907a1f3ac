"""Right after a question declined as another job's or country's ("what do pharmacists
earn?"), a short message turning to this career or the US ("ok, and ML engineers?",
"what about in the US then?", "and in Texas?") asks the same of it: that topic's answer."""

from __future__ import annotations

from bot.cues import OWN_SUBJECT
from bot.handlers.context import Context
from bot.reply import Section
from bot.thresholds import SHORT


def handle(ctx: Context):
    topic = ctx.turn.declined_topic
    if not (isinstance(topic, str) and ctx.kb.has_topic(topic)) or ctx.payload:
        return None
    places = ctx.values.get("us_place", [])
    if len(ctx.clean.split()) > SHORT + 2 or not (OWN_SUBJECT.search(ctx.clean) or places):
        return None
    lead = ctx.answers.message("local_figures", place=places[0]) if places else ""  # "and in Texas?"
    section = Section(ctx.answers.first_facts(topic), lead, general=True)
    return ctx.responder._answered([section], topic, ctx.turn)
