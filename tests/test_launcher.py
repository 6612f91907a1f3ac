"""`make run`'s launcher: prints its URLs, answers, and stops both servers on SIGTERM."""
import json
import signal

from bot.server.launcher import post_rest
from tests.launcher_run import Launcher, port_open


def test_run_prints_urls_answers_and_stops_cleanly_on_sigterm(tmp_path):
    with Launcher(tmp_path) as launcher:
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
        assert not list(tmp_path.glob("credentials.*.yml"))  # its per-port copy is removed
        assert not port_open(bot_port) and not port_open(action_port)
        assert not launcher.pid_file.exists()
