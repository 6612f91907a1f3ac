"""Start the action server and the Rasa server together, keep them up, stop them together.

    python -m bot.ops.launcher run     # REST (and other channels) on BOT_HOST:BOT_PORT
    python -m bot.ops.launcher shell   # chat in the terminal (rasa shell)

Environment: BOT_PORT (5005), ACTION_PORT (5055), BOT_HOST (127.0.0.1),
TRACKER_DB (state/tracker.db), MODEL (models/career.tar.gz); SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET turn the Slack channel on, SLACK_API_URL points it elsewhere;
TRACKER_RETENTION_DAYS deletes idle conversations (bot/storage/retention.py).
Several servers share their state through TRACKER_DB_URL (PostgreSQL instead of the
SQLite file), REDIS_URL (locks) and ACTION_URL (action servers elsewhere: none starts
here); endpoints.yml names them, and each server reads a copy written here
(`without_unset`).

`run` supervises: a server that exits unexpectedly is restarted on its own (the other one
keeps running) after 1 s, 2 s, 4 s ... up to 30 s between attempts, the delay starting over
once it has stayed up 60 s; each exit and recovery is one line on stderr. The servers die
with the launcher, even when it is killed with SIGKILL (PR_SET_PDEATHSIG, Linux); as a
second line `run` records their pids in state/launcher.<BOT_PORT>.pids and, on start-up,
stops servers a dead launcher left behind. SIGTERM or Ctrl-C stops both and exits 0.

`shell` leaves on /stop, Ctrl-D or Ctrl-C (the chat says goodbye), or on SIGTERM: both
servers stop and it exits 0. The terminal chat takes no credentials, so it writes none.

Tests use `Servers` directly, on free ports with their own tracker database (no supervision).
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from bot import DEFAULT_MODEL, DEFAULT_TRACKER_DB, PROJECT_ROOT, STATE_DIR, settings
from bot.storage.retention import Retention

LABELS = {"actions": "action server", "rasa": "Rasa server"}  # child name -> how logs call it
START_TIMEOUT = {"actions": 120, "rasa": 300}  # seconds until its health check must answer
FIRST_DELAY, MAX_DELAY, STABLE_AFTER = 1.0, 30.0, 60.0  # restart back-off, in seconds
SHARED_LOCK_LIFETIME = 10  # seconds a ticket in Redis lives (TICKET_LOCK_LIFETIME overrides)
GRACE = 15.0  # seconds a server gets to exit after SIGTERM before it is killed
# Liveness: a child that is up gets its health check every LIVENESS_EVERY seconds; one that
# fails LIVENESS_MISSES in a row (each check waits up to 2 s for an answer) is frozen: it is
# killed (SIGTERM, then SIGKILL after FROZEN_GRACE seconds) and restarted like a crash.
LIVENESS_EVERY, LIVENESS_MISSES, FROZEN_GRACE = 5.0, 3, 3.0
# What `rasa shell` gets as --credentials: without one it would read credentials.yml.
SHELL_CREDENTIALS = Path(__file__).with_name("shell_credentials.yml")


# free_port's ports: below Linux's ephemeral range (32768-60999), from which outgoing
# connections take theirs, so that a port found free is not taken by some client before its
# server binds it; chosen at random, and never the same twice in one process.
FREE_PORTS = range(20000, 32768)
_given_ports: set[int] = set()
_random = random.SystemRandom()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on at `host`, for a server about to be started."""
    for _ in range(500):
        port = _random.choice(FREE_PORTS)
        if port in _given_ports:
            continue
        with socket.socket() as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _given_ports.add(port)
        return port
    with socket.socket() as sock:  # the range is full: any port the system gives
        sock.bind((host, 0))
        return sock.getsockname()[1]


def base_env(action_port: int, tracker_db: Path, extra: dict | None = None) -> dict:
    """The servers' environment: this one with `extra`, and the defaults endpoints.yml's
    ${VARS} need (TRACKER_DB_URL: the SQLite file `tracker_db`; ACTION_URL: the local
    action server)."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        ACTION_PORT=str(action_port),
        SANIC_HOST="127.0.0.1",  # where rasa-sdk's action server listens
        # Rasa 3.6's dependencies print pages of deprecation warnings at start-up.
        PYTHONWARNINGS=env.get("PYTHONWARNINGS", "ignore::DeprecationWarning"),
        TRACKER_DB=str(tracker_db),
        PYTHONPATH=str(PROJECT_ROOT),
    )
    env.update(extra or {})
    if not settings.value("TRACKER_DB_URL", env):
        env["TRACKER_DB_URL"] = f"sqlite:///{Path(tracker_db).absolute()}"
    if not settings.value("ACTION_URL", env):
        env["ACTION_URL"] = local_action_url(action_port)
    if settings.value("REDIS_URL", env) and not settings.value("TICKET_LOCK_LIFETIME", env):
        # A server that dies mid-turn leaves its ticket in Redis: the conversation's next
        # message waits until it expires (Rasa's default: 60 s). Turns take well under 1 s.
        env["TICKET_LOCK_LIFETIME"] = str(SHARED_LOCK_LIFETIME)
    return env


def local_action_url(action_port: int) -> str:
    """The action server this launcher starts, as endpoints.yml's ACTION_URL."""
    return f"http://127.0.0.1:{action_port}/webhook"


def sqlite_path(tracker_db_url: str) -> Path | None:
    """The file of an sqlite:/// URL (None for another database)."""
    prefix = "sqlite:///"
    return Path(tracker_db_url[len(prefix) :]) if tracker_db_url.startswith(prefix) else None


ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def without_unset(source: Path, target: Path, env: dict) -> dict[str, list[str]]:
    """Copy the YAML file `source` (sections at the top) to `target` without the sections
    that name a ${VAR} unset in `env`, so that Rasa neither fails on an unresolved
    placeholder nor half-configures something. Returns {section left out: its unset vars}."""
    import yaml

    sections = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    left_out = {}
    for name in list(sections):
        wanted = ENV_REFERENCE.findall(yaml.safe_dump(sections[name] or {}))
        missing = [v for v in dict.fromkeys(wanted) if not env.get(v)]
        if missing:
            del sections[name]
            left_out[name] = missing
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(sections, sort_keys=False), encoding="utf-8")
    return left_out


def channel_credentials(source: Path, target: Path, env: dict) -> list[str]:
    """Copy credentials.yml to `target` without the channels whose ${VARS} are unset.

    A channel that needs secrets (Slack) is simply off until they are set. Returns one
    notice per channel left out.
    """
    return [
        f"{name.rsplit('.', 1)[-1]}: off ({' and '.join(missing)} not set; see README)."
        for name, missing in without_unset(source, target, env).items()
    ]


# -- dying with the launcher --------------------------------------------------------------
# The children get SIGTERM when the launcher dies, however it dies (SIGKILL included):
# prctl(PR_SET_PDEATHSIG) in the forked child, before exec. It is Linux-only, and the
# kernel sends the signal when the *thread* that forked the child exits, so it is only
# set for children spawned from the main thread. Elsewhere the pid file (below) and a
# clean stop are all there is.
PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn making the child get SIGTERM when this thread exits (None if unsupported)."""
    if _prctl is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec() -> None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl: nothing left to signal us
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def ignoring_sigint(then: Callable[[], None] | None) -> Callable[[], None]:
    """A preexec_fn starting the child with SIGINT ignored, then doing `then` (if any)."""

    def preexec() -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if then is not None:
            then()

    return preexec


def cmdline_of(pid: int) -> list[str]:
    """The process's command line from /proc ([] if it is gone or a zombie)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode(errors="replace").split("\0")[:-1]


def runs(pid: int, args: list[str]) -> bool:
    """Whether `pid` is alive and running `args` (a shebang may put an interpreter before them)."""
    cmdline = cmdline_of(pid)
    return bool(args) and cmdline[-len(args) :] == list(args)


def pid_file_for(bot_port: int) -> Path:
    return STATE_DIR / f"launcher.{bot_port}.pids"


def stop_leftovers(pid_file: Path, grace: float = GRACE) -> list[str]:
    """Stop the servers a dead launcher recorded in `pid_file`, then remove it.

    Only processes still running the recorded command line are signalled (a pid may have
    been reused since). RuntimeError if the recorded launcher itself is still running.
    Returns one notice per server stopped.
    """
    try:
        record = json.loads(pid_file.read_text(encoding="utf-8"))
        launcher, children = record["launcher"], record["children"]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError):
        pid_file.unlink(missing_ok=True)  # unreadable: nothing to act on safely
        return []
    if launcher["pid"] != os.getpid() and runs(launcher["pid"], launcher["cmdline"]):
        raise RuntimeError(
            f"another launcher (pid {launcher['pid']}) is already running on this port (see {pid_file}); stop it first."
        )
    left = [c for c in children if runs(c["pid"], c["cmdline"])]
    notices = []
    for child in left:
        os.kill(child["pid"], signal.SIGTERM)
        notices.append(
            f"Stopped the {LABELS.get(child['name'], child['name'])} (pid {child['pid']}) "
            f"left running by a launcher that died (pid {launcher['pid']})."
        )
    deadline = time.monotonic() + grace
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = [c for c in left if runs(c["pid"], c["cmdline"])]
    for child in left:
        os.kill(child["pid"], signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return notices


def terminate(processes: list[subprocess.Popen], grace: float = GRACE) -> None:
    """SIGTERM every process, wait up to `grace` seconds in all, then kill the rest."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post_rest(url: str, sender: str, text: str, timeout: float = 60) -> list:
    """Send one message to the bot's REST channel at `url`; the bot's replies."""
    import json

    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def wait_until_up(url: str, process: subprocess.Popen, timeout: float, name: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} during start-up")
        if answers(url):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{name} did not answer at {url} within {timeout:.0f} s")


# Supervision is a small polling loop here rather than supervisord, circus or the like: two
# children need no configuration language or extra daemon, a separate supervisor process
# would stop being their parent (and so lose PR_SET_PDEATHSIG, which ties them to the
# launcher), and tests keep starting the servers in-process through `Servers`. `make
# cluster` (bot/ops/cluster.py) watches its servers and services with the same loop.
@dataclass
class Watch:
    """What `supervise` knows about one child: how to start it again, and when it is up."""

    label: str  # how the log calls it: "Rasa server", "Rasa server 2 (port 5011)", "Redis"
    process: subprocess.Popen
    respawn: Callable[[subprocess.Popen], subprocess.Popen]  # the exited child -> its successor
    healthy: Callable[[], bool]
    start_timeout: float
    state: str = "up"  # "up", "waiting" (until `at`) or "starting" (health check due by `at`)
    at: float = 0.0
    up_since: float = 0.0
    down_since: float = 0.0
    delay: float = FIRST_DELAY
    misses: int = 0  # health checks failed in a row while up
    check_at: float = 0.0  # when the next one is due
    checking: Future | None = None  # the one under way


def _liveness(watch: Watch, now: float, checks: ThreadPoolExecutor) -> str | None:
    """Start the health check of a child that is up when it is due, read it once done: the
    problem once LIVENESS_MISSES have failed in a row (None until then). The checks run on
    `checks`' threads, so that a frozen child holds up nothing else."""
    if watch.checking is None:
        if now >= watch.check_at:
            watch.checking = checks.submit(watch.healthy)
        return None
    if not watch.checking.done():
        return None
    answered = watch.checking.exception() is None and watch.checking.result()
    watch.checking, watch.check_at = None, now + LIVENESS_EVERY
    watch.misses = 0 if answered else watch.misses + 1
    if watch.misses < LIVENESS_MISSES:
        return None
    watch.misses = 0
    terminate([watch.process], grace=FROZEN_GRACE)
    return f"did not answer its health check {LIVENESS_MISSES} times in a row; killed it"


def supervise(watches: list[Watch], poll: float = 0.5, log: Callable[[str], None] | None = None) -> None:
    """Keep the started children up until interrupted (KeyboardInterrupt); never returns.

    A child that exits is restarted on its own after a delay that doubles with each
    restart (FIRST_DELAY up to MAX_DELAY) and starts over once the child has stayed up
    STABLE_AFTER seconds; a restart counts as done when its health check answers. A child
    that is up but frozen (its health check unanswered LIVENESS_MISSES times in a row,
    LIVENESS_EVERY seconds apart) is killed and restarted the same way. One line on stderr
    (or `log`) per exit, kill and recovery. Everything but the health checks of children
    that are up runs on the calling thread (call it from the main one, see
    die_with_parent), so one child's restart never holds up noticing another's exit.
    """
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    now = time.monotonic()
    for watch in watches:
        watch.up_since, watch.check_at = now, now + LIVENESS_EVERY
    checks = ThreadPoolExecutor(max_workers=len(watches) or 1, thread_name_prefix="liveness")
    try:
        while True:
            for watch in watches:
                _supervise_one(watch, time.monotonic(), checks, log)
            time.sleep(poll)
    finally:
        checks.shutdown(wait=False, cancel_futures=True)  # a check under way ends within its timeout


def _supervise_one(watch: Watch, now: float, checks: ThreadPoolExecutor, log: Callable[[str], None]) -> None:
    """One look at one child (see supervise)."""
    code = watch.process.poll()
    if watch.state == "waiting":
        if now >= watch.at:
            watch.process = watch.respawn(watch.process)
            watch.state, watch.at = "starting", now + watch.start_timeout
        return
    problem = None
    if code is not None:
        problem = f"exited with code {code}"
        if watch.state == "starting":
            problem += " while starting"
        elif now - watch.up_since >= STABLE_AFTER:
            watch.delay = FIRST_DELAY
    elif watch.state == "starting":
        if watch.healthy():
            watch.state, watch.up_since = "up", time.monotonic()
            watch.misses, watch.checking, watch.check_at = 0, None, watch.up_since + LIVENESS_EVERY
            log(f"{watch.label} back up after {watch.up_since - watch.down_since:.1f} s")
        elif now >= watch.at:
            terminate([watch.process])
            problem = f"did not answer within {watch.start_timeout:g} s of starting"
    else:
        problem = _liveness(watch, now, checks)
    if problem:
        log(f"{watch.label} {problem}; restarting in {watch.delay:g} s")
        if watch.state == "up":
            watch.down_since = now
        watch.state, watch.at = "waiting", now + watch.delay
        watch.delay = min(watch.delay * 2, MAX_DELAY)


class Servers:
    """The action server plus `rasa run` (or `rasa shell`), as child processes.

    `processes` lists the children in start order (the action server first). With
    `pid_file` set, every spawn rewrites it with the children's pids and command lines,
    and `stop()` removes it.
    """

    def __init__(
        self,
        bot_port: int,
        action_port: int,
        host: str = "127.0.0.1",
        tracker_db: Path = DEFAULT_TRACKER_DB,
        model: Path = DEFAULT_MODEL,
        credentials: Path | None = None,
        log_dir: Path | None = None,
        extra_env: dict | None = None,
        pid_file: Path | None = None,
        endpoints: Path = PROJECT_ROOT / "endpoints.yml",
    ):
        self.bot_port, self.action_port, self.host = bot_port, action_port, host
        self.endpoints = endpoints  # the source of the per-port copy the server reads
        self.tracker_db, self.model = Path(tracker_db), Path(model)
        self.credentials_source = credentials or PROJECT_ROOT / "credentials.yml"
        self.notices: list[str] = []
        self.label = ""  # after "Rasa server" / "action server" in the log (the cluster numbers them)
        self.log_dir = log_dir
        self.pid_file = pid_file
        self.env = base_env(action_port, self.tracker_db, extra_env)
        # the origin browser pages may use the bot from (bot.channels.guard.own_origins)
        self.public_url_set = bool(settings.value("BOT_PUBLIC_URL", self.env))
        if not self.public_url_set:
            self.env["BOT_PUBLIC_URL"] = f"http://127.0.0.1:{bot_port}"
        # ACTION_URL set elsewhere: the actions run there, and only Rasa starts here
        self.local_actions = settings.value("ACTION_URL", self.env) == local_action_url(action_port)
        self.processes: list[subprocess.Popen] = []
        self._names: dict[subprocess.Popen, str] = {}  # child -> "actions", "rasa", "shell"
        self._args: dict[subprocess.Popen, list[str]] = {}
        self._logs: list = []  # open log files, closed by stop()
        self._written: list[Path] = []  # per-port credentials and endpoints, removed by stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.bot_port}"

    def health_url(self, name: str) -> str:
        if name == "actions":
            return f"http://127.0.0.1:{self.action_port}/health"
        return f"http://127.0.0.1:{self.bot_port}/"  # Rasa listens once the model is loaded

    def _spawn(
        self, name: str, args: list[str], interactive: bool = False, replacing: subprocess.Popen | None = None
    ) -> subprocess.Popen:
        """Start a child; it takes `replacing`'s place in `processes` if given, else goes last.

        An interactive child shares the terminal, so Ctrl-C signals it along with the
        launcher; it starts with SIGINT ignored, the launcher being the one that stops
        everything (the chat itself leaves on Ctrl-C once it prompts, bot.rasa_ext.patches.shell).
        """
        out = None
        if self.log_dir is not None and not interactive:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
            self._logs.append(out)
        process = subprocess.Popen(
            args,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=not interactive,
            preexec_fn=ignoring_sigint(die_with_parent()) if interactive else die_with_parent(),
        )
        if replacing in self.processes:
            self.processes[self.processes.index(replacing)] = process
            self._names.pop(replacing, None)
            self._args.pop(replacing, None)
        else:
            self.processes.append(process)
        self._names[process], self._args[process] = name, list(args)
        self._write_pid_file()
        return process

    def _write_pid_file(self) -> None:
        if self.pid_file is None:
            return
        record = {
            "launcher": {"pid": os.getpid(), "cmdline": cmdline_of(os.getpid())},
            "children": [
                {"name": self._names.get(p, "?"), "pid": p.pid, "cmdline": self._args.get(p, [])}
                for p in self.processes
            ],
        }
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.pid_file.with_name(self.pid_file.name + ".new")
        partial.write_text(json.dumps(record, indent=1), encoding="utf-8")
        partial.replace(self.pid_file)

    def actions_args(self) -> list[str]:
        """The action server (bot/ops/action_server.py: rasa_sdk's, without Rasa)."""
        return [
            sys.executable,
            "-m",
            "bot.ops.action_server",
            "--actions",
            "actions",
            "--port",
            str(self.action_port),
        ]

    def spawn_actions(self, replacing: subprocess.Popen | None = None) -> subprocess.Popen:
        return self._spawn("actions", self.actions_args(), replacing=replacing)

    def start_actions(self, timeout: float = START_TIMEOUT["actions"]) -> None:
        process = self.spawn_actions()
        wait_until_up(self.health_url("actions"), process, timeout, LABELS["actions"])

    def _write(self, name: str) -> Path:
        path = self.tracker_db.parent / name
        if path not in self._written:
            self._written.append(path)
        return path

    def rasa_args(self, command: str, port: int, host: str) -> list[str]:
        """Arguments for `rasa run` or `rasa shell`, with per-port copies of endpoints.yml
        and (for `run`) credentials.yml holding only the sections whose variables are set;
        stop() removes them. The terminal chat takes no credentials."""
        self.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        endpoints = self._write(f"endpoints.{port}.yml")
        without_unset(self.endpoints, endpoints, self.env)
        if command == "shell":
            credentials = SHELL_CREDENTIALS
        else:
            credentials = self._write(f"credentials.{port}.yml")
            self.notices = channel_credentials(self.credentials_source, credentials, self.env)
            if host not in ("127.0.0.1", "localhost") and not self.public_url_set:
                self.notices.append(
                    f"Web chat: pages open only at http://127.0.0.1:{port}; set BOT_PUBLIC_URL to the "
                    "address people open the bot at (its origin may use the web chat and REST)."
                )
        sqlite = sqlite_path(settings.value("TRACKER_DB_URL", self.env))
        if sqlite is not None:
            write_ahead(sqlite)
        return [
            sys.executable,
            "-m",
            "bot.ops.serve",
            command,
            "--model",
            str(self.model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
            "--port",
            str(port),
            "--interface",
            host,
        ]

    def spawn_bot(self, replacing: subprocess.Popen | None = None) -> subprocess.Popen:
        return self._spawn("rasa", self.rasa_args("run", self.bot_port, self.host), replacing=replacing)

    def start_bot(self, timeout: float = START_TIMEOUT["rasa"]) -> None:
        process = self.spawn_bot()
        wait_until_up(self.health_url("rasa"), process, timeout, LABELS["rasa"])

    def restart_bot(self) -> None:
        """Stop `rasa run` and start it again (the action server keeps running)."""
        terminate([self.processes.pop()])
        self.start_bot()

    def start(self) -> Servers:
        """Both servers (Rasa alone with ACTION_URL set), started side by side (Rasa calls
        the action server only when a message comes); returns once they answer their
        health checks."""
        try:
            actions = self.spawn_actions() if self.local_actions else None
            bot = self.spawn_bot()
            if actions is not None:
                wait_until_up(self.health_url("actions"), actions, START_TIMEOUT["actions"], LABELS["actions"])
            wait_until_up(self.health_url("rasa"), bot, START_TIMEOUT["rasa"], LABELS["rasa"])
        except BaseException:
            self.stop()
            raise
        return self

    def watches(self) -> list[Watch]:
        """One Watch per started child, restarting it in its place."""

        def respawner(name: str) -> Callable[[subprocess.Popen], subprocess.Popen]:
            spawn = self.spawn_actions if name == "actions" else self.spawn_bot
            return lambda old: spawn(replacing=old)

        return [
            Watch(
                LABELS[self._names[p]] + self.label,
                p,
                respawner(self._names[p]),
                partial(answers, self.health_url(self._names[p])),
                START_TIMEOUT[self._names[p]],
            )
            for p in self.processes
        ]

    def supervise(self, poll: float = 0.5, log: Callable[[str], None] | None = None) -> None:
        """Keep the started servers up until interrupted (see `supervise`); never returns."""
        supervise(self.watches(), poll, log)

    def stop(self) -> None:
        terminate(self.processes)
        self.processes.clear()
        self._names.clear()
        self._args.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()
        for path in self._written:
            path.unlink(missing_ok=True)
        self._written.clear()
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> Servers:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def write_ahead(db: Path) -> None:
    """Put the SQLite tracker store in write-ahead-log mode (kept in the file). Each
    turn's commit then syncs the log once instead of the journal and the database:
    0.36 against 0.89 ms here, as durable (synchronous stays FULL), and readers no longer
    wait for a writer."""
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.close()


def _check_ready(model: Path) -> None:
    from bot.answers import load_answers
    from bot.knowledge import KnowledgeError

    try:
        load_answers()
    except KnowledgeError as error:
        sys.exit(f"Cannot start: {error}")
    if not model.exists():
        sys.exit(f"No trained model at {model}: run `make train` (make run does it for you).")


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def ignore_stop_signals() -> None:
    """Once stopping, a second Ctrl-C must not interrupt it (and print a traceback);
    stop() kills whatever has not exited after its grace period."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def stop_on_signals() -> None:
    """The first Ctrl-C, SIGTERM or SIGHUP (a closed terminal) raises KeyboardInterrupt,
    later ones are ignored. SIGHUP ignored from the start (nohup) stays ignored."""

    def on_signal(signum, frame):
        ignore_stop_signals()
        raise KeyboardInterrupt

    for signum in STOP_SIGNALS:
        if signum != signal.SIGHUP or signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, on_signal)


def banner(url: str, notices: list[str], actions: str, what: str = "The career bot is up.") -> str:
    """What `make run` and `make cluster` print once the bot answers at `url`."""
    lines = [
        "",
        what,
        f"  Chat page: {url}/chat",
        f'  Embed:     <script src="{url}/chat/widget.js"></script>  '
        f"(demo: {url}/chat/demo; other sites need WEB_ALLOWED_ORIGINS)",
        f'  REST:      POST {url}/webhooks/rest/webhook  {{"sender": "me", "message": "what do ML engineers earn?"}}',
    ]
    if not any(n.startswith("Slack") for n in notices):
        lines.append(f"  Slack:     POST {url}/webhooks/slack/webhook  (events and interactivity)")
    return "\n".join(lines + [f"  Actions:   {actions}", "Press Ctrl-C to stop."])


def until_stopped(work: Callable[[], int | None], cleanup: Callable[[], None], say_stopping: bool = True) -> int:
    """Run `work`: it starts the servers and supervises them until Ctrl-C, SIGTERM or
    SIGHUP (KeyboardInterrupt, see stop_on_signals), or returns an exit code. Stopped that
    way: "Stopping ..." (if `say_stopping`) and 0; a server that did not come up, a port
    taken or a bad setting (RuntimeError, ValueError): "Cannot start: ..." and 1. Always
    `cleanup()` then "Stopped." (make run and make cluster both end this way)."""
    try:
        return work() or 0
    except KeyboardInterrupt:
        if say_stopping:
            print("\nStopping ...", flush=True)
        return 0
    except (RuntimeError, ValueError) as error:
        print(f"Cannot start: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        ignore_stop_signals()
        cleanup()
        print("Stopped.", flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "run"
    if command not in ("run", "shell"):
        sys.exit("usage: python -m bot.ops.launcher [run|shell]")
    stop_on_signals()  # first thing: a Ctrl-C during the checks below stops quietly too
    started: list[Servers] = []
    sweeping: list[Retention] = []

    def work() -> int | None:
        settings.check()  # a bad value: Cannot start, naming it
        retention = Retention.from_env() if command == "run" else None
        model = settings.value("MODEL")
        _check_ready(model)
        bot_port = settings.value("BOT_PORT")
        servers = Servers(
            bot_port=bot_port,
            action_port=settings.value("ACTION_PORT"),
            host=settings.value("BOT_HOST"),
            tracker_db=settings.value("TRACKER_DB"),
            model=model,
        )
        started.append(servers)
        if command == "run":
            pid_file = pid_file_for(bot_port)
            for notice in stop_leftovers(pid_file):  # fails if another launcher has this port
                print(notice, flush=True)
            servers.pid_file = pid_file  # only now: stop() removes it
        if servers.local_actions:
            print(f"Starting the action server on http://127.0.0.1:{servers.action_port} ...", flush=True)
        if command == "shell":
            if servers.local_actions:
                servers.start_actions()  # up, or a clear error, before the prompt
            args = servers.rasa_args("shell", free_port(), "127.0.0.1")
            return servers._spawn("shell", args, interactive=True).wait()
        print(f"Starting the bot on {servers.url} at the same time ...", flush=True)
        servers.start()
        for notice in servers.notices:
            print(notice, flush=True)
        actions = (
            f"http://127.0.0.1:{servers.action_port}/health"
            if servers.local_actions
            else f"{settings.value('ACTION_URL', servers.env)} (ACTION_URL)"
        )
        print(banner(servers.url, servers.notices, actions), flush=True)
        if retention is not None:
            sweeping.append(retention.start(settings.value("TRACKER_DB_URL", servers.env)))
        servers.supervise()
        return None

    def cleanup() -> None:
        for retention in sweeping:
            retention.stop()
        for servers in started:
            servers.stop()

    # the shell's chat says its own goodbye
    return until_stopped(work, cleanup, say_stopping=command == "run")


if __name__ == "__main__":
    sys.exit(main())
