"""The tracker store's database, for our tools (make report, make forget, retention).

One place says where the conversations are: TRACKER_DB_URL when it is set (PostgreSQL in
`make cluster`), otherwise the SQLite file TRACKER_DB (default state/tracker.db) that
`make run` writes. Rasa's SQLTrackerStore keeps every event of every conversation as one
row of its `events` table (id, sender_id, type_name, timestamp, intent_name, action_name,
data: the event as JSON); the table is Rasa's own definition, so queries here work on
both databases.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import sqlalchemy as sa

from bot import settings


class TrackerDBError(RuntimeError):
    """The tracker database cannot be opened or read; the message names it."""


def store_url(env: Mapping[str, str] | None = None) -> str:
    """TRACKER_DB_URL, or the SQLite file TRACKER_DB (default state/tracker.db)."""
    url = settings.value("TRACKER_DB_URL", env)
    if url:
        if url.startswith("postgres://"):  # Heroku's spelling, which SQLAlchemy 1.4 no longer takes
            url = "postgresql://" + url[len("postgres://") :]
        return url
    return f"sqlite:///{settings.value('TRACKER_DB', env).absolute()}"


def shown(url: str) -> str:
    """The URL without its password, to name the database in messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


_TABLE: sa.Table | None = None


def reason(error: sa.exc.DBAPIError) -> str:
    """What the database said, in one line (the driver's first line, without SQLAlchemy's
    statement and link)."""
    return str(error.orig).strip().splitlines()[0]


def events_table() -> sa.Table:
    """The events table as Rasa's SQLTrackerStore defines it (columns, sequence, sender_id
    index), written out here so that the launcher's retention sweeps need not import Rasa
    (76 MB and a second). tests/test_data_control.py fails if Rasa's definition changes."""
    global _TABLE
    if _TABLE is None:
        _TABLE = sa.Table(
            "events",
            sa.MetaData(),
            sa.Column("id", sa.Integer, sa.Sequence("events_seq", optional=True), primary_key=True),
            sa.Column("sender_id", sa.String(255), nullable=False, index=True),
            sa.Column("type_name", sa.String(255), nullable=False),
            sa.Column("timestamp", sa.Float),
            sa.Column("intent_name", sa.String(255)),
            sa.Column("action_name", sa.String(255)),
            sa.Column("data", sa.Text),
        )
    return _TABLE


def engine_options(url: str) -> dict:
    """What Rasa's SQLTrackerStore gives create_engine for `url` that matters to a tool:
    PostgreSQL's schema (POSTGRESQL_SCHEMA) as the search path."""
    schema = settings.value("POSTGRESQL_SCHEMA")
    if schema and sa.engine.make_url(url).get_backend_name() == "postgresql":
        return {"connect_args": {"options": f"-csearch_path={schema}"}}
    return {}


def open_store(url: str | None = None, must_exist: bool = True) -> sa.engine.Engine:
    """An engine on the tracker database at `url` (default: store_url()). With
    `must_exist`, a SQLite file that is missing or has no events table is an error naming
    it, rather than an empty database made on the spot."""
    url = url or store_url()
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        raise TrackerDBError(f"not a database URL: {url!r} ({error})") from None
    if must_exist and parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not path.is_file():
            raise TrackerDBError(f"no tracker database at {path} (the bot has not stored a conversation yet?)")
    try:
        engine = sa.create_engine(url, **engine_options(url))
        with engine.connect() as connection:
            if must_exist and not sa.inspect(connection).has_table(events_table().name):
                raise TrackerDBError(f"{shown(url)} has no events table: not a Rasa tracker database")
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as error:
        raise TrackerDBError(f"not a database URL: {shown(url)} ({error})") from None
    except sa.exc.DBAPIError as error:
        raise TrackerDBError(f"{shown(url)}: {reason(error)}") from None
    return engine


def hash_key(env: Mapping[str, str] | None = None) -> bytes:
    """The key sender ids are hashed with (bot.storage.keys: SENDER_HASH_KEY or
    state/sender-hash.key), so that the same sender gets the same hash in every report and
    `make forget` takes that hash."""
    from bot.storage.keys import key

    return key("SENDER_HASH_KEY", env)


def sender_hash(sender_id: str, key: bytes) -> str:
    """How a sender id appears in reports: 12 hex digits of its HMAC-SHA256 (a plain hash
    of a short id such as Slack's could be reversed by trying every id)."""
    import hashlib
    import hmac

    return hmac.new(key, str(sender_id).encode(), hashlib.sha256).hexdigest()[:12]


def forget(engine: sa.engine.Engine, sender_id: str) -> int:
    """Delete every event of the conversation `sender_id`, in one transaction; the number
    of rows deleted (0 when there was none)."""
    table = events_table()
    with engine.begin() as connection:
        return connection.execute(table.delete().where(table.c.sender_id == sender_id)).rowcount


EXPIRE_BATCH = 5000  # rows, at most, deleted per transaction by `expire` (one conversation may hold more)
EXPIRE_CONVERSATIONS = 500  # conversations, at most, per transaction
# Seconds between two of its transactions: SQLite lets a waiting writer retry only after
# sleeps of up to 100 ms, so back-to-back transactions could keep the bot waiting for long.
EXPIRE_PAUSE = 0.05


def expire(
    engine: sa.engine.Engine, days: float, now: float | None = None, batch: int = EXPIRE_BATCH
) -> tuple[int, int]:
    """Delete the conversations whose last event is more than `days` days before `now`
    (default: the time now); (conversations, rows) deleted.

    The idle conversations are listed first (one read: it blocks no writer, neither in
    PostgreSQL nor in SQLite's write-ahead log), then deleted a few at a time, about
    `batch` rows per transaction, so a large table is never locked for long and the bot
    keeps writing in between. Each delete checks the idleness again, in the same
    statement: a conversation that got a message since it was listed is kept whole. The
    same statements run on SQLite and PostgreSQL (Rasa's table, SQLAlchemy Core)."""
    table = events_table()
    cutoff = (time.time() if now is None else now) - days * 86400
    idle = sa.func.max(table.c.timestamp) < cutoff
    with engine.connect() as connection:
        listed = connection.execute(
            sa.select(table.c.sender_id, sa.func.count()).group_by(table.c.sender_id).having(idle)
        ).all()
    conversations = rows = 0
    for number, chunk in enumerate(_chunks(listed, batch)):
        if number:
            time.sleep(EXPIRE_PAUSE)
        still_idle = (
            sa.select(table.c.sender_id).where(table.c.sender_id.in_(chunk)).group_by(table.c.sender_id).having(idle)
        )
        left = sa.select(sa.func.count(sa.distinct(table.c.sender_id))).where(table.c.sender_id.in_(chunk))
        with engine.begin() as connection:
            rows += connection.execute(table.delete().where(table.c.sender_id.in_(still_idle))).rowcount
            conversations += len(chunk) - connection.execute(left).scalar()
    return conversations, rows


def _chunks(listed, batch: int) -> Iterator[list[str]]:
    """The sender ids of (sender_id, rows) pairs, in groups of about `batch` rows and at
    most EXPIRE_CONVERSATIONS conversations."""
    chunk: list[str] = []
    size = 0
    for sender_id, count in listed:
        if chunk and (size + count > batch or len(chunk) == EXPIRE_CONVERSATIONS):
            yield chunk
            chunk, size = [], 0
        chunk.append(sender_id)
        size += count
    if chunk:
        yield chunk
