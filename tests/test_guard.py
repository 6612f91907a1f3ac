"""bot/channels/guard.py: what every channel checks before a message reaches Rasa."""

from bot.channels.guard import check_text, is_text


def test_a_lone_surrogate_is_not_text():
    # JSON's "\ud83d" decodes to one; UTF-8, the SQL tracker store and spaCy refuse it
    assert is_text("abc 💼 مرحبا")
    assert not is_text("abc \ud83d")
    assert not is_text(None) and not is_text(42)


def test_a_message_with_a_lone_surrogate_is_read_with_a_replacement_character():
    checked = check_text("\ud83d hi \udc00")
    assert checked.text == "\ufffd hi \ufffd" and checked.refused is None
    assert checked.text.encode("utf-8")
