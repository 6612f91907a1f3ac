"""The Slack channel's memory of deliveries in Redis (REDIS_URL): one answer per message
even when Slack's retries reach other Rasa servers behind a load balancer.

Each "server" is the real channel (bot.channels.slack.SlackAppInput) in a Sanic app of its
own, on its own event loop and thread and loopback port, registered the way Rasa does it
(rasa.core.channels.channel.register, which hands messages to app.ctx.agent.handle_message).
The agent is a stand-in that answers like Rasa's: a reply through the message's output
channel to the fake Slack Web API (tests/support/slack_fake.py), a failed post raising out of
handle_message. Redis is a real redis-server on a free loopback port. No Rasa model is
loaded, so each test takes well under a second.

That no further post comes is shown by waiting until no server has an answer in the
making (their channels' background tasks are done), not by a pause.
"""

import asyncio
import logging
import threading
import uuid

import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.slack import Deliveries, RedisDeliveries, SlackAppInput
from bot.ops.launcher import free_port
from tests.support.slack_fake import PROXY_VARIABLES, SECRET, dm, eventually, mention_and_message, send, unique

pytestmark = pytest.mark.servers

ANSWER_TIME = 0.3  # how long the stand-in agent thinks: deliveries overlap in that time
WAIT = 10.0


def retry(number: int) -> dict:
    return {"X-Slack-Retry-Num": str(number), "X-Slack-Retry-Reason": "http_timeout"}


class Agent:
    """Answers like rasa.core.agent.Agent.handle_message: after a moment's thought, the
    reply goes out through the message's output channel; a failed post raises."""

    async def handle_message(self, message: UserMessage) -> None:
        await asyncio.sleep(ANSWER_TIME)
        await message.output_channel.send_response(message.sender_id, {"text": f"An answer to: {message.text}"})


def make_channel(slack, redis_url=None) -> SlackAppInput:
    """The channel as credentials.yml makes it (redis_url None: REDIS_URL decides)."""
    return SlackAppInput("xoxb-test", slack_signing_secret=SECRET, api_url=slack.api_url, redis_url=redis_url)


class Server:
    """One Rasa server's Slack channel on 127.0.0.1, with its own event loop and thread."""

    def __init__(self, slack, redis_url: str):
        self.channel = make_channel(slack, redis_url)
        self.agent = Agent()
        self.app = Sanic(f"slack-server-{uuid.uuid4().hex}")
        self.app.ctx.agent = self.agent
        register([self.channel], self.app, route="/webhooks/")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(WAIT), f"the server on port {self.port} did not start"

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False)
        )
        self.loop.run_until_complete(self.server.startup())
        self.loop.run_until_complete(self.server.before_start())
        self.loop.run_until_complete(self.server.after_start())
        self.ready.set()
        self.loop.run_forever()

    def idle(self) -> bool:
        """No answer is being made (the channel's background tasks are done)."""
        return not self.channel._background_tasks

    def stop(self) -> None:
        async def close():
            await self.server.close()
            if isinstance(self.channel.deliveries, RedisDeliveries):
                await self.channel.deliveries.redis.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(WAIT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)


@pytest.fixture(scope="module", autouse=True)
def several_servers_in_one_process():
    """No proxy: slack_sdk would send even loopback calls to it. Sanic's test mode: the
    second app's start-up would otherwise trip over the first's rewrite of Sanic's
    methods (TouchUp: KeyError 'send')."""
    with pytest.MonkeyPatch.context() as patch:
        for name in PROXY_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setattr(Sanic, "test_mode", True)
        yield


@pytest.fixture(scope="module")
def redis_url(redis_server):
    return redis_server.url


@pytest.fixture(scope="module")
def servers(slack, redis_url):
    """Two servers behind one load balancer, sharing one Redis."""
    both = [Server(slack, redis_url), Server(slack, redis_url)]
    yield both
    for server in both:
        server.stop()


def answers_to(slack, channel: str, *servers: Server) -> list[dict]:
    """The posts to `channel`, once no server is making an answer any more."""
    eventually(lambda: all(s.idle() for s in servers), "the answers to be made", WAIT)
    return slack.posts_to(channel)


def test_the_channel_remembers_in_redis_when_redis_url_is_set(monkeypatch, slack, redis_url):
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert isinstance(make_channel(slack).deliveries, RedisDeliveries)
    assert type(make_channel(slack, redis_url="").deliveries) is Deliveries
    for unset in ("", " "):
        monkeypatch.setenv("REDIS_URL", unset)
        assert type(make_channel(slack).deliveries) is Deliveries
    monkeypatch.delenv("REDIS_URL")
    assert type(make_channel(slack).deliveries) is Deliveries


def test_a_retry_reaching_another_server_is_not_answered_again(servers, slack):
    a, b = servers
    channel, user = unique("D"), unique("U")
    body = dm("what do machine learning engineers earn?", channel, user)
    send(a, body)
    slack.wait_for_posts(channel, timeout=WAIT)
    send(b, body, headers=retry(1))
    send(a, body, headers=retry(2))
    assert len(answers_to(slack, channel, a, b)) == 1


def test_a_retry_reaching_another_server_while_the_first_is_answered(servers, slack):
    a, b = servers
    channel, user = unique("D"), unique("U")
    body = dm("what is the job outlook?", channel, user)
    send(a, body)  # no waiting: A is still answering when the retry reaches B
    send(b, body, headers=retry(1))
    assert len(answers_to(slack, channel, a, b)) == 1


def test_the_same_delivery_reaching_two_servers_at_the_same_moment_is_answered_once(servers, slack):
    channel = unique("D")
    bodies = [dm(f"what skills do I need? ({n})", channel, unique("U")) for n in range(10)]
    statuses = []
    for body in bodies:
        go = threading.Barrier(2)

        def deliver(server, headers, go=go, body=body):
            go.wait()
            statuses.append(send(server, body, headers=headers))

        together = [
            threading.Thread(target=deliver, args=(servers[0], {})),
            threading.Thread(target=deliver, args=(servers[1], retry(1))),
        ]
        for thread in together:
            thread.start()
        for thread in together:
            thread.join(WAIT)
    posts = answers_to(slack, channel, *servers)
    assert len(statuses) == 2 * len(bodies)
    assert sorted(p["text"] for p in posts) == sorted(f"An answer to: {b['event']['text']}" for b in bodies)
    assert sorted(statuses) == sorted([""] * len(bodies) + ["Already handled."] * len(bodies))


def test_a_retry_of_a_failed_answer_is_answered_by_another_server(servers, slack, caplog):
    a, b = servers
    channel, user = unique("D"), unique("U")
    body = dm("what do machine learning engineers earn?", channel, user)
    slack.fail_next_posts(channel)
    with caplog.at_level(logging.ERROR, logger="bot.channels.slack"):
        send(a, body)
        assert answers_to(slack, channel, a) == []
    assert f"Answering Slack delivery {body['event_id']} failed" in caplog.text
    assert len(slack.failed_posts_to(channel)) == 1
    send(b, body, headers=retry(1))  # answered this time
    slack.wait_for_posts(channel, timeout=WAIT)
    send(a, body, headers=retry(2))  # answered already: not again
    assert len(answers_to(slack, channel, a, b)) == 1


def test_a_mention_delivered_also_as_a_channel_message_to_another_server_is_answered_once(servers, slack):
    a, b = servers
    channel, user = unique("C"), unique("U")
    first, second = mention_and_message("what do machine learning engineers earn?", channel, user)
    send(a, first)
    send(b, second)
    assert len(answers_to(slack, channel, a, b)) == 1


def test_redis_holds_the_marks_with_their_lifetimes(servers, slack, redis_url):
    import redis

    a = servers[0]
    deliveries = a.channel.deliveries
    channel, user = unique("D"), unique("U")
    body = dm("hello", channel, user)
    keys = [deliveries.redis_key(body["event_id"]), deliveries.redis_key((channel, body["event"]["ts"]))]
    assert keys[1] == f'careerbot:slack:["{channel}","{body["event"]["ts"]}"]'
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    send(a, body)
    assert [client.get(k) for k in keys] == [deliveries.in_flight_mark] * 2
    assert all(0 < client.pttl(k) <= 120_000 for k in keys)
    answers_to(slack, channel, a)
    assert [client.get(k) for k in keys] == ["answered"] * 2
    assert all(3_590_000 < client.pttl(k) <= 3_600_000 for k in keys)


def test_a_delivery_left_in_flight_by_a_dead_server_is_answered_once_its_marks_expire(redis_url):
    dead = RedisDeliveries(redis_url, in_flight_ttl=0.2)  # killed before it could finish
    alive = RedisDeliveries(redis_url)

    async def scenario():
        try:
            keys = (unique("Ev"), (unique("D"), "1600000000.000001"))
            assert await dead.start(*keys)
            assert not await alive.start(keys[0], None)  # Slack's retry, in flight elsewhere
            await asyncio.sleep(0.3)
            assert await alive.start(*keys)
            await dead.finish(keys, answered=False)  # a late failure drops only its own marks
            assert not await alive.start(keys[1])
        finally:
            await dead.redis.close()
            await alive.redis.close()

    asyncio.run(scenario())


def test_an_unreachable_redis_is_logged_and_the_message_answered(slack, caplog):
    server = Server(slack, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        channel, user = unique("D"), unique("U")
        body = dm("what do machine learning engineers earn?", channel, user)
        with caplog.at_level(logging.ERROR, logger="bot.channels.slack"):
            send(server, body)
            assert len(answers_to(slack, channel, server)) == 1
            # this server's own memory still knows the delivery
            assert send(server, body, headers=retry(1)) == "Already handled."
            assert len(answers_to(slack, channel, server)) == 1
        unreachable = [r for r in caplog.records if "is unreachable" in r.getMessage()]
        assert unreachable and body["event_id"] in unreachable[0].getMessage()
        assert any("could not be recorded as answered" in r.getMessage() for r in unreachable)
    finally:
        server.stop()
