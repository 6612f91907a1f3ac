"""What the tests share. Expensive things are started once per run (per xdist worker) and
kept real: PostgreSQL, Redis, one Chromium, a fake Slack and the shared bot, a pair of
real servers (the launcher's `Servers`) that every test which only talks to a running bot
uses, each test in its own conversations (sender ids), database or keys. Tests that need
a server or another process of their own carry the `servers` marker (`make check` leaves
them out).

Rasa is imported patched (bot.rasa_ext.rasa_patched) before any test module is collected,
so that what Rasa does in this process never depends on the order tests run in.
"""

import os
import re
import uuid
from contextlib import contextmanager

import pytest

from bot.answers import Answers, load_answers
from bot.grounding import numbers_in, ungrounded_numbers
from bot.ops.launcher import free_port, terminate
from bot.ops.services import MissingProgram, Redis

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

ANSWERS = load_answers()

__all__ = ["numbers_in", "ungrounded", "ANSWERS", "action_server_down"]


def ungrounded(text: str) -> set:
    """Numbers in a reply that the facts it states (and their sources) do not account for."""
    return ungrounded_numbers(text, ANSWERS.kb)


def pytest_configure(config):
    """Rasa, patched (bot.rasa_ext.rasa_patched), before any test module is collected; not in
    pytest-xdist's controller, which runs no test (it would cost every run 6 s)."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        return
    import bot.rasa_ext.rasa_patched  # noqa: F401 - Rasa as the server runs it


@pytest.fixture(scope="session")
def answers() -> Answers:
    return ANSWERS


@contextmanager
def action_server_down(bot):
    """Stop the action server of `bot` (bot.ops.launcher.Servers); start it again
    afterwards (first in bot.processes again)."""
    actions = bot.processes.pop(0)
    terminate([actions])
    try:
        yield
    finally:
        bot.start_actions()
        bot.processes.insert(0, bot.processes.pop())


@pytest.fixture(scope="session")
def redis_server() -> Redis:
    """One Redis for the run on a free loopback port (the test fails, naming the Debian
    package, if redis-server is missing). Tests keep apart by their keys: conversation and
    Slack event ids are unique per test."""
    try:
        with Redis(free_port()) as redis:
            yield redis
    except MissingProgram as missing:
        pytest.fail(f"these tests need Redis: {missing}")


@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL for the run on a free loopback port (bot.ops.services Postgres,
    its data in a folder under /tmp that the postgres user can enter, removed afterwards);
    the test fails, naming the Debian package, if PostgreSQL is missing. A test that
    writes takes its own database (`postgres_url`)."""
    import shutil

    from bot.ops.services import Postgres, open_folder

    folder = open_folder("pg-")
    try:
        with Postgres(folder / "data", free_port(), log=folder / "postgres.log") as server:
            yield server
    except MissingProgram as missing:
        pytest.fail(f"these tests need PostgreSQL: {missing}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A new, empty database of the run's PostgreSQL for this test alone (owned by the bot's
    role, made by the server's superuser over its socket); dropped after it."""
    from bot.ops.services import POSTGRES_DIRS, USER, program

    def as_superuser(sql: str) -> None:
        psql = program("psql", POSTGRES_DIRS)
        host, port = str(postgres_server.data_dir), str(postgres_server.port)
        postgres_server.run([psql, "-h", host, "-p", port, "-U", "postgres", "-d", "postgres", "-c", sql])

    name = f"test_{uuid.uuid4().hex[:12]}"
    as_superuser(f"CREATE DATABASE {name} OWNER {USER}")
    yield postgres_server.url.rsplit("/", 1)[0] + "/" + name
    as_superuser(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def browser():
    """One Debian chromium for a test module (each test opens its own context and page).
    Not one for the run: Playwright's sync API keeps an asyncio loop running in this thread
    while it is open, and the in-process Rasa tests need asyncio.run."""
    from tests.support.webchat_support import chromium

    with chromium() as started:
        yield started


@pytest.fixture(scope="session")
def slack():
    """A fake Slack Web API for the run (tests/support/slack_fake.py); tests keep apart by
    their channel ids (`unique`)."""
    from tests.support.slack_fake import FakeSlack

    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="session")
def bot(slack, tmp_path_factory):
    """The shared bot: the action server and `rasa run` on free loopback ports, SQLite in
    a folder of its own, every channel on (Slack posting to the fake Slack, the web chat
    allowing the origins the tests embed it in); tests/support/shared_bot.py."""
    from tests.support.shared_bot import shared_bot

    with shared_bot(slack, tmp_path_factory.mktemp("shared-bot")) as servers:
        yield servers


@pytest.fixture(scope="session")
def agent():
    """The trained model in this process, as the server runs it, with its action called in
    this process (bot.measure.answer_eval.in_process_agent); conversations kept in memory."""
    from bot.measure.answer_eval import in_process_agent

    return in_process_agent()


# fixtures that start a process: a test that uses one must carry the `servers` marker
SERVER_FIXTURES = {"bot", "slack", "browser", "redis_server", "postgres_server", "postgres_url"}


# The files that take longest (most of it starting servers), longest first: run first, so
# that under `--dist loadgroup` neither worker is left with a long file at the end (the
# Makefile passes --no-loadscope-reorder, or pytest-xdist would order the groups by their
# number of tests). The files of the shared group come first: together they take longest.
LONGEST_FIRST = [
    "test_bad_input",
    "test_answer_sets",
    "test_webchat",
    "test_webchat_widget",
    "test_patches",
    "test_e2e_rest",
    "test_slack_channel",
    "test_cluster",
    "test_shell",
    "test_faults",
    "test_report_e2e",
    "test_data_control",
    "test_postgres",
    "test_launcher",
    "test_answers",
    "test_report",
    "test_rasa_cli",
    "test_recent",
    "test_knowledge",
    "test_lock_store",
    "test_retrieval",
    "test_slack_redis",
]


# Session fixtures of this file that cost seconds to set up: the files using any of them
# run on one worker (pytest_collection_modifyitems), which sets each up once.
SHARED_ON_ONE_WORKER = {"bot", "agent"}


def uses_shared(item) -> bool:
    """Whether the test uses one of SHARED_ON_ONE_WORKER (this file's, not a module's own)."""
    for name in SHARED_ON_ONE_WORKER & set(item.fixturenames):
        definitions = item._fixtureinfo.name2fixturedefs.get(name) or []
        if definitions and definitions[-1].func.__module__ == __name__:
            return True
    return False


WHOLE_FILE_NEEDS_SERVERS = re.compile(r"^pytestmark = pytest\.mark\.servers$", re.M)


def pytest_ignore_collect(collection_path, config):
    """A run without the `servers` tests (`make check`) does not even import the files all
    of whose tests are marked so (their Playwright, pexpect, ... cost each worker seconds)."""
    if collection_path.suffix == ".py" and "not servers" in (config.option.markexpr or ""):
        if WHOLE_FILE_NEEDS_SERVERS.search(collection_path.read_text(encoding="utf-8")):
            return True
    return None


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Check that every test using a server fixture is marked `servers` (make check leaves
    them out by that marker); put the longest files first (LONGEST_FIRST), keeping each
    file's own order; group them for the workers (`--dist loadgroup`): a file's tests on
    one worker (its module-scoped servers start once), and every file with a test that
    uses a shared fixture (uses_shared) on one worker together, so that they start once."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.module.__name__.rsplit(".", 1)[-1], len(rank)))
    sharing = {item.module.__name__ for item in items if uses_shared(item)}
    for item in items:
        file = item.module.__name__
        item.add_marker(pytest.mark.xdist_group("shared" if file in sharing else file))
    unmarked = [
        item.nodeid
        for item in items
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())) and not item.get_closest_marker("servers")
    ]
    if unmarked:
        raise pytest.UsageError("these tests start servers but are not marked `servers`:\n" + "\n".join(unmarked))
