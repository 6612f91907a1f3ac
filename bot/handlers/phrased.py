"""A question of stop words only ("what do they do?"): the fact or intent whose phrasing
it is closest to."""

from __future__ import annotations

from bot.handlers.context import Context


def handle(ctx: Context):
    if ctx.payload or ctx.terms:
        return None
    return ctx.responder._phrased(ctx.clean, ctx.turn, ctx.intent, ctx.confidence)
