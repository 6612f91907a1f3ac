"""The one rasa-sdk action: read the tracker, ask bot.responder, send the reply.

All choosing and wording of answers lives in bot/ (plain Python, no Rasa).
The knowledge file is loaded and validated once, when the action server imports this
module; a bad file stops start-up with one message naming the file, entry and problem.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge import KnowledgeError
from bot.responder import Outcome, Turn, load_responder

try:
    RESPONDER = load_responder()
except KnowledgeError as error:
    raise SystemExit(f"Cannot start the action server: {error}") from None

Events = List[Dict[Text, Any]]


def turn_of(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    metadata = message.get("metadata")  # our channels mark messages they refused to read
    return Turn(
        text=message.get("text") or "",
        intent=intent.get("name"),
        confidence=intent.get("confidence") or 0.0,
        entities=message.get("entities") or [],
        last_topic=tracker.get_slot("last_topic"),
        last_facts=tracker.get_slot("last_facts"),
        seen_facts=tracker.get_slot("seen_facts"),
        asked_topics=tracker.get_slot("asked_topics"),
        refused=metadata.get("refused") if isinstance(metadata, dict) else None,
    )


def events_of(outcome: Outcome) -> Events:
    """Slots for follow-ups: what the last fact answer was about and what it said, and
    the topics answered so far (not offered again as quick replies)."""
    reply = outcome.reply
    if not (reply.facts and reply.topic):
        return []
    return [
        SlotSet("last_topic", reply.topic),
        SlotSet("last_facts", reply.facts),
        SlotSet("seen_facts", outcome.seen),
        SlotSet("asked_topics", outcome.asked),
    ]


class ActionRespond(Action):
    def name(self) -> Text:
        return "action_respond"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> Events:
        outcome = RESPONDER.respond(turn_of(tracker))
        buttons = [{"title": b.title, "payload": b.payload} for b in outcome.reply.buttons]
        dispatcher.utter_message(text=outcome.reply.text, buttons=buttons)
        return events_of(outcome)
