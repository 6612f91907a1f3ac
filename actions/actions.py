"""The one rasa-sdk action: read the tracker, ask bot.feedback (ratings) and bot.responder
(everything else), send the reply with what it was (stored with it for `make report`).

All choosing and wording of answers lives in bot/ (plain Python, no Rasa).
The knowledge file is loaded and validated once, when the action server imports this
module; a bad file stops start-up with one message naming the file, entry and problem.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.feedback import METADATA_KEY, load_feedback, new_answer_id, record
from bot.knowledge import KnowledgeError
from bot.turn import Outcome, Turn

try:
    RESPONDER = load_feedback()
except KnowledgeError as error:
    raise SystemExit(f"Cannot start the action server: {error}") from None

Events = list[dict[str, Any]]


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
        last_answer=tracker.get_slot("last_answer"),
        feedback_asked=tracker.get_slot("feedback_asked"),
        known_background=tracker.get_slot("background"),
        declined_topic=tracker.get_slot("declined_topic"),
    )


def events_of(outcome: Outcome, turn: Turn, answer_id: str | None) -> Events:
    """Slots for follow-ups: what the last fact answer was about, its id and what it said,
    and the topics answered so far (not offered again as quick replies); a rating or
    comment to store, and the answer a 👎 asked a comment on (cleared after one message)."""
    reply, events = outcome.reply, []
    if reply.facts and reply.topic:
        events += [
            SlotSet("last_topic", reply.topic),
            SlotSet("last_facts", reply.facts),
            SlotSet("seen_facts", outcome.seen),
            SlotSet("asked_topics", outcome.asked),
            SlotSet("last_answer", answer_id),
        ]
    if outcome.feedback is not None:
        events.append(SlotSet("feedback", outcome.feedback))
    if outcome.asking is not None or turn.feedback_asked is not None:
        events.append(SlotSet("feedback_asked", outcome.asking))
    if outcome.background is not None:  # what a story told of the person's education and work
        events.append(SlotSet("background", outcome.background))
    if outcome.declined is not None or turn.declined_topic is not None:  # kept for the next message only
        events.append(SlotSet("declined_topic", outcome.declined))
    return events


class ActionRespond(Action):
    def name(self) -> str:
        return "action_respond"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> Events:
        turn = turn_of(tracker)
        outcome = RESPONDER.respond(turn)
        reply = outcome.reply
        answer_id = new_answer_id(reply)
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        # extra keys become the bot event's metadata, stored with it (not sent to channels)
        dispatcher.utter_message(text=reply.text, buttons=buttons, **{METADATA_KEY: record(reply, answer_id)})
        return events_of(outcome, turn, answer_id)
