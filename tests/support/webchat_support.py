"""What the web chat tests share: a bot on free ports, Debian's chromium through Playwright,
and the chat as a user sees it (on /chat or in the embedded bubble).

The browser is Debian's chromium driven by Playwright from PyPI (never `playwright
install`); every request that leaves loopback is aborted, and each Chat records the
console errors and the requests that leave the origins it is allowed to talk to.
Screenshots go to test-output/webchat/ (git-ignored). Only with UPDATE_SCREENSHOTS=1
(`make screenshots`) are the README's ones also copied over docs/screenshots/.
"""

import os
import shutil
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from bot import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
OUTPUT = PROJECT_ROOT / "test-output" / "webchat"
DOC_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 30_000  # every Playwright wait (the context's default timeout)

PAY_QUESTION = "what is the median salary of an ML engineer?"
SOURCE_QUESTION = "where does that come from?"
GREETING = "Hi! I answer questions about becoming a machine learning engineer"
BLS = "https://www.bls.gov/"
COURSERA = "https://www.coursera.org/"

# A bot message (the typing indicator is drawn as one too, without text).
RESPONSE = ".rw-message:not(.rw-typing-indication) .rw-response"
SESSION_ID = "() => (JSON.parse(localStorage.getItem('chat_session') || '{}')).session_id || null"

# Injected before the page's own scripts: when Enter was pressed and when each bot message
# appeared, in ms since the page started loading (performance.now()).
TIMING_PROBE = f"""
window.__chatTimes = {{enter: [], responses: []}};
document.addEventListener('keydown', event => {{
  if (event.key === 'Enter') window.__chatTimes.enter.push(performance.now());
}}, true);
new MutationObserver(() => {{
  const shown = document.querySelectorAll('{RESPONSE}').length, times = window.__chatTimes.responses;
  while (times.length < shown) times.push(performance.now());
}}).observe(document, {{childList: true, subtree: true}});
"""


@contextmanager
def chromium():
    expect.set_options(timeout=TIMEOUT_MS)
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(apt-get install -y chromium). Playwright's own browsers are not used.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def get(url, headers=None, method="GET"):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def loopback_only(route):
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost", "::1"):
        route.continue_()
    else:
        route.abort()


class Chat:
    """One page with the chat in its own browser context: what a user sees and does.

    `origins` are those the page may send requests to (default: the page's own); any other
    request is recorded in `outside`, console errors and uncaught exceptions in `errors`.
    """

    def __init__(self, browser, url, width=1280, height=800, origins=(), bypass_csp=False):
        self.context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=bypass_csp)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.route("**/*", loopback_only)
        self.context.add_init_script(TIMING_PROBE)
        self.page = self.context.new_page()
        self.url = url
        self.origins = {origin_of(url), *origins}
        self.dialogs, self.errors, self.outside = [], [], []
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._on_console)
        self.page.on("request", self._on_request)

    def _on_dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_console(self, message):
        if message.type == "error":
            self.errors.append(message.text)

    def _on_request(self, request):
        if not request.url.startswith("data:") and origin_of(request.url) not in self.origins:
            self.outside.append(request.url)

    def open(self):
        self.page.goto(self.url)
        self.page.locator(".rw-conversation-container").wait_for()

    def responses(self):
        return self.page.locator(RESPONSE)

    def wait_for_response(self, count, containing):
        """Wait until there are `count` bot messages and the last one contains the text."""
        self.page.wait_for_function(
            "([selector, n, text]) => { const r = document.querySelectorAll(selector);"
            " return r.length >= n && r[r.length - 1].innerText.includes(text); }",
            arg=[RESPONSE, count, containing],
        )
        return self.responses().nth(count - 1)

    def say(self, text):
        box = self.page.locator(".rw-new-message")
        box.fill(text)
        box.press("Enter")

    def session_id(self):
        return self.page.evaluate(SESSION_ID)

    def times(self):
        """{"enter": [...], "responses": [...]}: ms since the page started loading."""
        return self.page.evaluate("() => window.__chatTimes")

    def focused(self):
        """The focused element: tag, class, text, label and whether a focus ring shows (its
        outline, or for the input the ring around the input bar)."""
        return self.page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e), bar = e.closest('.rw-sender');
            return {tag: e.tagName.toLowerCase(), cls: String(e.className), text: (e.innerText || '').trim(),
                    label: e.getAttribute('aria-label'),
                    outline: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                             || (bar !== null && getComputedStyle(bar).boxShadow.includes('inset'))}; }""")

    def tab_until(self, selector, key="Tab", limit=40):
        """Press Tab (or `key`) until the focus is on `selector`; the elements passed on the way."""
        passed = []
        for _ in range(limit):
            self.page.keyboard.press(key)
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return passed
            passed.append(self.focused())
        pytest.fail(f"{selector} not reached with {limit} Tabs; focus went through {passed}")

    def axe(self):
        """axe-core's serious and critical findings on the page as it is now."""
        self.page.add_script_tag(path=str(AXE))
        return self.page.evaluate("""async () => {
            const result = await axe.run(document);
            return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          targets: v.nodes.map(n => n.target.join(' '))})); }""")

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
