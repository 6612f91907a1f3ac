""" "I thought it only came in at #3": a figure pushed against what was just said. The fact
that holds the figure, if any, then the facts just given; never the user's figure."""

from __future__ import annotations

from bot.handlers.context import Context
from bot.reply import Section, slot_ids
from bot.thresholds import OVERRIDE_COVERAGE
from bot.turn import Outcome


def handle(ctx: Context):
    turn, kb, responder = ctx.turn, ctx.kb, ctx.responder
    if not (ctx.claimed and kb.has_topic(turn.last_topic)):
        return None
    strong = ctx.strong
    if not (strong is None or strong.coverage < OVERRIDE_COVERAGE or turn.last_topic in strong.entry.topics):
        return None
    facts = [kb.fact(f) for f in slot_ids(turn.last_facts) if kb.has_fact(f)]
    facts = facts or ctx.answers.first_facts(turn.last_topic)
    facts = [f for f in responder._holders(ctx.claimed) if f not in facts] + facts  # the fact with that figure
    unsupported = responder._unsupported(ctx.claimed, facts, ctx.values, ctx.clean)
    lead = kb.messages["unsupported_figure"] if unsupported else ""
    seen = slot_ids(turn.seen_facts)
    return Outcome(ctx.answers.compose([Section(facts, lead)], turn.last_topic, seen), seen)
