"""Thin rasa-sdk actions: read the tracker, call bot.answers, send the reply.

All choosing and wording of answers lives in bot/ (plain Python, no Rasa).
The knowledge file is loaded and validated once, when the action server imports this
module; a bad file stops start-up with one message naming the file, entry and problem.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.answers import Reply, load_answers, seen_after
from bot.knowledge import KnowledgeError

try:
    ANSWERS = load_answers()
except KnowledgeError as error:
    raise SystemExit(f"Cannot start the action server: {error}") from None

Events = List[Dict[Text, Any]]


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    dispatcher.utter_message(text=reply.text, buttons=buttons)


def remember(reply: Reply, seen: List[Text]) -> Events:
    """Slots for follow-ups: what the last answer was about and what it said."""
    if not reply.facts:
        return []
    return [
        SlotSet("last_topic", reply.topic),
        SlotSet("last_facts", reply.facts),
        SlotSet("seen_facts", seen),
    ]


def latest(tracker: Tracker):
    message = tracker.latest_message or {}
    return (message.get("intent") or {}).get("name"), message.get("entities") or []


class ActionAnswer(Action):
    def name(self) -> Text:
        return "action_answer"

    def run(self, dispatcher, tracker: Tracker, domain) -> Events:
        intent, entities = latest(tracker)
        reply = ANSWERS.for_intent(intent, entities)
        send(dispatcher, reply)
        return remember(reply, seen_after([], reply))


class ActionTellMore(Action):
    def name(self) -> Text:
        return "action_tell_more"

    def run(self, dispatcher, tracker: Tracker, domain) -> Events:
        seen = tracker.get_slot("seen_facts")
        reply = ANSWERS.more(tracker.get_slot("last_topic"), seen)
        send(dispatcher, reply)
        return remember(reply, seen_after(seen, reply))


class ActionCiteSources(Action):
    def name(self) -> Text:
        return "action_cite_sources"

    def run(self, dispatcher, tracker: Tracker, domain) -> Events:
        send(dispatcher, ANSWERS.sources_of(tracker.get_slot("last_facts")))
        return []


class ActionDecline(Action):
    def name(self) -> Text:
        return "action_decline"

    def run(self, dispatcher, tracker: Tracker, domain) -> Events:
        send(dispatcher, ANSWERS.decline(latest(tracker)[1]))
        return []


class ActionOffer(Action):
    """Greeting or help text with suggested questions as buttons."""

    def name(self) -> Text:
        return "action_offer"

    def run(self, dispatcher, tracker: Tracker, domain) -> Events:
        send(dispatcher, ANSWERS.offer("greet" if latest(tracker)[0] == "greet" else "help"))
        return []
