"""Nothing the bot recognises (data, code, orders to the bot, markup, no known word):
declined, never a figure."""

from __future__ import annotations

from bot.cues import CHITCHAT, INJECTION, MARKUP, STRUCTURED, WORDS
from bot.handlers.context import Context
from bot.reply import slot_ids


def _unrecognised(ctx: Context) -> bool:
    responder, turn = ctx.responder, ctx.turn
    return (
        not responder._recognised(ctx.doc, ctx.terms, ctx.intent, ctx.confidence, slot_ids(turn.last_facts))
        and not responder._leans_on_last(ctx.clean, turn)
        and not (ctx.claimed and ctx.kb.has_topic(turn.last_topic))
    )


def handle(ctx: Context):
    if ctx.payload:
        return None
    clean = ctx.clean
    if (
        STRUCTURED.match(clean)
        or INJECTION.search(clean)
        or (MARKUP.search(ctx.text) and len(WORDS.findall(clean)) <= 1 and ctx.intent not in CHITCHAT)
        or _unrecognised(ctx)
    ):  # "it's over a million isn't it"
        return ctx.responder._decline({})
    return None
