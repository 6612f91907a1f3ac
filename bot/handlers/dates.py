""" "How old is that figure?": the dates of the facts it names, or of the last answer's."""

from __future__ import annotations

from bot.cues import DATE_CUE
from bot.handlers.context import Context
from bot.reply import slot_ids
from bot.turn import Outcome


def handle(ctx: Context):
    if not DATE_CUE.search(ctx.clean):
        return None
    turn = ctx.turn
    named = ctx.responder._named_facts(ctx.terms, ctx.values)
    if not named and turn.intent in ctx.kb.routes and not slot_ids(turn.last_facts):
        named = [f.id for f in ctx.answers.lead_facts(turn.intent, ctx.values)]
    return Outcome(ctx.answers.dates_of(named or turn.last_facts))
