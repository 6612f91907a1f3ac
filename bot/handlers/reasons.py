""" "Why data science?", "why would that help?" after an answer: the reason the sources give
(data/knowledge.yml `reasons`). A bare "why?" is the carry-on handler's."""

from __future__ import annotations

from bot.cues import SHORT_WHY
from bot.handlers.context import Context
from bot.words import plain_words


def handle(ctx: Context):
    if ctx.payload or not ctx.terms or not SHORT_WHY.match(ctx.clean) or len(plain_words(ctx.clean)) > 7:
        return None
    return ctx.responder._reasons(ctx.turn, ctx.terms)
