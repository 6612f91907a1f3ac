"""Another country or another job asked about: the parts about this career answered, with
a sentence declining the rest, or all declined."""

from __future__ import annotations

from bot.handlers.context import Context


def handle(ctx: Context):
    if ctx.answers.out_of_scope(ctx.values) is None:
        return None
    responder = ctx.responder
    return responder._in_scope_parts(ctx.turn, ctx.clean, ctx.claimed) or responder._decline(ctx.values)
