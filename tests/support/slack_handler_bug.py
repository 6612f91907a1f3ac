"""The Slack channel with a bug planted in its event handler, for tests/test_slack_channel.py.

The test bot loads it from its credentials as `tests.support.slack_handler_bug.HandlerBugSlack`,
next to the real channel, on /webhooks/slack_handler_bug/webhook: requests are checked
and read by the real webhook (bot.channels.slack), then the handler raises the built-in
exception named by the body's "bug" field (with its event_id in the message), as a
slip in our own code would.
"""

import builtins
from typing import Any

from bot.channels.slack import SlackAppInput


class HandlerBugSlack(SlackAppInput):
    @classmethod
    def name(cls) -> str:
        return "slack_handler_bug"

    async def _handle_event(self, body: dict[str, Any], on_new_message: Any) -> Any:
        bug = getattr(builtins, body["bug"])
        raise bug(f"planted {body['bug']} in the event handler of {body.get('event_id')}")
