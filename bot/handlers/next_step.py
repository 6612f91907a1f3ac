""" "Then what?", "and after the degree?": the next step of the knowledge file's `steps`."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.reply import Section


def handle(ctx: Context):
    responder = ctx.responder
    if ctx.payload or len(ctx.parts) > 1:
        return None
    step = responder._next_step(ctx.clean, ctx.terms, ctx.turn)
    return responder._answered([Section([step])], step.topics[0], ctx.turn) if step is not None else None
