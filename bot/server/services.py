"""The services the scale-out mode runs beside the bot (issue 12), from Debian's packages:
Redis (locks and Slack's memory of deliveries) and PostgreSQL (conversations).

Each runs in the foreground as a child of this process, on a loopback port, and dies with
it (PR_SET_PDEATHSIG, as the launcher's servers do). `make cluster` and the tests start
them the same way:

    with Redis(port) as redis, Postgres(data_dir, port) as postgres:
        redis.url, postgres.url    # what REDIS_URL and TRACKER_DB_URL are set to
"""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import List, Optional

from bot.server.launcher import die_with_parent, terminate

# Where Debian puts them; `make cluster` and .ci/run install the packages when missing.
PACKAGES = {"redis-server": "redis-server", "postgres": "postgresql", "haproxy": "haproxy"}


class MissingProgram(RuntimeError):
    pass


def program(name: str, extra_dirs: List[str] = ()) -> str:
    """The path of `name` (on PATH or in `extra_dirs`), or MissingProgram saying what to install."""
    found = shutil.which(name) or next(
        (str(p) for d in extra_dirs for p in [Path(d) / name] if p.is_file()), None)
    if found is None:
        raise MissingProgram(f"{name} is missing: install Debian's {PACKAGES.get(name, name)} package "
                             f"(apt-get install {PACKAGES.get(name, name)}; `make cluster` and .ci/run do it)")
    return found


class Service:
    """One child process that answers `ready()` once it is up."""

    name = "service"
    start_timeout = 30.0

    def __init__(self, port: int, log: Optional[Path] = None):
        self.port = port
        self.log = log
        self.process: Optional[subprocess.Popen] = None
        self._log_file = None

    def command(self) -> List[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def prepare(self) -> None:
        """Anything to do once before the first start (a data directory, say)."""

    def popen_kwargs(self) -> dict:
        return {}

    def start(self) -> "Service":
        self.prepare()
        out = subprocess.DEVNULL
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            out = self._log_file = open(self.log, "ab")
        self.process = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=die_with_parent(), **self.popen_kwargs())
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

    def command(self) -> List[str]:
        return [program("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no"]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ready(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.ConnectionError:
            return False
