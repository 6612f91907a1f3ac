import os

import pytest

from bot.answers import Answers, load_answers
from bot.grounding import numbers_in, ungrounded_numbers

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ANSWERS = load_answers()

__all__ = ["numbers_in", "ungrounded", "ANSWERS"]


def ungrounded(text: str) -> set:
    """Numbers in a reply that the facts it states (and their sources) do not account for."""
    return ungrounded_numbers(text, ANSWERS.kb)


@pytest.fixture(scope="session")
def answers() -> Answers:
    return ANSWERS
