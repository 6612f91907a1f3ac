"""The bot as a cluster (bot/ops/cluster.py): two Rasa servers and two action servers
behind HAProxy, conversations in PostgreSQL, locks and Slack's memory in Redis, all
started here on free loopback ports and stopped at the end.

The tests share one cluster and run in file order: the last one kills a Rasa server.
Those of `make cluster` start theirs together.
"""

import json
import os
import shutil
import signal
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.ops.cluster import Cluster
from bot.ops.launcher import LABELS, START_TIMEOUT, free_port, post_rest, terminate, wait_until_up
from bot.ops.services import MissingProgram, open_folder
from tests.support.latency_proxy import LatencyProxy
from tests.support.slack_fake import PROXY_VARIABLES, SECRET, dm, send

pytestmark = pytest.mark.servers

# Each pair: a question, a follow-up that leans on it, and what the follow-up's answer
# must say (it can only say it if the follow-up was read in its own conversation).
PAIRS = [
    ("what's the Indeed pay number?", "is that figure recent?", "June 2022"),
    ("what does the bureau of labor statistics say they make", "what about indeed's number?", "$125,672"),
    ("I want to take a machine learning course this fall", "is it hard?", "beginner"),
    ("I'd like to learn ML from a course made by a university", "can I do it at my own pace?", "self-paced"),
    ("where does an ML engineer sit in the team", "so they're the middleman?", "go-between"),
]


def script(offset: int, turns: int = 20) -> list:
    """`turns` messages: the pairs in turn, starting at pair `offset`, then again."""
    pairs = [PAIRS[(offset + n) % len(PAIRS)] for n in range(turns // 2)]
    return [message for question, follow_up, _ in pairs for message in (question, follow_up)]


def replies_text(replies: list) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


# Redis is as far from the servers as across a network (REDIS_DELAY seconds each way).
REDIS_DELAY = float(os.environ.get("REDIS_DELAY", 0.0005))


@pytest.fixture(scope="module")
def redis_far_away(redis_server):
    with LatencyProxy(redis_server.port, REDIS_DELAY) as proxy:
        yield proxy.port


@pytest.fixture(scope="module")
def cluster(slack, redis_far_away):
    directory = open_folder("cluster-")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "TRACKER_DB_URL": "",
        "REDIS_URL": f"redis://127.0.0.1:{redis_far_away}/0",
        "ACTION_URL": "",
    }
    try:
        cluster = Cluster(free_port(), directory=directory / "cluster", extra_env=env)
    except MissingProgram as missing:
        pytest.fail(f"the cluster tests need it: {missing}")
    if os.environ.get("CLUSTER_LOCK_STORE") == "stock":  # to show the race: see stock_endpoints
        stock_endpoints(cluster, directory / "stock-endpoints.yml", redis_far_away)
    for member in cluster.rasa:
        for name in PROXY_VARIABLES:  # slack_sdk would send even loopback calls to a proxy
            member.env.pop(name, None)
    try:
        cluster.start()
    except RuntimeError as error:
        logs = "".join(f"--- {p}\n" + p.read_text(errors="replace")[-2000:] for p in cluster.logs.rglob("*.log"))
        shutil.rmtree(directory, ignore_errors=True)
        pytest.fail(f"{error}\n{logs}")
    yield cluster
    cluster.stop()
    shutil.rmtree(directory, ignore_errors=True)


def stock_endpoints(cluster, path: Path, redis_port: int) -> None:
    """CLUSTER_LOCK_STORE=stock: the Rasa servers use Rasa's own RedisLockStore, whose
    tickets race between servers (bot/rasa_ext/lock_store.py); the test of parallel messages
    to two servers should then fail. Not part of `make test`: run it by hand."""
    import yaml

    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    endpoints["lock_store"] = {"type": "redis", "url": "127.0.0.1", "port": redis_port, "db": 0}
    path.write_text(yaml.safe_dump(endpoints), encoding="utf-8")
    for member in cluster.rasa:
        member.endpoints = path


def stored(cluster, sender: str) -> list:
    """The conversation's events in PostgreSQL, in the order they were stored."""
    import psycopg2

    with psycopg2.connect(cluster.postgres.url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        return [json.loads(row[0]) for row in cursor.fetchall()]


def user_texts(events: list) -> list:
    return [e.get("text") for e in events if e["event"] == "user"]


def turns_in_order(events: list) -> bool:
    """Every user message is followed by the bot's answer to it before the next one:
    user, its action(s) and bot messages, action_listen; then the next user message."""
    expecting_answer = False
    for event in events:
        if event["event"] == "user":
            if expecting_answer:
                return False
            expecting_answer = True
        elif event["event"] == "bot":
            if not expecting_answer:
                return False
        elif event["event"] == "action" and event.get("name") == "action_listen" and expecting_answer:
            expecting_answer = False
    return not expecting_answer


def test_50_conversations_of_20_turns_at_once_through_the_load_balancer(cluster):
    # the replies each script gets when it runs alone, one message after another
    reference = {
        offset: [replies_text(post_rest(cluster.url, f"alone-{offset}", m)) for m in script(offset)]
        for offset in range(len(PAIRS))
    }
    for offset, replies in reference.items():
        for number, (_, _, must) in enumerate(PAIRS[(offset + n) % len(PAIRS)] for n in range(10)):
            assert must in replies[2 * number + 1], (offset, number, replies[2 * number + 1])

    def conversation(number: int) -> list:
        return [replies_text(post_rest(cluster.url, f"load-{number}", m)) for m in script(number % len(PAIRS))]

    with ThreadPoolExecutor(50) as pool:
        got = list(pool.map(conversation, range(50)))
    wrong = [(n, t) for n in range(50) for t in range(20) if got[n][t] != reference[n % len(PAIRS)][t]]
    assert not wrong, f"{len(wrong)} of 1000 replies differ from the conversation alone, e.g. {wrong[:3]}"
    for number in range(50):
        events = stored(cluster, f"rest:load-{number}")
        assert user_texts(events) == script(number % len(PAIRS)), number
        assert turns_in_order(events), number


def test_web_chat_works_through_the_load_balancer_on_polling(cluster):
    """socket.io's polling transport keeps its session in one Rasa server: HAProxy keeps
    every request of the session there (or the server would refuse an unknown session)."""
    import asyncio

    import socketio

    async def chat() -> list:
        client = socketio.AsyncClient(reconnection=False)
        answers = asyncio.Queue()
        client.on("bot_uttered", answers.put)
        await client.connect(cluster.url, transports=["polling"], socketio_path="/socket.io")
        try:
            confirmed = asyncio.Queue()
            client.on("session_confirm", confirmed.put)
            await client.emit("session_request", {"session_id": None})
            session = await asyncio.wait_for(confirmed.get(), 30)  # the bot gives out sessions
            texts = []
            for message in script(0, 6):
                await client.emit("user_uttered", {"message": message, "session_id": session})
                texts.append((await asyncio.wait_for(answers.get(), 30)).get("text", ""))
                while not answers.empty():  # an answer may come as several messages
                    answers.get_nowait()
            return texts
        finally:
            # without waiting for the long poll in progress to end (up to 25 s)
            await client.eio.disconnect(abort=True)

    texts = asyncio.run(chat())
    assert len(texts) == 6 and all(texts)
    assert PAIRS[0][2] in texts[1] and PAIRS[1][2] in texts[3]


# two questions whose answers depend on nothing said before (and differ)
# ROUNDS times, AT_ONCE messages to each server at the same moment (more by hand, to show
# the stock lock store's race: CLUSTER_LOCK_STORE=stock RACE_ROUNDS=...)
ROUNDS, AT_ONCE = int(os.environ.get("RACE_ROUNDS", 10)), 4
RACE_QUESTIONS = [
    "what is the job outlook for ML engineers?",
    "how many people have enrolled in the Stanford ML course?",
]


def one_message(url: str, sender: str, text: str):
    """(status, replies or error text) of one REST message to a server."""
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError as error:
        return None, str(error)


def parallel_to_two_servers(cluster, sender: str, rounds: int, at_once: int) -> list:
    """`rounds` times, `at_once` messages of the conversation to each of the first two
    Rasa servers at the same moment; every (status, replies), per server."""
    servers = [s.url for s in cluster.rasa[:2]]
    barrier = threading.Barrier(2 * at_once)
    results = [[], []]

    def send_all(index: int) -> None:
        for _ in range(rounds):
            barrier.wait()
            results[index].append(one_message(servers[index], sender, RACE_QUESTIONS[index]))

    threads = [threading.Thread(target=send_all, args=(i % 2,)) for i in range(2 * at_once)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_one_conversations_messages_to_two_servers_at_once_are_handled_one_at_a_time(cluster):
    alone = [replies_text(post_rest(cluster.url, f"alone-q{n}", question)) for n, question in enumerate(RACE_QUESTIONS)]
    results = parallel_to_two_servers(cluster, "race", ROUNDS, AT_ONCE)
    failed = [(status, r) for index in range(2) for status, r in results[index] if status != 200]
    wrong = [
        r for index in range(2) for status, r in results[index] if status == 200 and replies_text(r) != alone[index]
    ]
    assert (len(failed), len(wrong)) == (0, 0), (
        f"of {2 * ROUNDS * AT_ONCE} messages, {len(failed)} failed and {len(wrong)} got another reply: {(failed + wrong)[:2]}"
    )
    events = stored(cluster, "rest:race")
    assert sorted(user_texts(events)) == sorted(RACE_QUESTIONS * ROUNDS * AT_ONCE)
    assert turns_in_order(events), [(e["event"], e.get("text") or e.get("name")) for e in events]


def test_a_slack_retry_that_reaches_the_other_server_is_not_answered_twice(cluster, slack):
    channel, user = "DCLUSTER1", "UCLUSTER1"
    body = dm("what do ML engineers earn?", channel, user)
    first, second = cluster.rasa[0], cluster.rasa[1]
    send(first, body)
    slack.wait_for_posts(channel, 1)
    answer = send(second, body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    assert answer == "Already handled."
    time.sleep(2)  # an answer posted in the background would have arrived by now
    assert len(slack.posts_to(channel)) == 1


def test_conversations_continue_after_every_rasa_server_restarts(cluster):
    """Nothing of a conversation lives in a server: restarted (all at once, so none of them
    holds it meanwhile), they read it back from PostgreSQL and a follow-up still leans on
    the turn before the restart."""
    question, follow_up, must = PAIRS[0]
    post_rest(cluster.url, "restart", question)
    stopped = [servers.processes.pop() for servers in cluster.rasa]
    terminate(stopped)
    # each stopped by itself, none killed after the grace, although the web chat test's long
    # poll may still be open on one of them (bot.rasa_ext.rasa_patched: SANIC_GRACEFUL_SHUTDOWN_TIMEOUT)
    assert [p.returncode for p in stopped] == [0] * len(stopped)
    restarted = [(servers, servers.spawn_bot()) for servers in cluster.rasa]
    for servers, process in restarted:
        wait_until_up(servers.health_url("rasa"), process, START_TIMEOUT["rasa"], LABELS["rasa"] + servers.label)
    wait_until(cluster.balancer.ready, 30)  # its health checks found them up again
    assert must in replies_text(post_rest(cluster.url, "restart", follow_up))
    assert user_texts(stored(cluster, "rest:restart")) == [question, follow_up]


def test_killing_a_rasa_server_loses_no_conversation(cluster):
    """kill -9 of one Rasa server while 10 conversations talk: every message sent after
    it is answered by the other, with the conversation's earlier turns (a follow-up that
    leans on a turn answered by the dead server is still understood)."""
    victim = cluster.rasa[0].processes[0]
    killed_at = []
    together = threading.Barrier(10)  # the kill comes while every conversation is mid-way

    def conversation(number: int) -> list:
        log = []
        for turn, message in enumerate(script(number % len(PAIRS), 12)):
            if turn == 3:
                together.wait()
            if number == 0 and turn == 4:
                os.kill(victim.pid, signal.SIGKILL)
                victim.wait(10)  # gone: a message sent from now on cannot reach it
                killed_at.append(time.monotonic())
            started = time.monotonic()
            status, replies = one_message(cluster.url, f"kill-{number}", message)
            log.append((started, message, status, replies))
        return log

    with ThreadPoolExecutor(10) as pool:
        logs = list(pool.map(conversation, range(10)))
    assert victim.wait(10) == -signal.SIGKILL
    (kill,) = killed_at
    for number, log in enumerate(logs):
        after = [(message, status, replies) for started, message, status, replies in log if started > kill]
        assert after and all(status == 200 for _, status, _ in after), (number, after)
        pairs = [PAIRS[(number % len(PAIRS) + n) % len(PAIRS)] for n in range(6)]
        for n, (_, _, must) in enumerate(pairs):
            question_status = log[2 * n][2]  # a question in flight on the dead server may be lost
            started, _, status, replies = log[2 * n + 1]
            if started > kill and question_status == 200:
                assert must in replies_text(replies), (number, n, replies)
        answered = [message for _, message, status, _ in log if status == 200]
        texts = user_texts(stored(cluster, f"rest:kill-{number}"))
        # every answered message is kept, in order (one in flight on the dead server may be too)
        assert in_order_within(answered, texts), (number, answered, texts)


def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.1)


def in_order_within(some: list, every: list) -> bool:
    """Whether `some` appears in `every` in the same order (other items in between)."""
    rest = iter(every)
    return all(any(item == other for other in rest) for item in some)


def processes_mentioning(text: str) -> list:
    """Live processes whose command line contains `text` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if text in cmdline:
                found.append((int(entry.name), cmdline))
    return found


# How `make cluster` is stopped -> how many Rasa and action servers it runs: the defaults
# (2 of each) once, and RASA_SERVERS=1 ACTION_SERVERS=1 once, which costs two fewer starts
STOPS = {"ctrl-c": 2, "sigterm": 1}


@pytest.fixture(scope="module")
def make_clusters():
    """One `make cluster` (MakeRun) per way of stopping it, started at once, each in a
    folder of its own; what a failed test left is stopped, and the folders removed, here."""
    from tests.support.launcher_run import MakeRun, launcher_env

    runs = {}
    try:
        for stop in STOPS:
            directory, bot_port = open_folder("make-cluster-"), free_port()
            env = launcher_env(directory, BOT_PORT=bot_port)
            env.update(CLUSTER_DIR=str(directory / "cluster"), TRACKER_DB_URL="", REDIS_URL="", ACTION_URL="")
            env.update(RASA_SERVERS=str(STOPS[stop]), ACTION_SERVERS=str(STOPS[stop]))
            runs[stop] = MakeRun("cluster", env, directory / "make-cluster.log", bot_port)
        yield runs
    finally:
        for run in runs.values():
            run.close()
            shutil.rmtree(run.log_path.parent, ignore_errors=True)


@pytest.mark.parametrize("stop", sorted(STOPS))
def test_make_cluster_starts_answers_and_stops_leaving_nothing_behind(make_clusters, stop):
    from bot.ops.launcher import pid_file_for
    from tests.support.launcher_run import port_open

    run = make_clusters[stop]
    directory, bot_port = run.log_path.parent, run.bot_port
    children = []

    def while_up() -> None:
        replies = post_rest(f"http://127.0.0.1:{bot_port}", "make-cluster", "median salary for ML engineers?")
        assert "$131,490" in json.dumps(replies)
        record = json.loads(pid_file_for(bot_port).read_text())
        children.extend(child["pid"] for child in record["children"])
        assert len(children) == 3 + 2 * size  # Redis, PostgreSQL, HAProxy, the action and Rasa servers

    size = STOPS[stop]
    output = run.until_up_then_stop(stop, while_up)
    assert f"{size} Rasa server{'s' if size > 1 else ''} behind HAProxy" in output
    assert not port_open(bot_port) and not pid_file_for(bot_port).exists()
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert not processes_mentioning(str(directory))  # PostgreSQL's own children too


def test_sanic_workers_die_with_their_rasa_server(tmp_path, redis_server, cluster):
    """With SANIC_WORKERS=2 the Rasa server forks its workers; killed (the launcher's last
    resort after SIGTERM), it must not leave them serving on the port. (Its actions run
    on the cluster's action servers: only the Rasa server starts here.)"""
    from bot.ops.launcher import Servers

    servers = Servers(
        free_port(),
        free_port(),
        tracker_db=tmp_path / "tracker.db",
        log_dir=tmp_path,
        extra_env={
            "REDIS_URL": redis_server.url,
            "SANIC_WORKERS": "2",
            "ACTION_URL": cluster.rasa[1].env["ACTION_URL"],
        },
    )
    try:
        servers.start()
        assert len(servers.processes) == 1  # no action server of its own
        main = servers.processes[-1]
        workers = [int(p) for p in Path(f"/proc/{main.pid}/task/{main.pid}/children").read_text().split()]
        workers = [pid for pid in workers if "bot.ops.serve" in Path(f"/proc/{pid}/cmdline").read_text()]
        assert len(workers) == 2, workers
        assert "$131,490" in json.dumps(post_rest(servers.url, "workers", "median salary for ML engineers?"))
        main.kill()
        main.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
            time.sleep(0.2)
        left = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        assert not left
    finally:
        servers.stop()
        for pid in locals().get("left") or []:
            os.kill(pid, signal.SIGKILL)  # a failed run leaves no orphan behind
