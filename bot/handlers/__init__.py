"""What a turn gets: one small handler per kind of turn, tried in this order; the first
that returns an Outcome answers. Each is `handle(ctx) -> Outcome | None`; what several of
them need is on the Context, computed once per turn (context.py).

 1 refused     too long or empty: the channel did not let the NLU read it
 2 back_home   right after a question about another job or country, "and ML engineers?": the same of this career
 3 future      a question about the future: what the sources forecast (bot.forecast)
 4 advice      a story, then "where do I start?": where they seem to be on the path, what's next
 5 reasons     "why data science?" after an answer: the reason the sources give
 6 next_step   "then what?", "and after the degree?": the next step of the way in
 7 carry_on    no words of its own: "why?", "really?", "which ones?", "more", "and in Texas?"
 8 phrased     a question of stop words only: the closest phrasing
 9 junk        nothing recognisable: declined, never a figure
10 scope       another country or job: the parts about this career, the rest declined
11 chitchat    greetings, thanks, goodbye, help, "are you a bot?"
12 dates       "how old is that figure?"
13 typed       "what year?", "by how much?" right after an answer
14 sources     "where is that from?"
15 tell_more   "tell me more"
16 doubt       a figure pushed against what was just said
17 answer      the question, in parts, from the facts the retriever ranks (or a gap)
"""

from __future__ import annotations

from bot.handlers import (
    advice,
    answer,
    back_home,
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
    back_home,
    future,
    advice,
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
