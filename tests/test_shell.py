"""The Rasa shell (`make shell`), driven like a person would: a question and its cited
answer, then each way out (/stop, Ctrl-D, Ctrl-C, SIGTERM): a goodbye, exit 0, both
servers gone with their ports, and no file left behind."""

import os
import re
import signal
import sys
from pathlib import Path

import pexpect
import pytest

from bot import PROJECT_ROOT
from bot.ops.launcher import SHELL_CREDENTIALS, cmdline_of, free_port
from bot.rasa_ext.patches.shell import GOODBYE
from tests.conftest import ANSWERS
from tests.support.launcher_run import MAKE_ONLY, launcher_env, port_open

PROMPT = "Your input ->"
START = 240  # seconds until the first prompt (15-40 s on a 2-core machine, more when busy)
QUESTION = "what is the median salary for ML engineers?"

pytestmark = pytest.mark.servers


def descendants(pid: int) -> list[int]:
    """The processes below `pid` (children, their children, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


class Shell:
    """`python -m bot.ops.launcher shell` (or `make shell`) in a terminal, on free ports,
    with its tracker database in `tmp_path`."""

    def __init__(self, tmp_path: Path, make: bool = False):
        self.tmp_path, self.action_port = tmp_path, free_port()
        env = launcher_env(tmp_path, ACTION_PORT=self.action_port)
        args = MAKE_ONLY + ["shell"] if make else [sys.executable, "-m", "bot.ops.launcher", "shell"]
        self.log_path = tmp_path / "shell.log"
        self.log = open(self.log_path, "w")
        self.child = pexpect.spawn(
            args[0], args[1:], cwd=str(PROJECT_ROOT), env=env, encoding="utf-8", timeout=START, dimensions=(50, 200)
        )
        self.child.logfile_read = self.log
        self.servers: dict[int, list[str]] = {}  # pid -> command line, once prompting

    def wait_for(self, pattern: str) -> None:
        """Wait until `pattern` shows; then note the processes it runs (both servers)."""
        self.child.expect(pattern)
        running = {pid: cmdline_of(pid) for pid in descendants(self.child.pid)}
        self.servers = {pid: cmd for pid, cmd in running.items() if cmd}

    def wait_for_prompt(self) -> None:
        self.wait_for(PROMPT)

    @property
    def rasa_args(self) -> list[str]:
        return next(cmd for cmd in self.servers.values() if "bot.ops.serve" in cmd)

    def ask(self, text: str, until: str) -> str:
        """Send `text`; what the terminal shows until `until` (a pattern) and the next prompt."""
        self.child.sendline(text)
        self.child.expect(until)
        shown = self.child.before + self.child.after
        self.child.expect(PROMPT)
        return shown + self.child.before

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_for_exit(self) -> None:
        self.child.expect(pexpect.EOF, timeout=90)
        self.child.close()

    def close(self) -> None:
        """Kill what is left (only after a failure, or of a shell no test ended): the
        terminal, then the servers (also those started since it last prompted)."""
        running = {pid: cmdline_of(pid) for pid in descendants(self.child.pid)} if self.child.isalive() else {}
        if self.child.isalive():
            self.child.terminate(force=True)
        for pid, cmd in {**running, **self.servers}.items():
            if cmd and cmdline_of(pid) == cmd:
                os.kill(pid, signal.SIGKILL)
        self.log.close()

    def assert_left_cleanly(self, goodbye: bool = True) -> None:
        """A goodbye (once the chat has begun), "Stopped." once, exit 0, no traceback, and
        no process, port or file left."""
        output = self.output()
        assert self.child.exitstatus == 0 and self.child.signalstatus is None, output
        assert (GOODBYE in output.split(PROMPT)[-1]) == goodbye, output
        assert output.count("Stopped.") == 1 and "Traceback" not in output, output
        assert self.servers and not [pid for pid, cmd in self.servers.items() if cmdline_of(pid) == cmd]
        rasa_port = int(self.rasa_args[self.rasa_args.index("--port") + 1])
        assert not port_open(self.action_port) and not port_open(rasa_port)
        # the terminal chat takes no credentials: it names a committed file and writes none
        assert self.rasa_args[self.rasa_args.index("--credentials") + 1] == str(SHELL_CREDENTIALS)
        assert sorted(p.name for p in self.tmp_path.iterdir()) == ["shell.log", "tracker.db"]


# The tests that leave at the prompt get shells started all at once by `prompting` (start-up
# is most of a test's time); the two that stop a shell before it prompts start their own.
AT_THE_PROMPT = {"question": False, "ctrl-d": False, "make-ctrl-c": True, "sigterm": False}  # name: make shell?


@pytest.fixture(scope="module")
def prompting(tmp_path_factory):
    """One shell per test leaving at the prompt, started together; each test ends its own
    (a failed one is killed here)."""
    shells = {}
    try:
        for name, make in AT_THE_PROMPT.items():
            shells[name] = Shell(tmp_path_factory.mktemp(name), make=make)
        yield shells
    finally:
        for shell in shells.values():
            shell.close()


@pytest.fixture
def shell(tmp_path):
    started = Shell(tmp_path)
    try:
        yield started
    finally:
        started.close()


def test_shell_answers_with_readable_sources_prints_suggestions_as_a_list_and_stops(prompting):
    shell = prompting["question"]
    shell.wait_for_prompt()
    reply = shell.ask(QUESTION, until=r"\[1\] US Bureau of Labor Statistics: ")
    assert re.search(r"\$131,490 \[1\]", reply)
    source = re.search(r"\[1\] US Bureau of Labor Statistics: (.*)", reply).group(1)
    assert source.startswith("Computer and Information Research Scientists (https://www.bls.gov/ooh/")
    assert "](" not in reply  # no Markdown link left
    first = ANSWERS.kb.suggestions[0]
    shown = shell.ask("hi", until=re.escape(f"1: {first.title} ({first.payload})"))
    assert "Type out your own message" not in shown  # no menu: the free-text prompt is back
    assert "$131,490" in shell.ask(first.payload, until=re.escape("US Bureau of Labor Statistics: "))
    shell.child.sendline("/stop")
    shell.wait_for_exit()
    shell.assert_left_cleanly()


def test_ctrl_d_at_the_prompt_leaves(prompting):
    shell = prompting["ctrl-d"]
    shell.wait_for_prompt()
    shell.child.sendcontrol("d")
    shell.wait_for_exit()
    shell.assert_left_cleanly()


def test_ctrl_c_at_the_prompt_leaves_make_shell(prompting):
    shell = prompting["make-ctrl-c"]
    shell.wait_for_prompt()
    shell.child.sendcontrol("c")
    shell.wait_for_exit()
    shell.assert_left_cleanly()  # make's own exit status too: 0, no "Interrupt"
    assert "make: ***" not in shell.output()


def test_sigterm_to_the_launcher_leaves(prompting):
    shell = prompting["sigterm"]
    shell.wait_for_prompt()
    shell.child.kill(signal.SIGTERM)
    shell.wait_for_exit()
    shell.assert_left_cleanly()


def test_ctrl_c_while_the_chat_is_not_prompting_leaves(shell):
    """A terminal's Ctrl-C outside the prompt signals the whole foreground process group."""
    shell.wait_for("Bot loaded")  # the chat has started; the prompt follows in 0.5 s
    os.killpg(os.tcgetpgrp(shell.child.child_fd), signal.SIGINT)
    shell.wait_for_exit()
    shell.assert_left_cleanly()


def test_ctrl_c_while_the_model_loads_stops_quietly(shell):
    """The chat is not up yet: the launcher stops both servers (the Rasa one ignores SIGINT)."""
    shell.wait_for("Loading model")
    os.killpg(os.tcgetpgrp(shell.child.child_fd), signal.SIGINT)
    shell.wait_for_exit()
    shell.assert_left_cleanly(goodbye=False)
