"""`make run`'s launcher: prints its URLs, answers, and stops both servers on SIGTERM."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

from bot import PROJECT_ROOT
from bot.launcher import free_port, post_rest


def port_open(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_run_prints_urls_answers_and_stops_cleanly_on_sigterm(tmp_path):
    bot_port, action_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(BOT_PORT=str(bot_port), ACTION_PORT=str(action_port),
               TRACKER_DB=str(tmp_path / "tracker.db"), RASA_TELEMETRY_ENABLED="false")
    launcher = subprocess.Popen([sys.executable, "-m", "bot.launcher", "run"], cwd=PROJECT_ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = launcher.stdout.readline()
            assert line, "launcher exited early:\n" + "".join(output)
            output.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        printed = "".join(output)
        assert f"http://127.0.0.1:{bot_port}/webhooks/rest/webhook" in printed
        assert f"http://127.0.0.1:{bot_port}/chat" in printed
        assert printed.count("Slack: off (") == 1

        replies = post_rest(f"http://127.0.0.1:{bot_port}", "launcher", "median salary for ML engineers?")
        assert "$131,490" in json.dumps(replies)

        launcher.send_signal(signal.SIGTERM)
        rest, _ = launcher.communicate(timeout=60)
        assert launcher.returncode == 0
        assert "Stopped." in rest
        assert not port_open(bot_port) and not port_open(action_port)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
