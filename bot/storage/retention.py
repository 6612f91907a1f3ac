"""TRACKER_RETENTION_DAYS: conversations idle longer than that are deleted, at start-up
and then daily (issue 13).

Unset or empty, nothing is ever deleted (the default). Set to a positive number of days,
`make run` and `make cluster` sweep the tracker store once their servers are up and then
every 24 hours, on a thread of the launcher (not in a Rasa server's event loop), and log
one line per sweep:

    Retention: deleted 3 conversations (41 events) idle over 30 days

A conversation is idle from its last event; the deleting is tracker_db.expire (a few
conversations per transaction, so the bot keeps writing meanwhile). A sweep that fails
(the database is down) says so and the next one comes a day later. Any other value of
the variable stops start-up with a message naming it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping

from bot import settings

VARIABLE = "TRACKER_RETENTION_DAYS"
INTERVAL = 24 * 3600.0  # seconds between sweeps


def days_from(env: Mapping[str, str] | None = None) -> float | None:
    """TRACKER_RETENTION_DAYS as a number of days; None when unset or empty (keep
    everything); ValueError naming the variable and its value for anything but a
    positive number."""
    return settings.value(VARIABLE, env)


class Retention:
    """Sweeps of the tracker database at `url`: one when started, then every `interval`
    seconds, until stopped."""

    def __init__(self, days: float, interval: float = INTERVAL, log: Callable[[str], None] | None = None):
        self.days, self.interval = days, interval
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.url: str | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Retention | None:
        """The sweeps TRACKER_RETENTION_DAYS asks for (None when unset); ValueError when
        its value is not a positive number (the launchers then do not start)."""
        days = days_from(env)
        return None if days is None else cls(days)

    def sweep(self) -> None:
        """Delete the conversations idle over `days` days now; log the line saying so."""
        import sqlalchemy as sa

        from bot.storage import tracker_db

        try:
            engine = tracker_db.open_store(self.url)
            try:
                conversations, rows = tracker_db.expire(engine, self.days)
            finally:
                engine.dispose()
        except Exception as error:  # noqa: BLE001 - a failed sweep must not stop the bot
            if isinstance(error, sa.exc.DBAPIError):
                error = tracker_db.reason(error)
            interval = f"{self.interval / 3600:g} h" if self.interval >= 3600 else f"{self.interval:g} s"
            self.log(f"Retention: could not sweep {tracker_db.shown(self.url)}: {error}; next try in {interval}")
            return
        self.log(f"Retention: deleted {conversations} conversations ({rows} events) idle over {self.days:g} days")

    def start(self, url: str) -> Retention:
        """Sweep `url` now and then every `interval` seconds, on a daemon thread."""
        self.url = url
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while True:
            self.sweep()
            if self._stopped.wait(self.interval):
                return

    def stop(self, timeout: float = 5.0) -> None:
        """No more sweeps; waits up to `timeout` seconds for one under way (it is a few
        short transactions: left unfinished, the current one is rolled back)."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout)
