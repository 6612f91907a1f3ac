"""`make run`'s launcher (`python -m bot.ops.launcher run`) as a subprocess, for tests.

It runs on the given (or free) loopback ports with its tracker database in the test's
tmp_path and without the SLACK_* variables; its stdout and stderr are read line by line.
"""

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot import PROJECT_ROOT
from bot.ops.launcher import free_port, pid_file_for, stop_leftovers

UP = "Press Ctrl-C to stop."
# `make <target>` without its set-up steps: a test never installs or retrains
MAKE_ONLY = ["make", "-o", "models/career.tar.gz", "-o", "web/node_modules/.packages", "-o", ".venv/.installed"]


def launcher_env(tmp_path: Path, **ports: int) -> dict:
    """The environment of a launcher under test: its tracker database in `tmp_path`, the
    given ports (BOT_PORT=..., ACTION_PORT=...), no SLACK_* and no outer make's flags."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    env.update({name: str(port) for name, port in ports.items()})
    env.update(TRACKER_DB=str(tmp_path / "tracker.db"), RASA_TELEMETRY_ENABLED="false")
    return env


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def lines_of(stream) -> "queue.Queue":
    """A queue fed with the stream's lines by a reader thread; None marks its end."""
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def read_until(lines, marker, timeout, output):
    """Collect lines into `output` until one contains `marker`; fail on end or timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no {marker!r} within {timeout} s:\n" + "".join(output)) from None
        assert line is not None, "launcher exited early:\n" + "".join(output)
        output.append(line)
        if marker in line:
            return


class Launcher:
    """One `python -m bot.ops.launcher run`; as a context manager, waits until it is up
    and stops it on the way out (otherwise `stop()` it in a finally)."""

    def __init__(self, tmp_path: Path, bot_port: int | None = None, action_port: int | None = None):
        self.home = tmp_path  # its tracker database's folder
        self.bot_port, self.action_port = bot_port or free_port(), action_port or free_port()
        self.url = f"http://127.0.0.1:{self.bot_port}"
        self.pid_file = pid_file_for(self.bot_port)
        env = launcher_env(tmp_path, BOT_PORT=self.bot_port, ACTION_PORT=self.action_port)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.ops.launcher", "run"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines = lines_of(self.process.stdout)
        self.output: list[str] = []
        self.up = False
        self.stopped = False

    def read_until(self, marker: str, timeout: float = 240) -> None:
        read_until(self.lines, marker, timeout, self.output)

    def wait_up(self, timeout: float = 240) -> None:
        """Wait until it is up (at once if it already was)."""
        if not self.up:
            self.read_until(UP, timeout)
            self.up = True

    def text(self) -> str:
        """All it printed so far (all it printed, once it has exited)."""
        while True:
            try:
                line = self.lines.get(timeout=5 if self.process.poll() is not None else 0)
            except queue.Empty:
                return "".join(self.output)
            if line is None:
                return "".join(self.output)
            self.output.append(line)

    def children(self) -> dict[str, int]:
        """The children's pids by name ("actions", "rasa"), from its pid file."""
        record = json.loads(self.pid_file.read_text(encoding="utf-8"))
        return {child["name"]: child["pid"] for child in record["children"]}

    def stop(self) -> None:
        """SIGTERM it (kill it if it lingers); then stop any server it left behind. Once:
        later, another test's launcher may have the port (and its pid file)."""
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        stop_leftovers(self.pid_file)

    def __enter__(self) -> "Launcher":
        try:
            self.wait_up()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class MakeRun:
    """`make <target>` in a terminal, started at once; `until_up_then_stop` drives it to the
    end, `close()` kills what is left (after a failure)."""

    def __init__(self, target: str, env: dict, log_path: Path, bot_port: int):
        import pexpect

        self.env, self.log_path, self.bot_port = env, log_path, bot_port
        self.log = open(log_path, "w")
        self.run = pexpect.spawn(
            MAKE_ONLY[0],
            MAKE_ONLY[1:] + [target],
            cwd=str(PROJECT_ROOT),
            encoding="utf-8",
            env=env,
            timeout=300,
            dimensions=(50, 200),
        )
        self.run.logfile_read = self.log

    def until_up_then_stop(self, stop: str, while_up=lambda: None) -> str:
        """Once it is up, `while_up()`, then Ctrl-C (stop="ctrl-c") or SIGTERM to make
        ("sigterm"); checks it said "Stopping ..." and "Stopped." once, with no traceback
        and no "make: ***". Returns all it printed."""
        import pexpect

        try:
            self.run.expect(UP)
            while_up()
            if stop == "ctrl-c":
                self.run.sendcontrol("c")
            else:
                self.run.kill(signal.SIGTERM)
            self.run.expect(pexpect.EOF, timeout=90)
            self.run.close()
        finally:
            self.close()
        output = self.log_path.read_text(errors="replace")
        stopping = output.split(UP, 1)[1]
        assert stopping.count("Stopping ...") == 1 and stopping.count("Stopped.") == 1, output
        assert "Traceback" not in output and "make: ***" not in output, output
        return output

    def close(self) -> None:
        """Once: later, another test's launcher may have the port (and its pid file)."""
        if self.log.closed:
            return
        if self.run.isalive():
            self.run.terminate(force=True)
        stop_leftovers(pid_file_for(self.bot_port))
        self.log.close()


def make_until_up_then_stop(
    target: str, env: dict, stop: str, log_path: Path, bot_port: int, while_up=lambda: None
) -> str:
    """`make <target>` in a terminal (MakeRun), from start to end."""
    return MakeRun(target, env, log_path, bot_port).until_up_then_stop(stop, while_up)
