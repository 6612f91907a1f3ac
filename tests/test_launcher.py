"""`make run`'s launcher: prints its URLs, answers, and stops both servers on SIGTERM or
Ctrl-C with one "Stopped." line (no traceback, and no "Interrupt" from make)."""

import json
import signal

import pytest

from bot import PROJECT_ROOT
from bot.ops.launcher import free_port, pid_file_for, post_rest
from tests.support.launcher_run import Launcher, MakeRun, launcher_env, port_open

STOPS = ["ctrl-c", "sigterm"]  # how `make run` is stopped


@pytest.fixture(scope="module")
def launches(tmp_path_factory):
    """Every launch the module needs, started at once (start-up is most of a test's time):
    "run" (a Launcher) and one `make run` (MakeRun) per way of stopping it. Each test ends
    its own; what a failed one left is stopped here."""
    started = {}
    try:
        home = tmp_path_factory.mktemp("run")
        started["run"] = Launcher(home)
        for stop in STOPS:
            home, bot_port = tmp_path_factory.mktemp(f"make-run-{stop}"), free_port()
            env = launcher_env(home, BOT_PORT=bot_port, ACTION_PORT=free_port())
            started[stop] = MakeRun("run", env, home / "run.log", bot_port)
        yield started
    finally:
        for launch in started.values():
            if isinstance(launch, MakeRun):
                launch.close()
            else:
                launch.stop()


@pytest.mark.servers
def test_run_prints_urls_answers_and_stops_cleanly_on_sigterm(launches):
    launcher = launches["run"]
    launcher.wait_up()
    bot_port, action_port = launcher.bot_port, launcher.action_port
    printed = "".join(launcher.output)
    assert f"http://127.0.0.1:{bot_port}/webhooks/rest/webhook" in printed
    assert f"http://127.0.0.1:{bot_port}/chat" in printed
    assert f'<script src="http://127.0.0.1:{bot_port}/chat/widget.js"></script>' in printed
    assert printed.count("Slack: off (") == 1

    replies = post_rest(launcher.url, "launcher", "median salary for ML engineers?")
    assert "$131,490" in json.dumps(replies)

    launcher.process.send_signal(signal.SIGTERM)
    launcher.read_until("Stopped.", 60)
    assert launcher.process.wait(timeout=30) == 0
    output = launcher.text()
    assert output.count("Stopped.") == 1 and "Traceback" not in output, output
    assert not list(launcher.home.glob("*.yml"))  # its per-port copies are removed
    assert not port_open(bot_port) and not port_open(action_port)
    assert not launcher.pid_file.exists()


@pytest.mark.servers
@pytest.mark.parametrize("stop", STOPS)
def test_make_run_stops_with_one_line(launches, stop):
    """Ctrl-C in the terminal signals make and the launcher; SIGTERM to make is passed on."""
    make_run = launches[stop]
    make_run.until_up_then_stop(stop)
    bot_port, action_port = make_run.bot_port, int(make_run.env["ACTION_PORT"])
    assert not port_open(bot_port) and not port_open(action_port)
    assert not pid_file_for(bot_port).exists() and not list(make_run.log_path.parent.glob("credentials.*.yml"))


def endpoints_for(env: dict, tmp_path) -> dict:
    """The endpoints a server started by the launcher in `env` reads."""
    import yaml

    from bot.ops.launcher import base_env, without_unset

    with pytest.MonkeyPatch.context() as patch:
        for name in ("TRACKER_DB_URL", "REDIS_URL", "ACTION_URL"):
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        full = base_env(5055, tmp_path / "tracker.db")
    left_out = without_unset(PROJECT_ROOT / "endpoints.yml", tmp_path / "endpoints.yml", full)
    sections = yaml.safe_load((tmp_path / "endpoints.yml").read_text())
    return {
        "left_out": left_out,
        "sections": sections,
        **{name: full[name] for name in ("TRACKER_DB_URL", "ACTION_URL")},
    }


def test_unset_the_bot_keeps_sqlite_local_actions_and_locks_in_the_process(tmp_path):
    got = endpoints_for({}, tmp_path)
    assert got["TRACKER_DB_URL"] == f"sqlite:///{tmp_path / 'tracker.db'}"
    assert got["ACTION_URL"] == "http://127.0.0.1:5055/webhook"
    assert got["left_out"] == {"lock_store": ["REDIS_URL"]}
    assert set(got["sections"]) == {"action_endpoint", "tracker_store"}


def test_set_the_servers_share_postgresql_redis_and_remote_actions(tmp_path):
    env = {
        "TRACKER_DB_URL": "postgresql://u:p@db:5432/careerbot",
        "REDIS_URL": "redis://r:6379/0",
        "ACTION_URL": "http://actions:5055/webhook",
    }
    got = endpoints_for(env, tmp_path)
    assert (got["TRACKER_DB_URL"], got["ACTION_URL"]) == (env["TRACKER_DB_URL"], env["ACTION_URL"])
    assert got["left_out"] == {}
    assert got["sections"]["lock_store"]["type"] == "bot.rasa_ext.lock_store.AtomicRedisLockStore"


def test_a_remote_action_server_is_not_started_here(tmp_path):
    from bot.ops.launcher import Servers

    here = Servers(free_port(), free_port(), tracker_db=tmp_path / "t.db")
    elsewhere = Servers(
        free_port(), free_port(), tracker_db=tmp_path / "t.db", extra_env={"ACTION_URL": "http://actions:5055/webhook"}
    )
    assert (here.local_actions, elsewhere.local_actions) == (True, False)


@pytest.mark.parametrize(
    "host, public, notice",
    [("127.0.0.1", "", False), ("0.0.0.0", "", True), ("0.0.0.0", "https://careers.example.org", False)],
)
def test_the_servers_know_the_bots_public_url(tmp_path, monkeypatch, host, public, notice):
    """Browser pages may use the bot from BOT_PUBLIC_URL's origin, by default its loopback
    address; exposed without one, the launcher says where the web chat opens."""
    from bot.ops.launcher import Servers

    monkeypatch.setenv("BOT_PUBLIC_URL", public)
    servers = Servers(port := free_port(), free_port(), host=host, tracker_db=tmp_path / "t.db")
    try:
        servers.rasa_args("run", port, host)
        assert servers.env["BOT_PUBLIC_URL"] == (public or f"http://127.0.0.1:{port}")
        assert any("BOT_PUBLIC_URL" in n for n in servers.notices) is notice
    finally:
        servers.stop()


def test_free_ports_are_outside_the_ephemeral_range_never_repeated_and_free(monkeypatch):
    import socket

    from bot.ops import launcher

    low, high = (int(n) for n in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
    assert not set(launcher.FREE_PORTS) & set(range(low, high + 1))
    given = [free_port() for _ in range(100)]
    assert len(set(given)) == len(given) and set(given) <= set(launcher.FREE_PORTS)
    # A small range with one port in use: the other two, once each, then any free port.
    start = given[0]
    monkeypatch.setattr(launcher, "FREE_PORTS", range(start, start + 3))
    monkeypatch.setattr(launcher, "_given_ports", set())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", start + 1))
        taken.listen()
        first_two = {free_port(), free_port()}
        assert first_two == {start, start + 2}
        assert free_port() not in {start, start + 1, start + 2}
