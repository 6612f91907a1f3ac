"""A message with no words of its own that carries the last answer on ("why?", "really?",
"which ones?", "then what?", "and in Texas?")."""

from __future__ import annotations

from bot.cues import CHITCHAT, DOUBT
from bot.handlers.context import Context


def handle(ctx: Context):
    if ctx.payload or not (not ctx.terms or DOUBT.match(ctx.clean)):
        return None
    if ctx.intent in CHITCHAT or not ctx.kb.has_topic(ctx.turn.last_topic):
        return None
    return ctx.responder._carry_on(ctx.turn, ctx.clean, ctx.values)
