"""The question answered: its parts, each from the facts the retriever ranks for it with
the intent it reads like; a gap said plainly; a claimed figure checked (bot.responder)."""

from __future__ import annotations

from bot.handlers.context import Context


def handle(ctx: Context):
    return ctx.responder._answer(
        ctx.turn, ctx.clean, ctx.terms, ctx.values, ctx.confidence, ctx.claimed, texts=ctx.parts
    )
