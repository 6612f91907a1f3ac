"""The recent part of a conversation: what Rasa works on for each message (the tracker
store of bot/rasa_ext/tracker_store.py, named in endpoints.yml).

Rasa 3.6 reads the whole current session back from the tracker store for every message,
replays every event into a new tracker, copies that tracker for every action it runs, and
has each policy rebuild the dialogue state before every action of the session: every turn
costs more than the one before (docs/performance.md). Here the SQL tracker store keeps, for
each conversation, its last KEPT_TURNS user turns and the state before them (slot values,
paused or not) in memory. A message is handled on a tracker built from those: the state
as SlotSet (and ConversationPaused) events, then the kept turns. Only the events the turn
adds are written (in one transaction, with Core instead of the ORM), so the database
still holds the whole conversation, and everything else
that reads it (Rasa's HTTP API, the server after a restart) reads it as before.

What is kept is tagged with what the database held for the conversation when it was kept
(its latest row id). If anything else has written to the conversation
since (another server, a tool, Rasa's HTTP API), the tag no longer matches and the
conversation is read from the database again, as Rasa does.

Why the answers are the same: nothing the bot's dialogue reads reaches further back.
- No policy sees a slot: the window is used only when no slot influences the
  conversation and the domain has no form (`usable`), and when no event broker is set
  (Rasa streams a turn's events by comparing the tracker with the stored one); otherwise
  Rasa's own path runs.
- The rules are [intent, action_respond] and MemoizationPolicy looks back max_history (5)
  actions; KEPT_TURNS user turns hold twelve actions, so no rule sees the window's start
  as the conversation's start.
- The action reads the slots and the latest message (actions/actions.py).
The one thing Rasa allows that would differ: an action reverting events from more than
KEPT_TURNS user turns ago. No action of this bot reverts anything.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ConversationPaused, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

KEPT_TURNS = 6
KEPT_CONVERSATIONS = 500  # the least recently active are dropped first (about 50 events each)
HANDED = "_bot_recent"  # the attribute of a tracker built here that holds its Handed

Marker = int | None


@dataclass
class Kept:
    """One conversation's recent turns and the state before them."""

    marker: Marker
    slots: dict[str, Any] = field(default_factory=dict)  # values that differ from the initial one
    paused: bool = False
    events: list[Event] = field(default_factory=list)


@dataclass
class Handed:
    """What a tracker built here was built from."""

    marker: Marker
    base: Kept  # the state its first `prefix` events stand for
    prefix: int
    stored: int  # how many of its events are in the database


def usable(domain) -> bool:
    """True when no policy can see anything outside the window: no featurised slot, no form."""
    return not domain.form_names and not any(slot.influence_conversation for slot in domain.slots)


def cut(events: Sequence[Event], turns: int = KEPT_TURNS) -> int:
    """Where the last `turns` user turns begin (the action_listen before the oldest of
    them), or 0 when there are not that many."""
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == turns:
                before = events[index - 1] if index else None
                listens = isinstance(before, ActionExecuted) and before.action_name == ACTION_LISTEN_NAME
                return index - 1 if listens else index
    return 0


def _state(tracker: DialogueStateTracker) -> tuple[dict[str, Any], bool]:
    slots = {name: slot.value for name, slot in tracker.slots.items() if slot.value != slot.initial_value}
    return slots, tracker.is_paused()


def build(sender_id: str, slots, kept: Kept) -> tuple[DialogueStateTracker, int]:
    """A tracker holding the kept state (as events) and then the kept turns; the number of
    events of the state."""
    tracker = DialogueStateTracker(sender_id, slots)
    stamp = kept.events[0].timestamp if kept.events else time.time()
    prefix: list[Event] = [SlotSet(name, value, timestamp=stamp) for name, value in kept.slots.items()]
    if kept.paused:
        prefix.append(ConversationPaused(timestamp=stamp))
    for event in prefix + kept.events:
        tracker.update(event)
    return tracker, len(prefix)


def keep(tracker: DialogueStateTracker, marker: Marker, before: Kept, skip: int = 0) -> Kept:
    """What to keep of `tracker`, whose first `skip` events hold the state `before` stands
    for: its last KEPT_TURNS user turns, and the state before them."""
    events = list(tracker.events)[skip:]
    start = cut(events)
    if not start:
        return Kept(marker, before.slots, before.paused, events)
    older, _ = build(tracker.sender_id, tracker.slots.values(), Kept(marker, before.slots, before.paused, []))
    for event in events[:start]:
        older.update(event)
    slots, paused = _state(older)
    return Kept(marker, slots, paused, events[start:])


class Recent:
    """A tracker store's kept conversations, least recently active dropped first."""

    def __init__(self, size: int = KEPT_CONVERSATIONS) -> None:
        self.size = size
        self.kept: OrderedDict[str, Kept] = OrderedDict()

    def get(self, sender_id: str, marker: Marker) -> Kept | None:
        kept = self.kept.get(sender_id)
        if kept is None or kept.marker != marker:
            return None
        self.kept.move_to_end(sender_id)
        return kept

    def put(self, sender_id: str, kept: Kept) -> None:
        self.kept[sender_id] = kept
        self.kept.move_to_end(sender_id)
        while len(self.kept) > self.size:
            self.kept.popitem(last=False)

    def forget(self, sender_id: str) -> None:
        self.kept.pop(sender_id, None)


# --- the SQL tracker store's side (bot/rasa_ext/tracker_store.py: `store` is one) ---


def _statements(store):
    """The latest row id of a conversation, and an insert of rows: Core statements built
    once per store (a third of the ORM query's time, and one statement for all the rows of
    a turn instead of the ORM's unit of work)."""
    found = getattr(store, "_bot_statements", None)
    if found is None:
        import sqlalchemy as sa

        table = store.SQLEvent.__table__
        latest = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sa.bindparam("sender_id"))
        found = store._bot_statements = (latest, table.insert())
    return found


def marker(store, sender_id: str, connection=None) -> Marker:
    """What the database holds for the conversation: its latest row id (one look-up in
    the index on sender_id, however long the conversation). Ids only grow; a conversation
    deleted by `make forget` or retention (bot/storage/tracker_db.py) has none, so what was
    kept of it no longer matches and it starts afresh."""
    if connection is None:
        with store.engine.connect() as connection:
            return marker(store, sender_id, connection)
    return connection.execute(_statements(store)[0], {"sender_id": sender_id}).scalar()


def row(sender_id: str, event: Event) -> dict[str, Any]:
    """The row Rasa's SQLTrackerStore.save writes for an event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


async def tracker_for(store, sender_id: str, read_session) -> DialogueStateTracker | None:
    """The tracker to handle a message on: built from what is kept, or, when nothing is
    kept or something else wrote since, from the session Rasa reads from the database
    (`read_session`, the stock retrieve). None for a conversation the database does not
    hold, as Rasa's retrieve (Rasa then creates it)."""
    now = marker(store, sender_id)
    kept = store.recent.get(sender_id, now)
    if kept is None:
        full = await read_session(sender_id) if now is not None else None
        if full is None:
            return None
        kept = keep(full, now, Kept(now))
        store.recent.put(sender_id, kept)
    tracker, prefix = build(sender_id, store.domain.slots, kept)
    setattr(tracker, HANDED, Handed(now, kept, prefix, len(tracker.events)))
    return tracker


def handed(tracker) -> Handed | None:
    return getattr(tracker, HANDED, None)


def save(store, tracker) -> None:
    """Write the events of a tracker built here that are not in the database yet, in one
    transaction, and keep its new recent turns, tagged with what the database holds then.
    If something else wrote to the conversation since the tracker was built, its events
    are still written (as Rasa would), and nothing is kept: the conversation is read from
    the database next time."""
    given = handed(tracker)
    sender_id = tracker.sender_id
    events = list(tracker.events)
    with store.engine.begin() as connection:
        current = marker(store, sender_id, connection) == given.marker
        new = events[given.stored :]
        if new:
            connection.execute(_statements(store)[1], [row(sender_id, event) for event in new])
        now = marker(store, sender_id, connection)
    if not current:
        store.recent.forget(sender_id)
        return
    store.recent.put(sender_id, keep(tracker, now, given.base, skip=given.prefix))
    given.marker, given.stored = now, len(events)
