"""Bad input on every channel: the cases of tests/bad_input/corpus.yml against one bot.

Each case is sent as its channel's clients send things (REST: raw HTTP; socket.io:
python-socketio's client, as the web chat; Slack: a signed Events API request to a bot
that posts to tests/support/slack_fake.py). Its reply is checked against the kind the corpus
expects; then the corpus's follow-up question is asked in the same conversation (a fresh
one where the case has none, or where the case's reply already gave the figure: a
repeated question gets the topic's next facts, by design) and must be answered.

The last test checks the module's totals and prints them: cases run, 5xx responses,
"Traceback" in the bot's logs, wrong replies (0, 0, 0 wanted); results/bad_input.json
keeps them. One bot for the module (REST, socket.io with WEB_ALLOWED_ORIGINS, Slack).
"""

import asyncio
import http.client
import json
import re
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import save_results
from bot.channels.guard import is_text
from bot.channels.slack import markdown_to_mrkdwn
from bot.channels.webchat import webchat_markdown
from bot.grounding import numbers_in, stated_facts
from bot.rasa_ext.patches.root_route import ROOT_TEXT
from tests.conftest import ANSWERS, action_server_down, ungrounded
from tests.support.slack_fake import dm, eventually, mention, post, unique

pytestmark = pytest.mark.servers

CORPUS = yaml.safe_load((Path(__file__).parent / "bad_input" / "corpus.yml").read_text(encoding="utf-8"))
FOLLOW_UP, FIGURE = CORPUS["follow_up"]["question"], CORPUS["follow_up"]["must"]
CHANNELS = {"rest": 45, "socketio": 20, "slack": 15}  # the least number of cases each
KB = ANSWERS.kb
WEBHOOK = "/webhooks/rest/webhook"
REPLY_WAIT = 30.0  # seconds for one reply
QUIET = 1.5  # seconds of watching that no reply comes (socket.io `none`, `confirmed`)
QUIET_REPLIES = ("none", "confirmed")
# what a case may say (tests/bad_input/corpus.yml explains them)
KEYS = {
    "id",
    "note",
    "reply",
    "must",
    "must_not",
    "says",
    "status",
    "length",
    "rest_first",
    "json",
    "body",
    "raw",
    "encoding",
    "method",
    "path",
    "content_type",
    "headers",
    "before",
    "actions_down",
    "event",
    "data",
    "data_json",
    "args",
    "origin",
    "session",
    "text",
    "mention",
    "user",
}
KINDS = {
    "error",
    "too_large",
    "http",
    "hello",
    "too_long",
    "empty",
    "decline",
    "no_figure",
    "grounded",
    "answer",
    "apology",
    "none",
    "confirmed",
    "refused",
}
MESSAGE_OF = {"too_long": "too_long", "empty": "empty_message", "apology": "action_failed"}


# -- the corpus --------------------------------------------------------------------------
REPEAT = re.compile(r"<<(.+?)\*(\d+)>>", re.DOTALL)


def expand(value: Any, names: dict[str, str]) -> Any:
    """`value` with the placeholders ($SENDER, ...) and <<text*N>> repeats written out."""
    if isinstance(value, str):
        for name, text in names.items():
            value = value.replace(name, text)
        return REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), value)
    if isinstance(value, list):
        return [expand(item, names) for item in value]
    if isinstance(value, dict):
        return {key: expand(item, names) for key, item in value.items()}
    return value


CASES = [pytest.param(channel, case, id=f"{channel}-{case['id']}") for channel in CHANNELS for case in CORPUS[channel]]


def test_the_corpus_covers_every_channel_and_says_what_it_expects():
    for channel, least in CHANNELS.items():
        cases = CORPUS[channel]
        assert len(cases) >= least, channel
        ids = [case["id"] for case in cases]
        assert len(ids) == len(set(ids)), f"{channel}: an id is used twice"
        for case in cases:
            assert set(case) <= KEYS, (case["id"], set(case) - KEYS)
            assert case["reply"] in KINDS, case["id"]
            assert all(isinstance(s, str) for s in case.get("must", []) + case.get("must_not", [])), case["id"]


# -- replies -----------------------------------------------------------------------------
@dataclass
class Reply:
    """The bot's messages to one conversation as the channel delivered them."""

    texts: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)  # of the buttons (quick replies)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def check_reply(case: dict, reply: Reply, formatted: Callable[[str], str]) -> list[str]:
    """What is wrong with `reply` for `case`; `formatted` shows a knowledge-file message as
    the channel writes it."""
    kind, text = case["reply"], reply.text
    if kind in ("none", "confirmed"):
        return [f"a reply came: {text[:300]!r}"] if reply.texts else []
    if not text.strip():
        return ["no reply"]
    problems = []
    message = MESSAGE_OF.get(kind) or case.get("says")
    if message and text != formatted(KB.messages[message]):
        problems.append(f"not the {message} message: {text[:300]!r}")
    if kind == "empty" and reply.payloads != [s.payload for s in KB.suggestions]:
        problems.append(f"not the suggestion buttons: {reply.payloads}")
    if kind == "decline" and stated_facts(text, KB):
        problems.append(f"states {[f.id for f in stated_facts(text, KB)]}: {text[:300]!r}")
    if kind in ("decline", "no_figure") and numbers_in(text):
        problems.append(f"holds numbers {sorted(numbers_in(text))}: {text[:300]!r}")
    if kind in ("grounded", "answer") and ungrounded(text):
        problems.append(f"ungrounded numbers {sorted(ungrounded(text))}: {text[:300]!r}")
    problems += [f"{must!r} missing: {text[:300]!r}" for must in case.get("must", []) if must not in text]
    problems += [f"{bad!r} in the reply: {text[:300]!r}" for bad in case.get("must_not", []) if bad in text]
    return problems


def follow_up_problems(where: str, replies: list[Reply]) -> list[str]:
    """The follow-up question's answer is the last reply; any before it came unasked."""
    problems = [f"unexpected messages in {where}: {r.text[:300]!r}" for r in replies[:-1]]
    answer = replies[-1].text if replies else ""
    if FIGURE not in answer or ungrounded(answer):
        problems.append(f"the follow-up in {where} was not answered: {answer[:300]!r}")
    return problems


# -- the bot -------------------------------------------------------------------------------
class Run:
    """The bot under test and what the module has seen of it."""

    def __init__(self, bot, slack):
        self.bot, self.slack = bot, slack
        self.statuses: list[int] = []  # of every HTTP request to the bot
        self.results: dict[str, list[str]] = {}  # "<channel>-<case id>": its problems
        self.quiet: dict[str, list[str]] | None = None  # quiet_cases, once run
        self.logs_at_start = self.log_sizes()  # the bot is shared: only what this module made counts

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.bot.bot_port, timeout=60)
        try:
            try:
                connection.request(method, path, body=body, headers=headers or {})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bot answered (413) before it read the whole body
            response = connection.getresponse()
            status, content = response.status, response.read()
        finally:
            connection.close()
        self.statuses.append(status)
        return status, content

    def ask_rest(self, sender: str, text: str) -> Reply:
        body = json.dumps({"sender": sender, "message": text}).encode()
        status, content = self.request("POST", WEBHOOK, body, {"Content-Type": "application/json"})
        return rest_reply(content) if status == 200 else Reply()

    def log_sizes(self) -> dict[Path, int]:
        return {log: log.stat().st_size for log in self.bot.log_dir.glob("*.log")}

    def tracebacks_since(self, sizes: dict[Path, int]) -> int:
        """How many tracebacks the bot's logs gained since they had `sizes`."""
        count = 0
        for log in self.bot.log_dir.glob("*.log"):
            with open(log, "rb") as file:
                file.seek(sizes.get(log, 0))
                count += file.read().count(b"Traceback")
        return count

    def slack_event(self, body: dict) -> int:
        status, _ = post(self.bot, json.dumps(body).encode())
        self.statuses.append(status)
        return status


@pytest.fixture(scope="module")
def run(bot, slack) -> Run:
    return Run(bot, slack)


def rest_first(run: Run, case: dict) -> list[str]:
    """The REST message another client sends first, answered with the figure."""
    if "rest_first" not in case:
        return []
    first = case["rest_first"]
    reply = run.ask_rest(first["sender"], first["message"])
    return [] if FIGURE in reply.text else [f"REST {first['sender']!r} was not answered: {reply.text[:200]!r}"]


# -- REST ----------------------------------------------------------------------------------
def rest_reply(content: bytes) -> Reply:
    messages = json.loads(content)
    assert isinstance(messages, list), content[:300]
    return Reply(
        [m["text"] for m in messages if m.get("text")], [b["payload"] for m in messages for b in m.get("buttons") or []]
    )


def rest_body(case: dict, names: dict[str, str]) -> bytes | None:
    if "json" in case:
        text = json.dumps(expand(case["json"], names), ensure_ascii=False)
        return text.encode(case.get("encoding", "utf-8"))
    if "body" in case:
        return expand(case["body"], names).encode("utf-8")
    if "raw" in case:
        return expand(case["raw"], names).encode("latin-1")  # one byte a character
    return None


def sender_in(body: bytes | None) -> str | None:
    """The conversation a request body names, if the bot takes it as one."""
    try:
        sender = json.loads(body or b"").get("sender")
    except (ValueError, AttributeError, RecursionError):
        return None
    return sender if is_text(sender) and sender.strip() and len(sender) <= 128 else None


def check_http(case: dict, status: int, content: bytes) -> list[str]:
    kind = case["reply"]
    wanted = case.get("status", {"error": 400, "too_large": 413}.get(kind, 200))
    if status != wanted:
        return [f"HTTP {status}, not {wanted}: {content[:300]!r}"]
    text = content.decode("utf-8", errors="replace")
    if kind == "error":
        try:
            error = json.loads(content)
        except ValueError:
            return [f"not JSON: {text[:300]!r}"]
        if not (
            isinstance(error, dict)
            and list(error) == ["error"]
            and isinstance(error["error"], str)
            and "\n" not in error["error"]
            and "\n" not in text.strip()
        ):
            return [f'not one line of {{"error": "..."}}: {text[:300]!r}']
    if kind == "hello" and (text != ROOT_TEXT or version("rasa") in text):
        return [f"not the greeting: {text[:300]!r}"]
    if kind == "http":
        return [f"{must!r} missing: {text[:300]!r}" for must in case.get("must", []) if must not in text]
    return []


def rest_case(run: Run, case: dict) -> list[str]:
    sender = f"bad-{case['id']}"
    names = {"$SENDER": sender, "$OWN": run.bot.url}
    told = False
    for text in case.get("before", []):
        told |= FIGURE in run.ask_rest(sender, text).text
    body = rest_body(case, names)
    problems = []
    if "length" in case and len(expand(case["json"], names)["message"]) != case["length"]:
        problems.append(f"the message is not {case['length']} characters long")
    content_type = case.get("content_type", "application/json")
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(expand(case.get("headers", {}), names))
    with action_server_down(run.bot) if case.get("actions_down") else nullcontext():
        status, content = run.request(case.get("method", "POST"), case.get("path", WEBHOOK), body, headers)
    problems += check_http(case, status, content)
    if status == 200 and case["reply"] not in ("http", "hello"):
        reply = rest_reply(content)
        problems += check_reply(case, reply, lambda text: text)
        told |= FIGURE in reply.text
    conversation = sender_in(body)
    if conversation is None or told:
        conversation = f"fresh-{case['id']}"
    return problems + follow_up_problems(f"REST {conversation!r}", [run.ask_rest(conversation, FOLLOW_UP)])


# -- socket.io (the web chat) ------------------------------------------------------------
class WebClient:
    """A web-chat client: python-socketio over long polling, as rasa-webchat talks."""

    def __init__(self):
        import socketio

        self.errors = socketio.exceptions
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirms: asyncio.Queue = asyncio.Queue()
        self.sio.on("bot_uttered", lambda *data: self.replies.put_nowait(data[0] if data else None))
        self.sio.on("session_confirm", lambda *data: self.confirms.put_nowait(data[0] if data else None))

    async def connect(self, url: str, origin: str) -> bool:
        """False if the bot refuses the connection."""
        try:
            # polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins
            await self.sio.connect(
                url, socketio_path="/socket.io", transports=["polling"], headers={"Origin": origin}, wait_timeout=10
            )
        except self.errors.ConnectionError:
            return False
        return True

    async def confirmed(self) -> Any:
        return await asyncio.wait_for(self.confirms.get(), REPLY_WAIT)

    async def join(self, session: str | None = None) -> str:
        """Ask for `session` (None: a new one); the session the bot confirms (a session it
        did not give out is never joined: another is)."""
        await self.sio.emit("session_request", {"session_id": session})
        confirmed = await self.confirmed()
        assert is_text(confirmed) and 0 < len(confirmed) <= 128, confirmed
        return confirmed

    async def say(self, text: str, session: str) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": session})

    async def reply(self, timeout: float = REPLY_WAIT) -> dict | None:
        try:
            return await asyncio.wait_for(self.replies.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def received(self) -> list[dict]:
        """What has come and not been read yet."""
        messages = []
        while not self.replies.empty():
            messages.append(self.replies.get_nowait())
        return messages

    async def replies_until_answered(self) -> list[Reply]:
        """Replies up to the one with the follow-up's figure (or until none comes)."""
        replies = []
        while not replies or FIGURE not in replies[-1].text:
            message = await self.reply()
            if message is None:
                break
            replies.append(web_reply([message]))
        return replies

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.eio.disconnect(abort=True)  # a clean polling close waits ~25 s


def web_reply(messages: list[dict | None]) -> Reply:
    messages = [m if isinstance(m, dict) else {"text": repr(m)} for m in messages]
    return Reply(
        [m.get("text") or "" for m in messages], [q["payload"] for m in messages for q in m.get("quick_replies") or []]
    )


async def socketio_exchange(run: Run, case: dict) -> list[str]:
    names = {"$SESSION": f"bad-{case['id']}", "$OWN": run.bot.url}
    problems = rest_first(run, case)
    client = WebClient()
    clients = [client]
    try:
        connected = await client.connect(run.bot.url, expand(case.get("origin", "$OWN"), names))
        session: str | None = None
        told = False
        if connected != (case["reply"] != "refused"):
            problems.append("the connection was " + ("accepted" if connected else "refused"))
        if connected:
            event = case.get("event", "user_uttered")
            if event != "session_request":  # else the case is the join
                session = await client.join(expand(case.get("session", "$SESSION"), names))
                names["$SESSION"] = session  # the session the bot gave, as a client's own
            if "args" in case:
                data: Any = tuple(expand(case["args"], names))
            elif "data_json" in case:
                data = json.loads(expand(case["data_json"], names))
            else:
                data = expand(case.get("data"), names)
            if event == "session_request":
                await client.sio.emit(event, data)
                session = await client.confirmed()
                if not (is_text(session) and 0 < len(session) <= 128):
                    problems.append(f"not a usable session id: {session!r}")
                    session = None
            else:
                await client.sio.emit(event, data)
            if case["reply"] in QUIET_REPLIES:
                await asyncio.sleep(QUIET)
                reply = web_reply(client.received())
            else:
                reply = web_reply([m for m in [await client.reply()] if m is not None])
            problems += check_reply(case, reply, webchat_markdown)
            told = FIGURE in reply.text
        if session is None or told:
            client = WebClient()
            clients.append(client)
            assert await client.connect(run.bot.url, run.bot.url)
            session = await client.join()
        await client.say(FOLLOW_UP, session)
        return problems + follow_up_problems(f"web session {session!r}", await client.replies_until_answered())
    finally:
        for each in clients:
            await each.close()


def socketio_case(run: Run, case: dict) -> list[str]:
    if case["reply"] in QUIET_REPLIES:
        if run.quiet is None:
            run.quiet = quiet_cases(run)
        return run.quiet[case["id"]]
    return asyncio.run(asyncio.wait_for(socketio_exchange(run, case), 3 * REPLY_WAIT))


def quiet_cases(run: Run) -> dict[str, list[str]]:
    """The problems of every socket.io case that watches QUIET seconds for a reply that must
    not come, all run at once (each in its own connection and session), so that the module
    waits QUIET once, not once per case; a traceback the bot logs meanwhile is each one's."""
    cases = [case for case in CORPUS["socketio"] if case["reply"] in QUIET_REPLIES]
    logs = run.log_sizes()

    async def at_once() -> list:
        exchanges = [asyncio.wait_for(socketio_exchange(run, case), 3 * REPLY_WAIT) for case in cases]
        return await asyncio.gather(*exchanges, return_exceptions=True)

    found = asyncio.run(at_once())
    traceback = ["a traceback in the bot's log while the quiet cases ran"] if run.tracebacks_since(logs) else []
    return {
        case["id"]: (problems if isinstance(problems, list) else [repr(problems)]) + traceback
        for case, problems in zip(cases, found, strict=True)
    }


# -- Slack -----------------------------------------------------------------------------------
def slack_reply(posts: list[dict]) -> Reply:
    return Reply(
        [p.get("text") or "" for p in posts],
        [e["value"] for p in posts for b in p.get("blocks") or [] if b["type"] == "actions" for e in b["elements"]],
    )


def slack_posts_until(run: Run, channel: str, start: int, done: Callable[[list[dict]], bool]) -> list[dict]:
    """The posts to `channel` after the first `start`, once `done` holds for them (or
    after REPLY_WAIT seconds)."""

    def posts() -> list[dict]:
        return run.slack.posts_to(channel)[start:]

    try:
        return eventually(lambda: done(posts()) and posts(), f"posts to {channel}", REPLY_WAIT)
    except AssertionError:
        return posts()


def slack_case(run: Run, case: dict) -> list[str]:
    problems = rest_first(run, case)
    say = mention if case.get("mention") else dm
    channel, user = unique("C" if case.get("mention") else "D"), case.get("user") or unique("U")
    status = run.slack_event(say(expand(case["text"], {}), channel, user))
    if status != case.get("status", 200):
        problems.append(f"HTTP {status}")
    reply = slack_reply(slack_posts_until(run, channel, 0, bool))
    problems += check_reply(case, reply, lambda text: markdown_to_mrkdwn(text).strip())
    if FIGURE in reply.text:
        channel, user = unique(channel[0]), unique("U")
    start = len(run.slack.posts_to(channel))
    run.slack_event(say(FOLLOW_UP, channel, user))
    posts = slack_posts_until(run, channel, start, lambda p: any(FIGURE in q.get("text", "") for q in p))
    replies = [slack_reply([p]) for p in posts]
    return problems + follow_up_problems(f"Slack {channel} from {user}", replies)


# -- the cases and the totals ------------------------------------------------------------
RUNNERS = {"rest": rest_case, "socketio": socketio_case, "slack": slack_case}


@pytest.mark.parametrize("channel, case", CASES)
def test_bad_input_gets_the_expected_reply_and_the_conversation_goes_on(run, channel, case):
    problems = ["the case did not finish"]
    logs = run.log_sizes()
    try:
        problems = RUNNERS[channel](run, case)
        if run.tracebacks_since(logs):  # written by now: the follow-up was answered after it
            problems.append("a traceback in the bot's log")
    finally:
        run.results[f"{channel}-{case['id']}"] = problems
    assert not problems, "\n".join(problems)


ACTION_SERVER_FRAMING = [
    {"Content-Length": "-1"},
    {"Content-Length": "abc"},
    {"Content-Length": "29", "Transfer-Encoding": "chunked"},
    {"Transfer-Encoding": "gzip"},
]


@pytest.mark.parametrize("headers", ACTION_SERVER_FRAMING, ids=lambda h: "+".join(f"{k}:{v}" for k, v in h.items()))
def test_bad_framing_sent_to_the_action_server_is_refused_and_it_goes_on(run, headers):
    """The action server refuses what the Rasa server refuses (bot/rasa_ext/framing.py): a
    one-line JSON 400 (not rasa_sdk's 500), and the next question is answered through it."""
    connection = http.client.HTTPConnection("127.0.0.1", run.bot.action_port, timeout=30)
    try:
        connection.request("POST", "/webhook", body=b'{"next_action": "action_respond"}', headers=headers)
        response = connection.getresponse()
        status, content = response.status, response.read()
    finally:
        connection.close()
    assert status == 400 and list(json.loads(content)) == ["error"], content
    assert FIGURE in run.ask_rest(f"framing-{uuid.uuid4().hex[:8]}", FOLLOW_UP).text


def test_totals(run, request, capsys):
    """Every case ran; no 5xx, no traceback in the logs, no wrong reply."""
    ran = [
        item
        for item in request.session.items
        if getattr(item, "originalname", "")
        == test_bad_input_gets_the_expected_reply_and_the_conversation_goes_on.__name__
        and item.module is request.module
    ]
    tracebacks = run.tracebacks_since(run.logs_at_start)
    wrong = sorted(case for case, problems in run.results.items() if problems)
    totals = {
        "cases": len(run.results),
        "cases_by_channel": {c: sum(1 for r in run.results if r.startswith(f"{c}-")) for c in CHANNELS},
        "http_requests": len(run.statuses),
        "5xx": sum(1 for status in run.statuses if status >= 500),
        "tracebacks": tracebacks,
        "wrong_replies": len(wrong),
        "wrong": {case: run.results[case] for case in wrong},
    }
    save_results("bad_input.json", totals)
    with capsys.disabled():
        print(
            f"\nbad input: {totals['cases']} cases {totals['cases_by_channel']}, "
            f"{totals['5xx']} 5xx responses (of {totals['http_requests']}), "
            f"{tracebacks} tracebacks in the logs, {len(wrong)} wrong replies"
        )
    assert totals["cases"] == len(ran) > 0
    assert (totals["5xx"], tracebacks, wrong) == (0, 0, [])
