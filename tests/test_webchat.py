"""The web chat end to end: the bot's own /chat page, socket.io sessions, a real browser.

One bot (action server + `rasa run`) on free loopback ports with a fresh tracker database
serves every test here. The browser is Debian's chromium driven by Playwright from PyPI
(never `playwright install`); every request that leaves loopback is aborted.
Screenshots go to test-output/webchat/ (git-ignored). Only with UPDATE_SCREENSHOTS=1
(`make screenshots`) are the README's ones also copied over docs/screenshots/.
"""
import asyncio
import os
import shutil
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from bot import PROJECT_ROOT
from bot.server.launcher import Servers, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]
OUTPUT = PROJECT_ROOT / "test-output" / "webchat"
DOC_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
TIMEOUT_MS = 30_000  # every Playwright wait (the context's default timeout)
SOCKET_DEADLINE = 60  # seconds for one socket.io exchange: connect, join, replies, disconnect

PAY_QUESTION = "what is the median salary of an ML engineer?"
SOURCE_QUESTION = "where does that come from?"
GREETING = "Hi! I answer questions about becoming a machine learning engineer"
BLS = "https://www.bls.gov/"
COURSERA = "https://www.coursera.org/"


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    state = tmp_path_factory.mktemp("webchat")
    servers = Servers(bot_port=free_port(), action_port=free_port(),
                      tracker_db=state / "tracker.db", log_dir=state / "logs")
    with servers:
        yield servers
    for log in ("rasa.log", "actions.log"):
        text = (state / "logs" / log).read_text(encoding="utf-8", errors="replace")
        assert "was never awaited" not in text, f"{log}: a coroutine was never awaited"


# -- the /chat routes ------------------------------------------------------------------

def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_chat_page_is_served_by_the_bot_itself(bot):
    status, headers, body = get(bot.url + "/chat")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert b'<script src="/chat/webchat.js"></script>' in body
    assert b"https://" not in body  # nothing from a CDN
    # With a trailing slash too (Sanic hands /chat/ to the file route with an empty name).
    status, headers, slash_body = get(bot.url + "/chat/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert slash_body == body


@pytest.mark.parametrize("name, content_type", [
    ("webchat.js", "text/javascript"), ("chat.js", "text/javascript"), ("chat.css", "text/css"),
])
def test_page_files_have_their_content_types(bot, name, content_type):
    status, headers, body = get(f"{bot.url}/chat/{name}")
    assert status == 200, f"/chat/{name}: {body[:200]!r} (did `npm ci --prefix web` run?)"
    assert headers["Content-Type"].startswith(content_type)
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_nothing_else_is_served_under_chat(bot):
    for name in ("package.json", "..%2Fcredentials.yml", "node_modules"):
        assert get(f"{bot.url}/chat/{name}")[0] == 404, name


# -- socket.io: session persistence (rasa#13027) -----------------------------------------

async def say(url, session_id, text, replies=1, timeout=30.0):
    """Connect, join `session_id`, say `text`, return the bot's messages, disconnect."""
    import socketio

    client = socketio.AsyncClient()
    confirmed, received = asyncio.Event(), asyncio.Queue()
    client.on("session_confirm", lambda data: confirmed.set())

    async def on_bot(data):
        await received.put(data)

    client.on("bot_uttered", on_bot)
    # Polling: python-engineio's websocket client needs a newer aiohttp than Rasa pins.
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(confirmed.wait(), timeout)
        await client.emit("user_uttered", {"message": text, "session_id": session_id,
                                           "customData": {"language": "en"}})
        return [await asyncio.wait_for(received.get(), timeout) for _ in range(replies)]
    finally:
        await client.eio.disconnect(abort=True)  # a clean polling close waits ~25 s


def run_async(coroutine, deadline=SOCKET_DEADLINE):
    """asyncio in its own thread, so it never meets Playwright's event loop; fails after
    `deadline` seconds instead of waiting for ever."""
    result = {}

    def target():
        try:
            result["value"] = asyncio.run(asyncio.wait_for(coroutine, deadline))
        except BaseException as error:  # noqa: B902 - re-raised in the test's thread
            result["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(deadline + 10)  # wait_for's cancellation could itself hang
    if thread.is_alive():
        pytest.fail(f"the socket.io exchange still runs after {deadline + 10} s")
    if "error" in result:
        raise result["error"]
    return result["value"]


def test_socketio_replies_arrive_and_a_session_survives_reconnecting(bot):
    session = uuid.uuid4().hex
    [answer] = run_async(say(bot.url, session, PAY_QUESTION))
    assert "$131,490" in answer["text"]
    assert f"]({BLS}" in answer["text"]
    assert "  \n" in answer["text"]  # single newlines sent as Markdown hard breaks

    # A new connection (another socket id) with the same session id: same conversation.
    [sources] = run_async(say(bot.url, session, SOURCE_QUESTION))
    assert sources["text"].startswith("That answer came from:")
    assert f"]({BLS}" in sources["text"]

    # Another session has no last answer to cite.
    [fresh] = run_async(say(bot.url, uuid.uuid4().hex, SOURCE_QUESTION))
    assert BLS not in fresh["text"]


def test_greeting_comes_with_suggestions_as_quick_replies(bot):
    [greeting] = run_async(say(bot.url, uuid.uuid4().hex, "/greet"))
    assert greeting["text"].startswith(GREETING)
    replies = greeting["quick_replies"]
    assert len(replies) >= 3
    assert all(r["content_type"] == "text" and r["payload"].startswith("/") for r in replies)


# -- the browser --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    expect.set_options(timeout=TIMEOUT_MS)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(apt-get install -y chromium). Playwright's own browsers are not used.",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def loopback_only(route):
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost", "::1"):
        route.continue_()
    else:
        route.abort()


class Chat:
    """The /chat page in one browser context: what a user sees and does."""

    def __init__(self, browser, bot, width, height):
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", loopback_only)
        self.page = self.context.new_page()
        self.url = bot.url + "/chat?fast"
        self.dialogs, self.errors = [], []
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self):
        self.page.goto(self.url)
        self.page.locator(".rw-conversation-container").wait_for()

    def responses(self):
        return self.page.locator(".rw-response")

    def wait_for_response(self, count, containing):
        """Wait until there are `count` bot messages and the last one contains the text."""
        self.page.wait_for_function(
            "([n, text]) => { const r = document.querySelectorAll('.rw-response');"
            " return r.length >= n && r[r.length - 1].innerText.includes(text); }",
            arg=[count, containing])
        return self.responses().nth(count - 1)

    def say(self, text):
        box = self.page.locator(".rw-new-message")
        box.fill(text)
        box.press("Enter")

    def screenshot(self, name):
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / name
        self.page.screenshot(path=str(path))
        return path

    def close(self):
        self.context.close()


def publish(screenshot, name):
    """Copy a screenshot over the README's copy, only when asked to (`make screenshots`)."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, DOC_SCREENSHOTS / name)


def assert_source_link(message, prefix):
    link = message.locator(f'a[href^="{prefix}"]').first
    expect(link).to_be_visible()
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in (link.get_attribute("rel") or "")
    return link


def test_a_conversation_with_sources_survives_a_reload(browser, bot):
    started = time.monotonic()
    chat = Chat(browser, bot, 1280, 800)
    try:
        chat.open()
        assert "ML engineer in the US" in chat.page.locator("#about").inner_text()
        chat.wait_for_response(1, GREETING)
        suggestions = chat.page.locator(".rw-replies .rw-reply")
        suggestions.first.wait_for()
        assert suggestions.count() >= 3
        assert "What do ML engineers earn?" in suggestions.all_inner_texts()

        chat.say(PAY_QUESTION)
        answer = chat.wait_for_response(2, "$131,490")
        assert_source_link(answer, BLS)
        assert answer.locator("br").count() >= 2  # "Sources:" and each source on its own line
        assert chat.page.locator(".rw-client").last.inner_text() == PAY_QUESTION
        chat.screenshot("chat-desktop-answer.png")

        # Suggestions come back with "help"; clicking one asks it.
        chat.say("help")
        chat.wait_for_response(3, "Ask me in your own words")
        suggestions.first.wait_for()
        publish(chat.screenshot("chat-desktop.png"), "chat-desktop.png")
        chat.page.locator(".rw-reply", has_text="How do I get started?").click()
        started_answer = chat.wait_for_response(4, "Sources:")
        assert_source_link(started_answer, COURSERA)
        assert chat.page.locator(".rw-client").last.inner_text() == "How do I get started?"

        chat.page.reload()
        chat.page.locator(".rw-conversation-container").wait_for()
        chat.wait_for_response(4, "Sources:")
        assert "$131,490" in chat.responses().nth(1).inner_text()
        expect(chat.page.locator(".rw-client")).to_have_count(3)

        chat.say(SOURCE_QUESTION)
        cited = chat.wait_for_response(5, "That answer came from:")
        assert_source_link(cited, COURSERA)  # the last answer's source, not the pay one
        assert cited.locator(f'a[href^="{BLS}"]').count() == 0
        chat.screenshot("chat-desktop-after-reload.png")

        assert chat.dialogs == [] and chat.errors == []
    finally:
        chat.close()
    print(f"\nbrowser walk-through: {time.monotonic() - started:.1f} s")


def test_what_the_user_types_is_shown_as_text(browser, bot):
    chat = Chat(browser, bot, 1280, 800)
    typed = "<b>x</b><script>alert(1)</script><img src=x onerror=alert(2)>"
    try:
        chat.open()
        chat.wait_for_response(1, GREETING)
        chat.say(typed)
        chat.wait_for_response(2, "")
        bubble = chat.page.locator(".rw-client").last
        assert bubble.inner_text() == typed
        assert bubble.locator("b, script, img").count() == 0
        # Instead of sleeping: an image that fails to load now, like the typed one would
        # have, raises a control alert; once it has come, any alert of the typed markup
        # would have come too (its request went to the same server first).
        with chat.page.expect_event("dialog", timeout=TIMEOUT_MS):
            chat.page.evaluate("""() => { const image = new Image();
                image.onerror = () => alert("control"); image.src = "x-control"; }""")
        assert chat.dialogs == ["control"], f"a script ran: {chat.dialogs}"
    finally:
        chat.close()


def test_phone_width(browser, bot):
    chat = Chat(browser, bot, 390, 844)
    try:
        chat.open()
        chat.wait_for_response(1, GREETING)
        chat.page.locator(".rw-replies .rw-reply", has_text="What do ML engineers earn?").click()
        answer = chat.wait_for_response(2, "$131,490")
        assert_source_link(answer, BLS)
        width = chat.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways at 390 px ({width} px wide)"
        box = chat.page.locator(".rw-new-message").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert box["y"] + box["height"] <= 844
        bubble = answer.bounding_box()
        assert bubble["x"] >= 0 and bubble["x"] + bubble["width"] <= 390
        publish(chat.screenshot("chat-phone.png"), "chat-phone.png")
    finally:
        chat.close()
