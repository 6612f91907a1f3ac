import os
import re

import pytest

from bot import PROJECT_ROOT
from bot.answers import Answers, load_answers

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

KNOWLEDGE_TEXT = (PROJECT_ROOT / "data" / "knowledge.yml").read_text(encoding="utf-8")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
CITATION_MARKER = re.compile(r"\[\d+\]")


def numbers_in(text: str) -> set:
    """Every number in a text, normalised (commas dropped, leading zeros dropped)."""
    found = set()
    for match in NUMBER.findall(text):
        value = match.replace(",", "")
        found.add(value.lstrip("0") or "0")
    return found


KNOWLEDGE_NUMBERS = numbers_in(KNOWLEDGE_TEXT) | {
    # dates in the file are written 2022-11-08; answers spell them out
    part.lstrip("0") for part in re.findall(r"\d+", KNOWLEDGE_TEXT)
}


def figures_outside_knowledge(text: str) -> set:
    """Numbers in a reply that the knowledge file does not contain (citation markers aside)."""
    return numbers_in(CITATION_MARKER.sub("", text)) - KNOWLEDGE_NUMBERS


@pytest.fixture(scope="session")
def answers() -> Answers:
    return load_answers()
