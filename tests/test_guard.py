"""bot/channels/guard.py: what every channel checks before a message reaches Rasa."""

import json

import pytest

from bot.channels.guard import MAX_JSON_DEPTH, check_text, is_text, nested_too_deep, read_json


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
