"""bot/channels/guard.py: what every channel checks before a message reaches Rasa."""

import asyncio
import json

import pytest

from bot.channels.guard import (
    MAX_JSON_DEPTH,
    browser_origin_allowed,
    check_text,
    handle_or_apologise,
    is_text,
    nested_too_deep,
    read_json,
)


def test_a_lone_surrogate_is_not_text():
    # JSON's "\ud83d" decodes to one; UTF-8, the SQL tracker store and spaCy refuse it
    assert is_text("abc 💼 مرحبا")
    assert not is_text("abc \ud83d")
    assert not is_text(None) and not is_text(42)


def test_a_message_with_a_lone_surrogate_is_read_with_a_replacement_character():
    checked = check_text("\ud83d hi \udc00")
    assert checked.text == "\ufffd hi \ufffd" and checked.refused is None
    assert checked.text.encode("utf-8")


@pytest.mark.parametrize(
    "text, deep",
    [
        ("1", False),
        ("[]", False),
        ('{"a": {"b": [1, 2, {"c": 3}]}}', False),
        ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, False),
        ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
        ('{"x": ' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), True),
        ("[" * 5000 + "]" * 5000, True),  # Python's parser raises RecursionError
    ],
)
def test_read_json_refuses_json_nested_too_deep(text, deep):
    if deep:
        with pytest.raises(ValueError, match=f"nested more than {MAX_JSON_DEPTH} deep"):
            read_json(text)
    else:
        assert read_json(text) == json.loads(text)


def test_nested_too_deep_looks_without_recursion():
    value: list = []
    for _ in range(100_000):  # far past Python's recursion limit
        value = [value]
    assert nested_too_deep(value) and not nested_too_deep(value, limit=100_001)


@pytest.mark.parametrize(
    "public, origin, allowed",
    [
        (None, None, True),  # no Origin: not a browser page
        (None, "http://127.0.0.1:5005", True),
        (None, "http://localhost:5005", True),
        (None, "http://LOCALHOST:5005/", True),
        (None, "http://127.0.0.1:5006", False),
        (None, "https://127.0.0.1:5005", False),
        (None, "http://allowed.example", True),
        (None, "http://evil.example", False),
        (None, "null", False),
        ("https://careers.example.org/chat", "https://careers.example.org", True),
        ("https://careers.example.org", "http://127.0.0.1:5005", False),
        ("https://careers.example.org", "https://careers.example.org.evil.example", False),
    ],
)
def test_browser_origin_allowed(monkeypatch, public, origin, allowed):
    monkeypatch.setenv("BOT_PORT", "5005")
    monkeypatch.setenv("WEB_ALLOWED_ORIGINS", "http://allowed.example")
    monkeypatch.setenv("BOT_PUBLIC_URL", public or "")
    assert browser_origin_allowed(origin) is allowed


def test_the_web_chat_origin_check_does_not_trust_the_host_header(monkeypatch):
    """A page whose name rebinds to the bot's address sends that name as Origin and Host."""
    from bot.channels.webchat import origin_allowed

    monkeypatch.setenv("BOT_PUBLIC_URL", "http://127.0.0.1:5005")
    forged = {"HTTP_HOST": "evil.example:5005", "wsgi.url_scheme": "http"}
    assert not origin_allowed("http://evil.example:5005", forged)
    assert origin_allowed("http://127.0.0.1:5005", forged)


@pytest.mark.parametrize(
    "raw, origin",
    [
        ("https://careers.example.org", "https://careers.example.org"),
        ("https://Careers.Example.org:8443/chat/", "https://careers.example.org:8443"),
        ("http://user@host.example", "http://host.example"),
        ("careers.example.org", None),
        ("ftp://files.example", None),
    ],
)
def test_bot_public_url_is_read_as_an_origin(raw, origin):
    from bot import settings

    if origin is None:
        with pytest.raises(settings.SettingError, match="BOT_PUBLIC_URL must be an http"):
            settings.value("BOT_PUBLIC_URL", {"BOT_PUBLIC_URL": raw})
    else:
        assert settings.value("BOT_PUBLIC_URL", {"BOT_PUBLIC_URL": raw}) == origin


@pytest.mark.parametrize("failure", [None, RuntimeError("boom"), asyncio.CancelledError()])
def test_a_message_rasa_fails_on_gets_the_apology_unless_it_was_answered(failure):
    """REST's use of handle_or_apologise: the apology only when handling failed and nothing
    was said before the failure."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from tests.conftest import ANSWERS

    collector = CollectingOutputChannel()
    message = UserMessage("hi", collector, "rest:x", input_channel="rest")

    async def rasa(_):
        if failure is not None:
            raise failure
        await collector.send_text_message("rest:x", "an answer")

    async def apologise(text):
        if not collector.messages:
            await collector.send_text_message("rest:x", text)

    asyncio.run(handle_or_apologise(rasa, message, apologise))
    expected = "an answer" if failure is None else ANSWERS.kb.messages["action_failed"]
    assert [m["text"] for m in collector.messages] == [expected]
