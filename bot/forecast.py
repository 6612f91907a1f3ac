"""The reply to a question about the future (bot/reading.py marks it with its subject).

The sources report figures measured at given dates; the one forecast they hold is the BLS
projection of jobs (data/knowledge.yml, `forecasts`). So a question about pay in some later
year gets, plainly, that the sources make no pay forecast, with a button asking for today's
figures (never today's figure as if it answered); a question about demand beyond what the
projection reaches gets that, then the projection, cited.
"""

from __future__ import annotations

from dataclasses import replace

from bot.answers import Answers
from bot.reply import Reply, Section


def forecast_reply(answers: Answers, subject: str) -> Reply | None:
    """The reply to a question about the future (bot.reading.future_subject): "pay" or
    "demand" beyond what the sources forecast (kind "gap"), or "projection", demand within
    the years the demand forecast reaches (that forecast, as an answer). None when the
    knowledge file has no forecasts of that subject."""
    kb = answers.kb
    forecast = kb.forecasts.get("demand" if subject == "projection" else subject)
    if forecast is None:
        return None
    if forecast.facts:
        facts = [kb.fact(f) for f in forecast.facts]
        if subject == "projection":
            return answers.compose([Section(facts)], facts[0].topics[0])
        lead = answers.message("forecast_until", subject=forecast.subject, until=str(forecast.until))
        return replace(answers.compose([Section(facts, lead, gap=True)], facts[0].topics[0]), kind="gap")
    text = answers.message("no_forecast", subject=forecast.subject)
    button = kb.topic_question(forecast.topic) if forecast.topic else None
    return Reply(text=text, buttons=[button] if button is not None else [], kind="gap")
