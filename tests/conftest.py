import os
from contextlib import contextmanager

import pytest

from bot.answers import Answers, load_answers
from bot.grounding import numbers_in, ungrounded_numbers
from bot.server.launcher import free_port, terminate
from bot.server.services import MissingProgram, Redis

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ANSWERS = load_answers()

__all__ = ["numbers_in", "ungrounded", "ANSWERS", "action_server_down", "redis_server", "postgres_server"]


def ungrounded(text: str) -> set:
    """Numbers in a reply that the facts it states (and their sources) do not account for."""
    return ungrounded_numbers(text, ANSWERS.kb)


@pytest.fixture(scope="session")
def answers() -> Answers:
    return ANSWERS


@contextmanager
def action_server_down(bot):
    """Stop the action server of `bot` (bot.server.launcher.Servers); start it again
    afterwards (first in bot.processes again)."""
    actions = bot.processes.pop(0)
    terminate([actions])
    try:
        yield
    finally:
        bot.start_actions()
        bot.processes.insert(0, bot.processes.pop())


@pytest.fixture(scope="module")
def redis_server() -> Redis:
    """A Redis of the module's own on a free loopback port (the test fails, naming the
    Debian package, if redis-server is missing)."""
    try:
        with Redis(free_port()) as redis:
            yield redis
    except MissingProgram as missing:
        pytest.fail(f"these tests need Redis: {missing}")


@pytest.fixture(scope="module")
def postgres_server():
    """A PostgreSQL of the module's own on a free loopback port (bot.server.services
    Postgres, its data in a folder under /tmp that the postgres user can enter, removed
    afterwards); the test fails, naming the Debian package, if PostgreSQL is missing."""
    import shutil

    from bot.server.services import Postgres, open_folder

    folder = open_folder("pg-")
    try:
        with Postgres(folder / "data", free_port(), log=folder / "postgres.log") as server:
            yield server
    except MissingProgram as missing:
        pytest.fail(f"these tests need PostgreSQL: {missing}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    """One Debian chromium for the whole run (each test opens its own context and page)."""
    from tests.support.webchat_support import chromium

    with chromium() as started:
        yield started
