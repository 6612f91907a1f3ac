"""bot/rasa_ext/patches/ and Rasa's extension points in bot/rasa_ext/: the fixes to Rasa 3.6.21 work, and fail loudly if the pinned
Rasa changes underneath them."""

import asyncio
import functools
import hashlib
import importlib
import inspect
import os
import signal
import socket
import time

import pytest
import rasa
import rasa.core.run
import rasa.engine.runner.dask
import rasa.server
import rasa.shared.utils.common
import rasa.shared.utils.schemas.events
import skops.io._utils as skops_utils
from rasa.core.actions.action import RemoteAction
from rasa.core.channels import console
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import PROJECT_ROOT
from bot.channels.guard import REQUEST_MAX_BYTES
from bot.rasa_ext import action_call, lock_store, patches, tracker_store
from bot.rasa_ext.patches import action_failure, endpoint_session, graph_runner, root_route, shell, typed_intents
from tests.conftest import ANSWERS

# Every module that changes Rasa, with the Rasa source it was written against (PINS).
PINNED = (*patches.MODULES, action_call, tracker_store, lock_store)


def resolve(path: str):
    """ "package.module:Class.function" (or a module alone) -> Rasa's own object, unwrapped."""
    module_name, _, attributes = path.partition(":")
    found = importlib.import_module(module_name)
    for attribute in filter(None, attributes.split(".")):
        found = getattr(found, attribute)
    return getattr(found, "__wrapped__", found)


def original(owner, name):
    function = getattr(owner, name)
    return getattr(function, "__wrapped__", function)


@pytest.mark.parametrize("module", PINNED, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_the_pinned_rasa_is_the_one_each_change_was_written_for(module):
    assert rasa.__version__ == "3.6.21"
    assert module.PINS
    for path, digest in module.PINS.items():
        source = inspect.getsource(resolve(path))
        assert hashlib.sha256(source.encode()).hexdigest()[:16] == digest, (
            f"{path} changed: check {module.__name__} against it"
        )


def test_each_patch_is_listed_and_says_why_no_extension_point_serves():
    listing = patches.__doc__
    for module in patches.MODULES:
        name = module.__name__.rsplit(".", 1)[-1]
        assert f" {name} " in listing, name
        assert isinstance(module.WHY, str) and len(module.WHY) > 40 and "\n" not in module.WHY, name
        assert module.__doc__.split("\n", 1)[0].strip(), name  # what it fixes, first
    assert len(patches.MODULES) == len(set(patches.MODULES)) and set(patches.SPEED) <= set(patches.MODULES)


@pytest.fixture(scope="module")
def applied():
    """Rasa in this process, patched once by tests/conftest.py's import of bot.rasa_ext.rasa_patched."""
    assert patches.APPLIED
    return patches


def run_remote_action(url):
    action = RemoteAction("action_respond", EndpointConfig(url))
    tracker = DialogueStateTracker.from_events("patch-test", [])
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    started = time.monotonic()
    events = asyncio.run(action.run(None, None, tracker, domain))
    return events, time.monotonic() - started


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_action_server_that_is_down_gets_the_user_the_apology(applied):
    events, _ = run_remote_action(f"http://127.0.0.1:{closed_port()}/webhook")
    assert [type(e) for e in events] == [BotUttered]
    assert events[0].text == ANSWERS.kb.messages["action_failed"]


def test_a_frozen_action_server_gets_the_user_the_apology_within_the_timeout(applied):
    server = socket.socket()  # listening, never accepting: connections hang unanswered
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        events, took = run_remote_action(f"http://127.0.0.1:{server.getsockname()[1]}/webhook")
    finally:
        server.close()
    assert events[0].text == ANSWERS.kb.messages["action_failed"]
    assert action_failure.action_timeout() <= took < action_failure.action_timeout() + 5  # not Rasa's 5 minutes


@pytest.mark.parametrize(
    "text, expected",
    [
        ('/request_source{"last_facts": ["pay_median"]}', "request_source"),
        ("/nonexistent_intent", "nonexistent_intent"),
        ("  / //ask_pay{}", "ask_pay"),
        ('/ask_pay@0.99{"pay_statistic": "median"}', "ask_pay"),
        ('/{"last_topic": "pay"}', "?"),
        ("/", "?"),
        ("what do they earn?", None),
    ],
)
def test_only_the_bots_own_payloads_pass_as_typed_intents(text, expected):
    payloads = patches.own_payloads()
    assert typed_intents.readable(text, payloads) == expected
    for payload in payloads:
        assert typed_intents.readable(payload, payloads) is None


@pytest.mark.parametrize(
    "text",
    [
        '/request_source{"last_facts": ["pay_median"]}',
        '/ask_pay{"pay_statistic": "median"}',
        '/greet{"country": "france"}',
    ],
)
def test_typed_intents_with_entities_set_nothing(agent, text):
    parsed = asyncio.run(agent.processor.parse_message(UserMessage(text, sender_id="patch-test")))
    assert parsed["text"] == text
    assert not [e for e in parsed["entities"] if e.get("extractor") == "RegexMessageHandler"]
    assert len(parsed.get("intent_ranking") or []) > 1  # the classifier read it, not the regex reader


def test_the_bots_own_payload_is_read_as_its_intent(agent):
    payload = ANSWERS.kb.suggestions[0].payload
    parsed = asyncio.run(agent.processor.parse_message(UserMessage(payload, sender_id="patch-test")))
    assert parsed["intent"]["name"] == payload.lstrip("/")
    assert parsed["entities"] == []


ACTION_REPLIES = [
    {
        "events": [{"event": "slot", "name": "last_topic", "value": "pay", "timestamp": None}],
        "responses": [{"text": "An answer [1].", "buttons": [{"title": "More", "payload": "/tell_more"}]}],
    },
    {"events": [], "responses": []},
    {},
]
BAD_ACTION_REPLIES = [
    {"events": [{"name": "last_topic"}]},  # an event without its type
    {"events": "slot"},  # not a list
    {"responses": [{"text": "hi"}], "events": [{"event": 3}]},
]


@pytest.mark.parametrize("reply", ACTION_REPLIES)
def test_action_replies_are_still_validated_and_pass_as_before(applied, reply):
    stock = original(RemoteAction, "_validate_action_result")
    assert RemoteAction._validate_action_result is not stock  # the patched one runs
    action = RemoteAction("action_respond", None)
    assert action._validate_action_result(reply) is True
    assert stock(action, reply) is True


@pytest.mark.parametrize("reply", BAD_ACTION_REPLIES)
def test_a_bad_action_reply_fails_with_the_same_error_as_stock_rasa(applied, reply):
    from jsonschema import ValidationError

    action = RemoteAction("action_respond", None)
    with pytest.raises(ValidationError) as patched:
        action._validate_action_result(reply)
    with pytest.raises(ValidationError) as stock:
        original(RemoteAction, "_validate_action_result")(action, reply)
    assert patched.value.message == stock.value.message
    assert "Failed to validate Action server response" in patched.value.message


def test_the_action_server_gets_the_state_without_the_conversations_events(applied, monkeypatch, tmp_path):
    from rasa.core.actions.action import RemoteAction as Remote
    from rasa.plugin import plugin_manager
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    from rasa.utils.endpoints import read_endpoint_config

    from bot.ops.launcher import base_env, without_unset

    env = base_env(5055, tmp_path / "unused.db")  # what the launcher gives the server
    for name in ("ACTION_URL", "TRACKER_DB_URL"):
        monkeypatch.setenv(name, env[name])
    without_unset(PROJECT_ROOT / "endpoints.yml", tmp_path / "endpoints.yml", env)
    endpoint = read_endpoint_config(str(tmp_path / "endpoints.yml"), "action_endpoint")
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    events = []
    for turn in range(150):  # a long conversation
        events += [
            UserUttered(f"question {turn}", {"name": "ask_pay", "confidence": 0.9}),
            SlotSet("last_topic", "pay"),
            ActionExecuted("action_listen"),
        ]
    tracker = DialogueStateTracker.from_events("long", events, slots=domain.slots)
    stock = Remote("action_respond", endpoint)._action_call_format(tracker, domain)
    assert plugin_manager().is_registered(action_call)
    body = plugin_manager().hook.prefix_stripping_for_custom_actions(json_body=stock)  # what run sends
    assert body["tracker"]["events"] == [] and len(stock["tracker"]["events"]) == len(events)
    assert "domain" not in body  # endpoints.yml: enable_selective_domain
    # everything else the action reads is what stock Rasa sends
    assert {k: v for k, v in body["tracker"].items() if k != "events"} == {
        k: v for k, v in stock["tracker"].items() if k != "events"
    }
    assert body["tracker"]["latest_message"]["text"] == "question 149"
    assert body["tracker"]["slots"]["last_topic"] == "pay"


def test_event_types_resolve_to_the_classes_rasa_finds(applied):
    stock = original(Event, "resolve_by_type")
    assert Event.resolve_by_type is not stock  # the table lookup runs
    names = {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is stock(name)
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", BotUttered) is BotUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


def test_a_stored_conversation_reads_back_the_same(applied):
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered, deserialise_events

    events = [
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hi", {"name": "greet", "confidence": 0.9}),
        SlotSet("last_topic", "pay"),
        BotUttered("Hello", {"buttons": [{"title": "Pay", "payload": "/ask_pay"}]}),
    ]
    again = deserialise_events([e.as_dict() for e in events])
    assert [e.as_dict() for e in again] == [e.as_dict() for e in events]


def test_the_root_route_says_hello_without_the_version(applied):
    from rasa.core.run import _create_app_without_api

    app = _create_app_without_api()
    handlers = [route.handler for route in app.router.routes if route.path in ("", "/")]
    assert len(handlers) == 1
    reply = asyncio.run(handlers[0](None))
    assert reply.body.decode() == root_route.ROOT_TEXT
    assert rasa.__version__ not in reply.body.decode()
    assert app.config.REQUEST_MAX_SIZE == REQUEST_MAX_BYTES


def test_the_shell_prints_an_answers_text_then_its_buttons_and_keeps_the_free_text_prompt(applied, capsys):
    message = {"text": "An answer [1].", "buttons": [{"title": "Tell me more", "payload": "/tell_more"}]}
    assert console._print_bot_output(message, is_latest_message=True) is None  # no selection menu
    printed = capsys.readouterr().out
    assert printed.index("An answer [1].") < printed.index("Tell me more (/tell_more)")


def test_links_print_as_title_then_url_in_the_terminal(applied):
    line = "[1] Coursera: [What Is ML?](https://www.coursera.org/articles/ml), accessed May 2023"
    assert shell.terminal_text(line) == (
        "[1] Coursera: What Is ML? (https://www.coursera.org/articles/ml), accessed May 2023"
    )
    assert shell.terminal_text("$131,490 [1].") == "$131,490 [1]."  # markers stay


def test_the_shell_prints_replies_with_readable_links(applied, capsys):
    console._print_bot_output({"text": "See [the survey](https://example.com/s) [1]."})
    assert "See the survey (https://example.com/s) [1]." in capsys.readouterr().out


MENU = {"text": "Hi! Ask me about ML careers.", "buttons": [{"title": "Pay?", "payload": "/ask_pay"}]}


@pytest.mark.parametrize("key", ["\x04", "\x03"], ids=["ctrl-d", "ctrl-c"])
@pytest.mark.parametrize("previous", [None, MENU], ids=["prompt", "after-buttons"])
def test_ctrl_d_and_ctrl_c_at_a_prompt_or_menu_end_the_chat(applied, key, previous):
    """Rasa lets Ctrl-D at the prompt (and Ctrl-C at a menu) kill the chat task; here both
    keys, at either, read as leaving (None, as when the input ends)."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    keyboard = create_pipe_input()
    try:
        with create_app_session(input=keyboard, output=DummyOutput()):
            keyboard.send_text(key)
            assert asyncio.run(asyncio.wait_for(console._get_user_input(previous), 30)) is None
    finally:
        keyboard.close()


def test_a_signal_while_a_reply_is_on_its_way_ends_the_chat_with_a_goodbye(applied, monkeypatch, capsys):
    """SIGTERM (the launcher stopping) or Ctrl-C outside the prompt: record_messages returns,
    so Rasa stops the server, rather than Sanic's handler stopping it under the chat."""

    async def waiting_for_a_reply(previous_response):
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.sleep(60)

    unhandled = []
    before = signal.signal(signal.SIGTERM, lambda *_: unhandled.append(True))  # if the patch fails
    try:
        monkeypatch.setattr(console, "_get_user_input", waiting_for_a_reply)
        started = time.monotonic()
        assert asyncio.run(console.record_messages("patch-test")) == 0
    finally:
        signal.signal(signal.SIGTERM, before)
    assert not unhandled and time.monotonic() - started < 30
    assert capsys.readouterr().out.rstrip().endswith(shell.GOODBYE)


def test_a_failed_request_ends_the_chat_instead_of_killing_it(applied, monkeypatch, capsys):
    async def typed(previous_response):
        return "hello"

    monkeypatch.setattr(console, "_get_user_input", typed)
    url = f"http://127.0.0.1:{closed_port()}"
    assert asyncio.run(console.record_messages("patch-test", server_url=url)) == 0
    assert capsys.readouterr().out.rstrip().endswith(shell.GOODBYE)


@functools.cache
def stock_module_of(ufunc) -> str:
    """pickle's own (slow) whichmodule for a ufunc, asked once per test run: both skops
    tests compare with it."""
    return original(skops_utils, "whichmodule")(ufunc, ufunc.__name__)


@pytest.mark.slow  # seconds of one core: make test, not the edit loop
def test_skops_finds_the_module_of_every_type_it_trusts_as_pickle_does(applied):
    import types

    import numpy
    import scipy.special

    fast = skops_utils.whichmodule
    stock = original(skops_utils, "whichmodule")
    assert fast is not stock  # 10. is in place
    ufuncs = [
        getattr(module, name)
        for module in (numpy, scipy.special)
        for name in dir(module)
        if isinstance(getattr(module, name), numpy.ufunc)
    ]
    assert len(ufuncs) > 300
    for ufunc in ufuncs:
        assert fast(ufunc, ufunc.__name__) == stock_module_of(ufunc), ufunc
    lazy = types.ModuleType("lazy_for_test")  # a module answering through __getattr__
    marker = object()
    lazy.__getattr__ = lambda name: marker if name == "only_lazily" else (_ for _ in ()).throw(AttributeError(name))
    import sys

    sys.modules["lazy_for_test"] = lazy
    try:
        assert fast(marker, "only_lazily") == stock(marker, "only_lazily") == "lazy_for_test"
    finally:
        del sys.modules["lazy_for_test"]
    assert fast(object(), "nowhere") == stock(object(), "nowhere") == "__main__"
    assert fast(numpy.add, "core.umath.add") == stock(numpy.add, "core.umath.add")


def test_skops_trusts_the_same_types_with_the_fast_lookup(applied):
    import numpy
    import scipy
    from skops.io._trusted_types import NUMPY_UFUNC_TYPE_NAMES, SCIPY_UFUNC_TYPE_NAMES

    # what the slow lookup gives for the same lists, in this process
    def stock(obj, name):
        assert name == obj.__name__
        return stock_module_of(obj)

    names = []
    for module in (scipy.special, numpy):
        prefix = module.__name__.rpartition(".")[0]
        names.append(
            sorted(
                {
                    f"{stock(obj, obj.__name__)}.{obj.__name__}"
                    for attr in dir(module)
                    if isinstance(obj := getattr(module, attr), numpy.ufunc)
                    and f"{stock(obj, obj.__name__)}.{obj.__name__}".startswith(prefix)
                }
            )
        )
    assert names == [SCIPY_UFUNC_TYPE_NAMES, NUMPY_UFUNC_TYPE_NAMES]


def test_rasas_graphs_run_as_dask_runs_them(applied):
    import dask

    calls = []

    def node(name):
        def run(*inputs):
            calls.append(name)
            if name == "fails":
                raise ValueError("a node failed")
            return name, inputs

        return run

    graph = {
        "tracker": ("tracker", {"sender": "x"}),  # an input: a plain tuple, passed as it is
        "nlu": (node("nlu"), "tracker", "not_a_node"),  # a need that names no node: the name
        "policy_a": (node("policy_a"), "nlu"),
        "policy_b": (node("policy_b"), "nlu", "tracker"),
        "ensemble": (node("ensemble"), "policy_a", "policy_b"),
    }
    # DaskGraphRunner.run first cuts the graph to the targets and what they need
    # (minimal_graph_schema), so every node runs, once, as with dask
    pruned = {key: graph[key] for key in ("tracker", "nlu", "policy_b")}
    for run, targets in ((graph, ["ensemble"]), (graph, ["nlu", "ensemble"]), (pruned, ["policy_b"])):
        calls.clear()
        ours = graph_runner.run_graph(run, targets)
        ours_calls = sorted(calls)
        calls.clear()
        assert ours == list(dask.get(run, targets))
        assert ours_calls == sorted(calls)
    failing = {**graph, "fails": (node("fails"), "nlu")}
    with pytest.raises(ValueError, match="a node failed"):
        graph_runner.run_graph(failing, ["fails"])
    with pytest.raises(ValueError, match="a node failed"):
        dask.get(failing, ["fails"])
    assert rasa.engine.runner.dask.dask.get is graph_runner.run_graph  # what DaskGraphRunner.run calls


def event_replies():
    """Replies with one event of every type Rasa's schema knows, as they are and spoilt."""
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    types = [branch["properties"]["event"]["const"] for branch in EVENT_SCHEMA["oneOf"]]
    replies = []
    for name in types:
        event = {"event": name, "timestamp": 1.5, "metadata": {}}
        replies += [
            {"events": [event]},
            {"events": [{**event, "timestamp": "soon"}]},
            {"events": [{**event, "metadata": []}]},
            {"events": [event, event], "responses": [{}]},
        ]
    replies += [
        {"events": [{"event": "slot", "name": 3, "value": 1}]},
        {"events": [{"event": "user", "text": 5}]},
        {"events": [{"event": "user", "parse_data": {"entities": [{"value": 1}]}}]},
        {"events": [{"event": "user", "parse_data": {"intent": {"name": "x", "confidence": 0.5}}}]},
        {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": None}]},
        {"events": [{"event": "bot", "text": "hi", "data": {}}]},
        {"events": [{"event": "no_such_type"}]},
        {"events": [{"name": "last_topic"}]},
        {"events": [{"event": 3}]},
        {"events": ["slot"]},
        {"events": "slot"},
        {"responses": "hi"},
        {"responses": [3]},
        [],
    ]
    return replies


@pytest.mark.slow  # seconds of one core: make test, not the edit loop
def test_the_quick_check_passes_exactly_the_replies_rasas_whole_check_passes(applied):
    from jsonschema import ValidationError

    stock = original(RemoteAction, "_validate_action_result")
    action = RemoteAction("action_respond", None)
    fits = RemoteAction._validate_action_result.fits
    quick = 0
    for reply in event_replies() + ACTION_REPLIES + BAD_ACTION_REPLIES:
        try:
            expected = stock(action, reply)
        except ValidationError as error:
            expected = error.message
        try:
            got = action._validate_action_result(reply)
        except ValidationError as error:
            got = error.message
        assert got == expected, reply
        if fits(reply):
            quick += 1
            assert expected is True, reply
    assert quick >= 23  # every event type's plain event takes the quick way


class CountingServer:
    """An HTTP/1.1 server on a free loopback port that counts connections; with
    `one_per_connection`, it answers the first request of a connection and closes the
    connection, without a word, on the next (a server that dropped a kept connection)."""

    def __init__(self, one_per_connection=False):
        self.connections, self.one = 0, one_per_connection

    async def handle(self, reader, writer):
        self.connections += 1
        answered = 0
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(
                next(
                    (line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                    b"0",
                )
            )
            await reader.readexactly(length)
            if self.one and answered:
                writer.close()
                return
            body = b'{"events": [], "responses": []}'
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )
            await writer.drain()
            answered += 1

    async def calls(self, session_of, count):
        server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            with pytest.MonkeyPatch.context() as m:
                m.setattr(EndpointConfig, "session", session_of(EndpointConfig.session))
                return [await endpoint.request(json={"n": n}, method="post") for n in range(count)]
        finally:
            kept = endpoint.__dict__.get("_bot_sessions", {}).get(asyncio.get_running_loop())
            await endpoint_session.close_sessions(endpoint)
            assert kept is None or kept.closed
            server.close()


def test_calls_to_an_endpoint_share_one_connection(applied):
    kept, stock = CountingServer(), CountingServer()
    assert asyncio.run(kept.calls(lambda s: s, 3)) == [{"events": [], "responses": []}] * 3
    asyncio.run(stock.calls(lambda s: s.__wrapped__, 3))
    assert (kept.connections, stock.connections) == (1, 3)


def test_a_kept_connection_the_server_dropped_is_replaced_without_an_error(applied):
    server = CountingServer(one_per_connection=True)
    assert asyncio.run(server.calls(lambda s: s, 3)) == [{"events": [], "responses": []}] * 3
    assert server.connections == 3  # each dropped connection was replaced


def test_the_fixes_are_applied_in_one_place():
    """Only bot.rasa_ext.rasa_patched applies the fixes; everything that runs Rasa imports it."""
    callers = sorted(
        str(path.relative_to(PROJECT_ROOT))
        for folder in ("bot", "actions", "tests")
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if "patches.apply()" in path.read_text(encoding="utf-8") and path.name != "test_patches.py"
    )
    assert callers == ["bot/rasa_ext/rasa_patched.py"]
    for user in (
        "bot/ops/serve.py",
        "bot/measure/answer_eval.py",
        "bot/measure/nlu_eval.py",
        "bot/measure/bench.py",
        "bot/measure/profile.py",
        "tests/conftest.py",
    ):
        assert "import bot.rasa_ext.rasa_patched" in (PROJECT_ROOT / user).read_text(encoding="utf-8"), user
