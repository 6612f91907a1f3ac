"""The launcher's supervision loop, one look at a time (bot.ops.launcher._supervise_one), on
a real child process: a child that stays up but fails its health checks is killed and
restarted like a crash; one that misses fewer in a row is left alone. (Under the launcher,
with a server frozen by SIGSTOP: tests/test_faults.py.)"""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.ops.launcher import LIVENESS_MISSES, Watch, _supervise_one


def child() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


@pytest.fixture
def checks():
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


def looks(watch: Watch, answers: list[bool], checks, log: list) -> float:
    """One health check per entry of `answers` (what it returns), each when due; the time
    after the last look."""
    replies = iter(answers)
    watch.healthy = lambda: next(replies)
    now = watch.check_at
    for _ in answers:
        _supervise_one(watch, now, checks, log.append)  # starts the check
        watch.checking.result(timeout=5)
        _supervise_one(watch, now, checks, log.append)  # reads it
        now = watch.check_at if watch.state == "up" else now
    return now


def test_a_child_failing_its_health_checks_in_a_row_is_killed_and_restarted(checks):
    first, log, spawned = child(), [], []
    try:
        watch = Watch("Rasa server", first, lambda old: spawned.append(child()) or spawned[-1], lambda: True, 60)
        watch.check_at = 0.0
        now = looks(watch, [False] * LIVENESS_MISSES, checks, log)
        assert first.poll() is not None  # killed
        assert log == [
            f"Rasa server did not answer its health check {LIVENESS_MISSES} times in a row; killed it; restarting in 1 s"
        ]
        assert watch.state == "waiting"
        _supervise_one(watch, now + 1, checks, log.append)
        assert watch.state == "starting" and watch.process is spawned[0] and spawned[0].poll() is None
    finally:
        for process in [first, *spawned]:
            process.kill()
            process.wait()


def test_a_child_answering_again_before_the_last_miss_is_left_alone(checks):
    process, log = child(), []
    try:
        watch = Watch("action server", process, lambda old: pytest.fail("restarted"), lambda: True, 60)
        watch.check_at = 0.0
        looks(watch, [False] * (LIVENESS_MISSES - 1) + [True] + [False] * (LIVENESS_MISSES - 1), checks, log)
        assert (watch.state, watch.misses, log, process.poll()) == ("up", LIVENESS_MISSES - 1, [], None)
    finally:
        process.kill()
        process.wait()
