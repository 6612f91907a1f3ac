"""Someone who told their story and asks where to start or what comes next: which step of
the sources' path they seem to be at, and what the sources say comes next, cited; and what
the sources do not say about their case (a field they don't name, a bootcamp). Nothing is
added that the sources do not hold (bot.background reads the story)."""

from __future__ import annotations

import re

from bot.background import Background, background_of
from bot.cues import NEXT_STEP
from bot.handlers.context import Context
from bot.reading import START_QUESTION
from bot.reply import Section

# The question asks the way in ("how would someone like me become one?", "main steps?").
ASKS_THE_WAY = re.compile(
    r"\bhow (?:do|would|can|could|should) (?:i|someone(?: like me)?|one|you|a person) (?:\w+ ){0,2}"
    r"(?:become|get (?:into|started)|start|begin|break into|move into|switch|transition)\b|"
    r"\b(?:main|first|next) steps?\b|\bwhere (?:do|should|would|can) (?:i|someone|one) (?:even )?(?:start|begin)\b|"
    r"\bwhat should i (?:do|study|learn) first\b|\bpath (?:for|into)\b",
    re.I,
)


def next_facts(kb, background) -> list[str]:
    """The facts of the step after the ones `background` shows (data/knowledge.yml `steps`)."""
    steps = kb.steps
    if background.degree in (None, "none", "bootcamp"):
        return ["degree_bachelor"] if "degree_bachelor" in steps[0] else steps[0][:1]
    if not background.field_named_by_sources:  # another field, or one not said: what the degree should be
        return [f for f in ("degree_bachelor", *steps[1]) if kb.has_fact(f)]
    if not background.data_work:
        return list(steps[1])
    return list(steps[2]) if background.degree == "bachelor" else ["start_work_up"]


def handle(ctx: Context):
    turn, kb = ctx.turn, ctx.kb
    earlier = Background.from_slot(turn.known_background)
    if not (turn.background or earlier.known) or len(kb.steps) < 3 or "advice" not in kb.messages:
        return None
    if not (ctx.text == START_QUESTION or ASKS_THE_WAY.search(ctx.text) or NEXT_STEP.search(ctx.text)):
        return None
    if ctx.answers.out_of_scope(ctx.values) is not None:
        return None  # "how do I become a registered nurse? I have a biology degree"
    background = earlier.updated(background_of(turn.background)) if turn.background else earlier
    if not background.known:
        return None
    facts = [kb.fact(f) for f in next_facts(kb, background) if kb.has_fact(f)]
    if not facts:
        return None
    leads = [ctx.answers.message("advice", background=background.describe())]
    if background.field_named_by_sources is False:
        leads.append(ctx.answers.message("advice_field", field=background.field))
    overview = [kb.fact(f) for f in kb.steps[0][:1] if f not in {x.id for x in facts}]  # the whole path first
    sections = [Section(overview), Section(facts, " ".join(leads))] if overview else [Section(facts, " ".join(leads))]
    if background.degree == "bootcamp" and "bootcamps" in {g.id for g in kb.gaps}:
        sections.append(ctx.answers.gap_section("bootcamps"))
    return ctx.responder._answered(sections, facts[0].topics[0], turn)
