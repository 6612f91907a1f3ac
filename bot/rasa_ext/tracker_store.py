"""The tracker store endpoints.yml names: Rasa's SQLTrackerStore (SQLite or PostgreSQL),
handing Rasa each conversation's recent turns kept in memory instead of the whole session
read back from the database, and writing only the turn's new events (bot/rasa_ext/recent.py
says why the answers are the same).

Rasa reads a conversation with `retrieve` when a message comes (MessageProcessor.get_tracker,
through get_or_create_tracker) and writes it back with `save` when the message has been
handled; those two are what change here. `retrieve_full_tracker` (every session: Rasa's
HTTP API, the exporter) reads the database as before. Rasa's HTTP API is not enabled by this
project (bot/ops/launcher.py never passes --enable-api); if it were, the endpoints that use
`get_tracker` (a conversation's story, predict, execute) would see the recent turns only.

Rasa's own path runs instead when the window would not be exact (recent.usable: a slot
that influences the conversation, a form), with an event broker (Rasa streams a turn's
events by comparing with the stored tracker), and with BOT_SPEEDUPS=off (`make bench`'s
comparison with stock Rasa).
"""

from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot import settings
from bot.rasa_ext import recent

# The Rasa source this subclass was written against (tests/test_patches.py): a message's
# tracker is read once, by get_tracker through get_or_create_tracker and `retrieve`
# (handle_message -> log_message -> fetch_tracker_and_update_session), and written once
# by `save`; recent.row writes the rows save writes; _retrieve reads the latest session.
PINS = {
    "rasa.core.processor:MessageProcessor.handle_message": "0c41d4780d2d4676",
    "rasa.core.processor:MessageProcessor.get_tracker": "a62e1aad7734c717",
    "rasa.core.processor:MessageProcessor.log_message": "f2f8ec66a291d83d",
    "rasa.core.processor:MessageProcessor.fetch_tracker_and_update_session": "400f21a2ea5d3426",
    "rasa.core.tracker_store:TrackerStore.get_or_create_tracker": "0b08ab42bd97ab21",
    "rasa.core.tracker_store:SQLTrackerStore.retrieve": "0d99846daced97d3",
    "rasa.core.tracker_store:SQLTrackerStore.save": "57165e46eab3de08",
    "rasa.core.tracker_store:SQLTrackerStore._retrieve": "c8adbf6f4b61ddd1",
}


class RecentSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.recent = recent.Recent()

    def windowed(self) -> bool:
        """True when messages are handled on the kept recent turns."""
        return (
            bool(settings.value("BOT_SPEEDUPS"))
            and self.event_broker is None
            and self.domain is not None
            and recent.usable(self.domain)
        )

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        if not sender_id or not self.windowed():
            return await super().retrieve(sender_id)
        return await recent.tracker_for(self, sender_id, super().retrieve)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if recent.handed(tracker) is None:
            return await super().save(tracker)
        recent.save(self, tracker)
