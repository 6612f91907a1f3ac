"""Benchmarks: `make bench`. Reports numbers; asserts nothing (machines are shared).

- start-up: action server + rasa server until the first REST answer
- per-message latency over REST (median, 95th percentile) for a mix of questions
- the pure answer core's time per answer, and its share of a REST round trip
- the retrieval step (spaCy analysis + ranking the facts and the training examples) and
  the whole responder per turn, median over the dev questions (tests/answers/dev.yml),
  next to the formatter alone (a topic answer by intent)
- resident memory of both server processes after the run
Results are printed and written to results/bench.json.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot import save_results
from bot.answers import load_answers
from bot.server.launcher import Servers, free_port, post_rest as post
from bot.responder import Turn, load_responder
from bot.tools.answer_eval import SETS_DIR, load_cases

QUESTIONS = [
    "what's the median salary for ML engineers?", "and the average?", "tell me more",
    "where does that come from?", "how do I get started", "what's the weather",
    "is demand growing?", "do i need a masters", "hi", "what skills do I need",
]
ROUNDS = 10


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        for line in Path(f"/proc/{one}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


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
    texts = [turn.user for case in load_cases(SETS_DIR / "dev.yml") for turn in case.turns]
    intents = sorted(answers.kb.routes)

    def retrieve(text):
        terms = responder.analyzer.terms(text)
        responder.retriever.rank(terms)
        responder.retriever.intent(terms)

    def respond(text):
        responder.respond(Turn(text, intents[len(text) % len(intents)], 0.9, []))

    retrieve_ms, respond_ms = median_ms(retrieve, texts), median_ms(respond, texts)
    format_ms = median_ms(answers.for_intent, intents)
    return {"retrieval_ms_median": round(retrieve_ms, 3), "responder_ms_median": round(respond_ms, 3),
            "formatter_ms_median": round(format_ms, 4),
            "retrieval_adds_ms_median": round(respond_ms - format_ms, 3)}


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

    with tempfile.TemporaryDirectory() as tmp:
        servers = Servers(free_port(), free_port(), tracker_db=Path(tmp) / "tracker.db", log_dir=Path(tmp))
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
            results["core_share_of_round_trip"] = round(core_ms / statistics.median(latencies), 4)
            results["responder_share_of_round_trip"] = round(
                results["responder_ms_median"] / statistics.median(latencies), 4)
            actions, bot = servers.processes
            results["rss_mib_action_server"] = round(rss_mib(actions.pid), 1)
            results["rss_mib_rasa_server"] = round(rss_mib(bot.pid), 1)
    for key, value in results.items():
        print(f"{key:>28}: {value}")
    save_results("bench.json", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
