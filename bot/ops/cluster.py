"""`make cluster`: the bot as several servers on one machine, the way it runs on several.

    python -m bot.ops.cluster run              # everything below, on loopback
    python -m bot.ops.cluster haproxy-config --bind 0.0.0.0:5005 \\
        --rasa 10.0.0.11:5005 10.0.0.12:5005      # the load balancer's config for other
                                                  # hosts (deploy/haproxy.cfg is this one)

What `run` starts, each a child that dies with it and is restarted if it exits:
- PostgreSQL (conversations; data in CLUSTER_DIR/postgres, made on first start) and Redis
  (locks, Slack's memory of deliveries), unless TRACKER_DB_URL / REDIS_URL name running ones;
- ACTION_SERVERS action servers (default 2) and RASA_SERVERS Rasa servers (default 2), each
  Rasa server with SANIC_WORKERS workers (default 1), on free loopback ports;
- HAProxy on BOT_HOST:BOT_PORT in front of the Rasa servers, and on a loopback port in
  front of the action servers (ACTION_URL of every Rasa server).

Why HAProxy (Debian's haproxy) rather than nginx: the open-source nginx checks a server
only by failing real requests (passive), while HAProxy checks every server once a second
(GET / on Rasa, /health on actions) and stops sending to one before a user's message fails
on it; it retries a request whose connection was refused on another server, and it keeps
a browser's socket.io session on one server (a cookie, or the client's address when the
widget runs on another site and sends no cookie) in the same few lines.

Routing: REST and Slack go to the Rasa server with the fewest requests in progress
(`leastconn`): every server reads and writes the same conversations in PostgreSQL, and
Redis's locks make one conversation's messages wait for each other whichever server they
reach. Only socket.io is sticky: its polling transport keeps a session in one server's
memory.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot import DEFAULT_MODEL, settings
from bot.ops.launcher import (
    LABELS,
    START_TIMEOUT,
    Servers,
    Watch,
    _check_ready,
    answers,
    banner,
    cmdline_of,
    free_port,
    pid_file_for,
    stop_leftovers,
    stop_on_signals,
    supervise,
    until_stopped,
    wait_until_up,
)
from bot.ops.services import Postgres, Redis, Service, program
from bot.storage.retention import Retention

DEFAULT_DIR = settings.default("CLUSTER_DIR")
COOKIE = "CAREERBOT_SERVER"  # which Rasa server holds a browser's socket.io session
HEALTH = "/lb-health"  # answered by HAProxy itself


def haproxy_config(
    bind: str, rasa: Sequence[str], actions: Sequence[str] = (), actions_bind: str = "127.0.0.1:5055"
) -> str:
    """HAProxy's configuration: the bot on `bind` over the Rasa servers `rasa` (host:port),
    and, if any, the action servers `actions` on `actions_bind` (what ACTION_URL points
    at; without them each bot host runs its own, as `make run` does)."""

    def servers(prefix: str, addresses: Sequence[str], extra: str = "") -> list[str]:
        return [
            f"    server {prefix}{n} {address}{extra.format(n=n, prefix=prefix)}"
            for n, address in enumerate(addresses, 1)
        ]

    lines = [
        "# HAProxy in front of the career bot (bot/ops/cluster.py writes this file;",
        "# `python -m bot.ops.cluster haproxy-config` prints it for other hosts).",
        "global",
        "    maxconn 4096",
        "    log stdout format raw daemon notice  # servers going down and up",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option forwardfor",
        "    timeout connect 2s",
        "    timeout client 65s",
        "    timeout server 65s",
        "    timeout http-request 10s",
        "    timeout tunnel 1h  # web chat over WebSocket",
        "    # a health check waits behind the messages a busy server is answering: a slow",
        "    # answer is not a dead server (with the default, 1 s, busy servers were taken out)",
        "    timeout check 5s",
        "    # a connection refused (a server just died) is tried again on another server;",
        "    # a request a server received is never sent twice",
        "    retries 3",
        "    option redispatch 1",
        "    retry-on conn-failure",
        "    default-server inter 1s fall 2 rise 1",
        "",
        "frontend bot",
        f"    bind {bind}",
        f"    monitor-uri {HEALTH}",
        "    use_backend rasa_socketio if { path_beg /socket.io/ }",
        "    default_backend rasa",
        "",
        "backend rasa",
        "    balance leastconn",
        "    option httpchk GET /",
        "    http-check expect status 200",
        *servers("rasa", rasa, " check"),
        "",
        "backend rasa_socketio",
        "    # socket.io's polling transport keeps its session in one server: stick to it",
        "    balance source",
        "    hash-type consistent",
        f"    cookie {COOKIE} insert indirect nocache httponly",
        *servers("rasa", rasa, " track rasa/{prefix}{n} cookie {prefix}{n}"),
        "",
    ]
    if actions:
        lines += [
            "listen actions",
            f"    bind {actions_bind}",
            "    balance leastconn",
            "    option httpchk GET /health",
            "    http-check expect status 200",
            *servers("actions", actions, " check"),
            "",
        ]
    return "\n".join(lines)


class HAProxy(Service):
    """HAProxy in the foreground (-db) with the configuration file `config`."""

    name = "HAProxy"

    def __init__(self, config: Path, port: int, host: str = "127.0.0.1", log: Path | None = None):
        super().__init__(port, log)
        self.config, self.host = config, host

    def command(self) -> list[str]:
        return [program("haproxy", ["/usr/sbin"]), "-db", "-f", str(self.config)]

    def ready(self) -> bool:
        """It answers, and has a Rasa server to send to (its first health checks passed:
        until then it answers 503)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return answers(f"http://{host}:{self.port}{HEALTH}") and answers(f"http://{host}:{self.port}/")


def counted(number: int, thing: str) -> str:
    """ "1 Rasa server", "2 Rasa servers"."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


class Cluster:
    """The services, the action servers, the Rasa servers and the load balancer."""

    def __init__(
        self,
        bot_port: int,
        host: str = "127.0.0.1",
        rasa_servers: int = 2,
        action_servers: int = 2,
        workers: int = 1,
        directory: Path = DEFAULT_DIR,
        model: Path = DEFAULT_MODEL,
        extra_env: dict | None = None,
        credentials: Path | None = None,
    ):
        if rasa_servers < 1 or action_servers < 1 or workers < 1:
            raise ValueError("RASA_SERVERS, ACTION_SERVERS and SANIC_WORKERS must each be at least 1")
        self.bot_port, self.host, self.directory = bot_port, host, Path(directory).absolute()
        self.logs = self.directory / "logs"
        env = {**os.environ, **(extra_env or {})}
        self.services: list[Service] = []
        self.tracker_db_url, self.redis_url = settings.value("TRACKER_DB_URL", env), settings.value("REDIS_URL", env)
        if not self.redis_url:
            redis = Redis(free_port(), log=self.logs / "redis.log")
            self.services.append(redis)
            self.redis_url = redis.url
        if not self.tracker_db_url:
            self.postgres = Postgres(self.directory / "postgres", free_port(), log=self.logs / "postgres.log")
            self.services.append(self.postgres)
        self.action_port = free_port()  # the load balancer's, for the Rasa servers
        shared = {
            **(extra_env or {}),
            "REDIS_URL": self.redis_url,
            "SANIC_WORKERS": str(workers),
            "ACTION_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            # browser pages open the bot at the load balancer, not at a Rasa server's port
            "BOT_PUBLIC_URL": settings.value("BOT_PUBLIC_URL", env) or f"http://127.0.0.1:{bot_port}",
        }

        def member(number: int, kind: str) -> Servers:
            # one server of `kind`; its per-port endpoints and credentials go in `directory`
            # (next to its tracker_db, which with TRACKER_DB_URL set is never created)
            servers = Servers(
                free_port(),
                free_port(),
                tracker_db=self.directory / "unused.db",
                model=model,
                credentials=credentials,
                extra_env=dict(shared),
                log_dir=self.logs / f"{kind}-{number}",
            )
            port = servers.bot_port if kind == "rasa" else servers.action_port
            servers.label = f" {number} (port {port})"
            return servers

        self.rasa = [member(n, "rasa") for n in range(1, rasa_servers + 1)]
        self.actions = [member(n, "actions") for n in range(1, action_servers + 1)]
        config = self.directory / "haproxy.cfg"
        self.balancer = HAProxy(config, bot_port, host, log=self.logs / "haproxy.log")
        self.pid_file: Path | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.bot_port}"

    @property
    def children(self):
        return (
            [s.process for s in self.services if s.process]
            + [p for group in self.actions + self.rasa for p in group.processes]
            + ([self.balancer.process] if self.balancer.process else [])
        )

    def start(self) -> Cluster:
        """Everything, the servers side by side; returns once the load balancer answers."""
        try:
            for service in self.services:
                service.start()
            if not self.tracker_db_url:
                self.tracker_db_url = self.postgres.url
            for servers in self.rasa:
                servers.env["TRACKER_DB_URL"] = self.tracker_db_url
            for servers in self.actions:
                servers.spawn_actions()
            for servers in self.rasa:
                servers.spawn_bot()
            for servers in self.actions + self.rasa:
                for process in servers.processes:
                    name = "actions" if servers in self.actions else "rasa"
                    wait_until_up(servers.health_url(name), process, START_TIMEOUT[name], LABELS[name] + servers.label)
            self.balancer.config.write_text(
                haproxy_config(
                    f"{self.host}:{self.bot_port}",
                    [f"127.0.0.1:{s.bot_port}" for s in self.rasa],
                    [f"127.0.0.1:{s.action_port}" for s in self.actions],
                    actions_bind=f"127.0.0.1:{self.action_port}",
                ),
                encoding="utf-8",
            )
            self.balancer.start()
        except BaseException:
            self.stop()
            raise
        return self

    def watch_all(self) -> list[Watch]:
        """Watches for every child: a service that exits is started again like a server,
        and the pid file is rewritten with each new child."""
        watches = [watch for group in self.actions + self.rasa for watch in group.watches()]
        for service in self.services + [self.balancer]:
            watches.append(
                Watch(
                    service.name,
                    service.process,
                    lambda old, s=service: s.spawn(),
                    service.ready,
                    service.start_timeout,
                )
            )
        for watch in watches:
            watch.respawn = self._recorded(watch.respawn)
        return watches

    def _recorded(self, respawn):
        def again(old):
            process = respawn(old)
            self.record()
            return process

        return again

    def stop(self) -> None:
        """The load balancer first (no new requests), then the servers, then the services."""
        self.balancer.stop()
        for group in self.rasa + self.actions:
            group.stop()
        for service in reversed(self.services):
            service.stop()
        if self.pid_file is not None:
            self.pid_file.unlink(missing_ok=True)

    def record(self) -> None:
        """Every child's pid and command line in `pid_file` (if set), for stop_leftovers
        (as `make run` does); stop() removes it."""
        import json

        if self.pid_file is None:
            return
        pid_file = self.pid_file
        children = [{"name": "cluster", "pid": p.pid, "cmdline": cmdline_of(p.pid)} for p in self.children]
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(
            json.dumps(
                {"launcher": {"pid": os.getpid(), "cmdline": cmdline_of(os.getpid())}, "children": children}, indent=1
            ),
            encoding="utf-8",
        )

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def run() -> int:
    stop_on_signals()  # first thing: a Ctrl-C during the checks below stops quietly too
    started: list[Cluster] = []
    sweeping: list[Retention] = []

    def work() -> None:
        settings.check()  # a bad value: Cannot start, naming it
        retention = Retention.from_env()
        model = settings.value("MODEL")
        _check_ready(model)
        pid_file = pid_file_for(settings.value("BOT_PORT"))
        cluster = Cluster(
            settings.value("BOT_PORT"),
            settings.value("BOT_HOST"),
            rasa_servers=settings.value("RASA_SERVERS"),
            action_servers=settings.value("ACTION_SERVERS"),
            workers=settings.value("SANIC_WORKERS"),
            directory=settings.value("CLUSTER_DIR"),
            model=model,
        )
        for notice in stop_leftovers(pid_file):  # fails if another launcher has this port
            print(notice, flush=True)
        started.append(cluster)
        cluster.pid_file = pid_file
        began = time.monotonic()
        print(
            f"Starting {len(cluster.services)} services, {len(cluster.actions)} action servers, "
            f"{len(cluster.rasa)} Rasa servers and HAProxy (logs in {cluster.logs}) ...",
            flush=True,
        )
        cluster.start()
        cluster.record()
        for notice in cluster.rasa[0].notices:
            print(notice, flush=True)
        print(
            banner(
                cluster.url,
                cluster.rasa[0].notices,
                f"{counted(len(cluster.actions), 'action server')} behind HAProxy on port {cluster.action_port}",
                what=f"The career bot is up as a cluster, in {time.monotonic() - began:.1f} s: "
                f"{counted(len(cluster.rasa), 'Rasa server')} behind HAProxy, conversations in "
                f"{'PostgreSQL' if not settings.value('TRACKER_DB_URL') else 'TRACKER_DB_URL'}, "
                f"locks in Redis.",
            ),
            flush=True,
        )
        if retention is not None:
            sweeping.append(retention.start(cluster.tracker_db_url))
        supervise(cluster.watch_all())

    def cleanup() -> None:
        for retention in sweeping:
            retention.stop()
        for cluster in started:
            cluster.stop()

    return until_stopped(work, cleanup)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bot.ops.cluster", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the cluster on this machine (make cluster)")
    config = commands.add_parser("haproxy-config", help="print HAProxy's configuration for given hosts")
    config.add_argument("--bind", default="0.0.0.0:5005", help="where the bot answers (host:port)")
    config.add_argument("--rasa", nargs="+", required=True, help="the Rasa servers (host:port)")
    config.add_argument(
        "--actions",
        nargs="+",
        default=[],
        help="action servers (host:port) to balance too (default: none, each bot host runs its own)",
    )
    config.add_argument(
        "--actions-bind",
        default="127.0.0.1:5055",
        help="where HAProxy offers the action servers (the Rasa servers' ACTION_URL)",
    )
    args = parser.parse_args(argv)
    if args.command == "haproxy-config":
        print(haproxy_config(args.bind, args.rasa, args.actions, args.actions_bind), end="")
        return 0
    return run()


if __name__ == "__main__":
    sys.exit(main())
