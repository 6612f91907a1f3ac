"""bot/server/lock_store.py: one conversation's messages are processed one at a time even
when they reach different Rasa servers at once (a real Redis on a free loopback port)."""
import asyncio
import threading

import pytest
from rasa.core.lock_store import RedisLockStore

from bot.server.launcher import free_port
from bot.server.lock_store import AtomicRedisLockStore
from bot.server.services import MissingProgram, Redis

@pytest.fixture(scope="module")
def redis_port():
    try:
        with Redis(free_port()) as redis:
            yield redis.port
    except MissingProgram as missing:
        pytest.fail(f"the lock tests need Redis: {missing}")


def together(store_class, port, servers=4, messages=40, conversation="one", lifetime=60.0):
    """`servers` threads, each a Rasa server with its own lock store, each handling
    `messages` messages of one conversation, all at once. Returns the most messages ever
    inside the lock at the same time, and how many got through."""
    inside, most, done = [0], [0], [0]
    count = threading.Lock()
    start = threading.Barrier(servers)

    def server():
        store = store_class(host="127.0.0.1", port=port, db=0)

        async def handle():
            async with store.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.001):
                with count:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                await asyncio.sleep(0.001)  # the message being processed
                with count:
                    inside[0] -= 1
                    done[0] += 1

        async def run():
            for _ in range(messages):
                await handle()

        start.wait()
        asyncio.run(run())

    threads = [threading.Thread(target=server) for _ in range(servers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return most[0], done[0]


def test_one_conversation_is_processed_one_message_at_a_time_across_servers(redis_port):
    most, done = together(AtomicRedisLockStore, redis_port)
    assert (most, done) == (1, 160)


def test_the_lock_is_removed_when_the_last_message_is_done(redis_port):
    store = AtomicRedisLockStore(host="127.0.0.1", port=redis_port, db=0)
    together(AtomicRedisLockStore, redis_port, servers=2, messages=5, conversation="tidy")
    assert store.get_lock("tidy") is None


def test_tickets_are_rasas(redis_port):
    """The lock's format and rules are Rasa's: a stock store reads what ours wrote."""
    ours = AtomicRedisLockStore(host="127.0.0.1", port=redis_port, db=0)
    stock = RedisLockStore(host="127.0.0.1", port=redis_port, db=0)
    assert [ours.issue_ticket("format"), ours.issue_ticket("format")] == [0, 1]
    lock = stock.get_lock("format")
    assert [ticket.number for ticket in lock.tickets] == [0, 1] and lock.now_serving == 0
    ours.cleanup("format", 0)
    assert stock.get_lock("format").now_serving == 1
    ours.cleanup("format", 1)
    assert stock.get_lock("format") is None
