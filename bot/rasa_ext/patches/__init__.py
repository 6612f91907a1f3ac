"""The fixes to Rasa 3.6.21 that no extension point of Rasa serves, one module each, applied
once per process by importing bot.rasa_ext.rasa_patched (never by editing .venv).

Each module says what it fixes and holds `WHY` (why no extension point serves) and `PINS`
(the Rasa source it was written against: the first 16 hex digits of the sha256 of each
function or module it replaces or relies on); tests/test_patches.py fails if the installed
Rasa differs from a pin.

 1  action_failure    a reply to every message: a failed or slow action server gets the apology
 2  typed_intents     typed `/intent{...}` read as words; only the bot's own payloads are intents
 3  root_route        GET / without the Rasa version
 4  shell             the terminal chat: leaving it on Ctrl-D, Ctrl-C or a signal; and
 5                    its replies printed with readable links and quick replies as a list
 6  action_result     the action's reply checked by a validator built once
 8  event_lookup      event type names looked up in a table
10  skops_import      skops' import without its module search
11  graph_runner      the model's graph run without dask's scheduler
12  endpoint_session  one kept connection to the action server

6 to 12 are the speed fixes (off with BOT_SPEEDUPS=off, for `make bench`'s comparison with
stock Rasa). 7 and 9 moved to Rasa's extension points: the action request without the
conversation's events is Rasa's plugin hook (bot/rasa_ext/action_call.py), and the recent
turns kept in memory are the tracker store endpoints.yml names
(bot/rasa_ext/tracker_store.py).
"""

from __future__ import annotations

from bot import settings
from bot.rasa_ext.patches import (
    action_failure,
    action_result,
    endpoint_session,
    event_lookup,
    graph_runner,
    root_route,
    shell,
    skops_import,
    typed_intents,
)

MODULES = (
    action_failure,
    typed_intents,
    root_route,
    shell,
    action_result,
    event_lookup,
    skops_import,
    graph_runner,
    endpoint_session,
)
SPEED = (action_result, event_lookup, skops_import, graph_runner, endpoint_session)

APPLIED = False


def speedups() -> bool:
    """The speed fixes are on unless BOT_SPEEDUPS=off."""
    return settings.value("BOT_SPEEDUPS")


def _knowledge():
    from bot import KNOWLEDGE_FILE
    from bot.knowledge import load_knowledge

    return load_knowledge(KNOWLEDGE_FILE)


def own_payloads(kb=None) -> frozenset[str]:
    """The payloads of the bot's own buttons: the only typed intents it accepts."""
    return frozenset((kb or _knowledge()).button_payloads())


def apply() -> None:
    global APPLIED
    if APPLIED:
        return
    kb = _knowledge()  # read once at start
    action_failure.apply(kb.messages["action_failed"])
    if speedups():
        for module in SPEED:
            module.apply()
    typed_intents.apply(own_payloads(kb))
    root_route.apply()
    shell.apply()
    APPLIED = True
