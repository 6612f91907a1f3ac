"""Delete one conversation from the tracker store (issue 13).

    python -m bot.storage.forget SENDER
    make forget SENDER=<id>

SENDER is a conversation's id as stored (`rest:<sender>`, `web:<session>`,
`slack:<user>`), or the 12 hex digits `make report` shows for it (tracker_db.sender_hash
with tracker_db.hash_key()); a stored id of that spelling wins over a hash. Every event
of the conversation is deleted in one transaction, from TRACKER_DB_URL when it is set,
else from the SQLite file TRACKER_DB (default state/tracker.db). It prints what it did
and exits 0; when no conversation matches, or the database cannot be read, it says so
and exits 1, deleting nothing.
"""

from __future__ import annotations

import argparse
import re
import sys

import sqlalchemy as sa

from bot.storage import tracker_db

HASH = re.compile(r"[0-9a-f]{12}")


def matching(engine: sa.engine.Engine, given: str, key: bytes) -> list[str]:
    """The stored sender ids `given` names: itself if stored, else those whose hash (with
    `key`) it is."""
    table = tracker_db.events_table()
    with engine.connect() as connection:
        if connection.execute(sa.select(table.c.id).where(table.c.sender_id == given).limit(1)).first():
            return [given]
        if not HASH.fullmatch(given.lower()):
            return []
        senders = connection.execute(sa.select(table.c.sender_id).distinct()).scalars()
        return [sender for sender in senders if tracker_db.sender_hash(sender, key) == given.lower()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.storage.forget", description=__doc__.split("\n")[0])
    parser.add_argument("sender", help="the conversation's id as stored, or the 12-hex hash make report shows")
    args = parser.parse_args(argv)
    sa.util.deprecations.SILENCE_UBER_WARNING = True  # as SQLALCHEMY_SILENCE_UBER_WARNING=1 (make's) does
    url = tracker_db.store_url()
    try:
        engine = tracker_db.open_store(url)
        try:
            key = tracker_db.hash_key()
            found = matching(engine, args.sender, key)
            if len(found) > 1:  # two ids with one 48-bit hash: practically never
                print(
                    f"{len(found)} conversations have the hash {args.sender} in {tracker_db.shown(url)}: "
                    f"give the conversation's id instead; nothing deleted",
                    file=sys.stderr,
                )
                return 1
            if not found:
                print(f"No conversation {args.sender} in {tracker_db.shown(url)}", file=sys.stderr)
                return 1
            deleted = tracker_db.forget(engine, found[0])
        finally:
            engine.dispose()
    except (tracker_db.TrackerDBError, sa.exc.DBAPIError) as error:
        if isinstance(error, sa.exc.DBAPIError):
            error = f"{tracker_db.shown(url)}: {tracker_db.reason(error)}"
        print(f"forget: {error}", file=sys.stderr)
        return 1
    print(f"Deleted conversation {tracker_db.sender_hash(found[0], key)}: {deleted} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
