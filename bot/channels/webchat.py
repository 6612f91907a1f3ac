"""The web chat: Rasa's socket.io channel (fixed) and the /chat page, both in the bot's process.

credentials.yml registers two channels from here:

    bot.channels.webchat.WebchatSocketIOInput   socket.io for the rasa-webchat widget
    bot.channels.webchat.ChatPageInput          GET /chat: the page, the widget bundle, the
                                                embeddable bubble (/chat/widget.js), /favicon.ico

WebchatSocketIOInput is Rasa's SocketIOInput with these changes:
  * strict input (bot.channels.guard): a message event that is not an object (or has no
    data at all), or whose message is not a string, is ignored with one log line; long
    and blank messages get a polite reply without NLU; the conversation id is
    "web:<session id>", so a REST or Slack client cannot address a web-chat conversation.
  * the Origin of a socket.io connection must be the bot's own (BOT_PUBLIC_URL; never
    judged by the request's Host) or one listed in WEB_ALLOWED_ORIGINS (comma-separated,
    for sites that embed the widget); Rasa accepts any.
  * a session belongs to the client it was given to: the bot gives out session ids
    signed with WEB_SESSION_KEY (new_session) and joins a socket only to a session it
    signed (session_request; any other gets a new one), and takes a message only for the
    session that socket joined. Rasa joins whatever id a client names, and takes messages
    for sessions never joined, so any socket could read and write another's chat.
  * session persistence works with python-socketio >= 5.10: Rasa 3.6.21 calls
    `sio.enter_room(...)` without `await`, so the socket never joins the session's room and
    no reply reaches the browser (rasa#13027, "coroutine 'AsyncServer.enter_room' was never
    awaited"). Here it is awaited.
  * replies read as they are written: answers separate lines with a single "\\n", which
    Markdown (the widget renders Markdown) folds into a space, so they are sent as hard
    breaks ("  \\n"); citation markers "[1]" are escaped so they are not taken for links.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import html
import inspect
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import PROJECT_ROOT
from bot.channels.guard import (
    MAX_JSON_DEPTH,
    browser_origin_allowed,
    check_text,
    conversation_id,
    for_log,
    handle_or_apologise,
    is_text,
    nested_too_deep,
    own_origins,
    read_json,
)
from bot.rasa_ext.framing import checking_framing

logger = logging.getLogger(__name__)

WEB_DIR = PROJECT_ROOT / "web"
WIDGET_BUNDLE = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"

# The pages load only the bot's own files; the widget talks to the same origin over
# socket.io. Inline styles are the widget's own (style-loader adds its CSS as <style>).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


# A citation marker "[1]" that is not the text of a link "[title](url)".
CITATION_MARKER = re.compile(r"\[(\d+)\](?![(:])")


def hard_breaks(text: str) -> str:
    """Markdown for a text whose lines are separated by single newlines: keep the breaks."""
    lines = text.split("\n")
    return "  \n".join(line.rstrip() for line in lines)


def webchat_markdown(text: str) -> str:
    """A reply for the widget's Markdown renderer, shown the way it reads in plain text.

    Citation markers are escaped (react-markdown would turn "[1]" into an empty link
    showing "1") and single newlines become hard line breaks.
    """
    return hard_breaks(CITATION_MARKER.sub(r"\\[\1\\]", text))


class WebchatOutput(SocketIOOutput):
    """Socket.io replies for rasa-webchat: Markdown text with kept line breaks, quick replies."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    @staticmethod
    def _parts(text: str) -> list[str]:
        # Like Rasa: a blank line starts a new message bubble.
        parts = [webchat_markdown(part.strip("\n")) for part in (text or "").strip().split("\n\n")]
        return [part for part in parts if part.strip()]

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in self._parts(text):
            await self._send_message(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        messages: list[dict[str, Any]] = [{"text": part} for part in self._parts(text)]
        if not messages:
            messages = [{"text": ""}]
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": button["title"], "payload": button["payload"]} for button in buttons
        ]
        for message in messages:
            await self._send_message(recipient_id, message)


def origin_allowed(origin: str | None, environ: dict[str, Any]) -> bool:
    """engine.io's check: the page's Origin is the bot's own or an allowed one
    (bot.channels.guard.browser_origin_allowed; the request's Host is not looked at)."""
    if browser_origin_allowed(origin):
        return True
    logger.warning(
        "socket.io: refused a connection from %s (not BOT_PUBLIC_URL or WEB_ALLOWED_ORIGINS)", for_log(origin)
    )
    return False


@functools.cache
def _session_key() -> bytes:
    """WEB_SESSION_KEY's key, read once per process (bot.storage.keys)."""
    from bot.storage.keys import key

    return key("WEB_SESSION_KEY")


def _signature(session_number: str) -> str:
    return hmac.new(_session_key(), session_number.encode(), hashlib.sha256).hexdigest()[:32]


def new_session() -> str:
    """A web chat session id as the bot gives it out: a random number and its signature
    (WEB_SESSION_KEY), so that a client cannot name a session the bot did not give it."""
    number = uuid.uuid4().hex
    return f"{number}.{_signature(number)}"


def session_is_ours(session: str | None) -> bool:
    """Whether `session` is an id new_session gave out (with this key)."""
    number, _, signature = (session or "").partition(".")
    return (
        len(session or "") <= 128
        and bool(number)
        and hmac.compare_digest(signature.encode(), _signature(number).encode())
    )


def _text_of(value: Any) -> str | None:
    return value if is_text(value) else None


class WebchatSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel with the session-persistence room join awaited (rasa#13027),
    strict input, its own conversation ids and an Origin check."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return WebchatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        sio.eio.cors_allowed_origins = origin_allowed

        # Registering a handler again for the same event and namespace replaces Rasa's.
        # An event may come with no data (`emit(event)`, or null) or several arguments:
        # the handlers take what comes (a missing `data` was a TypeError and a traceback).
        joined: dict[str, str] = {}  # socket id -> the session it joined (session_request)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any = None, *_: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session = _text_of(data.get("session_id"))
            if not session_is_ours(session):  # none yet, or not one this bot gave out
                session = new_session()
            data["session_id"] = session
            if self.session_persistence:
                before = joined.get(sid)
                if before is not None and before != session:
                    left = sio.leave_room(sid, conversation_id("web", before), namespace=self.namespace)
                    if inspect.isawaitable(left):
                        await left
                entered = sio.enter_room(sid, conversation_id("web", session), namespace=self.namespace)
                if inspect.isawaitable(entered):  # a coroutine since python-socketio 5.10
                    await entered
            joined[sid] = session
            await sio.emit("session_confirm", session, room=sid, namespace=self.namespace)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str, *_: Any) -> None:
            joined.pop(sid, None)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any = None, *_: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                logger.warning("socket.io: a message event without a text message was ignored")
                return
            if nested_too_deep(data):
                logger.warning("socket.io: a message event nested more than %d deep was ignored", MAX_JSON_DEPTH)
                return
            output_channel = WebchatOutput(sio, self.bot_message_evt)
            if self.session_persistence:
                session = _text_of(data.get("session_id"))
                if session is None or joined.get(sid) != session:
                    logger.warning(
                        "socket.io: a message for a session this socket has not joined was ignored "
                        "(with session persistence the client sends session_request first)"
                    )
                    return
                sender_id = conversation_id("web", session)
            else:
                sender_id = conversation_id("web", sid)
                entered = sio.enter_room(sid, sender_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = read_json(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            checked = check_text(data["message"])
            message = UserMessage(
                checked.text,
                output_channel,
                sender_id,
                parse_data=checked.parse_data(),
                input_channel=self.name(),
                metadata=checked.metadata(metadata),
            )
            await handle_or_apologise(
                on_new_message, message, lambda text: output_channel.send_text_message(sender_id, text)
            )

        return checking_framing(socketio_webhook)


# rasa-webchat's styles begin with Google Fonts' stylesheet for "Inter" (11 copies in
# 1.0.1): a request to another origin from every page that shows the widget, which the
# /chat page's CSP refuses (one console error each). The bundle is served without them;
# the widget's text uses the system fonts (chat.css). test_webchat_channel.py fails if a
# new bundle imports its fonts in a way this no longer removes.
OUTSIDE_IMPORT = re.compile(r"""@import\s+url\(\s*["']?(?:https?:)?//[^)]*\)\s*;?""")


def without_outside_imports(bundle: str) -> str:
    """The widget bundle without CSS @imports of other origins' stylesheets."""
    return OUTSIDE_IMPORT.sub("", bundle)


JS, CSS = "text/javascript; charset=utf-8", "text/css; charset=utf-8"
HTML = "text/html; charset=utf-8"
# Files served under /chat/, by the name in the URL: (file in web/, content type).
# The widget bundle ("webchat.js") is served from node_modules, see ChatPageInput.
PAGE_FILES = {
    "chat.js": ("chat.js", JS),  # CareerChat: the widget with our settings and fixes
    "chat.css": ("chat.css", CSS),  # how the widget looks, on the page and in the bubble
    "page.js": ("page.js", JS),  # starts the chat on /chat
    "page.css": ("page.css", CSS),  # the /chat page around it
    "widget.js": ("widget.js", JS),  # the embeddable bubble: <script src=".../chat/widget.js">
    "widget.css": ("widget.css", CSS),  # its button and panel
    "demo.css": ("demo.css", CSS),  # the demo host page (/chat/demo, from demo.html)
    "favicon.svg": ("favicon.svg", "image/svg+xml"),
}
# Where the demo page puts the bot's origin (scheme://host:port) in its embed snippet.
BOT_ORIGIN_MARK = "{{BOT_ORIGIN}}"


def demo_page(template: str, bot_origin: str) -> str:
    """The demo host page (web/demo.html) embedding the widget from `bot_origin`."""
    return template.replace(BOT_ORIGIN_MARK, html.escape(bot_origin, quote=True))


class ChatPageInput(InputChannel):
    """The web chat's files, served by the bot's own Sanic app:

        GET /chat               the chat page
        GET /chat/webchat.js    the rasa-webchat bundle (without its Google Fonts import)
        GET /chat/<file>        the files in PAGE_FILES
        GET /chat/widget.js     the script a site owner embeds for a chat bubble
        GET /chat/demo          a host page embedding it
        GET /favicon.ico        the bot's icon

    Rasa mounts a channel at urljoin("/webhooks/", url_prefix()); "/" mounts this one at
    the root so that it can serve /favicon.ico too. It receives no messages itself: the
    chat talks socket.io (WebchatSocketIOInput).
    """

    @classmethod
    def name(cls) -> str:
        return "chat"

    def url_prefix(self) -> str:
        return "/"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(web_dir=credentials.get("web_dir"), bundle=credentials.get("bundle"))

    def __init__(self, web_dir: str | None = None, bundle: str | None = None) -> None:
        self.web_dir = Path(web_dir) if web_dir else WEB_DIR
        if not self.web_dir.is_absolute():
            self.web_dir = PROJECT_ROOT / self.web_dir
        self.bundle = Path(bundle) if bundle else self.web_dir / WIDGET_BUNDLE.relative_to(WEB_DIR)
        if not self.bundle.is_absolute():
            self.bundle = PROJECT_ROOT / self.bundle
        if not self.bundle.is_file():
            logger.warning(
                f"The chat widget is not installed ({self.bundle} is missing): "
                "run `npm ci --prefix web` (make does it)."
            )
        self._bundle_cache: tuple | None = None  # (mtime, served bytes)

    def bundle_bytes(self) -> bytes | None:
        """The widget bundle as served (read again when the file changes); None if missing."""
        try:
            mtime = self.bundle.stat().st_mtime_ns
        except OSError:
            return None
        if self._bundle_cache is None or self._bundle_cache[0] != mtime:
            text = self.bundle.read_text(encoding="utf-8")
            self._bundle_cache = (mtime, without_outside_imports(text).encode("utf-8"))
        return self._bundle_cache[1]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        chat_page = Blueprint("chat_page", __name__)
        headers = {
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-cache",
        }
        missing = "{} is missing: run `npm ci --prefix web` (make does it)."

        async def send_page() -> HTTPResponse:
            return await response.file(self.web_dir / "chat.html", headers=headers, mime_type=HTML)

        @chat_page.route("/chat", methods=["GET", "HEAD"], strict_slashes=False)
        async def page(_: Request) -> HTTPResponse:
            return await send_page()

        @chat_page.route("/favicon.ico", methods=["GET", "HEAD"])
        async def favicon(_: Request) -> HTTPResponse:
            return await response.file(self.web_dir / "favicon.ico", headers=headers, mime_type="image/x-icon")

        @chat_page.route("/chat/<name:str>", methods=["GET", "HEAD"])
        async def asset(request: Request, name: str) -> HTTPResponse:
            if not name:  # /chat/: Sanic 21.12 routes it here with an empty name, not to page()
                return await send_page()
            if name == "webchat.js":
                bundle = self.bundle_bytes()
                if bundle is None:
                    return response.text(missing.format(name), status=503)
                return response.raw(bundle, headers=headers, content_type=JS)
            if name == "demo":
                template = (self.web_dir / "demo.html").read_text(encoding="utf-8")
                # the origin the page was opened at if it is the bot's own, never a Host
                # header's text otherwise (a forged Host would name where to load the script from)
                opened_at, own = f"{request.scheme}://{request.host}".lower(), own_origins()
                origin = opened_at if opened_at in own else sorted(own)[0]
                return response.html(demo_page(template, origin), headers=headers)
            if name not in PAGE_FILES:
                return response.text("Not found", status=404)
            file_name, content_type = PAGE_FILES[name]
            path = self.web_dir / file_name
            if not path.is_file():
                return response.text(missing.format(name), status=503)
            return await response.file(path, headers=headers, mime_type=content_type)

        return checking_framing(chat_page)
