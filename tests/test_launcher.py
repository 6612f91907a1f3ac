"""`make run`'s launcher: prints its URLs, answers, and stops both servers on SIGTERM."""
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

from bot import PROJECT_ROOT
from bot.server.launcher import free_port, post_rest


def port_open(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def lines_of(stream) -> "queue.Queue":
    """A queue fed with the stream's lines by a reader thread; None marks its end."""
    lines: "queue.Queue" = queue.Queue()

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


def test_run_prints_urls_answers_and_stops_cleanly_on_sigterm(tmp_path):
    bot_port, action_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(BOT_PORT=str(bot_port), ACTION_PORT=str(action_port),
               TRACKER_DB=str(tmp_path / "tracker.db"), RASA_TELEMETRY_ENABLED="false")
    launcher = subprocess.Popen([sys.executable, "-m", "bot.server.launcher", "run"], cwd=PROJECT_ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        lines = lines_of(launcher.stdout)
        read_until(lines, "Press Ctrl-C to stop.", 240, output)
        printed = "".join(output)
        assert f"http://127.0.0.1:{bot_port}/webhooks/rest/webhook" in printed
        assert f"http://127.0.0.1:{bot_port}/chat" in printed
        assert printed.count("Slack: off (") == 1

        replies = post_rest(f"http://127.0.0.1:{bot_port}", "launcher", "median salary for ML engineers?")
        assert "$131,490" in json.dumps(replies)

        launcher.send_signal(signal.SIGTERM)
        read_until(lines, "Stopped.", 60, output)
        assert launcher.wait(timeout=30) == 0
        assert not list(tmp_path.glob("credentials.*.yml"))  # its per-port copy is removed
        assert not port_open(bot_port) and not port_open(action_port)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
