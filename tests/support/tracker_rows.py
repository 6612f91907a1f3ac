"""What a test's SQLite tracker store holds for one conversation, as Rasa stored it."""

import json
import sqlite3
from pathlib import Path
from typing import Any


def stored_events(tracker_db: Path, sender_id: str, event: str) -> list[dict[str, Any]]:
    """The conversation's events of one type ("user", "bot", "slot", ...), in order; none
    if the database or its table is not there yet."""
    if not Path(tracker_db).exists():
        return []
    with sqlite3.connect(tracker_db) as db:
        if not db.execute("SELECT name FROM sqlite_master WHERE name = 'events'").fetchall():
            return []
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = ? ORDER BY id", (sender_id, event)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def feedback_of(tracker_db: Path, sender_id: str) -> list[dict[str, Any]]:
    """The ratings and comments stored for a conversation (the slot `feedback`)."""
    return [e["value"] for e in stored_events(tracker_db, sender_id, "slot") if e.get("name") == "feedback"]
