"""Greetings, thanks, goodbye, "are you a bot?", help: their message, unless the text is
really a question ("what level?" is not a "help")."""

from __future__ import annotations

from bot.cues import ABOUT_THE_BOT, CHITCHAT, OFFERS
from bot.handlers.context import Context
from bot.thresholds import BOT_CHALLENGE_SURE, CHITCHAT_CONFIDENT, OVERRIDE_COVERAGE
from bot.turn import Outcome


def handle(ctx: Context):
    if ctx.intent not in CHITCHAT:
        return None
    if (
        ctx.intent == "bot_challenge"
        and ctx.confidence < BOT_CHALLENGE_SURE
        and not ABOUT_THE_BOT.search(ctx.clean or ctx.text)
    ):
        return None  # "Realistically, is it a quick thing or a long haul?" asks nothing of the bot
    strong = ctx.strong
    question = (
        strong is not None
        and strong.coverage >= OVERRIDE_COVERAGE
        and (len(ctx.terms) >= 2 or strong.entry.kind == "gap")
    )
    unsure = ctx.confidence < CHITCHAT_CONFIDENT and ctx.terms and ctx.kb.has_topic(ctx.turn.last_topic)
    if question or unsure or ctx.typed is not None:
        return None
    if ctx.intent in OFFERS:
        return Outcome(ctx.answers.offer(ctx.intent))
    return Outcome(ctx.answers.chitchat(CHITCHAT[ctx.intent]))
