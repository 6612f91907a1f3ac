"""Fixes to Rasa 3.6.21 itself, applied once per process by importing bot.rasa_ext.rasa_patched (never by editing
.venv). tests/test_patches.py fails if the pinned Rasa changes a patched function.

1. A reply to every message (rasa.core.actions.action.RemoteAction.run). Rasa logs an
   action server that is down, frozen or failing and sends the user nothing (`[]`),
   after up to 5 minutes (DEFAULT_REQUEST_TIMEOUT). Here the call is cut after
   ACTION_TIMEOUT seconds (default 2.5) and any failure becomes the knowledge file's
   `action_failed` apology; the user's message is stored as usual.
2. No state from typed text (rasa.core.processor.MessageProcessor.parse_message).
   Rasa reads `/intent{"slot": value}` typed by any user as an intent with entities,
   which slots can take. Here only the bot's own button payloads
   (Knowledge.button_payloads, no entities) pass as intents; any other text starting
   with "/" is read as words by the NLU, up to its `{entities}` or `@confidence`.
3. GET / says hello without the Rasa version (rasa.server.add_root_route). (The request
   size limit is Sanic's own setting: bot.rasa_ext.rasa_patched.)
4. Leaving the terminal chat, `make shell` (rasa.core.channels.console: record_messages,
   _get_user_input). In Rasa's shell, Ctrl-D at the prompt raises EOFError out of the
   chat task; the task dies and the server runs on behind a dead prompt (typed text
   echoes, nothing answers) until Ctrl-C, which prints a traceback; Ctrl-C while a reply
   is on its way raises KeyboardInterrupt through Sanic. Here Ctrl-D or Ctrl-C at the
   prompt, SIGINT or SIGTERM at any time during the chat, and a failed request end the
   chat as /stop does: one goodbye line, then the server stops and the process exits 0.
5. Replies read in the terminal (console._print_bot_output): the answers' Markdown links
   "[title](url)" print as "title (url)", and quick replies print as a list after the
   text, keeping the free-text prompt (Rasa turns the latest message's buttons into a
   selection menu, which after every answer would make the user pick "Type out your own
   message..." before each question; a button's payload can be typed instead). Only the
   shell prints through it; the REST, web chat and Slack replies are unchanged.
6. Checking the action server's reply (RemoteAction._validate_action_result) with a
   validator built once. Rasa calls jsonschema.validate on every reply, which first
   checks the events schema itself against JSON Schema's meta-schema: about 20 ms a call
   on these machines, most of an action turn. The schema is a constant, so it is checked
   once at start; every reply is still validated against it, with the same error
   (jsonschema's best match, Rasa's hint appended) for a reply that does not fit.
   Each event must match exactly one of 23 event schemas (`oneOf`), so jsonschema tries
   all 23 on every event: 1.9 ms a reply. Every one of them fixes `event` to a different
   constant, so only the one of the event's own type can match: a reply passes at once
   when it fits the schema without `oneOf` and each event fits its own type's schema
   (`event_checks`); anything else goes through the whole schema, for its error. If
   Rasa's schema stops having that shape, the whole schema checks every reply.
7. What Rasa sends the action server (RemoteAction._action_call_format). Rasa sends the
   whole conversation, every event serialised, on every call: the request grows with
   the conversation. The bot's action reads only the slots and the latest message
   (actions/actions.py), so the tracker goes with its state and no events; the domain
   is left out too (`enable_selective_domain` in endpoints.yml), as Rasa itself does
   when that is set.
8. Reading a conversation back from the tracker store (Event.resolve_by_type). For every
   stored event, Rasa walks the whole tree of Event subclasses (all_subclasses, with an
   inspect.isabstract call per class) to find the class of its type name: at turn 300
   of one conversation, the largest single cost of a turn (docs/performance.md). Here the type names are looked up in a
   table built once (and rebuilt when a name is missing, for a subclass imported
   later); the first class of a name wins, as in Rasa's walk, and an unknown name ends
   in Rasa's own handling ("topic", the default, or its error).
9. The conversation a message is handled on (MessageProcessor.get_tracker within
   handle_message; SQLTrackerStore.save). Rasa reads the whole session back for every
   message and works over all of it, so each turn costs more than the one before. Here a
   message is handled on the conversation's last few turns, which the SQL tracker store
   keeps in memory between messages, and only the turn's new events are written;
   everything else reads the whole conversation as before (bot/rasa_ext/recent.py says why
   the answers are the same and when Rasa's path runs).
10. Loading the intent classifier (skops.io, which Rasa's LogisticRegressionClassifier.load
   imports). On import, skops lists the numpy and scipy ufuncs it trusts by name, and
   finds each one's module with pickle's whichmodule: for every ufunc it tries every
   module loaded so far with getattr, building an AttributeError message (with the
   module's repr) for each miss. In the Rasa server, with TensorFlow loaded, that is
   about 750 look-ups, each over up to 1,600 modules: some 6 s of start-up. Here
   skops.io._utils is given a whichmodule that asks the same modules in the same order
   and returns the same first match, reading a plain module's own dictionary (what
   getattr reads for it) and calling getattr on anything else, without building
   messages. It is put in place by an import hook, as skops builds its lists while it
   is being imported.
11. Running the model's graph (DaskGraphRunner.run's `dask.get`): three times a turn (the
   NLU, then one prediction per action), dask's local scheduler orders and tracks about
   seven tasks that run one after the other anyway: 0.3 to 0.5 ms a run. Here the graph
   (which Rasa has cut to the targets and what they need) is run by `run_graph`, depth
   first from the targets, each node once, with the same arguments dask passes (a need
   that names a node gets that node's output, anything else is passed as it is) and the
   results in the targets' order; an exception raised by a node comes out as it does
   from dask.
12. The connection to the action server (EndpointConfig.session). Rasa opens a new HTTP
   session, and with it a new TCP connection, for every call to the action server. Here
   each endpoint keeps one session per event loop, and with it its connection. An idle
   connection is dropped after KEEP_IDLE seconds, before the action server (Sanic, 5 s)
   would close it; if the server has closed it anyway (it was restarted, say), the call
   is made once more on a new connection (the action only reads the state it is sent,
   so a second call is harmless) instead of the user getting the apology.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import importlib.machinery
import logging
import re
import signal
import sys
import weakref
from typing import Any

from bot import settings
from bot.channels import MARKDOWN_LINK

logger = logging.getLogger(__name__)

APPLIED = False
ROOT_TEXT = "Hello from the career bot"
INTENT_DATA = re.compile(r"[@{]")  # where Rasa's `/intent@confidence{entities}` data starts
GOODBYE = "Goodbye."


def action_timeout() -> float:
    return settings.value("ACTION_TIMEOUT")


def speedups() -> bool:
    """The speed fixes (6. to 12.) are on unless BOT_SPEEDUPS=off (for `make bench`'s
    comparison with stock Rasa's behaviour)."""
    return settings.value("BOT_SPEEDUPS")


def _knowledge():
    from bot import KNOWLEDGE_FILE
    from bot.knowledge import load_knowledge

    return load_knowledge(KNOWLEDGE_FILE)


def own_payloads(kb=None) -> frozenset[str]:
    """The payloads of the bot's own buttons: the only typed intents it accepts."""
    return frozenset((kb or _knowledge()).button_payloads())


def apology(kb=None) -> str:
    return (kb or _knowledge()).messages["action_failed"]


def _patch_remote_action(apology_text: str) -> None:
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    original = RemoteAction.run

    async def run(self, output_channel, nlg, tracker, domain):
        try:
            return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), action_timeout())
        except ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - down, timed out, failed: still a reply
            reason = "timed out" if isinstance(error, asyncio.TimeoutError) else type(error).__name__
            logger.error("action %s failed (%s); the user got the apology", self.name(), reason)
            return [BotUttered(text=apology_text, metadata={"action_failed": True})]

    run.__wrapped__ = original
    RemoteAction.run = run


def event_checks(schema: dict, checker):
    """For Rasa's action reply schema: a validator of the reply without the events'
    `oneOf`, and one validator per event type; None if the schema is not of that shape
    (each `oneOf` branch fixing `event` to its own constant)."""
    events = schema.get("properties", {}).get("events", {})
    item = events.get("items", {})
    branches = item.get("oneOf")
    if events.get("type") != "array" or not isinstance(branches, list) or "event" not in item.get("required", ()):
        return None
    types = [branch.get("properties", {}).get("event", {}).get("const") for branch in branches]
    if any(not isinstance(name, str) for name in types) or len(set(types)) != len(types):
        return None
    outer = {**item}
    del outer["oneOf"]
    whole = {**schema, "properties": {**schema["properties"], "events": {**events, "items": outer}}}
    return checker(whole), {name: checker(branch) for name, branch in zip(types, branches, strict=False)}


def _patch_action_result_validation() -> None:
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    original = RemoteAction._validate_action_result
    schema = RemoteAction.action_response_format_spec()
    checker = validator_for(schema)
    checker.check_schema(schema)  # what jsonschema.validate did on every call
    validator = checker(schema)
    checks = event_checks(schema, checker)

    def fits(result) -> bool:
        if checks is None or not checks[0].is_valid(result):
            return False
        by_type = checks[1]
        return all(
            event["event"] in by_type and by_type[event["event"]].is_valid(event) for event in result.get("events", ())
        )

    def _validate_action_result(self, result):
        if fits(result):
            return True
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    _validate_action_result.__wrapped__ = original
    _validate_action_result.fits = fits
    RemoteAction._validate_action_result = _validate_action_result


def _patch_action_call() -> None:
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    original = RemoteAction._action_call_format

    def _action_call_format(self, tracker, domain):
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = []  # the action reads slots and the latest message only
        result = {
            "next_action": self._name,
            "sender_id": tracker.sender_id,
            "tracker": state,
            "version": rasa.__version__,
        }
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            result["domain"] = domain.as_dict()
        return result

    _action_call_format.__wrapped__ = original
    RemoteAction._action_call_format = _action_call_format


def _patch_event_lookup() -> None:
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    classes: dict = {}

    def build() -> None:
        classes.clear()
        for cls in common.all_subclasses(Event):
            classes.setdefault(cls.type_name, cls)  # the first of a name wins, as in Rasa's walk

    def resolve_by_type(type_name, default=None):
        found = classes.get(type_name)
        if found is None:
            build()  # first call, or a subclass imported since
            found = classes.get(type_name)
        return found if found is not None else original(type_name, default)

    resolve_by_type.__wrapped__ = original
    Event.resolve_by_type = staticmethod(resolve_by_type)


def _patch_recent_turns() -> None:
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.rasa_ext import recent

    handling: contextvars.ContextVar = contextvars.ContextVar("bot_handling", default=None)
    original_handle = MessageProcessor.handle_message
    original_get = MessageProcessor.get_tracker
    original_save = SQLTrackerStore.save

    def sql_store(processor):
        store = processor.tracker_store
        while not isinstance(store, SQLTrackerStore) and hasattr(store, "_tracker_store"):
            store = store._tracker_store  # FailSafeTrackerStore, AwaitableTrackerStore
        usable = isinstance(store, SQLTrackerStore) and store.event_broker is None and recent.usable(processor.domain)
        return store if usable else None

    async def handle_message(self, message):
        token = handling.set(message.sender_id)  # the first get_tracker of this message
        try:
            return await original_handle(self, message)
        finally:
            handling.reset(token)

    async def get_tracker(self, conversation_id):
        store = sql_store(self)
        if store is None or not conversation_id or handling.get() != conversation_id:
            return await original_get(self, conversation_id)
        handling.set(None)
        tracker = await recent.tracker_for(store, conversation_id)
        tracker.model_id = self.model_metadata.model_id  # as Rasa's get_tracker
        if tracker.assistant_id is None:
            tracker.assistant_id = self.model_metadata.assistant_id
        return tracker

    async def save(self, tracker):
        if recent.handed(tracker) is None:
            return await original_save(self, tracker)
        recent.save(self, tracker)

    for cls, name, new, old in (
        (MessageProcessor, "handle_message", handle_message, original_handle),
        (MessageProcessor, "get_tracker", get_tracker, original_get),
        (SQLTrackerStore, "save", save, original_save),
    ):
        new.__wrapped__ = old
        setattr(cls, name, new)


MISSING = object()


def fast_whichmodule(original):
    """skops.io._utils.whichmodule (pickle's), the same answer without the cost."""
    from types import ModuleType

    def whichmodule(obj, name):
        module_name = getattr(obj, "__module__", None)
        if module_name is not None:
            return module_name
        if "." in name or name == "<locals>" or hasattr(ModuleType, name):
            return original(obj, name)  # paths and module-type attributes: as it was
        for module_name, module in sys.modules.copy().items():
            if module_name in ("__main__", "__mp_main__") or module is None:
                continue
            own = getattr(module, "__dict__", None) if type(module) is ModuleType else None
            if own is None or "__getattr__" in own:  # a lazy or custom module: ask it
                found = getattr(module, name, MISSING)
            else:
                found = own.get(name, MISSING)
            if found is obj:
                return module_name
        return "__main__"

    whichmodule.__wrapped__ = original
    return whichmodule


class _SkopsHook:
    """Puts fast_whichmodule into skops.io._utils as soon as that module has run."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "skops.io._utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.whichmodule = fast_whichmodule(module.whichmodule)

        spec.loader.exec_module = exec_module
        return spec


def _patch_skops_import() -> None:
    if "skops.io._utils" in sys.modules:
        utils = sys.modules["skops.io._utils"]
        utils.whichmodule = fast_whichmodule(utils.whichmodule)
    elif not any(isinstance(finder, _SkopsHook) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SkopsHook())


def run_graph(graph: dict, targets: list) -> list:
    """dask.get for Rasa's graphs: {key: (callable, *needs) or a value}."""
    results: dict = {}

    def compute(key):
        if key not in results:
            task = graph[key]
            if isinstance(task, tuple) and task and callable(task[0]):
                results[key] = task[0](
                    *(compute(need) if isinstance(need, str) and need in graph else need for need in task[1:])
                )
            else:
                results[key] = task
        return results[key]

    return [compute(target) for target in targets]


KEEP_IDLE = 2.0  # seconds an idle connection to an endpoint is kept (Sanic closes at 5)


class _Kept:
    """What `async with endpoint.session()` gives Rasa's request: the endpoint's kept
    session (left open afterwards), whose request is made again once if the server had
    closed the kept connection."""

    def __init__(self, session) -> None:
        self.session = session

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> bool:
        return False

    def request(self, *args, **kwargs):
        return _Once(self.session, args, kwargs)


class _Once:
    def __init__(self, session, args, kwargs) -> None:
        self.session, self.args, self.kwargs, self.made = session, args, kwargs, None

    async def __aenter__(self):
        import aiohttp

        self.made = self.session.request(*self.args, **self.kwargs)
        try:
            return await self.made.__aenter__()
        except aiohttp.ServerDisconnectedError:  # a kept connection the server had closed
            self.made = self.session.request(*self.args, **self.kwargs)
            return await self.made.__aenter__()

    async def __aexit__(self, *exc):
        return await self.made.__aexit__(*exc)


def _patch_endpoint_session() -> None:
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    original = EndpointConfig.session

    def session(self):
        loop = asyncio.get_running_loop()
        kept = self.__dict__.setdefault("_bot_sessions", {})
        for gone in [other for other in kept if other.is_closed()]:
            del kept[gone]  # a loop that has ended (tests run several)
        found = kept.get(loop)
        if found is None or found.closed:
            auth = (
                aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
            )  # as Rasa's session()
            found = kept[loop] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_IDLE),
            )
        return _Kept(found)

    session.__wrapped__ = original
    EndpointConfig.session = session


async def close_sessions(endpoint) -> None:
    """Close the session `endpoint` keeps for the running loop (12.), before the loop ends."""
    found = endpoint.__dict__.get("_bot_sessions", {}).pop(asyncio.get_running_loop(), None)
    if found is not None:
        await found.close()


def _patch_graph_runner() -> None:
    import types

    import rasa.engine.runner.dask as runner

    runner.dask = types.SimpleNamespace(get=run_graph, __wrapped__=runner.dask)


def readable(text: Any, payloads: frozenset[str]) -> str | None:
    """The text to give the NLU instead of `text`, or None to leave it as it is: text
    starting with "/" that is not one of the bot's own payloads is read as words."""
    if not isinstance(text, str) or not text.strip().startswith("/") or text.strip() in payloads:
        return None
    words = text.strip()
    while words.startswith("/"):  # Rasa's regex intent reader fires on a leading "/"
        words = words[1:].strip()  # (after stripping spaces: YAMLStoryReader.unpack_regex_message)
    # What follows the name in `/intent@0.9{"slot": value}` is data, not words: read, a
    # value such as "pay_median" steered the classifier to the answer it names.
    words = INTENT_DATA.split(words, maxsplit=1)[0].strip()
    return words or "?"  # the NLU fails on empty text; "?" has no word: the bot declines


def _patch_parse_message(payloads: frozenset[str]) -> None:
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.parse_message

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        words = readable(message.text, payloads)
        if words is None:
            parse_data = await original(self, message, tracker, only_output_properties)
            if isinstance(message.text, str) and message.text.strip().startswith("/"):
                parse_data["entities"] = []  # a payload carries no entities
            return parse_data
        shadow = copy.copy(message)
        shadow.text = words
        parse_data = await original(self, shadow, tracker, only_output_properties)
        parse_data["text"] = message.text
        return parse_data

    parse_message.__wrapped__ = original
    MessageProcessor.parse_message = parse_message


def _patch_root_route() -> None:
    import rasa.server
    from sanic import response

    original = rasa.server.add_root_route

    def add_root_route(app) -> None:
        @app.get("/")
        async def hello(_request):
            return response.text(ROOT_TEXT)

    add_root_route.__wrapped__ = original
    rasa.server.add_root_route = add_root_route


def terminal_text(text: str) -> str:
    """A reply as the terminal shows it: each link "[title](url)" as "title (url)"."""
    return MARKDOWN_LINK.sub(r"\1 (\2)", text)


_leaving: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()  # chats a signal has ended


def _leave_on_signals() -> None:
    """SIGINT and SIGTERM end the running chat task as /stop does.

    Called again after every prompt: prompt_toolkit takes SIGINT over while it prompts
    and then resets it to raising KeyboardInterrupt.
    """
    loop, task = asyncio.get_running_loop(), asyncio.current_task()

    def leave() -> None:
        if task not in _leaving:
            _leaving.add(task)
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, leave)


def _patch_console() -> None:
    import questionary
    from prompt_toolkit.styles import Style
    from rasa.cli import utils as cli_utils
    from rasa.core.channels import console

    original_record, original_input = console.record_messages, console._get_user_input
    original_print = console._print_bot_output

    async def record_messages(*args, **kwargs) -> int:
        _leave_on_signals()
        try:
            return await original_record(*args, **kwargs)
        except asyncio.CancelledError:
            if asyncio.current_task() not in _leaving:
                raise
        except Exception as error:  # noqa: BLE001 - a dead chat must not leave the server up
            logger.error("the chat stopped: %s", str(error) or type(error).__name__)
        finally:
            print(GOODBYE, flush=True)
        return 0

    async def get_user_input(previous_response):
        """Rasa's _get_user_input, but Ctrl-C and Ctrl-D give None (leave) at the prompt;
        the last reply's buttons were printed as a list (print_bot_output), not a menu."""
        if previous_response is not None:
            console._print_bot_output(previous_response, is_latest_message=True)
        question = questionary.text("", qmark="Your input ->", style=Style([("qmark", "#b373d6"), ("", "#b373d6")]))
        try:
            response = await question.unsafe_ask_async()  # ask_async swallows Ctrl-C
        except (KeyboardInterrupt, EOFError):
            return None
        finally:
            _leave_on_signals()
        return response.strip()

    def print_bot_output(message, is_latest_message=False, color=console.rasa.shared.utils.io.bcolors.OKBLUE):
        rest = {k: v for k, v in message.items() if k != "buttons"}
        if isinstance(rest.get("text"), str):
            rest["text"] = terminal_text(rest["text"])
        original_print(rest, False, color)
        for index, button in enumerate(message.get("buttons") or []):
            # (button_to_string pops the button's keys: give it a copy)
            console.rasa.shared.utils.cli.print_color(cli_utils.button_to_string(dict(button), index), color=color)
        return None

    record_messages.__wrapped__ = original_record
    get_user_input.__wrapped__ = original_input
    print_bot_output.__wrapped__ = original_print
    console.record_messages = record_messages
    console._get_user_input = get_user_input
    console._print_bot_output = print_bot_output


def apply() -> None:
    global APPLIED
    if APPLIED:
        return
    kb = _knowledge()  # read once at start
    _patch_remote_action(apology(kb))
    if speedups():  # 6. to 12.; `make bench` measures the bot without them too
        _patch_action_result_validation()
        _patch_action_call()
        _patch_event_lookup()
        _patch_recent_turns()
        _patch_skops_import()
        _patch_graph_runner()
        _patch_endpoint_session()
    _patch_parse_message(own_payloads(kb))
    _patch_root_route()
    _patch_console()
    APPLIED = True
