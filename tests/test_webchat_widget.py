"""The embeddable chat bubble (/chat/widget.js) on another site, as a real third party.

A tiny static server on its own port stands for a site owner's page: the demo page
(web/demo.html) with the one <script> tag pointing at the bot. The bot is started with
that page's origin, http://127.0.0.1:HOST_PORT, in WEB_ALLOWED_ORIGINS. The same page
opened as http://localhost:HOST_PORT is another origin, which the bot does not allow.
"""

import http.server
import threading

import pytest
from playwright.sync_api import expect

from bot import PROJECT_ROOT
from bot.channels.webchat import demo_page
from tests.support.shared_bot import WIDGET_SITE, WIDGET_SITE_PORT
from tests.support.webchat_support import (
    BLS,
    GREETING,
    PAY_QUESTION,
    SOURCE_QUESTION,
    Chat,
    assert_source_link,
    get,
    publish,
)

pytestmark = pytest.mark.servers

HOST_PORT = WIDGET_SITE_PORT  # the shared bot allows this site (tests/support/shared_bot.py)
ALLOWED = WIDGET_SITE
NOT_ALLOWED = f"http://localhost:{HOST_PORT}"
POLLING = "/socket.io/?EIO=4&transport=polling"


@pytest.fixture(scope="module")
def host_site(bot):
    """Someone else's site: serves the demo page, embedding the bot's widget, at "/"."""
    page = demo_page((PROJECT_ROOT / "web" / "demo.html").read_text(encoding="utf-8"), bot.url).encode("utf-8")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            found = self.path == "/"
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page) if found else 0))
            self.end_headers()
            if found:
                self.wfile.write(page)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", HOST_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# -- what the bot serves --------------------------------------------------------------------


def test_the_widget_script_finds_the_bot_from_its_own_address(bot):
    status, headers, body = get(bot.url + "/chat/widget.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b"currentScript" in body and b"127.0.0.1" not in body and b"localhost" not in body


def test_the_demo_page_embeds_the_widget_like_a_third_party_would(bot):
    status, headers, body = get(bot.url + "/chat/demo")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    snippet = f'<script src="{bot.url}/chat/widget.js"></script>'.encode()
    assert snippet in body  # the tag itself, at the end of the page ...
    assert snippet.replace(b"<", b"&lt;").replace(b">", b"&gt;") in body  # ... and shown
    # The origin comes from the Host header: it is escaped, never markup.
    _, _, forged = get(bot.url + "/chat/demo", headers={"Host": 'x"><b>forged</b>'})
    assert b"<b>forged" not in forged


def test_socketio_polling_answers_allowed_origins_with_cors_headers(bot):
    status, headers, body = get(bot.url + POLLING, headers={"Origin": ALLOWED})
    assert status == 200 and b'"sid"' in body
    assert headers["Access-Control-Allow-Origin"] == ALLOWED
    assert headers["Access-Control-Allow-Credentials"] == "true"
    # (The widget's polling requests are simple ones, GET and text/plain POST: no preflight,
    # which is just as well: Rasa's CORS layer answers every OPTIONS itself, without these.)
    status, headers, _ = get(bot.url + POLLING, headers={"Origin": NOT_ALLOWED})
    assert status == 400 and "Access-Control-Allow-Origin" not in headers


# -- in a browser -----------------------------------------------------------------------------


def open_bubble(chat):
    """Load the host page, wait for the bubble and open it."""
    chat.page.goto(chat.url)
    launcher = chat.page.get_by_role("button", name="Chat with the career bot")
    expect(launcher).to_be_visible()
    launcher.click()
    expect(chat.page.get_by_role("dialog", name="Career bot")).to_be_visible()


def test_the_bubble_on_an_allowed_site(browser, bot, host_site):
    chat = Chat(browser, ALLOWED + "/", origins=[bot.url])
    socket_requests = []  # (method, transport)
    chat.page.on(
        "request",
        lambda r: (
            "/socket.io/" in r.url
            and socket_requests.append((r.method, "websocket" if "transport=websocket" in r.url else "polling"))
        ),
    )
    try:
        chat.page.goto(chat.url)
        launcher = chat.page.get_by_role("button", name="Chat with the career bot")
        expect(launcher).to_be_visible()
        launcher_box = launcher.bounding_box()  # the bottom right corner
        assert launcher_box["x"] > 1280 - 120 and launcher_box["y"] > 800 - 120
        assert socket_requests == []  # nothing connects before the bubble is opened
        assert chat.page.evaluate("() => typeof window.WebChat") == "undefined"

        launcher.click()
        expect(chat.page.get_by_role("dialog", name="Career bot")).to_be_visible()
        chat.wait_for_response(1, GREETING)
        chat.say(PAY_QUESTION)
        answer = chat.wait_for_response(2, "$131,490")
        assert_source_link(answer, BLS)
        session = chat.session_id()
        publish(chat.screenshot("chat-widget.png"), "chat-widget.png")

        # A reload opens the chat again, with its history and the same session on the bot.
        chat.page.reload()
        chat.wait_for_response(2, "$131,490")
        expect(chat.page.locator(".rw-client")).to_have_count(1)
        assert chat.session_id() == session
        chat.say(SOURCE_QUESTION)
        cited = chat.wait_for_response(3, "That answer came from:")
        assert_source_link(cited, BLS)

        # New conversation, in the panel too.
        chat.page.get_by_role("button", name="New conversation").click()
        chat.wait_for_response(1, GREETING)
        expect(chat.page.locator(".rw-client")).to_have_count(0)
        assert chat.session_id() not in (None, session)

        assert chat.errors == [], "console errors"
        assert chat.outside == [], "requests to origins other than the site's and the bot's"
        assert ("GET", "polling") in socket_requests and ("POST", "polling") in socket_requests
        assert "OPTIONS" not in {method for method, _ in socket_requests}
    finally:
        chat.close()


def test_the_bubble_by_keyboard(browser, bot, host_site):
    chat = Chat(browser, ALLOWED + "/", origins=[bot.url])
    try:
        chat.page.goto(chat.url)
        expect(chat.page.locator(".cb-launcher")).to_be_visible()
        chat.tab_until(".cb-launcher")
        assert chat.focused()["outline"]
        chat.page.keyboard.press("Enter")
        # The focus moves to the input once the chat is connected.
        chat.page.wait_for_function("() => document.activeElement.matches('.rw-new-message')")
        chat.wait_for_response(1, GREETING)
        chat.page.keyboard.type(PAY_QUESTION)
        chat.page.keyboard.press("Enter")
        chat.wait_for_response(2, "$131,490")
        # (axe's own requests for the bot's stylesheets are refused by CORS: console errors.)
        findings = chat.axe()  # the host page has no CSP: axe can be added as it is
        print(f"\naxe on the open bubble, serious or critical: {findings}")
        assert findings == []
        chat.page.locator(".rw-new-message").focus()
        chat.page.keyboard.press("Escape")
        expect(chat.page.get_by_role("dialog", name="Career bot")).to_be_hidden()
        assert chat.focused()["cls"] == "cb-launcher"
        assert chat.page.locator(".cb-launcher").get_attribute("aria-expanded") == "false"
        chat.page.keyboard.press("Enter")  # open again: the conversation is still there
        chat.wait_for_response(2, "$131,490")
    finally:
        chat.close()


def test_the_bots_demo_page(browser, bot):
    """/chat/demo embeds the bubble like any site, under the bot's strict CSP."""
    chat = Chat(browser, bot.url + "/chat/demo")
    try:
        open_bubble(chat)
        chat.wait_for_response(1, GREETING)
        assert chat.errors == [] and chat.outside == []
    finally:
        chat.close()


def test_a_site_that_is_not_allowed_gets_no_connection(browser, bot, host_site):
    chat = Chat(browser, NOT_ALLOWED + "/", origins=[bot.url])
    answered, refused = [], []  # socket.io requests that got through, that were refused
    chat.page.on("response", lambda r: "/socket.io/" in r.url and answered.append(r.url))
    chat.page.on("requestfailed", lambda r: "/socket.io/" in r.url and refused.append(r.url))
    try:
        open_bubble(chat)  # the page still gets the scripts: only the connection is refused
        status = chat.page.get_by_role("status")
        expect(status).to_have_text("Cannot reach the career bot. Trying again...")
        assert refused and answered == []  # (the bot answers them 400, see above)
        expect(chat.page.locator(".rw-new-message")).to_be_disabled()  # nothing to send to
        assert chat.responses().count() == 0
        assert chat.session_id() is None  # the bot never confirmed a session
        assert all("CORS" in e or "Failed to load resource" in e for e in chat.errors)
    finally:
        chat.close()
