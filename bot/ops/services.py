"""The services the scale-out mode runs beside the bot (issue 12), from Debian's packages:
Redis (locks and Slack's memory of deliveries) and PostgreSQL (conversations).

Each runs in the foreground as a child of this process, on a loopback port, and dies with
it (PR_SET_PDEATHSIG, as the launcher's servers do). `make cluster` and the tests start
them the same way:

    with Redis(port) as redis, Postgres(data_dir, port) as postgres:
        redis.url, postgres.url    # what REDIS_URL and TRACKER_DB_URL are set to
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

from bot.ops.launcher import die_with_parent, terminate

# Where Debian puts them; `make cluster` and .ci/run install the packages when missing.
PACKAGES = {"redis-server": "redis-server", "postgres": "postgresql", "haproxy": "haproxy"}


def open_folder(prefix: str) -> Path:
    """A new folder under /tmp that PostgreSQL can use when we are root (it runs as the
    postgres user, who must enter every folder above its data; pytest's tmp_path is 0700)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


class MissingProgram(RuntimeError):
    pass


def program(name: str, extra_dirs: list[str] = ()) -> str:
    """The path of `name` (on PATH or in `extra_dirs`), or MissingProgram saying what to install."""
    found = shutil.which(name) or next((str(p) for d in extra_dirs for p in [Path(d) / name] if p.is_file()), None)
    if found is None:
        raise MissingProgram(
            f"{name} is missing: install Debian's {PACKAGES.get(name, name)} package "
            f"(apt-get install {PACKAGES.get(name, name)}; `make cluster` and .ci/run do it)"
        )
    return found


class Service:
    """One child process that answers `ready()` once it is up."""

    name = "service"
    start_timeout = 30.0

    def __init__(self, port: int, log: Path | None = None):
        self.port = port
        self.log = log
        self.process: subprocess.Popen | None = None
        self._log_file = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def prepare(self) -> None:
        """Anything to do once before the first start (a data directory, say)."""

    def popen_kwargs(self) -> dict:
        return {}

    def spawn(self) -> subprocess.Popen:
        """Start the process (prepare() first), without waiting for it to be ready."""
        self.prepare()
        out = subprocess.DEVNULL
        if self.log is not None:
            if self._log_file is None:
                self.log.parent.mkdir(parents=True, exist_ok=True)
                self._log_file = open(self.log, "ab")
            out = self._log_file
        self.process = subprocess.Popen(
            self.command(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(),
            **self.popen_kwargs(),
        )
        return self.process

    def start(self) -> Service:
        """Start the process and wait until it is ready (RuntimeError if it is not in time)."""
        self.spawn()
        deadline = time.monotonic() + self.start_timeout
        while not self.ready():
            if self.process.poll() is not None:
                self.stop()
                where = f" (see {self.log})" if self.log else ""
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode} while starting{where}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} did not start within {self.start_timeout:.0f} s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None:
            terminate([self.process])
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Redis(Service):
    """redis-server on 127.0.0.1:port, nothing written to disk (locks and delivery marks
    are short-lived; a restarted Redis starts empty, which loses no conversation)."""

    name = "Redis"

    def command(self) -> list[str]:
        return [
            program("redis-server"),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ready(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=2).ping())
        except redis.ConnectionError:
            return False


POSTGRES_DIRS = sorted(
    glob.glob("/usr/lib/postgresql/*/bin"),  # Debian's, newest first
    key=lambda d: [int(n) if n.isdigit() else 0 for n in Path(d).parent.name.split(".")],
    reverse=True,
)
DATABASE = USER = "careerbot"  # the database and the role (its owner) the bot uses


class Postgres(Service):
    """PostgreSQL on 127.0.0.1:port over `data_dir`, which the first start creates (initdb)
    with the role `careerbot` and its database `careerbot`.

    The role's password is made up then and kept in data_dir/careerbot.password (mode 0600),
    so it goes with the data; TCP connections need it (scram-sha-256), only the local socket
    (in data_dir) is trusted. Running as root, PostgreSQL runs as Debian's `postgres` user
    (it refuses root), which then owns data_dir and must be able to reach it: every folder
    above it must be open to others (a 0700 one, like pytest's tmp_path, is refused with a
    message saying so). stop() asks for a fast shutdown (what `pg_ctl stop` does: open
    sessions are ended, not waited for)."""

    name = "PostgreSQL"

    def __init__(self, data_dir: Path, port: int, log: Path | None = None):
        super().__init__(port, log)
        self.data_dir = Path(data_dir).absolute()

    @property
    def password_file(self) -> Path:
        return self.data_dir / f"{USER}.password"

    @property
    def password(self) -> str:
        return self.password_file.read_text(encoding="utf-8").strip()

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{DATABASE}"

    def popen_kwargs(self) -> dict:
        """Run as the `postgres` user when we are root (initdb and postgres refuse root)."""
        if os.geteuid() != 0:
            return {}
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise MissingProgram(
                "the postgres user is missing: install Debian's postgresql package "
                "(apt-get install postgresql), which creates it"
            ) from None
        return {
            "user": account.pw_uid,
            "group": account.pw_gid,
            "extra_groups": os.getgrouplist("postgres", account.pw_gid),
        }

    def run(self, command: list[str], stdin: str = "") -> str:
        """Run one PostgreSQL program to completion, as the server's user; its output."""
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, cwd="/", **self.popen_kwargs())
        output = "\n".join(text.strip() for text in (done.stdout, done.stderr) if text.strip())
        if done.returncode != 0 or " ERROR: " in output:
            raise RuntimeError(f"{Path(command[0]).name} failed on {self.data_dir}:\n{output}")
        return output

    def prepare(self) -> None:
        postgres = program("postgres", POSTGRES_DIRS)
        initdb = program("initdb", [str(Path(postgres).resolve().parent)])  # the same version's
        kwargs = self.popen_kwargs()
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if kwargs:
            self.check_reachable(kwargs)
            os.chown(self.data_dir, kwargs["user"], kwargs["group"])
        if (self.data_dir / "PG_VERSION").exists():
            if not self.password_file.exists():
                raise RuntimeError(
                    f"{self.data_dir} holds a database but no {self.password_file.name}: "
                    f"its set-up failed or was not ours; remove the folder to start over"
                )
            return
        self.run(
            [
                initdb,
                "-D",
                str(self.data_dir),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-instructions",
            ]
        )
        password = secrets.token_urlsafe(24)
        # Single-user mode: one statement a line, nothing listening while the role is made.
        self.run(
            [postgres, "--single", "-D", str(self.data_dir), "postgres"],
            stdin=f"CREATE ROLE {USER} LOGIN PASSWORD '{password}'\nCREATE DATABASE {DATABASE} OWNER {USER}\n",
        )
        descriptor = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(password + "\n")
        if kwargs:
            os.chown(self.password_file, kwargs["user"], kwargs["group"])

    def check_reachable(self, kwargs: dict) -> None:
        """Refuse, saying why, a data_dir whose parent the postgres user cannot enter."""
        parent = self.data_dir.parent
        if subprocess.run(["test", "-x", str(parent)], cwd="/", **kwargs).returncode != 0:
            raise RuntimeError(
                f"PostgreSQL runs as the postgres user (we are root), which cannot enter {parent}: "
                f"put its data directory where every folder above it is open to others (chmod o+x)"
            )

    def command(self) -> list[str]:
        # A socket path (with its .s.PGSQL.<port>.lock) over 107 bytes is refused: then TCP only.
        sockets = str(self.data_dir) if len(str(self.data_dir)) < 85 else ""
        return [
            program("postgres", POSTGRES_DIRS),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-k",
            sockets,
            "-c",
            "max_connections=300",
        ]

    def ready(self) -> bool:
        import psycopg2

        try:
            psycopg2.connect(self.url, connect_timeout=1).close()
            return True
        except psycopg2.OperationalError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown; terminate()'s SIGTERM adds nothing
        super().stop()
