"""The web chat channels without servers: reply shapes and the session fix.

The /chat routes are tested against a running bot in test_webchat.py."""

import asyncio
import json
import re
from importlib.metadata import version

import pytest
import yaml

from bot import PROJECT_ROOT
from bot.channels.webchat import (
    PAGE_FILES,
    WEB_DIR,
    WIDGET_BUNDLE,
    WebchatOutput,
    WebchatSocketIOInput,
    demo_page,
    hard_breaks,
    new_session,
    session_is_ours,
    webchat_markdown,
    without_outside_imports,
)
from tests.conftest import ANSWERS


class FakeSio:
    """Records what the output channel emits, like socketio.AsyncServer.emit."""

    def __init__(self):
        self.emitted = []

    async def emit(self, event, data=None, room=None, **kwargs):
        self.emitted.append((event, data, room))


def emitted(coroutine_factory):
    sio = FakeSio()
    asyncio.run(coroutine_factory(WebchatOutput(sio, "bot_uttered")))
    return sio.emitted


# A made-up reply in the formatter's shape (not from the knowledge file).
SAMPLE = "Pay is $100 [1].\nSources:\n[1] A Publisher: [A Title](https://example.org/a), accessed May 1, 2020"


def test_single_newlines_become_markdown_hard_breaks():
    assert hard_breaks("a\nb\nc") == "a  \nb  \nc"
    assert hard_breaks("one line") == "one line"


def test_citation_markers_are_escaped_and_links_kept():
    text = "Pay is $1 [1][2].\n[1] A: [Title](https://a.example), accessed\n[2] B: [1](https://b)"
    assert webchat_markdown(text) == (
        "Pay is $1 \\[1\\]\\[2\\].  \n\\[1\\] A: [Title](https://a.example), accessed  \n\\[2\\] B: [1](https://b)"
    )


def test_text_reply_is_one_message_with_kept_line_breaks():
    sent = emitted(lambda out: out.send_text_message("s1", SAMPLE))
    assert sent == [
        (
            "bot_uttered",
            {
                "text": (
                    "Pay is $100 \\[1\\].  \n"
                    "Sources:  \n"
                    "\\[1\\] A Publisher: [A Title](https://example.org/a), accessed May 1, 2020"
                )
            },
            "s1",
        )
    ]


def test_an_answer_from_the_knowledge_file_keeps_its_lines_markers_and_links(answers):
    """The pay answer as the bot gives it (data/knowledge.yml) through the channel."""
    kb = answers.kb
    reply = answers.for_intent("ask_pay")
    facts = [kb.fact(fact_id) for fact_id in reply.facts]
    cited = list(dict.fromkeys(source for fact in facts for source in fact.sources))
    assert facts and cited

    [(event, data, room)] = emitted(lambda out: out.send_text_message("s1", reply.text))
    lines = data["text"].split("  \n")
    assert len(lines) == reply.text.count("\n") + 1  # every line break kept, none added
    # The facts on the first line, their citation markers escaped: no bare "[" left.
    for fact in facts:
        assert fact.text.rstrip(".!?") in lines[0]
    for n in range(1, len(cited) + 1):
        assert f"\\[{n}\\]" in lines[0]
    assert "[" not in lines[0].replace("\\[", "")
    # Then the source list: one escaped number and a working link per line.
    assert lines[1] == kb.messages["sources_heading"]
    for n, source_id in enumerate(cited, 1):
        source = kb.source(source_id)
        assert lines[1 + n].startswith(f"\\[{n}\\] "), lines[1 + n]
        assert f"[{source.title}]({source.url})" in lines[1 + n]


def test_buttons_become_quick_replies_on_the_last_message(answers):
    suggestions = answers.kb.suggestions  # the buttons the bot offers, from data/knowledge.yml
    assert suggestions
    buttons = [{"title": s.title, "payload": s.payload} for s in suggestions]
    sent = emitted(lambda out: out.send_text_with_buttons("s1", "Hi!\nPick one:", buttons))
    assert len(sent) == 1
    message = sent[0][1]
    assert message["text"] == "Hi!  \nPick one:"
    assert message["quick_replies"] == [
        {"content_type": "text", "title": s.title, "payload": s.payload} for s in suggestions
    ]


def test_blank_lines_still_split_into_messages_like_rasa():
    sent = emitted(lambda out: out.send_text_with_buttons("s1", "first\n\nsecond", [{"title": "t", "payload": "/p"}]))
    assert [m[1]["text"] for m in sent] == ["first", "second"]
    assert "quick_replies" not in sent[0][1] and sent[1][1]["quick_replies"]


def test_credentials_use_the_events_and_metadata_key_of_the_installed_widget():
    """The server's socket.io settings agree with what rasa-webchat's bundle sends and hears."""
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert "bot.channels.webchat.ChatPageInput" in credentials
    socketio = credentials["bot.channels.webchat.WebchatSocketIOInput"]
    assert socketio["session_persistence"] is True  # a reload keeps the conversation
    bundle = WIDGET_BUNDLE.read_text(encoding="utf-8")
    user_event, bot_event = socketio["user_message_evt"], socketio["bot_message_evt"]
    # The widget emits {message, customData, session_id} and listens for the bot's event.
    sends = re.compile(
        r'\.emit\("'
        + re.escape(user_event)
        + r'",\{message:\w+,'
        + re.escape(socketio["metadata_key"])
        + r":[\w.]+,session_id:"
    )
    assert sends.search(bundle), f"the widget never emits {user_event!r} with its metadata key"
    assert f'.on("{bot_event}",' in bundle, f"the widget never listens for {bot_event!r}"


def test_the_served_bundle_is_the_pinned_one_and_speaks_the_servers_protocol():
    def version_in(path):
        return json.loads(path.read_text(encoding="utf-8"))["version"]

    pinned = json.loads((WEB_DIR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((WEB_DIR / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    # package.json pins exact versions (no range), the ones the lock file pins and
    # bot.tools.web_packages unpacked (each package alone: the bundle holds its dependencies).
    assert pinned["dependencies"] == {"rasa-webchat": lock["node_modules/rasa-webchat"]["version"]}
    assert pinned["devDependencies"] == {"axe-core": lock["node_modules/axe-core"]["version"]}
    for package in ("rasa-webchat", "axe-core"):
        installed = version_in(WEB_DIR / "node_modules" / package / "package.json")
        assert installed == lock[f"node_modules/{package}"]["version"], f"{package} {installed}: run `make web`"
    installed = sorted(p.name for p in (WEB_DIR / "node_modules").iterdir() if not p.name.startswith("."))
    assert installed == ["axe-core", "rasa-webchat"]
    # python-socketio 5 speaks the Socket.IO 5 protocol (over Engine.IO 4) of the JavaScript
    # clients 3 and 4, which the bundle holds.
    bundle = WIDGET_BUNDLE.read_text(encoding="utf-8")
    assert version("python-socketio").split(".")[0] == "5"
    assert re.search(r'\("socket\.io-parser"\);var \w+;\w+\.protocol=5,', bundle)
    assert re.search(r"\w+\.EIO=\w+\.protocol,", bundle) and "protocol:4" in bundle


def socketio_handlers(on_new_message):
    """The socket.io event handlers of the channel (with session persistence), its
    server's enter_room and emit recorded: (handlers, rooms entered, emitted)."""
    channel = WebchatSocketIOInput.from_credentials({"session_persistence": True})
    channel.blueprint(on_new_message)
    rooms, sent = [], []

    async def enter_room(sid, room, namespace=None):
        rooms.append((sid, room))

    async def emit(event, data=None, room=None, **kwargs):
        sent.append((event, data, room))

    channel.sio.enter_room, channel.sio.emit = enter_room, emit
    return channel.sio.handlers["/"], rooms, sent


async def ignore(message):
    pass


def test_session_request_awaits_enter_room():
    """rasa#13027: Rasa 3.6.21 calls the coroutine AsyncServer.enter_room without await."""
    handlers, rooms, sent = socketio_handlers(ignore)
    session = new_session()
    asyncio.run(handlers["session_request"]("sid1", {"session_id": session}))
    assert rooms == [("sid1", f"web:{session}")]  # the room is the conversation id (bot.channels.guard)
    assert sent == [("session_confirm", session, "sid1")]


@pytest.mark.parametrize(
    "named",
    ["abc", "web-cluster-1", "{number}", "{number}.", "{number}." + "0" * 32, "{number}.{signature}x", "x.{signature}"],
)
def test_a_session_the_bot_did_not_give_out_is_not_joined(named):
    """A client naming a session gets a new one unless the bot signed the one it names."""
    handlers, rooms, sent = socketio_handlers(ignore)
    number, signature = new_session().split(".")
    asyncio.run(handlers["session_request"]("sid1", {"session_id": named.format(number=number, signature=signature)}))
    [(_, given, _)] = sent
    assert session_is_ours(given) and given.split(".")[0] != number and rooms == [("sid1", f"web:{given}")]


def test_a_message_is_taken_only_for_the_session_its_socket_joined():
    handled = []

    async def on_new_message(message):
        handled.append(message.sender_id)

    handlers, _, _ = socketio_handlers(on_new_message)
    mine, other = new_session(), new_session()
    asyncio.run(handlers["session_request"]("sid1", {"session_id": mine}))
    asyncio.run(handlers["user_uttered"]("sid1", {"message": "hi", "session_id": other}))  # signed, not joined
    asyncio.run(handlers["user_uttered"]("sid2", {"message": "hi", "session_id": mine}))  # another socket
    assert handled == []
    asyncio.run(handlers["user_uttered"]("sid1", {"message": "hi", "session_id": mine}))
    assert handled == [f"web:{mine}"]
    asyncio.run(handlers["disconnect"]("sid1"))
    asyncio.run(handlers["user_uttered"]("sid1", {"message": "hi", "session_id": mine}))
    assert handled == [f"web:{mine}"]


def test_events_without_data_are_taken_as_empty():
    """An event emitted with no data, or with several arguments, reaches the handlers
    (a missing `data` argument was a TypeError, with a traceback in the log)."""
    handled = []

    async def on_new_message(message):
        handled.append(message)

    handlers, _, sent = socketio_handlers(on_new_message)
    asyncio.run(handlers["user_uttered"]("sid1"))
    asyncio.run(handlers["user_uttered"]("sid1", {"message": 1, "session_id": "a"}, "more"))
    assert handled == []
    asyncio.run(handlers["session_request"]("sid1"))
    [(event, session, room)] = sent
    assert event == "session_confirm" and room == "sid1" and session_is_ours(session)  # a fresh id


def test_the_bundle_is_served_without_the_google_fonts_import():
    """rasa-webchat 1.0.1 imports Google Fonts' "Inter" stylesheet in each of its CSS
    modules; the bot serves the bundle without. This fails if a new bundle imports its
    fonts in a way the bot no longer removes (then pages would ask Google again)."""
    bundle = WIDGET_BUNDLE.read_text(encoding="utf-8")
    font_import = "@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"
    assert font_import in bundle  # what there is to remove
    served = without_outside_imports(bundle)
    assert "fonts.googleapis.com" not in served and "@import" not in served
    assert served == bundle.replace(font_import, "")  # and nothing else
    # Any other origin's stylesheet, quoted or not; a local one stays.
    for css in [
        '@import url("https://cdn.example/a.css");',
        "@import url('//cdn.example/b.css');",
        "@import url( http://cdn.example/c.css ) ;",
    ]:
        assert without_outside_imports(f"a{{}}{css}b{{}}") == "a{}b{}", css
    assert without_outside_imports("@import url(local.css);") == "@import url(local.css);"


def test_every_page_file_is_in_web():
    for name, (file_name, _) in PAGE_FILES.items():
        assert (WEB_DIR / file_name).is_file(), name
    for name in ("chat.html", "demo.html", "favicon.ico"):
        assert (WEB_DIR / name).is_file(), name


def test_the_demo_page_embeds_the_widget_from_the_given_origin_escaped():
    template = (WEB_DIR / "demo.html").read_text(encoding="utf-8")
    page = demo_page(template, "http://bot.example:5005")
    assert '<script src="http://bot.example:5005/chat/widget.js"></script>' in page
    assert "{{" not in page
    assert "<x>" not in demo_page(template, 'http://a"<x>')


@pytest.mark.parametrize("failure", [RuntimeError("fingerprint recursed"), asyncio.CancelledError()])
def test_a_message_rasa_fails_on_gets_the_apology(failure):
    """No silence when handling fails inside Rasa (an error, or the reply timing out)."""

    async def failing(message):
        raise failure

    handlers, _, sent = socketio_handlers(failing)
    session = new_session()
    asyncio.run(handlers["session_request"]("sid1", {"session_id": session}))
    asyncio.run(handlers["user_uttered"]("sid1", {"message": "hi", "session_id": session}))
    said = [(data["text"], room) for event, data, room in sent if event == "bot_uttered"]
    assert said and all(room == f"web:{session}" for _, room in said)
    assert ANSWERS.kb.messages["action_failed"][:40] in " ".join(text for text, _ in said)
