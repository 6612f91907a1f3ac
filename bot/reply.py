"""What a reply is (Reply: its text, buttons, facts, kind), the sections it is built of,
and the ids kept in slots between turns."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.knowledge import Fact


@dataclass(frozen=True)
class OutOfScope:
    """Why a question is out of scope: which message, and about what."""

    message: str  # key in knowledge.messages
    subject: str


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass
class Section:
    """Facts to state, after an optional lead sentence of the bot's own (no figures)."""

    facts: list[Fact]
    lead: str = ""
    general: bool = False  # a topic's lead facts, not facts picked for what was asked
    gap: bool = False  # its lead says the sources lack what was asked
    gap_id: str = ""  # the knowledge file's gap it says so for


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)
    topic: str | None = None  # the topic a fact answer was about
    facts: list[str] = field(default_factory=list)  # ids of the facts stated, in order
    # What the reply is, for the maintainer's report (stored with it): "answer" (cited
    # facts), "gap" (facts after saying the sources lack what was asked), "decline",
    # "follow_up" (the sources or dates of the last answer), "feedback" (to a rating or a
    # comment), "chitchat" (the rest).
    kind: str = "chitchat"
    gaps: list[str] = field(default_factory=list)  # the known gaps it names
    # a decline for scope: the knowledge file's message saying so (out_of_region,
    # other_occupation) and what the question was about ("Germany", "nurses")
    scope: tuple[str, str] | None = None


def slot_ids(value: object) -> list[str]:
    """The string ids in a slot value that should hold a list of ids; junk is dropped.

    Slots can be set by users (`/intent{"last_facts": ...}`), so they may hold anything.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, str)]
    return []


def seen_after(seen: object, reply: Reply) -> list[str]:
    """The facts shown so far on a topic, after `reply` (junk slot values dropped)."""
    before = slot_ids(seen)
    return before + [f for f in reply.facts if f not in before]
