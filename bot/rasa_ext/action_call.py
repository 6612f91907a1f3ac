"""What Rasa sends the action server, through Rasa's plugin hook for it.

Rasa sends the whole conversation, every event serialised, on every call to the action
server, so the request grows with the conversation. The bot's action reads only the slots
and the latest message (actions/actions.py), so the request goes with the tracker's state
and no events; the domain is left out by Rasa itself (`enable_selective_domain` in
endpoints.yml).

The hook, `prefix_stripping_for_custom_actions`, is given the request Rasa built and may
return the one to send instead (RemoteAction.run). Rasa has serialised the tracker's events
by then, but those are only the recent turns the tracker store hands it
(bot/rasa_ext/tracker_store.py): about 0.1 ms a call for 45 events, against 0.5 ms for
encoding them as JSON, which the stripped request saves. Registered by
bot.rasa_ext.rasa_patched unless BOT_SPEEDUPS=off.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("rasa")

# The Rasa source this hook was written against (tests/test_patches.py): where the hook is
# called and its result sent, what the request holds, and the hook's own spec.
PINS = {
    "rasa.core.actions.action:RemoteAction.run": "ccabf6f1160d527a",
    "rasa.core.actions.action:RemoteAction._action_call_format": "428795b944f22edb",
    "rasa.core.actions.action:RemoteAction._is_selective_domain_enabled": "736c223034a52ec5",
    "rasa.plugin:prefix_stripping_for_custom_actions": "e3c2e413458da9ef",
}


@hookimpl
def prefix_stripping_for_custom_actions(json_body: dict[str, Any]) -> dict[str, Any]:
    tracker = json_body.get("tracker")
    if not isinstance(tracker, dict):
        return json_body
    return {**json_body, "tracker": {**tracker, "events": []}}  # the action reads slots and the latest message


def register() -> None:
    """Adds this module's hook to Rasa's plugin manager (once)."""
    import sys

    from rasa.plugin import plugin_manager

    module = sys.modules[__name__]
    if not plugin_manager().is_registered(module):
        plugin_manager().register(module)
