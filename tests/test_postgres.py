"""PostgreSQL as a child service (bot/ops/services.py Postgres) and the copy of the SQLite
conversations into it (bot/storage/migrate_tracker.py), on a real PostgreSQL on a free
loopback port."""

import asyncio
import os
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import PROJECT_ROOT
from bot.ops import services
from bot.ops.launcher import free_port, write_ahead
from bot.ops.services import MissingProgram, Postgres, open_folder
from bot.storage import migrate_tracker

pytestmark = pytest.mark.servers

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def folder():
    """A folder the postgres user can enter when we are root (pytest's tmp_path is 0700)."""
    path = open_folder("pg-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def started(data_dir: Path, port: int) -> Postgres:
    try:
        return Postgres(data_dir, port, log=data_dir.parent / f"{data_dir.name}.log").start()
    except MissingProgram as missing:
        pytest.fail(f"these tests need PostgreSQL: {missing}")


@dataclass
class Database:
    """A database of its own for one test on the run's PostgreSQL (tests/conftest.py)."""

    url: str
    port: int
    password: str

    @property
    def name(self) -> str:
        return self.url.rsplit("/", 1)[1]


@pytest.fixture
def postgres(postgres_server, postgres_url) -> Database:
    return Database(postgres_url, postgres_server.port, postgres_server.password)


def processes_of(pid: int) -> list:
    """The postmaster's pid and its children's (checkpointer, writers, sessions ...)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_missing_binaries_name_the_debian_package(folder, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(services, "POSTGRES_DIRS", ["/nonexistent"])
    with pytest.raises(MissingProgram, match=r"apt-get install postgresql\b"):
        Postgres(folder / "never", free_port()).start()


def test_starts_fresh_restarts_keeping_its_data_and_stops_whole(folder):
    data_dir, port = folder / "restart", free_port()
    server = started(data_dir, port)
    assert (data_dir / "PG_VERSION").exists()
    assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
    if os.geteuid() == 0:
        assert data_dir.stat().st_uid == server.popen_kwargs()["user"]
    url = server.url
    assert url.startswith("postgresql://careerbot:") and url.endswith(f"@127.0.0.1:{port}/careerbot")
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')")
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(url.replace(server.password, "wrong"))
    pids = processes_of(server.process.pid)
    assert len(pids) > 3
    open_session = psycopg2.connect(url)  # a fast shutdown does not wait for it
    server.stop()
    assert server.process.returncode == 0 and not [pid for pid in pids if alive(pid)]

    again = started(data_dir, port)
    try:
        assert again.url == url
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT note FROM kept")
            assert cursor.fetchall() == [("still here",)]
    finally:
        pids = processes_of(again.process.pid)
        again.stop()
        open_session.close()
    assert not [pid for pid in pids if alive(pid)]


def test_dies_with_its_parent_even_when_that_is_killed(folder):
    """PR_SET_PDEATHSIG survives the change to the postgres user (when root): the kernel
    clears it on a change of credentials, and Python sets it after that change."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from bot.ops.services import Postgres; "
            "server = Postgres(Path(sys.argv[1]), int(sys.argv[2])).start(); "
            "print(server.process.pid, flush=True); sys.stdin.read()",
            str(folder / "orphan"),
            str(free_port()),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        server = int(parent.stdout.readline())
        # (a short-lived child, such as an autovacuum worker, may be gone between the listing
        # and the check: failed once in a loaded fresh clone; the long-lived ones must die below)
        pids = [pid for pid in processes_of(server) if alive(pid)]
        assert len(pids) > 3 and server in pids
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if alive(pid)]


@pytest.mark.skipif(os.geteuid() != 0, reason="only as root does PostgreSQL run as another user")
def test_a_data_dir_the_postgres_user_cannot_reach_is_refused_clearly(tmp_path):
    data_dir = tmp_path / "closed" / "data"
    data_dir.parent.mkdir(mode=0o700)
    with pytest.raises(RuntimeError, match=f"postgres user .* cannot enter {data_dir.parent}"):
        Postgres(data_dir, free_port()).start()


def conversation(sender: str, round_: int) -> list:
    session = SessionStarted()  # made by the action, logged after it as in Rasa (same timestamp)
    start = [ActionExecuted("action_session_start", timestamp=session.timestamp), session] if round_ == 0 else []
    return [
        *start,
        ActionExecuted("action_listen"),
        UserUttered(
            f"{sender} asks {round_}",
            {"name": "ask_pay", "confidence": 0.93},
            [{"entity": "pay_statistic", "value": "median", "start": 0, "end": 6}],
        ),
        ActionExecuted("action_respond"),
        SlotSet("last_topic", f"pay {round_}"),
        BotUttered(f"answer {round_} for {sender}", {"buttons": [{"title": "More", "payload": "/more"}]}),
        ActionExecuted("action_listen"),
    ]


SENDERS = ["rest:ana", "web:0f3c", "slack:U123"]


@pytest.fixture(scope="module")
def sqlite_db(folder):
    """A SQLite tracker database written by Rasa's SQLTrackerStore (WAL mode, as the
    launcher sets it): three conversations saved in turns, so their ids interleave.
    Returns the path and each conversation's events as dicts."""
    path = folder / "tracker.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))
    write_ahead(path)
    trackers = {sender: DialogueStateTracker(sender, DOMAIN.slots) for sender in SENDERS}
    for round_ in range(2):
        for sender, tracker in trackers.items():
            tracker.update_with_events(conversation(sender, round_), DOMAIN, override_timestamp=False)
            asyncio.run(store.save(tracker))
    store.engine.dispose()
    return path, {sender: [event.as_dict() for event in tracker.events] for sender, tracker in trackers.items()}


def rasa_store_on(server: Database) -> SQLTrackerStore:
    return SQLTrackerStore(
        DOMAIN,
        dialect="postgresql",
        host="127.0.0.1",
        port=server.port,
        db=server.name,
        username="careerbot",
        password=server.password,
    )


def rows(url: str, query: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(query))]
    finally:
        engine.dispose()


def test_migration_copies_every_conversation_in_order_once(postgres, sqlite_db, capsys):
    path, events = sqlite_db
    source_url = f"sqlite:///{path}"
    in_order = "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
    source_rows = rows(source_url, in_order)
    assert len(source_rows) == sum(map(len, events.values())) == 3 * (2 + 6 + 6)

    assert migrate_tracker.main([str(path), postgres.url, "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "3 conversations, 42 events would be copied (dry run, nothing written); 0 skipped (already in the target)\n"
    )
    assert rows(postgres.url, "SELECT to_regclass('events')") == [(None,)]

    assert migrate_tracker.main([str(path), postgres.url]) == 0
    assert capsys.readouterr().out == "3 conversations, 42 events copied; 0 skipped (already in the target)\n"
    assert rows(postgres.url, in_order) == source_rows

    store = rasa_store_on(postgres)
    try:
        for sender in SENDERS:
            tracker = asyncio.run(store.retrieve_full_tracker(sender))
            assert [event.as_dict() for event in tracker.events] == events[sender]
        # Rasa's next write to a copied conversation follows its copied events.
        tracker = asyncio.run(store.retrieve_full_tracker(SENDERS[0]))
        tracker.update(UserUttered("one more", {"name": "ask_pay", "confidence": 0.9}))
        asyncio.run(store.save(tracker))
        again = asyncio.run(store.retrieve_full_tracker(SENDERS[0]))
        assert [event.as_dict() for event in again.events] == events[SENDERS[0]] + [tracker.events[-1].as_dict()]
    finally:
        store.engine.dispose()

    assert migrate_tracker.main([str(path), postgres.url]) == 0
    assert capsys.readouterr().out == (
        f"0 conversations, 0 events copied; 3 skipped (already in the target): {', '.join(sorted(SENDERS))}\n"
    )
    assert len(rows(postgres.url, in_order)) == 42 + 1


def test_a_missing_or_unreadable_sqlite_file_is_named(folder, postgres, capsys):
    missing = folder / "nowhere" / "tracker.db"
    assert migrate_tracker.main([str(missing), postgres.url]) == 1
    assert capsys.readouterr().err == f"migrate_tracker: no SQLite tracker database at {missing}\n"

    garbage = folder / "garbage.db"
    garbage.write_bytes(b"not a database at all, " * 100)
    assert migrate_tracker.main([str(garbage), postgres.url]) == 1
    assert capsys.readouterr().err == (
        f"migrate_tracker: cannot read {garbage} as a SQLite database: file is not a database\n"
    )

    other = folder / "other.db"
    with sa.create_engine(f"sqlite:///{other}").begin() as connection:
        connection.execute(sa.text("CREATE TABLE notes (text TEXT)"))
    assert migrate_tracker.main([str(other), postgres.url]) == 1
    assert capsys.readouterr().err == f"migrate_tracker: {other} has no events table: not a Rasa tracker database\n"


def test_a_missing_target_or_a_refusing_one_is_said(sqlite_db, postgres, monkeypatch, capsys):
    path, _ = sqlite_db
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    with pytest.raises(SystemExit) as exit_:
        migrate_tracker.main([str(path)])
    assert exit_.value.code == 2
    assert "no target database: pass POSTGRES_URL or set TRACKER_DB_URL" in capsys.readouterr().err

    wrong = postgres.url.replace(postgres.password, "wrong")
    assert migrate_tracker.main([str(path), wrong]) == 1
    error = capsys.readouterr().err
    assert (
        error.startswith("migrate_tracker: postgresql://careerbot:***@127.0.0.1:")
        and 'password authentication failed for user "careerbot"' in error
        and "wrong" not in error
    )
