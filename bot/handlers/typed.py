""" "What year?", "by how much?" right after an answer: the facts just given that hold one."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.reply import slot_ids
from bot.turn import Outcome


def handle(ctx: Context):
    if ctx.typed is None:
        return None
    seen = slot_ids(ctx.turn.seen_facts)
    return Outcome(ctx.answers.compose([ctx.typed], ctx.turn.last_topic, seen), seen)
