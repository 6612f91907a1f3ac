"""The shared bot of a test run (tests/conftest.py's `bot`): the action server and `rasa
run`, started by the launcher's `Servers` on free loopback ports with SQLite in a folder of
its own, and every channel on, so that one pair of servers serves every test that only
talks to a running bot (REST, the answer gate, bad input, web chat, the widget, Slack).

What those tests need of it, all at once: Slack posting to the run's fake Slack, with a
second Slack channel whose handler has a planted bug (slack_handler_bug); the web chat
allowing the origins of the bad-input corpus and of the widget test's host site
(WIDGET_SITE). A test that stops one of its servers (action_server_down, restart_bot)
starts it again before it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from bot import PROJECT_ROOT
from bot.ops.launcher import Servers, free_port
from tests.support.slack_fake import FakeSlack, start_bot

# the channel with a planted handler bug, loaded next to the real one
BUGGY_CHANNEL = "tests.support.slack_handler_bug.HandlerBugSlack"
# someone else's site that embeds the widget (tests/test_webchat_widget.py serves it here)
WIDGET_SITE_PORT = free_port()
WIDGET_SITE = f"http://127.0.0.1:{WIDGET_SITE_PORT}"
CORPUS = PROJECT_ROOT / "tests" / "bad_input" / "corpus.yml"


def allowed_origins() -> list[str]:
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    return [*corpus["web_allowed_origins"], WIDGET_SITE]


@contextmanager
def shared_bot(slack: FakeSlack, state: Path) -> Iterator[Servers]:
    credentials = state / "credentials.yml"
    channels = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    channels[BUGGY_CHANNEL] = channels["bot.channels.slack.Slack"]
    credentials.write_text(yaml.safe_dump(channels), encoding="utf-8")
    servers = start_bot(slack, state, credentials, {"WEB_ALLOWED_ORIGINS": ",".join(allowed_origins())})
    try:
        yield servers
    finally:
        servers.stop()
    for log in ("rasa.log", "actions.log"):
        text = (state / "logs" / log).read_text(encoding="utf-8", errors="replace")
        assert "was never awaited" not in text, f"{log}: a coroutine was never awaited"
