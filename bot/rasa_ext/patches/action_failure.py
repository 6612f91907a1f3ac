"""1. A reply to every message (rasa.core.actions.action.RemoteAction.run).

Rasa logs an action server that is down, frozen or failing and sends the user nothing
(`[]`), after up to 5 minutes (DEFAULT_REQUEST_TIMEOUT). Here the call is cut after
ACTION_TIMEOUT seconds (default 2.5) and any failure becomes the knowledge file's
`action_failed` apology; the user's message is stored as usual.
"""

from __future__ import annotations

import asyncio
import logging

from bot import settings

WHY = "Rasa's plugin hooks around the action call see a request and a successful response, never a failure or a timeout"
PINS = {
    "rasa.core.actions.action:RemoteAction.run": "ccabf6f1160d527a",
    "rasa.core.processor:MessageProcessor._run_action": "6d383d0179ef1187",  # swallows action errors
}

logger = logging.getLogger(__name__)


def action_timeout() -> float:
    return settings.value("ACTION_TIMEOUT")


def apply(apology_text: str) -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    original = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain):
        try:
            return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), action_timeout())
        except ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - down, timed out, failed: still a reply
            reason = "timed out" if isinstance(error, asyncio.TimeoutError) else type(error).__name__
            logger.error("action %s failed (%s); the user got the apology", self.name(), reason)
            return [BotUttered(text=apology_text, metadata={"action_failed": True})]

    run.__wrapped__ = original
    RemoteAction.run = run
