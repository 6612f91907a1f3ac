"""The web chat channels without servers: reply shapes and the session fix.

The /chat routes are tested against a running bot in test_webchat.py."""
import asyncio
import json

import yaml

from bot import PROJECT_ROOT
from bot.channels.webchat import (WebchatOutput, WebchatSocketIOInput, hard_breaks,
                                  webchat_markdown)


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


ANSWER = ("The median pay is $131,490 [1].\nSources:\n"
          "[1] US Bureau of Labor Statistics: [Title](https://www.bls.gov/x), accessed November 8, 2022")


def test_single_newlines_become_markdown_hard_breaks():
    assert hard_breaks("a\nb\nc") == "a  \nb  \nc"
    assert hard_breaks("one line") == "one line"


def test_citation_markers_are_escaped_and_links_kept():
    text = "Pay is $1 [1][2].\n[1] A: [Title](https://a.example), accessed\n[2] B: [1](https://b)"
    assert webchat_markdown(text) == (
        "Pay is $1 \\[1\\]\\[2\\].  \n\\[1\\] A: [Title](https://a.example), accessed  \n"
        "\\[2\\] B: [1](https://b)")


def test_text_reply_is_one_message_with_kept_line_breaks():
    sent = emitted(lambda out: out.send_text_message("s1", ANSWER))
    assert len(sent) == 1
    event, data, room = sent[0]
    assert (event, room) == ("bot_uttered", "s1")
    assert data["text"].split("  \n") == webchat_markdown(ANSWER).split("  \n")
    assert len(data["text"].split("  \n")) == len(ANSWER.split("\n")) == 3
    assert data["text"].startswith("The median pay is $131,490 \\[1\\].")
    assert "](https://www.bls.gov/x)" in data["text"]


def test_buttons_become_quick_replies_on_the_last_message():
    buttons = [{"title": "What do ML engineers earn?", "payload": "/ask_pay"},
               {"title": "How do I get started?", "payload": "/ask_how_to_start"}]
    sent = emitted(lambda out: out.send_text_with_buttons("s1", "Hi!\nPick one:", buttons))
    assert len(sent) == 1
    message = sent[0][1]
    assert message["text"] == "Hi!  \nPick one:"
    assert message["quick_replies"] == [
        {"content_type": "text", "title": "What do ML engineers earn?", "payload": "/ask_pay"},
        {"content_type": "text", "title": "How do I get started?", "payload": "/ask_how_to_start"},
    ]


def test_blank_lines_still_split_into_messages_like_rasa():
    sent = emitted(lambda out: out.send_text_with_buttons(
        "s1", "first\n\nsecond", [{"title": "t", "payload": "/p"}]))
    assert [m[1]["text"] for m in sent] == ["first", "second"]
    assert "quick_replies" not in sent[0][1] and sent[1][1]["quick_replies"]


def test_credentials_register_both_channels_with_session_persistence():
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    socketio = credentials["bot.channels.webchat.WebchatSocketIOInput"]
    assert socketio == {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                        "metadata_key": "customData", "session_persistence": True}
    assert "bot.channels.webchat.ChatPageInput" in credentials


def test_the_bundle_is_rasa_webchat_1_0_1_from_the_lock_file():
    lock = json.loads((PROJECT_ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/rasa-webchat"]["version"] == "1.0.1"
    assert lock["packages"]["node_modules/socket.io-client"]["version"].startswith("3.1.")


def test_session_request_awaits_enter_room():
    """rasa#13027: Rasa 3.6.21 calls the coroutine AsyncServer.enter_room without await."""
    channel = WebchatSocketIOInput.from_credentials({"session_persistence": True})

    async def on_new_message(message):
        pass

    channel.blueprint(on_new_message)
    sio = channel.sio
    rooms = []

    async def enter_room(sid, room, namespace=None):
        rooms.append((sid, room))

    sent = []

    async def emit(event, data=None, room=None, **kwargs):
        sent.append((event, data, room))

    sio.enter_room, sio.emit = enter_room, emit
    handler = sio.handlers["/"]["session_request"]
    asyncio.run(handler("sid1", {"session_id": "abc"}))
    assert rooms == [("sid1", "abc")]
    assert sent == [("session_confirm", "abc", "sid1")]
