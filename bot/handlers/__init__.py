"""What a turn gets: one small handler per kind of turn, tried in this order; the first
that returns an Outcome answers. Each is `handle(ctx) -> Outcome | None`; what several of
them need is on the Context, computed once per turn (context.py).

 1 refused     too long or empty: the channel did not let the NLU read it
 2 future      a question about the future: what the sources forecast (bot.forecast)
 3 reasons     "why data science?" after an answer: the reason the sources give
 4 next_step   "then what?", "and after the degree?": the next step of the way in
 5 carry_on    no words of its own: "why?", "really?", "which ones?", "more", "and in Texas?"
 6 phrased     a question of stop words only: the closest phrasing
 7 junk        nothing recognisable: declined, never a figure
 8 scope       another country or job: the parts about this career, the rest declined
 9 chitchat    greetings, thanks, goodbye, help, "are you a bot?"
10 dates       "how old is that figure?"
11 typed       "what year?", "by how much?" right after an answer
12 sources     "where is that from?"
13 tell_more   "tell me more"
14 doubt       a figure pushed against what was just said
15 answer      the question, in parts, from the facts the retriever ranks (or a gap)
"""

from __future__ import annotations

from bot.handlers import (
    answer,
    carry_on,
    chitchat,
    dates,
    doubt,
    future,
    junk,
    next_step,
    phrased,
    reasons,
    refused,
    scope,
    sources,
    tell_more,
    typed,
)
from bot.handlers.context import Context, context_of

HANDLERS = (
    refused,
    future,
    reasons,
    next_step,
    carry_on,
    phrased,
    junk,
    scope,
    chitchat,
    dates,
    typed,
    sources,
    tell_more,
    doubt,
    answer,
)

__all__ = ["HANDLERS", "Context", "context_of", "first_outcome"]


def first_outcome(ctx: Context):
    """The Outcome of the first handler that has one (the last, `answer`, always has)."""
    for handler in HANDLERS:
        outcome = handler.handle(ctx)
        if outcome is not None:
            return outcome
    raise AssertionError("the answer handler always answers")
