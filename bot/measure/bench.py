"""Benchmarks: `make bench`. Reports numbers; asserts nothing (machines are shared).

- start-up: action server + rasa server until the first REST answer
- per-message latency over REST (median, 95th percentile) for a mix of questions
- the pure answer core's time per answer, and its share of a REST round trip
- the retrieval step (spaCy analysis + ranking the facts and the training examples) and
  the whole responder per turn, median over the dev questions (tests/answers/dev.yml),
  next to the formatter alone (a topic answer by intent)
- Rasa's check of an action server's reply, stock and patched (bot/rasa_ext/patches/action_result.py)
- answers per second with 8 clients at once, and one 300-turn conversation's first and
  last 20 turns
- resident memory of both server processes after the run
- in this process (bot/measure/profile.py), the call to the action server's share of a turn:
  all that an action answer costs more than a plain response would (the bot has none)
The servers part runs twice, with the speed fixes of bot/rasa_ext/ (patches/ 6.-12., the
action_call hook and the tracker store's recent turns) and without them (BOT_SPEEDUPS=off: Rasa's own reply check, request, connection, event
reading, whole conversation per message, skops import and dask), and prints both.
Then scale-out (issue 12, bot/measure/cluster_bench.py): 50 conversations at once against
`make run` and `make cluster` with 1, 2 and 4 Rasa servers and with Sanic workers, as a
markdown table (answered/s, p50/p95/p99, errors, start, where the CPU went).
Last, `make report` on a generated store of 100,000 user messages (bot/measure/report_data.py):
its time and peak memory.
Results are printed and written to results/bench.json (the scale-out part under
"scale_out", the report's under "report").
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bot import save_results
from bot.answers import load_answers
from bot.measure import cluster_bench, profile
from bot.measure.answer_eval import SETS_DIR, load_cases
from bot.measure.common import QUESTIONS, percentile, rss_mib
from bot.ops.launcher import Servers, free_port
from bot.ops.launcher import post_rest as post
from bot.responder import load_responder
from bot.turn import Turn

ROUNDS = 10
CLIENTS, CONCURRENT_S = 8, 10.0  # answered/s: 8 conversations at once for 10 s
LONG_TURNS = 300  # one conversation this long: its first and last 20 turns


def median_ms(function, inputs, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        for item in inputs:
            started = time.perf_counter()
            function(item)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def retrieval(answers) -> dict:
    """Per-turn cost of the retrieval step and of the whole responder (dev questions)."""
    responder = load_responder(answers)
    texts = [
        turn.user for case in load_cases(SETS_DIR / "dev.yml") if case.id.startswith("dev-") for turn in case.turns
    ]
    intents = sorted(answers.kb.routes)

    def retrieve(text):
        terms = responder.analyzer.terms(text)
        responder.retriever.rank(terms)
        responder.retriever.intent(terms)

    def respond(text):
        responder.respond(Turn(text, intents[len(text) % len(intents)], 0.9, []))

    retrieve_ms, respond_ms = median_ms(retrieve, texts), median_ms(respond, texts)
    format_ms = median_ms(answers.for_intent, intents)
    return {
        "retrieval_ms_median": round(retrieve_ms, 3),
        "responder_ms_median": round(respond_ms, 3),
        "formatter_ms_median": round(format_ms, 4),
        "retrieval_adds_ms_median": round(respond_ms - format_ms, 3),
    }


def action_validation() -> dict:
    """Rasa's check of one action-server reply (a real answer of the bot's action), stock
    (jsonschema.validate, which checks the schema itself every call) and as bot/rasa_ext/
    patches/action_result.py does it (a validator built once)."""
    from rasa.core.actions.action import RemoteAction
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    import bot.rasa_ext.rasa_patched  # noqa: F401 - Rasa as the server runs it
    from actions.actions import ActionRespond

    tracker = Tracker(
        "bench",
        {},
        {"intent": {"name": "ask_pay", "confidence": 0.9}, "entities": [], "text": "what do they earn?"},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    reply = {"events": ActionRespond().run(dispatcher, tracker, {}), "responses": dispatcher.messages}
    stock = getattr(RemoteAction._validate_action_result, "__wrapped__", RemoteAction._validate_action_result)
    action = RemoteAction("action_respond", None)
    return {
        "action_reply_check_ms_stock": round(median_ms(lambda r: stock(action, r), [reply]), 3),
        "action_reply_check_ms_patched": round(median_ms(action._validate_action_result, [reply]), 3),
    }


def served(extra_env: dict) -> dict:
    """Start both servers with these settings; time start-up, a question mix over REST,
    8 clients at once, and one long conversation; then read both processes' memory."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        servers = Servers(
            free_port(), free_port(), tracker_db=Path(tmp) / "tracker.db", log_dir=Path(tmp), extra_env=extra_env
        )
        started = time.perf_counter()
        with servers:
            post(servers.url, "bench-0", "hello")
            results["startup_to_first_answer_s"] = round(time.perf_counter() - started, 1)
            latencies = []
            for round_number in range(ROUNDS):
                for text in QUESTIONS:
                    t0 = time.perf_counter()
                    post(servers.url, f"bench-{round_number}", text)
                    latencies.append((time.perf_counter() - t0) * 1000)
            results["messages"] = len(latencies)
            results["latency_ms_median"] = round(statistics.median(latencies), 1)
            results["latency_ms_p95"] = round(percentile(latencies, 0.95), 1)
            results["answered_per_s_8_clients"] = round(concurrent(servers.url, CLIENTS, CONCURRENT_S), 1)
            turns = long_conversation(servers.url, LONG_TURNS)
            results["turns_1_20_ms_median"] = round(statistics.median(turns[:20]), 1)
            results[f"turns_{LONG_TURNS - 19}_{LONG_TURNS}_ms_median"] = round(statistics.median(turns[-20:]), 1)
            actions, bot = servers.processes
            results["rss_mib_action_server"] = round(rss_mib(actions.pid), 1)
            results["rss_mib_rasa_server"] = round(rss_mib(bot.pid), 1)
    return results


def concurrent(url: str, clients: int, seconds: float) -> float:
    """Answers per second with `clients` conversations posting at once."""
    answered = [0] * clients
    stop = time.perf_counter() + seconds

    def client(number):
        turn = 0
        while time.perf_counter() < stop:
            post(url, f"load-{number}", QUESTIONS[turn % len(QUESTIONS)])
            answered[number] += 1
            turn += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(answered) / (time.perf_counter() - started)


def long_conversation(url: str, turns: int) -> list:
    """Milliseconds per turn of one conversation `turns` long."""
    times = []
    for turn in range(turns):
        t0 = time.perf_counter()
        post(url, "long-conversation", QUESTIONS[turn % len(QUESTIONS)])
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> int:
    results = {}
    answers = load_answers()
    started = time.perf_counter()
    for _ in range(200):
        for intent in answers.kb.routes:
            answers.for_intent(intent)
    core_ms = (time.perf_counter() - started) * 1000 / (200 * len(answers.kb.routes))
    results["core_ms_per_answer"] = round(core_ms, 4)
    results.update(retrieval(answers))
    results.update(action_validation())
    modes = {"stock": served({"BOT_SPEEDUPS": "off"}), "project": served({"BOT_SPEEDUPS": "on"})}

    results.update(profile.action_share())
    scale_out = cluster_bench.scale_out()
    for key, value in results.items():
        print(f"{key:>30}: {value}")
    print(f"\n{'(one run, this machine)':>30}  {'stock Rasa calls':>16}  {'with speed-ups':>14}")
    for key in modes["project"]:
        print(f"{key:>30}  {modes['stock'][key]:>16}  {modes['project'][key]:>14}")
    project = modes["project"]
    results.update(project)  # the bot as it runs
    results["core_share_of_round_trip"] = round(core_ms / project["latency_ms_median"], 4)
    results["responder_share_of_round_trip"] = round(results["responder_ms_median"] / project["latency_ms_median"], 4)
    results["stock"] = modes["stock"]
    print("\nScale-out (issue 12), one run on this machine:\n")
    print(cluster_bench.table(scale_out))
    results["scale_out"] = scale_out
    from bot.measure import report_data

    results["report"] = report_data.bench()
    print("\nmake report on a generated store (issue 13):", results["report"])
    save_results("bench.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
