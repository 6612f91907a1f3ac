"""The tracker store endpoints.yml names (bot/rasa_ext/tracker_store.py, bot/rasa_ext/recent.py): a message is handled on the
conversation's last turns kept in memory, and the bot says and stores exactly what stock
Rasa does."""

import asyncio
import json
import re

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import PROJECT_ROOT
from bot.measure.profile import agent_on
from bot.ops.launcher import Servers, free_port
from bot.rasa_ext import recent
from bot.rasa_ext.tracker_store import RecentSQLTrackerStore

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


def turn(number, *after):
    return [
        ActionExecuted("action_listen"),
        UserUttered(f"question {number}", {"name": "ask_pay", "confidence": 0.9}),
        ActionExecuted("action_respond"),
        *after,
        BotUttered(f"answer {number}"),
    ]


def long_conversation():
    events = [SessionStarted(), ActionExecuted("action_session_start")]
    for number in range(40):
        after = [SlotSet("last_topic", f"topic {number % 3}")]
        if number == 5:
            after.append(SlotSet("seen_facts", ["pay_median"]))
        if number == 12:
            after.append(Restarted())  # clears every slot, so seen_facts is set again below
        if number == 20:
            after.append(SlotSet("asked_topics", ["pay"]))
        if number == 25:
            after.append(ConversationPaused())
        if number == 27:
            after.append(ConversationResumed())
        if number == 30:
            after.append(ConversationPaused())
        events += turn(number, *after)
    events += [ActionExecuted("action_listen"), UserUttered("undo me", {"name": "greet"}), UserUtteranceReverted()]
    return events


def replayed(events):
    return DialogueStateTracker.from_events("c", events, slots=DOMAIN.slots)


def state(tracker):
    return (
        {name: slot.value for name, slot in tracker.slots.items()},
        tracker.is_paused(),
        tracker.latest_message.text,
        tracker.latest_action_name,
        [e.as_dict() for e in tracker.applied_events()][-12:],
    )


def test_the_cut_keeps_the_last_turns_from_the_listen_before_them():
    events = long_conversation()
    start = recent.cut(events, turns=3)
    assert isinstance(events[start], ActionExecuted) and events[start].action_name == "action_listen"
    assert sum(isinstance(e, UserUttered) for e in events[start:]) == 3
    assert recent.cut(events[:5], turns=3) == 0  # fewer turns than that: keep everything


@pytest.mark.parametrize("upto", [3, 20, 60, 120, 200, None])
def test_a_tracker_built_from_what_is_kept_is_in_the_state_of_the_whole_conversation(upto):
    events = long_conversation()[:upto]
    full = replayed(events)
    kept = recent.keep(full, 7, recent.Kept(7))
    built, prefix = recent.build("c", DOMAIN.slots, kept)
    assert state(built) == state(full)
    assert sum(isinstance(e, UserUttered) for e in kept.events) <= recent.KEPT_TURNS
    assert len(built.events) - prefix == len(kept.events) < len(events) or upto in (3, 20)


def test_keeping_turn_after_turn_gives_the_state_of_the_whole_conversation():
    """What `saved` does after every message: keep from the built tracker plus the turn's
    events, starting from the state kept before."""
    events = long_conversation()
    kept = recent.Kept(0)
    for end in range(0, len(events), 9):
        built, prefix = recent.build("c", DOMAIN.slots, kept)
        for event in events[end : end + 9]:
            built.update(event)
        kept = recent.keep(built, end, kept, skip=prefix)
        assert state(recent.build("c", DOMAIN.slots, kept)[0]) == state(replayed(events[: end + 9]))
    assert kept.paused and kept.slots["asked_topics"] == ["pay"]


def test_only_a_domain_whose_slots_no_policy_sees_is_handled_on_kept_turns():
    assert recent.usable(DOMAIN)
    featurised = Domain.from_dict(
        {"slots": {"plan": {"type": "text", "influence_conversation": True, "mappings": [{"type": "custom"}]}}}
    )
    assert not recent.usable(featurised)


def test_endpoints_yml_gives_rasa_this_store(tmp_path, monkeypatch):
    """Rasa builds the store endpoints.yml names, as the server does (it would fall back to
    a store in memory, with only a warning, if the class failed to load)."""
    from rasa.core.tracker_store import create_tracker_store
    from rasa.utils.endpoints import read_endpoint_config

    from bot.ops.launcher import base_env, without_unset

    env = base_env(5055, tmp_path / "tracker.db")
    for name in ("ACTION_URL", "TRACKER_DB_URL"):
        monkeypatch.setenv(name, env[name])
    without_unset(PROJECT_ROOT / "endpoints.yml", tmp_path / "endpoints.yml", env)
    config = read_endpoint_config(str(tmp_path / "endpoints.yml"), "tracker_store")
    store = create_tracker_store(config, DOMAIN)
    while hasattr(store, "_tracker_store"):  # Rasa's FailSafe and Awaitable wrappers
        store = store._tracker_store
    assert type(store) is RecentSQLTrackerStore
    assert store.engine.url.database == str(tmp_path / "tracker.db")
    assert store.windowed()


# --- the agent, in this process, with the SQLite store and the real action server ---

CONVERSATION = [
    "hi",
    "what does a machine learning engineer do?",
    "what do they earn?",
    "why?",
    "and the average?",
    "where is that from?",
    "how old is that figure?",
    "what's the job outlook?",
    "by how much?",
    "/restart",
    "why?",
    "how do I get started?",
    "do I need a degree?",
    "what about a master's?",
    "which skills matter?",
    "any courses?",
    "is it for beginners?",
    "thanks",
    "what's the median pay?",
    "source?",
    "how many postings?",
    "bye",
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recent")
    actions = Servers(free_port(), free_port(), tracker_db=tmp / "tracker.db", log_dir=tmp)
    actions.start_actions()
    yield actions
    actions.stop()


@pytest.fixture
def agent(servers, tmp_path):
    return agent_on(servers, tmp_path / "tracker.db")[0]


def stock(monkeypatch):
    """Rasa's own path: the store reads and writes as SQLTrackerStore does (as with
    BOT_SPEEDUPS=off)."""
    monkeypatch.setattr(RecentSQLTrackerStore, "windowed", lambda self: False)


def talk(agent, sender, texts):
    async def run():
        return [[m.get("text") for m in await agent.handle_text(text, sender_id=sender)] for text in texts]

    return asyncio.run(run())


def stored(agent, sender):
    """Every stored row of the conversation, without its times and message ids (new for
    every message); the ids of answers (random, bot/feedback.py) numbered in order."""
    store = agent.tracker_store._tracker_store
    answers = {}

    def numbered(found):
        return f'"answer {answers.setdefault(found.group(1), len(answers) + 1)}"'

    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).order_by(store.SQLEvent.id)
        return [
            (
                row.type_name,
                row.intent_name,
                row.action_name,
                type(row.timestamp),
                json.loads(
                    re.sub(r'"([0-9a-f]{12})"', numbered, row.data),
                    object_hook=lambda d: {k: v for k, v in d.items() if k not in ("timestamp", "message_id")},
                ),
            )
            for row in rows
        ]


@pytest.mark.servers
def test_the_bot_says_and_stores_what_stock_rasa_does(agent, monkeypatch):
    texts = CONVERSATION * 2  # more turns than are kept; follow-ups, chitchat, typed "/restart" (words here)
    patched = talk(agent, "kept", texts)
    store = agent.tracker_store._tracker_store
    assert type(store) is RecentSQLTrackerStore
    kept = store.recent.kept["kept"]
    assert sum(isinstance(e, UserUttered) for e in kept.events) == recent.KEPT_TURNS
    with monkeypatch.context() as m:
        stock(m)
        assert not store.windowed()
        unpatched = talk(agent, "stock", texts)
    assert patched == unpatched
    assert all(patched)
    kept_rows = stored(agent, "kept")
    assert kept_rows == stored(agent, "stock")
    assert {row[0] for row in kept_rows} >= {"user", "action", "bot", "slot", "session_started"}


@pytest.mark.servers
def test_a_write_from_elsewhere_is_read_before_the_next_message(agent, monkeypatch):
    """Another server (or a tool) writes to the conversation between two messages: the next
    message is handled on what the database holds, as in stock Rasa."""
    store = agent.tracker_store._tracker_store
    other = SQLTrackerStore(DOMAIN, dialect="sqlite", db=store.engine.url.database)

    def elsewhere(sender):  # the last answer becomes the outlook's growth figure
        tracker = asyncio.run(other.retrieve(sender))
        tracker.update(SlotSet("last_topic", "outlook"))
        tracker.update(SlotSet("last_facts", ["outlook_bls_growth"]))
        asyncio.run(other.save(tracker))

    before = ["what do they earn?"] * (recent.KEPT_TURNS + 2)
    talk(agent, "untouched", before)
    talk(agent, "written", before)
    elsewhere("written")
    after = talk(agent, "written", ["where is that from?"])
    assert after != talk(agent, "untouched", ["where is that from?"])  # the write changed the answer
    with monkeypatch.context() as m:
        stock(m)
        talk(agent, "written-stock", before)
        elsewhere("written-stock")
        assert talk(agent, "written-stock", ["where is that from?"]) == after
    assert store.recent.kept["written"].marker == recent.marker(store, "written")
