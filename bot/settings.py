"""Every environment variable the bot reads, in one place: its name, type, default and
meaning (each has a row in one of the README's tables, which a test checks).

    from bot import settings
    settings.value("BOT_PORT")          # 5005, or the environment's value as a whole number
    settings.value("REDIS_URL", env)    # from another environment (a child's, a test's)
    settings.check()                    # every value, or SettingError naming the first bad one

Values are read when asked for, never kept, so a launcher or a test that changes the
environment is seen. An empty value is the same as unset. The launchers, both servers and
the tools call `check()` first, so that a bad value stops start-up with a message naming
the variable and what it must be, instead of failing later (or silently falling back).

Rasa reads some of them itself from endpoints.yml and credentials.yml (ACTION_URL,
TRACKER_DB_URL, REDIS_URL, TICKET_LOCK_LIFETIME, the Slack secrets) and Sanic reads
SANIC_REQUEST_MAX_SIZE and SANIC_GRACEFUL_SHUTDOWN_TIMEOUT: they are here for the check and
the README.
"""

from __future__ import annotations

import math
import os
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import DEFAULT_MODEL, DEFAULT_TRACKER_DB, KNOWLEDGE_FILE, STATE_DIR


class SettingError(ValueError):
    """A setting's value is not one it can take; the message names it."""


def whole(least: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            number = int(raw)
        except ValueError:
            number = None
        if number is None or number < least:
            raise ValueError(f"a whole number of at least {least}")
        return number

    return parse


def positive(raw: str) -> float:
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number > 0):
        raise ValueError("a positive number")
    return number


def days(raw: str) -> float:
    try:
        return positive(raw)
    except ValueError:
        raise ValueError("a positive number of days (or unset to keep conversations)") from None


def origins(raw: str) -> list[str]:
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]


def public_url(raw: str) -> str:
    """The origin (scheme://host[:port]) of an http(s) URL; any path is dropped."""
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("an http(s) URL like https://careers.example.org")
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}".lower()


def switch(raw: str) -> bool:
    if raw.lower() not in ("on", "off"):
        raise ValueError("on or off")
    return raw.lower() == "on"


def text(raw: str) -> str:
    return raw


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any  # the value when unset or empty (None: none)
    readme: str  # the default as the README's table shows it
    parse: Callable[[str], Any] = text  # raw text -> value; ValueError("what it must be")

    def read(self, env: Mapping[str, str] | None = None) -> Any:
        raw = (os.environ if env is None else env).get(self.name, "").strip()
        if not raw:
            return self.default
        try:
            return self.parse(raw)
        except ValueError as must:
            raise SettingError(f"{self.name} must be {must}, not {raw!r}") from None


SETTINGS = [
    # make run (the README's "Settings")
    Setting("BOT_PORT", 5005, "5005", whole(1)),
    Setting("ACTION_PORT", 5055, "5055", whole(1)),
    Setting("BOT_HOST", "127.0.0.1", "127.0.0.1"),
    Setting("TRACKER_DB", DEFAULT_TRACKER_DB, "`state/tracker.db`", Path),
    Setting("TRACKER_DB_URL", None, "(the `TRACKER_DB` file)"),
    Setting("REDIS_URL", None, "(none: locks in the process)"),
    Setting("ACTION_URL", None, "(the local action server)"),
    Setting("ACTION_TIMEOUT", 2.5, "2.5", positive),
    Setting("MAX_MESSAGE_CHARS", 2000, "2000", whole(1)),
    Setting("BOT_PUBLIC_URL", None, "http://127.0.0.1:`BOT_PORT`", public_url),
    Setting("WEB_ALLOWED_ORIGINS", [], "(none)", origins),
    Setting("TRACKER_RETENTION_DAYS", None, "(none: keep forever)", days),
    Setting("SENDER_HASH_KEY", None, "(a random key in `state/sender-hash.key`)"),
    Setting("WEB_SESSION_KEY", None, "(a random key in `state/web-session.key`)"),
    # make cluster (the README's "Scale out")
    Setting("RASA_SERVERS", 2, "2", whole(1)),
    Setting("ACTION_SERVERS", 2, "2", whole(1)),
    Setting("SANIC_WORKERS", 1, "1", whole(1)),
    Setting("CLUSTER_DIR", STATE_DIR / "cluster", "`state/cluster`", Path),
    Setting("TICKET_LOCK_LIFETIME", None, "10 (with Redis)", positive),
    # the README's "More settings"
    Setting("SLACK_BOT_TOKEN", None, "(none: Slack off)"),
    Setting("SLACK_SIGNING_SECRET", None, "(none: Slack off)"),
    Setting("SLACK_API_URL", "https://slack.com/api/", "`https://slack.com/api/`"),
    Setting("POSTGRESQL_SCHEMA", None, "(the database's default)"),
    Setting("MODEL", DEFAULT_MODEL, "`models/career.tar.gz`", Path),
    Setting("KNOWLEDGE_FILE", KNOWLEDGE_FILE, "`data/knowledge.yml`", Path),
    Setting("SANIC_REQUEST_MAX_SIZE", 64 * 1024, "65536", whole(1)),
    Setting("SANIC_GRACEFUL_SHUTDOWN_TIMEOUT", 5, "5", positive),
    Setting("BOT_SPEEDUPS", True, "on", switch),
]
BY_NAME = {setting.name: setting for setting in SETTINGS}


def default(name: str) -> Any:
    """The setting's value when it is unset."""
    return BY_NAME[name].default


def value(name: str, env: Mapping[str, str] | None = None) -> Any:
    """The setting's value in `env` (default: this process's environment)."""
    return BY_NAME[name].read(env)


def check(env: Mapping[str, str] | None = None) -> None:
    """SettingError naming every setting whose value it cannot take."""
    problems = []
    for setting in SETTINGS:
        try:
            setting.read(env)
        except SettingError as error:
            problems.append(str(error))
    if problems:
        raise SettingError("; ".join(problems))
