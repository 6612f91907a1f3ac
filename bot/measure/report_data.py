"""Conversations written into a tracker store the way Rasa writes them, for `make report`'s
tests and its benchmark (`bench()`, part of `make bench`; `python -m bot.measure.report_data
[MESSAGES] [DB]` writes a store alone).

Each event is one of Rasa's own Event classes (UserUttered, BotUttered, SlotSet,
ActionExecuted, ...) turned into a row as Rasa's SQLTrackerStore.save does (type_name,
timestamp, intent_name, action_name, the event as JSON), with the metadata the server
adds (model_id, assistant_id). A user turn is the row sequence of a live store: user,
user_featurization, action_respond, the bot's reply, the action's slots, action_listen.

`Store` writes hand-made conversations (the tests say what each turn was). `generate`
writes many: the multi-turn cases of the development answer sets (tests/answers/dev*.yml;
never the locked held-out sets) answered once each by the real action (actions/actions.py,
in this process, with an intent ranking from the part classifier, which has the NLU
pipeline's features and model, and Rasa's fallback rule at 0.4), some with a 👍 or a 👎
and a comment after an answer, then replayed by many senders on several channels over a
few weeks, with small changes of wording (case, punctuation, a greeting word before).
"""

from __future__ import annotations

import random
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

MODEL_ID, ASSISTANT_ID = "5c1e0b2f9a7d4e63b8f0c2d1a4e5f607", "ml-career-bot"
FALLBACK_THRESHOLD = 0.4  # config.yml's FallbackClassifier
CHANNELS = [("socketio", "web:", 0.5), ("rest", "rest:", 0.3), ("slack", "slack:", 0.15), ("cmdline", "", 0.05)]
COMMENTS = [
    "I wanted the starting salary, not the median",
    "this doesn't answer my question",
    "what about remote jobs?",
    "too vague",
    "I asked about Europe",
    "numbers look old",
    "i was looking for bootcamp prices",
    "not what I asked",
]
BATCH = 20_000  # rows per insert


def as_row(sender_id: str, event) -> dict:
    """The row Rasa's SQLTrackerStore.save writes for one event (bot/rasa_ext/recent.py's
    row), stamped with the model's ids as Rasa's processor stamps every event."""
    from bot.rasa_ext.recent import row

    event.metadata = {**(event.metadata or {}), "model_id": MODEL_ID, "assistant_id": ASSISTANT_ID}
    return row(sender_id, event)


def parse_data(
    text: str,
    intent: str | None,
    confidence: float,
    ranking: Sequence[tuple[str, float]] | None = None,
    entities: Sequence[dict] = (),
) -> dict:
    """What Rasa's NLU stores for a message: the intent, its ranking, the entities. With
    `confidence` under the fallback threshold the intent is nlu_fallback and the ranking
    keeps the classifier's own first."""
    ranking = list(ranking) if ranking else [(intent, confidence)]
    if intent is not None and confidence < FALLBACK_THRESHOLD:
        intent, confidence = "nlu_fallback", FALLBACK_THRESHOLD
        ranking = [("nlu_fallback", FALLBACK_THRESHOLD)] + ranking
    return {
        "intent": {"name": intent, "confidence": confidence},
        "entities": list(entities),
        "text": text,
        "message_id": uuid.uuid4().hex,
        "metadata": {},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }


@dataclass
class Reply:
    """The bot's reply to a turn as the action sends it (and Rasa stores it)."""

    text: str
    kind: str = "answer"
    facts: list[str] = field(default_factory=list)
    topic: str | None = None
    gaps: list[str] = field(default_factory=list)
    answer: str | None = None
    buttons: list[dict] = field(default_factory=list)
    slots: list[tuple[str, object]] = field(default_factory=list)  # the action's SlotSet events
    scope: dict | None = None  # a decline for scope: {"reason": ..., "subject": ...}


def turn_events(text: str, parsed: dict, reply: Reply, channel: str, at: float) -> list:
    """One user turn as Rasa's events, from the user's message to action_listen."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        DefinePrevUserUtteredFeaturization,
        SlotSet,
        UserUttered,
    )

    careerbot = {
        "kind": reply.kind,
        "answer": reply.answer,
        "facts": reply.facts,
        "topic": reply.topic,
        "gaps": reply.gaps,
        "scope": reply.scope,
    }
    data = {
        "elements": None,
        "quick_replies": None,
        "buttons": reply.buttons or None,
        "attachment": None,
        "image": None,
        "custom": None,
    }
    return [
        UserUttered(
            text,
            parsed["intent"],
            parsed["entities"],
            parsed,
            timestamp=at,
            input_channel=channel,
            message_id=parsed["message_id"],
        ),
        DefinePrevUserUtteredFeaturization(False, timestamp=at + 0.004),
        ActionExecuted(
            "action_respond", policy="RulePolicy", confidence=1.0, timestamp=at + 0.005, hide_rule_turn=True
        ),
        BotUttered(reply.text, data, {"careerbot": careerbot}, timestamp=at + 0.006),
        *[SlotSet(name, value, timestamp=at + 0.006) for name, value in reply.slots],
        ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0, timestamp=at + 0.007, hide_rule_turn=True),
    ]


def session_start(at: float) -> list:
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    return [
        ActionExecuted("action_session_start", confidence=1.0, timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
    ]


def create_table(engine: sa.engine.Engine) -> None:
    from bot.storage.tracker_db import events_table

    events_table().create(engine, checkfirst=True)


def insert(engine: sa.engine.Engine, rows: Iterable[dict]) -> int:
    """Insert rows in batches of BATCH, one transaction each; how many."""
    from bot.storage.tracker_db import events_table

    table, count, batch = events_table(), 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            with engine.begin() as connection:
                connection.execute(table.insert(), batch)
            count, batch = count + len(batch), []
    if batch:
        with engine.begin() as connection:
            connection.execute(table.insert(), batch)
        count += len(batch)
    return count


class Store:
    """Hand-made conversations written into the tracker store at `url` (Rasa's table,
    created if missing)."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url)
        create_table(self.engine)

    def conversation(self, sender_id: str, channel: str, at: float) -> Conversation:
        return Conversation(self, sender_id, channel, at)

    def write(self, sender_id: str, events: list) -> None:
        insert(self.engine, (as_row(sender_id, event) for event in events))

    def close(self) -> None:
        self.engine.dispose()


class Conversation:
    """One sender's turns, each written when said; `at` moves on by `gap` seconds a turn."""

    def __init__(self, store: Store, sender_id: str, channel: str, at: float, gap: float = 20.0):
        self.store, self.sender_id, self.channel, self.at, self.gap = store, sender_id, channel, at, gap
        store.write(sender_id, session_start(at))

    def say(
        self,
        text: str,
        reply: Reply,
        intent: str | None = "ask_pay",
        confidence: float = 0.95,
        ranking: Sequence[tuple[str, float]] | None = None,
    ) -> Reply:
        self.at += self.gap
        if reply.kind in ("answer", "gap") and reply.answer is None:
            reply.answer = uuid.uuid4().hex[:12]
        self.store.write(
            self.sender_id,
            turn_events(text, parse_data(text, intent, confidence, ranking), reply, self.channel, self.at),
        )
        return reply

    def rate(self, answer: Reply, rating: str, comment: str | None = None) -> None:
        """A 👍 ("up") or 👎 ("down") on `answer`, and after a 👎 the comment typed, as the
        action stores them (slot `feedback`)."""
        value = {
            "rating": rating,
            "answer": answer.answer,
            "facts": answer.facts,
            "topic": answer.topic,
            "comment": None,
        }
        payload = "/feedback_good" if rating == "up" else "/feedback_bad"
        self.say(payload, Reply("Thanks for the feedback.", "feedback", slots=[("feedback", value)]), payload[1:], 1.0)
        if comment is not None:
            self.say(
                comment,
                Reply("Thanks, I've passed that on.", "feedback", slots=[("feedback", {**value, "comment": comment})]),
                "out_of_scope",
                0.7,
            )


# --- many conversations, answered by the real action ----------------------------------


def classifier():
    """(nlp, intent ranking function): the project's spaCy pipeline for entities and the
    part classifier (the NLU pipeline's features and model) for a ranking like Rasa's."""
    from bot import DATA_DIR, PROJECT_ROOT
    from bot.part_intents import load_part_intents
    from bot.retrieval import load_examples
    from bot.spacy_pipeline import load

    intents = load_part_intents(load_examples(DATA_DIR / "nlu"), PROJECT_ROOT / "models")
    nlp = load()

    def parse(text: str) -> dict:
        if text.startswith("/"):  # a button's payload
            return parse_data(text, text[1:], 1.0)
        ranking = intents.rankings([text], top=10)[0]
        entities = [
            {
                "entity": e.label_,
                "value": e.text,
                "start": e.start_char,
                "confidence": None,
                "end": e.end_char,
                "extractor": "SpacyEntityExtractor",
            }
            for e in nlp(text).ents
        ]
        return parse_data(text, ranking[0][0], ranking[0][1], ranking, entities)

    return parse


def answered(script: Sequence[str], parse) -> list[tuple[str, dict, Reply]]:
    """Each message of a conversation with its parse and the real action's reply."""
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import ActionRespond

    action, slots, turns = ActionRespond(), {}, []
    for text in script:
        parsed = parse(text)
        tracker = Tracker("generated", dict(slots), parsed, [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = action.run(dispatcher, tracker, {})
        message = dispatcher.messages[0]
        careerbot = message.get("careerbot") or {}
        set_slots = [(e["name"], e["value"]) for e in events if e.get("event") == "slot"]
        slots.update(set_slots)
        turns.append(
            (
                text,
                parsed,
                Reply(
                    message["text"],
                    careerbot.get("kind", "chitchat"),
                    careerbot.get("facts") or [],
                    careerbot.get("topic"),
                    careerbot.get("gaps") or [],
                    careerbot.get("answer"),
                    message.get("buttons") or [],
                    set_slots,
                    careerbot.get("scope"),
                ),
            )
        )
    return turns


def scripts(rng: random.Random) -> list[list[str]]:
    """The development sets' conversations, some with a rating (and a comment after a 👎)
    after their first message."""
    from bot.measure.answer_eval import SETS_DIR, load_cases

    found = []
    for path in sorted(SETS_DIR.glob("dev*.yml")):
        for case in load_cases(path):
            script = [turn.user for turn in case.turns]
            draw = rng.random()
            if draw < 0.08:
                script[1:1] = ["/feedback_good"]
            elif draw < 0.13:
                script[1:1] = ["/feedback_bad", rng.choice(COMMENTS)]
            found.append(script)
    return found


def reworded(text: str, rng: random.Random) -> str:
    """The same question as people type it again: other case, punctuation, a word before."""
    if text.startswith("/"):
        return text
    draw = rng.random()
    if draw < 0.25:
        text = text.lower()
    elif draw < 0.35:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.3:
        text = text.rstrip("?.! ") + rng.choice(["", "?", "??", " ?", "."])
    if rng.random() < 0.1:
        text = rng.choice(["hi, ", "hey ", "ok ", "so "]) + text
    return text


def generate(url: str, messages: int, days: int = 21, seed: int = 13, end: float | None = None) -> dict:
    """Write conversations holding about `messages` user messages over the `days` days
    before `end` (default: now) into the store at `url`; what was written."""
    rng = random.Random(seed)
    parse = classifier()
    drawn = scripts(rng)
    played: dict[int, list] = {}  # a script is answered when first drawn (a small store draws half)
    end = time.time() if end is None else end
    start = end - days * 86400
    engine = sa.create_engine(url)
    create_table(engine)
    counts = {"conversations": 0, "messages": 0, "rows": 0}

    def rows():
        while counts["messages"] < messages:
            number = rng.randrange(len(drawn))  # the draw rng.choice(drawn) would make
            if number not in played:
                played[number] = answered(drawn[number], parse)
            turns = played[number]
            channel, prefix = rng.choices([(c, p) for c, p, _ in CHANNELS], [w for *_, w in CHANNELS])[0]
            sender = prefix + (uuid.uuid4().hex[:16] if prefix else "default")
            day = rng.random() ** 0.7  # more conversations lately
            at = start + day * (end - start - 3600)
            events = session_start(at)
            ids = {}
            for text, parsed, reply in turns:
                at += rng.uniform(4, 90)
                parsed = {**parsed, "message_id": uuid.uuid4().hex}
                events += turn_events(reworded(text, rng), parsed, reply, channel, at)
                if reply.answer:
                    ids[reply.answer] = uuid.uuid4().hex[:12]
            counts["conversations"] += 1
            counts["messages"] += len(turns)
            for event in events:
                row = as_row(sender, event)
                for old, new in ids.items():  # each replay's answers get ids of their own
                    row["data"] = row["data"].replace(old, new)
                yield row

    counts["rows"] = insert(engine, rows())
    engine.dispose()
    return counts


BENCH_MESSAGES = 100_000


def bench(messages: int = BENCH_MESSAGES, runs: int = 3) -> dict:
    """`make report` on a generated SQLite store of `messages` user messages: the whole
    command's wall time (the fastest and the median of `runs`) and its peak resident
    memory (the process and its grouping child), as `make bench` keeps them."""
    import os
    import statistics
    import subprocess
    import tempfile

    from bot import PROJECT_ROOT

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tracker.db"
        started = time.perf_counter()
        counts = generate(f"sqlite:///{path}", messages)
        generated_s = time.perf_counter() - started
        env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB_URL"}
        env.update(TRACKER_DB=str(path), SENDER_HASH_KEY="bench", RASA_TELEMETRY_ENABLED="false")
        times, peaks = [], []
        for _ in range(runs):
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "bot.tools.report", "--out", str(Path(tmp) / "r.html")],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            _, status, usage = os.wait4(process.pid, 0)
            times.append(time.perf_counter() - started)
            peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux: the process or its largest waited child
            if status != 0:
                raise RuntimeError(f"make report failed: {process.stderr.read().decode(errors='replace')}")
            process.stderr.close()
        size_mib = path.stat().st_size / 2**20
    return {
        "messages": counts["messages"],
        "conversations": counts["conversations"],
        "rows": counts["rows"],
        "store_mib": round(size_mib, 1),
        "generated_s": round(generated_s, 1),
        "report_s_fastest": round(min(times), 2),
        "report_s_median": round(statistics.median(times), 2),
        "report_peak_rss_mib": round(max(peaks), 1),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    messages = int(argv[0]) if argv else 100_000
    path = Path(argv[1] if len(argv) > 1 else "state/generated.db").absolute()
    started = time.perf_counter()
    counts = generate(f"sqlite:///{path}", messages)
    print(
        f"{path}: {counts['conversations']} conversations, {counts['messages']} user messages, "
        f"{counts['rows']} rows in {time.perf_counter() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
