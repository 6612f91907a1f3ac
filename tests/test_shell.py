"""The Rasa shell, driven like a person would: one question, its cited answer, /stop."""
import os
import sys

import pexpect

from bot import PROJECT_ROOT
from bot.server.launcher import free_port


def test_shell_answers_with_citation(tmp_path):
    env = {**os.environ, "ACTION_PORT": str(free_port()), "TRACKER_DB": str(tmp_path / "tracker.db"),
           "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    shell = pexpect.spawn(sys.executable, ["-m", "bot.server.launcher", "shell"], cwd=str(PROJECT_ROOT),
                          env=env, encoding="utf-8", timeout=240, dimensions=(50, 200))
    log = open(tmp_path / "shell.log", "w")
    shell.logfile_read = log
    try:
        shell.expect("Your input ->")
        shell.sendline("what is the median salary for ML engineers?")
        shell.expect(r"\$131,490 \[1\]")
        shell.expect(r"\[1\] US Bureau of Labor Statistics")
        shell.expect("Your input ->")
        shell.sendline("/stop")
        shell.expect(pexpect.EOF, timeout=60)
    finally:
        if shell.isalive():
            shell.terminate(force=True)
        log.close()
