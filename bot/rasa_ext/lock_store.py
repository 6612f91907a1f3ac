"""Locks that hold across Rasa servers (issue 12): Rasa's RedisLockStore, with every change
to a conversation's lock made atomically.

Rasa processes a conversation's messages one at a time by giving each a ticket and
serving the tickets in order. Rasa 3.6's RedisLockStore changes a lock by reading it,
changing it in Python and writing it back. Two servers that take a ticket for the same
conversation at the same moment both read the same lock, both take the same number, and
the later write wins, so both messages are "served" at once (RasaHQ/rasa#11256; the fix
went to Rasa's commercial edition). Here each change (take a ticket, drop expired ones,
finish serving, clean up) runs under Redis's WATCH: if the lock changed between the read
and the write, the write is refused and the change is made again on the new lock. The
lock's format and its rules (TicketLock) are Rasa's own.

A second fault, seen when a server is killed mid-turn (tests/test_cluster.py): Rasa's
waiting loop never renews the waiting message's ticket. The dead server's ticket expires
after TICKET_LOCK_LIFETIME, but a message queued behind it within the polling interval
(1 s) has its own ticket expire at the same check; the lock then serves no one and the
message waits until Sanic gives up on it (60 s), in stock Rasa too. Here `lock` renews the
waiting ticket at every check (so only a ticket whose server stopped checking expires),
gives the served ticket a whole lifetime from the moment it is served, takes a new place
in the queue if its ticket is gone all the same (Redis restarted, say), and checks every
POLL seconds instead of every second, so a queued message does not wait for nothing.

Endpoint configuration (endpoints.yml; the launcher leaves the section out when REDIS_URL
is unset, and Rasa then keeps its locks in the process):
    lock_store:
      type: bot.rasa_ext.lock_store.AtomicRedisLockStore
      url: ${REDIS_URL}        # redis://[user:password@]host[:port][/db], rediss:// for TLS
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# The Rasa source this subclass was written against (tests/test_patches.py): the lock's life
# (lock and _acquire_lock are replaced), the steps it replaces, and the lock's stored format
# and rules.
PINS = {
    "rasa.core.lock_store:LockStore.lock": "8b9b716c031a3444",
    "rasa.core.lock_store:LockStore._acquire_lock": "ead2fff373291c24",
    "rasa.core.lock_store:LockStore.issue_ticket": "4dfdfb5e62c1dda9",
    "rasa.core.lock_store:LockStore.update_lock": "d56816a13451e7a5",
    "rasa.core.lock_store:LockStore.finish_serving": "ba76ac5a486b97dd",
    "rasa.core.lock_store:LockStore.cleanup": "f2ba1745c8153f92",
    "rasa.core.lock_store:RedisLockStore.get_lock": "57d7f8558543450d",
    "rasa.core.lock_store:RedisLockStore.save_lock": "204875b9029c7f18",
    "rasa.core.lock:TicketLock.from_dict": "2e2f58a003ed9927",
    "rasa.core.lock:TicketLock.dumps": "10cd9616a0e09aa9",
    "rasa.core.lock:TicketLock.issue_ticket": "e657493ddd22ee74",  # the renewal of a waiting ticket
    "rasa.core.lock:TicketLock.remove_expired_tickets": "072ce50022e92446",
}

POLL = 0.05  # seconds between two checks of a queued message (Rasa's: 1)
Change = Callable[[TicketLock | None], tuple[TicketLock | None, Any]]


def redis_settings(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments from a redis:// or rediss:// URL (db 0 unless the path
    names one)."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"REDIS_URL must look like redis://host:port/db, not {url!r}")
    return {
        "host": parts.hostname,
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **settings: Any) -> None:
        """From endpoints.yml (Rasa passes `endpoint_config`, whose url is REDIS_URL), or
        from RedisLockStore's own arguments."""
        if endpoint_config is not None:
            settings = {**redis_settings(endpoint_config.url), **endpoint_config.kwargs}
        super().__init__(**settings)

    def atomically(self, conversation_id: str, change: Change) -> Any:
        """Apply `change` (old lock or None -> new lock or None to delete it, and a result)
        atomically; return its result."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    lock, result = change(lock)
                    pipe.multi()
                    if lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:  # someone changed the lock meanwhile: again
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def take(lock):
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self.atomically(conversation_id, take)
        except Exception as error:  # as Rasa's issue_ticket
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock):
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self.atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock):
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self.atomically(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish serving the ticket, and remove the lock if no one is waiting (Rasa does
        the two in separate steps, so a ticket taken in between could lose its lock)."""

        def finish_and_clean(lock):
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
                if not lock.is_someone_waiting():
                    lock = None
            return lock, None

        self.atomically(conversation_id, finish_and_clean)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's lock, with the waiting ticket renewed at every check (see above)."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                served, ticket = self.atomically(conversation_id, self._renewal(conversation_id, ticket, lock_lifetime))
                if served is not None:
                    yield served
                    return
                await asyncio.sleep(wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket)

    def _renewal(self, conversation_id: str, ticket: int, lifetime: float) -> Change:
        """The change that renews `ticket` (or takes a new one if it is gone); its result is
        (the lock if the ticket is now served, else None; the ticket's number)."""

        def renew(lock: TicketLock | None):
            lock = lock or self.create_lock(conversation_id)
            lock.remove_expired_tickets()
            number = ticket
            own = next((t for t in lock.tickets if t.number == number), None)
            if own is None:
                number = lock.issue_ticket(lifetime)
                own = lock.tickets[-1]
            own.expires = time.time() + lifetime
            return lock, (lock if lock.now_serving == number else None, number)

        return renew
