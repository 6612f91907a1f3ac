"""Copy the conversations of the SQLite tracker database into PostgreSQL (issue 12).

    python -m bot.storage.migrate_tracker [SQLITE_PATH] [POSTGRES_URL] [--dry-run]
    make migrate-tracker

SQLITE_PATH defaults to TRACKER_DB (state/tracker.db), POSTGRES_URL to TRACKER_DB_URL.
Every row of Rasa's `events` table is copied, in the order of its ids, into an `events`
table made as Rasa's SQLTrackerStore makes it (tracker_db.events_table), all in one
transaction; the target gives the rows new ids (its own sequence), so Rasa's later writes
follow on. A conversation (sender_id) the target already holds is skipped whole and named,
so a second run copies nothing twice. --dry-run does it all and rolls back.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

from bot import settings
from bot.storage.tracker_db import events_table, reason

BATCH = 1000  # rows read and inserted at a time


class MigrationError(RuntimeError):
    pass


@dataclass
class Summary:
    conversations: int = 0
    events: int = 0
    skipped: list[str] = field(default_factory=list)

    def line(self, dry_run: bool = False) -> str:
        copied = "would be copied (dry run, nothing written)" if dry_run else "copied"
        skipped = f"{len(self.skipped)} skipped (already in the target)"
        if self.skipped:
            named = ", ".join(self.skipped[:10]) + (", ..." if len(self.skipped) > 10 else "")
            skipped += f": {named}"
        return f"{self.conversations} conversations, {self.events} events {copied}; {skipped}"


def source_engine(sqlite_path: Path) -> sa.engine.Engine:
    """A read-only engine on the SQLite file, or MigrationError naming the file."""
    if not sqlite_path.is_file():
        raise MigrationError(f"no SQLite tracker database at {sqlite_path}")
    uri = f"file:{quote(str(sqlite_path.absolute()))}?mode=ro"
    try:  # sqlite3 opens an unreadable file lazily: read its table list now
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as error:
        raise MigrationError(f"cannot read {sqlite_path} as a SQLite database: {error}") from None
    if "events" not in tables:
        raise MigrationError(f"{sqlite_path} has no events table: not a Rasa tracker database")
    return sa.create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))


def target_engine(url: str) -> sa.engine.Engine:
    from rasa.core.tracker_store import create_engine_kwargs

    if url.startswith("postgres://"):  # Heroku's spelling, which SQLAlchemy 1.4 no longer takes
        url = "postgresql://" + url[len("postgres://") :]
    try:
        return sa.create_engine(url, **create_engine_kwargs(url))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as error:
        raise MigrationError(f"not a database URL: {error}") from None


def migrate(sqlite_path: Path, url: str, dry_run: bool = False) -> Summary:
    """Copy the events of `sqlite_path` into the database at `url` (see the module's text)."""
    table, summary = events_table(), Summary()
    source, target = source_engine(Path(sqlite_path)), target_engine(url)
    columns = [column for column in table.columns if column.name != "id"]
    try:
        with source.connect() as reading, target.connect() as writing:
            transaction = writing.begin()
            table.metadata.create_all(writing, tables=[table])
            if writing.dialect.name == "postgresql":  # no conversation can arrive while we look
                writing.execute(sa.text(f"LOCK TABLE {table.name} IN SHARE ROW EXCLUSIVE MODE"))
            present = set(writing.execute(sa.select(table.c.sender_id).distinct()).scalars())
            copied, skipped = set(), set()
            rows = reading.execute(sa.select(*columns).order_by(table.c.id))
            while batch := rows.fetchmany(BATCH):
                wanted = []
                for row in batch:
                    if row.sender_id in present:
                        skipped.add(row.sender_id)
                    else:
                        copied.add(row.sender_id)
                        wanted.append(dict(row._mapping))
                if wanted:
                    writing.execute(table.insert(), wanted)
                    summary.events += len(wanted)
            summary.conversations, summary.skipped = len(copied), sorted(skipped)
            (transaction.rollback if dry_run else transaction.commit)()
    except sa.exc.DBAPIError as error:
        raise MigrationError(f"{target.url!r}: {reason(error)}") from None
    finally:
        source.dispose()
        target.dispose()
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.storage.migrate_tracker", description=__doc__.split("\n")[0])
    parser.add_argument(
        "sqlite_path",
        nargs="?",
        type=Path,
        default=settings.value("TRACKER_DB"),
        help="the SQLite tracker database (default: TRACKER_DB or state/tracker.db)",
    )
    parser.add_argument(
        "url",
        nargs="?",
        default=settings.value("TRACKER_DB_URL"),
        help="the PostgreSQL database, postgresql://user:password@host:port/db (default: TRACKER_DB_URL)",
    )
    parser.add_argument("--dry-run", action="store_true", help="copy, count, then roll back")
    args = parser.parse_args(argv)
    sa.util.deprecations.SILENCE_UBER_WARNING = True  # as SQLALCHEMY_SILENCE_UBER_WARNING=1 (make's) does
    if not args.url:
        parser.error("no target database: pass POSTGRES_URL or set TRACKER_DB_URL")
    try:
        summary = migrate(args.sqlite_path, args.url, dry_run=args.dry_run)
    except MigrationError as error:
        print(f"migrate_tracker: {error}", file=sys.stderr)
        return 1
    print(summary.line(dry_run=args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
