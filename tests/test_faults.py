"""Faults under `make run`'s launcher: a server killed with SIGKILL, or frozen for good, is
restarted on its own, a killed launcher takes its servers with it, SIGTERM stops everything
cleanly.

The launchers run on free ports, started together at the module's start: the tests that
break a server and see it restarted take turns on one (in file order; the last one stops
it), the killed-launcher test has one of its own. Recovery times are printed and saved in
results/faults.json; they are only bounded loosely (start-up takes 15-40 s on a loaded
two-core machine).
"""

import json
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest

from bot import save_results
from bot.channels.guard import conversation_id
from bot.ops.launcher import GRACE, LABELS, LIVENESS_MISSES, post_rest, runs, stop_leftovers
from tests.conftest import ANSWERS
from tests.support.launcher_run import Launcher, port_open
from tests.support.tracker_rows import stored_events

pytestmark = pytest.mark.timeout(900)

QUESTION, ANSWER = "median salary for ML engineers?", "$131,490"
RECOVERY_BOUND = 120  # seconds; a sanity bound, not a performance target
RESULTS: dict = {}


def record(name: str, **values) -> None:
    RESULTS[name] = values
    print(f"{name}: " + ", ".join(f"{k} = {v}" for k, v in values.items()))
    save_results("faults.json", RESULTS)


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def parent_of(pid: int) -> int:
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


def reply_text(url: str, sender: str, text: str) -> str:
    """The bot's replies joined ("" while it does not answer)."""
    try:
        replies = post_rest(url, sender, text, timeout=30)
    except OSError:
        return ""
    return "\n".join(r.get("text", "") for r in replies)


def kill9(pid: int) -> float:
    """SIGKILL `pid`, wait until it is dead; the time it was sent (monotonic)."""
    sent = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    while alive(pid):
        time.sleep(0.05)
    return sent


def seconds_until(condition, since: float, bound: float = RECOVERY_BOUND, every: float = 0.5) -> float:
    """Poll `condition` until true; the seconds from `since` (fails after `bound`)."""
    while not condition():
        assert time.monotonic() - since < bound, f"not recovered within {bound} s"
        time.sleep(every)
    return round(time.monotonic() - since, 1)


def check_restarted_alone(launcher: Launcher, before: dict, name: str) -> None:
    """The `name` server was restarted, and logged it; the other one kept running."""
    label = LABELS[name]
    launcher.read_until(f"{label} back up after", 60)
    after = launcher.children()
    other = "rasa" if name == "actions" else "actions"
    assert after[other] == before[other] and alive(before[other])
    assert after[name] != before[name] and alive(after[name])
    assert f"{label} exited with code -9; restarting in 1 s" in launcher.text()


@pytest.fixture(scope="module")
def launchers(tmp_path_factory):
    """The module's launchers, started at once: "shared" (see `launcher`) and "to-kill"
    (the killed-launcher test's first); whatever is left of them is stopped at the end."""
    started = {}
    try:
        for name in ("shared", "to-kill"):
            started[name] = Launcher(tmp_path_factory.mktemp(name))
        yield started
    finally:
        for launcher in started.values():
            launcher.stop()


@pytest.fixture
def launcher(launchers):
    """The launcher the tests take turns on: each leaves it answering (a killed server
    restarted), but the last, which stops it."""
    shared = launchers["shared"]
    shared.wait_up()
    return shared


@pytest.mark.servers
def test_frozen_action_server_gets_the_user_the_apology_and_then_answers_again(launcher):
    pids = launcher.children()
    sender = f"faults-{uuid.uuid4().hex}"
    os.kill(pids["actions"], signal.SIGSTOP)
    try:
        asked = time.monotonic()
        apology = reply_text(launcher.url, sender, QUESTION)
        apology_after = round(time.monotonic() - asked, 2)
    finally:
        os.kill(pids["actions"], signal.SIGCONT)
    assert apology == ANSWERS.kb.messages["action_failed"], apology
    assert apology_after < 30  # not Rasa's minutes-long wait (the timeout is ACTION_TIMEOUT)
    assert ANSWER in reply_text(launcher.url, sender, QUESTION)
    assert launcher.children() == pids  # a frozen server is not a crash
    stored = stored_events(launcher.home / "tracker.db", conversation_id("rest", sender), "user")
    assert [e["text"] for e in stored] == [QUESTION] * 2
    record("action_server_frozen", apology_after_s=apology_after)


@pytest.mark.servers
def test_killed_action_server_is_restarted(launcher):
    pids = launcher.children()
    assert {parent_of(pids["actions"]), parent_of(pids["rasa"])} == {launcher.process.pid}
    assert ANSWER in reply_text(launcher.url, "before", QUESTION)

    killed = kill9(pids["actions"])
    sender = f"faults-{uuid.uuid4().hex}"
    asked = time.monotonic()
    apology = reply_text(launcher.url, sender, QUESTION)  # while it is down: not silence
    apology_after = round(time.monotonic() - asked, 2)
    assert apology == ANSWERS.kb.messages["action_failed"], apology
    recovered = seconds_until(lambda: ANSWER in reply_text(launcher.url, sender, QUESTION), killed)
    check_restarted_alone(launcher, pids, "actions")
    record("action_server_kill", apology_after_s=apology_after, answered_again_after_s=recovered)


@pytest.mark.servers
def test_killed_rasa_server_is_restarted_and_the_conversation_goes_on(launcher):
    pids = launcher.children()
    sender = f"faults-{uuid.uuid4().hex}"
    assert ANSWER in reply_text(launcher.url, sender, "what do ML engineers earn?")

    killed = kill9(pids["rasa"])
    up = seconds_until(lambda: reply_text(launcher.url, "probe", "hi"), killed)
    text = reply_text(launcher.url, sender, "where does that come from?")
    answered = round(time.monotonic() - killed, 1)
    assert "bls.gov" in text or "indeed.com" in text, text  # the tracker kept the last answer
    check_restarted_alone(launcher, pids, "rasa")
    record("rasa_server_kill", answering_after_s=up, follow_up_answered_after_s=answered)


@pytest.mark.servers
def test_a_server_that_stays_frozen_is_killed_and_restarted(launcher):
    """Liveness: a server that is running but answers nothing (stopped with SIGSTOP, as a
    server stuck in a loop) fails its health checks, is killed and restarted like a crash,
    and the bot answers again by itself."""
    pids = launcher.children()
    frozen = time.monotonic()
    os.kill(pids["actions"], signal.SIGSTOP)
    try:
        launcher.read_until(f"action server did not answer its health check {LIVENESS_MISSES} times in a row", 60)
        killed_after = round(time.monotonic() - frozen, 1)
        assert not alive(pids["actions"])
    finally:
        if alive(pids["actions"]):
            os.kill(pids["actions"], signal.SIGCONT)
    answering = seconds_until(lambda: ANSWER in reply_text(launcher.url, "after-freeze", QUESTION), frozen)
    launcher.read_until("action server back up after", 60)
    after = launcher.children()
    assert after["rasa"] == pids["rasa"] and after["actions"] != pids["actions"]
    record("action_server_stays_frozen", killed_after_s=killed_after, answering_again_after_s=answering)


@pytest.mark.servers
def test_killed_launcher_takes_its_servers_with_it(launchers):
    first = launchers["to-kill"]
    first.wait_up()
    pids = first.children()
    killed = time.monotonic()
    first.process.kill()
    first.process.wait()
    # They get SIGTERM when the launcher dies (PR_SET_PDEATHSIG) and must be gone within the
    # grace period a stop gives them; how soon is recorded (results/faults.json), not bounded.
    gone = seconds_until(lambda: not any(alive(pid) for pid in pids.values()), killed, bound=GRACE, every=0.1)
    assert not port_open(first.bot_port) and not port_open(first.action_port)
    assert first.pid_file.exists()  # left behind; the next launcher must cope with it

    with Launcher(first.home, first.bot_port, first.action_port) as second:
        assert ANSWER in reply_text(second.url, "second", QUESTION)
        record(
            "launcher_kill",
            servers_gone_after_s=gone,
            new_launcher_answering_after_s=round(time.monotonic() - killed, 1),
        )


@pytest.mark.servers
def test_sigterm_with_a_request_in_flight_stops_cleanly(launcher):
    """The shared launcher's end (the tests before it took turns on it)."""
    reply = {}
    request = threading.Thread(
        target=lambda: reply.update(text=reply_text(launcher.url, "in-flight", QUESTION)), daemon=True
    )
    request.start()
    time.sleep(0.2)
    sent = time.monotonic()
    launcher.process.send_signal(signal.SIGTERM)
    assert launcher.process.wait(timeout=GRACE + 10) == 0
    stopped = round(time.monotonic() - sent, 1)
    request.join(35)
    output = launcher.text()
    assert "Traceback" not in output, output
    assert "Stopped." in output
    assert not port_open(launcher.bot_port) and not port_open(launcher.action_port)
    assert not launcher.pid_file.exists()
    record("sigterm_in_flight", exited_after_s=stopped, in_flight_request_answered=ANSWER in reply.get("text", ""))


def test_leftovers_of_a_dead_launcher_are_stopped(tmp_path):
    """The pid file's second line of defence, without servers: only recorded processes still
    running their recorded command line are stopped; a live launcher is left alone."""
    pid_file = tmp_path / "launcher.pids"
    orphan = subprocess.Popen(["sleep", "300"])
    other = subprocess.Popen(["sleep", "301"])
    dead = subprocess.Popen(["true"])
    dead.wait()
    try:
        # Popen returns once exec has begun; /proc shows the new command line a moment later.
        seconds_until(
            lambda: runs(orphan.pid, ["sleep", "300"]) and runs(other.pid, ["sleep", "301"]),
            time.monotonic(),
            bound=10,
            every=0.01,
        )
        children = [
            {"name": "actions", "pid": orphan.pid, "cmdline": ["sleep", "300"]},
            {"name": "rasa", "pid": other.pid, "cmdline": ["sleep", "999"]},
        ]  # pid reused
        pid_file.write_text(json.dumps({"launcher": {"pid": dead.pid, "cmdline": ["python"]}, "children": children}))
        notices = stop_leftovers(pid_file, grace=5)
        assert orphan.wait(timeout=5) == -signal.SIGTERM
        assert other.poll() is None
        assert notices == [
            f"Stopped the action server (pid {orphan.pid}) left running by a launcher that died (pid {dead.pid})."
        ]
        assert not pid_file.exists()

        pid_file.write_text(json.dumps({"launcher": {"pid": other.pid, "cmdline": ["sleep", "301"]}, "children": []}))
        with pytest.raises(RuntimeError, match="another launcher"):
            stop_leftovers(pid_file)
        assert other.poll() is None and pid_file.exists()
    finally:
        for process in (orphan, other):
            process.kill()
            process.wait()
