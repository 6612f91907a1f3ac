"""A message the channel did not let the NLU read: too long, or empty."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.turn import Outcome


def handle(ctx: Context):
    if ctx.turn.refused == "too_long":
        return Outcome(ctx.answers.chitchat("too_long"))
    if ctx.turn.refused == "empty":
        return Outcome(ctx.answers.offer("empty_message"))
    return None
