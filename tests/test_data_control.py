"""Data control (issue 13): `make forget` deletes exactly one conversation, named by its id
or by the hash reports show; TRACKER_RETENTION_DAYS deletes the conversations idle longer
than that at start-up and then on schedule. On a real `make run` launcher (SQLite) driven
over REST, and on a real PostgreSQL through the same code (bot/storage/tracker_db.py)."""

import asyncio
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from bot import PROJECT_ROOT
from bot.ops.launcher import free_port, pid_file_for, post_rest, stop_leftovers
from bot.storage import tracker_db
from bot.storage.retention import Retention, days_from
from tests.conftest import ANSWERS
from tests.support.launcher_run import MAKE_ONLY, Launcher, launcher_env, lines_of, read_until
from tests.test_postgres import DOMAIN, conversation

KEY = "data-control-test-key"
DAY = 86400.0
MESSAGES = ANSWERS.kb.messages


def rasa_store(url: str) -> SQLTrackerStore:
    """Rasa's own SQL tracker store on `url` (it makes the events table if missing)."""
    parts = sa.engine.make_url(url)
    if parts.get_backend_name() == "sqlite":
        return SQLTrackerStore(DOMAIN, dialect="sqlite", db=parts.database)
    return SQLTrackerStore(
        DOMAIN,
        dialect="postgresql",
        host=parts.host,
        port=parts.port,
        db=parts.database,
        username=parts.username,
        password=parts.password,
    )


def write(url: str, conversations: dict, now: float) -> None:
    """Save each conversation {sender: [age in days of each turn, oldest first]} through
    Rasa's store, its events stamped that long before `now`."""
    store = rasa_store(url)
    try:
        for sender, ages in conversations.items():
            tracker = DialogueStateTracker(sender, DOMAIN.slots)
            for round_, age in enumerate(ages):
                events = conversation(sender, round_)
                for offset, event in enumerate(events):
                    event.timestamp = now - age * DAY + offset
                tracker.update_with_events(events, DOMAIN, override_timestamp=False)
            asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()


def stored(url: str) -> dict:
    """Every row of the events table, by sender id."""
    engine = sa.create_engine(url)
    table = tracker_db.events_table()
    try:
        with engine.connect() as connection:
            by_sender = {}
            for row in connection.execute(sa.select(table).order_by(table.c.id)):
                by_sender.setdefault(row.sender_id, []).append(tuple(row))
            return by_sender
    finally:
        engine.dispose()


def without(rows: dict, *senders: str) -> dict:
    return {sender: kept for sender, kept in rows.items() if sender not in senders}


def forget_tool(env: dict, sender: str, make: bool = False) -> subprocess.CompletedProcess:
    """`make forget SENDER=...` (the target as users run it) or `python -m bot.storage.forget`."""
    args = MAKE_ONLY + ["forget", f"SENDER={sender}"] if make else [sys.executable, "-m", "bot.storage.forget", sender]
    return subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)


def said(done: subprocess.CompletedProcess) -> str:
    """The tool's own last line (make first echoes the command it runs)."""
    return (done.stdout + done.stderr).strip().splitlines()[-1]


def hashed(sender: str) -> str:
    return tracker_db.sender_hash(sender, KEY.encode())


# -- a `make run` launcher with TRACKER_RETENTION_DAYS=30 on a store holding old conversations

BEFORE_START = {  # sender: age in days of each turn
    "rest:idle-40": [45, 40],
    "web:idle-31": [31],
    "slack:U0RECENT": [29],
    "rest:old-start-recent-end": [100, 60, 1],  # idle from its last event, not its first
}
IDLE = ["rest:idle-40", "web:idle-31"]


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data-control")


@pytest.fixture(scope="module")
def bot(home, cluster):
    """The launcher, started on a store written before it (its first sweep's line read).
    (`make cluster`'s test's cluster starts at the same time.)"""
    url = f"sqlite:///{home / 'tracker.db'}"
    write(url, BEFORE_START, time.time())
    before = stored(url)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TRACKER_RETENTION_DAYS", "30")
        env.setenv("SENDER_HASH_KEY", KEY)
        env.delenv("TRACKER_DB_URL", raising=False)
        launcher = Launcher(home)
    with launcher:
        launcher.read_until("Retention:")
        launcher.url_db, launcher.before = url, before
        yield launcher


@pytest.fixture(scope="module")
def cluster(postgres_server, redis_server, tmp_path_factory):
    """`python -m bot.ops.cluster run` (one Rasa and one action server) with
    TRACKER_RETENTION_DAYS=30 on the module's PostgreSQL, holding a conversation idle over
    that and one not (`written`: their rows); stopped by its test, or at the end. Its
    test runs before those that empty the PostgreSQL."""
    url = emptied(postgres_server.url)
    write(url, {"rest:idle": [40], "web:active": [2]}, time.time())
    folder, port = tmp_path_factory.mktemp("cluster"), free_port()
    env = {
        **launcher_env(folder, BOT_PORT=port),
        "TRACKER_DB_URL": url,
        "REDIS_URL": redis_server.url,
        "RASA_SERVERS": "1",
        "ACTION_SERVERS": "1",
        "CLUSTER_DIR": str(folder / "cluster"),
        "TRACKER_RETENTION_DAYS": "30",
    }
    written = stored(url)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.ops.cluster", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = SweepingCluster(process, port, url, written)
    try:
        yield started
    finally:
        started.stop()


@dataclass
class SweepingCluster:
    process: subprocess.Popen
    port: int
    url: str  # its PostgreSQL
    written: dict  # the rows written before it started, by sender

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=90)
        stop_leftovers(pid_file_for(self.port))


@pytest.fixture
def tool_env(home) -> dict:
    """What `make forget` runs with: the launcher's store and the hash key."""
    return {**launcher_env(home), "SENDER_HASH_KEY": KEY}


@pytest.mark.servers
def test_conversations_idle_over_the_retention_are_deleted_at_start_up(bot):
    events = sum(len(bot.before[sender]) for sender in IDLE)
    assert f"Retention: deleted 2 conversations ({events} events) idle over 30 days\n" in bot.output
    now = stored(bot.url_db)
    for sender in set(BEFORE_START) - set(IDLE):
        assert now[sender] == bot.before[sender]
    assert not set(IDLE) & set(now)


def talk(bot, senders: list) -> None:
    for sender in senders:
        assert post_rest(bot.url, sender, "what do ML engineers earn?")
        assert post_rest(bot.url, sender, "where does that come from?")


@pytest.mark.servers
def test_make_forget_deletes_exactly_one_conversation_by_id_then_by_hash(bot, tool_env):
    names = [f"forget-{n}-{uuid.uuid4().hex[:8]}" for n in range(3)]
    talk(bot, names)
    before = stored(bot.url_db)
    first, second = (f"rest:{name}" for name in names[:2])  # how the REST channel stores them
    assert all(len(before[f"rest:{name}"]) > 8 for name in names)

    done = forget_tool(tool_env, first, make=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert said(done) == f"Deleted conversation {hashed(first)}: {len(before[first])} events"
    assert stored(bot.url_db) == without(before, first)

    done = forget_tool(tool_env, hashed(second), make=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert said(done) == f"Deleted conversation {hashed(second)}: {len(before[second])} events"
    assert stored(bot.url_db) == without(before, first, second)


@pytest.mark.servers
def test_an_exact_id_wins_over_a_hash_of_that_spelling(bot, tool_env):
    hashed_one = f"rest:{uuid.uuid4().hex}"
    spelled_like_it = hashed(hashed_one)  # a conversation whose id is another's hash
    write(bot.url_db, {hashed_one: [1], spelled_like_it: [1]}, time.time())
    before = stored(bot.url_db)
    done = forget_tool(tool_env, spelled_like_it)
    assert said(done) == f"Deleted conversation {hashed(spelled_like_it)}: {len(before[spelled_like_it])} events"
    assert stored(bot.url_db) == without(before, spelled_like_it)


@pytest.mark.servers
@pytest.mark.parametrize("unknown", ["rest:nobody", "0123456789ab", "rest"])
def test_an_unknown_sender_deletes_nothing_and_exits_1(bot, tool_env, unknown):
    talk(bot, [f"kept-{uuid.uuid4().hex[:8]}"])
    before = stored(bot.url_db)
    done = forget_tool(tool_env, unknown)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert said(done) == f"No conversation {unknown} in {bot.url_db}"
    assert stored(bot.url_db) == before


@pytest.mark.servers
def test_a_forgotten_conversation_starts_afresh_while_the_servers_run(bot, tool_env):
    sender = f"afresh-{uuid.uuid4().hex[:8]}"
    text = "\n".join(m.get("text", "") for m in post_rest(bot.url, sender, "what's the median pay for ML engineers?"))
    assert "$131,490" in text
    assert post_rest(bot.url, sender, "where does that come from?")[0]["text"].startswith(MESSAGES["sources_of_last"])
    assert forget_tool(tool_env, f"rest:{sender}").returncode == 0
    assert post_rest(bot.url, sender, "where does that come from?")[0]["text"] == MESSAGES["no_answer_yet"]
    stored_now = stored(bot.url_db)[f"rest:{sender}"]
    assert "median pay" not in "".join(row[-1] for row in stored_now)  # only the new turn is stored


@pytest.mark.servers
def test_make_cluster_sweeps_its_postgresql_once_up(cluster):
    output = []
    try:
        read_until(lines_of(cluster.process.stdout), "Retention:", 300, output)
    finally:
        cluster.stop()
    rows = len(cluster.written["rest:idle"])
    assert output[-1] == f"Retention: deleted 1 conversations ({rows} events) idle over 30 days\n"
    assert stored(cluster.url) == without(cluster.written, "rest:idle")


def test_a_missing_database_is_named_without_a_traceback(tmp_path):
    env = {**launcher_env(tmp_path / "nowhere"), "SENDER_HASH_KEY": KEY}
    done = forget_tool(env, "rest:someone")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr == (
        f"forget: no tracker database at {tmp_path / 'nowhere' / 'tracker.db'} "
        f"(the bot has not stored a conversation yet?)\n"
    )


# -- TRACKER_RETENTION_DAYS's value


@pytest.mark.parametrize("value, days", [(None, None), ("", None), (" ", None), ("30", 30.0), ("0.5", 0.5)])
def test_retention_is_off_unless_set_to_a_number_of_days(value, days):
    assert days_from({} if value is None else {"TRACKER_RETENTION_DAYS": value}) == days


@pytest.mark.servers
@pytest.mark.parametrize("value", ["thirty", "0", "-7", "nan", "inf", "30d"])
@pytest.mark.parametrize("module", ["bot.ops.launcher", "bot.ops.cluster"])
def test_a_bad_retention_value_stops_start_up_naming_it(tmp_path, module, value):
    env = {**launcher_env(tmp_path), "TRACKER_RETENTION_DAYS": value}
    done = subprocess.run(
        [sys.executable, "-m", module, "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"Cannot start: TRACKER_RETENTION_DAYS must be a positive number of days "
        f"(or unset to keep conversations), not {value!r}\n"
    )
    assert done.stdout == "Stopped.\n"


# -- the same code on SQLite and on PostgreSQL


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.servers)])
def store(request, tmp_path) -> str:
    """An empty tracker database's URL: a SQLite file, or the module's PostgreSQL emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return emptied(request.getfixturevalue("postgres_server").url)


def emptied(url: str) -> str:
    """`url` after dropping its events table (Rasa's store makes it again)."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        tracker_db.events_table().drop(connection, checkfirst=True)
    engine.dispose()
    return url


def test_expire_deletes_conversations_by_their_last_event(store):
    now = time.time()
    write(store, {"rest:a": [50, 40], "rest:b": [31], "web:c": [30.5, 29.9], "slack:d": [400, 2], "rest:e": [0]}, now)
    before = stored(store)
    engine = tracker_db.open_store(store)
    try:
        assert tracker_db.expire(engine, 30, now=now) == (2, len(before["rest:a"]) + len(before["rest:b"]))
        assert stored(store) == without(before, "rest:a", "rest:b")
        assert tracker_db.expire(engine, 30, now=now) == (0, 0)
        # later, in small batches (a transaction each): the same as in one
        left = stored(store)
        assert tracker_db.expire(engine, 1, now=now + DAY, batch=3) == (2, len(left["web:c"]) + len(left["slack:d"]))
        assert stored(store) == without(left, "web:c", "slack:d")
    finally:
        engine.dispose()


@pytest.mark.servers
def test_forget_by_id_and_by_hash(store, tmp_path):
    write(store, {"rest:a": [1], "web:b": [2, 1], "slack:c": [3]}, time.time())
    before = stored(store)
    env = {**launcher_env(tmp_path), "TRACKER_DB_URL": store, "SENDER_HASH_KEY": KEY}
    done = forget_tool(env, "web:b", make=True)
    assert said(done) == f"Deleted conversation {hashed('web:b')}: {len(before['web:b'])} events"
    done = forget_tool(env, hashed("slack:c"), make=True)
    assert said(done) == f"Deleted conversation {hashed('slack:c')}: {len(before['slack:c'])} events"
    assert stored(store) == without(before, "web:b", "slack:c")
    done = forget_tool(env, "web:b")
    assert done.returncode == 1 and said(done) == f"No conversation web:b in {tracker_db.shown(store)}"
    assert stored(store) == without(before, "web:b", "slack:c")


def test_the_sweeps_repeat_on_schedule(store):
    now = time.time()
    write(store, {"rest:old": [31], "rest:new": [1]}, now)
    before = stored(store)
    lines = []
    none = "Retention: deleted 0 conversations (0 events) idle over 30 days"
    retention = Retention(30, interval=0.5, log=lines.append).start(store)
    try:
        wait_for(lambda: lines)
        assert lines == [f"Retention: deleted 1 conversations ({len(before['rest:old'])} events) idle over 30 days"]
        write(store, {"web:went-idle": [40, 35]}, now)
        went_idle = len(stored(store)["web:went-idle"])
        wait_for(lambda: "web:went-idle" not in stored(store))
        # the sweep that deleted it logs after the rows are gone: wait for its line, then one more sweep
        wait_for(lambda: any(line != none for line in lines[1:]))
        count = len(lines)
        wait_for(lambda: len(lines) > count)
    finally:
        retention.stop()
    assert [line for line in lines[1:] if line != none] == [
        f"Retention: deleted 1 conversations ({went_idle} events) idle over 30 days"
    ]
    assert lines[-1] == none
    assert stored(store) == without(before, "rest:old")
    assert not retention._thread.is_alive()
    count = len(lines)
    time.sleep(1.2)
    assert len(lines) == count  # stopped: no more sweeps


@pytest.mark.servers
def test_a_sweep_that_cannot_reach_the_database_says_so_and_the_next_one_runs(postgres_server):
    wrong = postgres_server.url.replace(postgres_server.password, "wrong")
    lines = []
    retention = Retention(30, interval=0.3, log=lines.append).start(wrong)
    try:
        wait_for(lambda: len(lines) >= 2)
    finally:
        retention.stop()
    for line in lines:
        assert line.startswith(f"Retention: could not sweep {tracker_db.shown(wrong)}: ")
        assert 'password authentication failed for user "careerbot"' in line and "wrong" not in line
        assert line.endswith("; next try in 0.3 s")


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_events_table_is_rasas_own_definition():
    """tracker_db writes Rasa's table out so that the launcher need not import Rasa: it must
    stay what the pinned Rasa's SQLTrackerStore creates and reads."""
    ours, rasas = tracker_db.events_table(), SQLTrackerStore.SQLEvent.__table__

    def shape(table):
        return (
            [(c.name, repr(c.type), c.nullable, c.primary_key, c.index) for c in table.columns],
            [(s.name, s.optional) for s in (c.default for c in table.columns) if isinstance(s, sa.Sequence)],
            table.name,
        )

    assert shape(ours) == shape(rasas)


def test_the_launcher_sweeps_without_importing_rasa(tmp_path):
    db = tmp_path / "tracker.db"
    tracker_db.events_table().create(tracker_db.open_store(f"sqlite:///{db}", must_exist=False))
    probe = (
        "import sys; from bot.storage.retention import Retention; r = Retention(30, log=print); "
        f"r.url = 'sqlite:///{db}'; r.sweep(); print(sorted(m for m in sys.modules if m.split('.')[0] == 'rasa'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["Retention: deleted 0 conversations (0 events) idle over 30 days", "[]"]
