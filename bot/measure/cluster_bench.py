"""Scale-out benchmark (issue 12): the cluster part of `make bench`.

    python -m bot.measure.cluster_bench            # this part alone (results/bench_scale_out.json)
    python -m bot.measure.cluster_bench run 2 2a1  # other setups (Setup.parse)

CONVERSATIONS conversations at once over REST (POST /webhooks/rest/webhook), each a user
who waits for the bot's reply before sending the next of its TURNS messages (first
questions, and follow-ups that lean on the answer before, in tests/answers/dev.yml's
phrasings), after a short warm-up (WARM_UP_TURNS turns of as many other conversations),
against, one after the other in one run:
- `make run`: one Rasa server and its action server (bot/ops/launcher.py; SQLite, locks
  in the process);
- `make cluster` (bot/ops/cluster.py; PostgreSQL, Redis, HAProxy) with 1, 2 and 4 Rasa
  servers, and with SANIC_WORKERS Sanic workers per Rasa server, always with
  ACTION_SERVERS action servers.
For each: answered messages per second and its ratio to `make run`'s; p50, p95 and p99
latency over every message sent; errors, each counted by kind (an HTTP status other than
200, no reply text, the apology of a failed action, a timeout or a refused connection):
none is left out of the latencies; the time from start to the first answer; and where the
CPU went while the conversations ran: each group of processes (with its children), this
client (all its threads), and the whole machine ("other": what no group accounts for,
the kernel's share of loopback traffic included, and anything else running on it), with
the CPU time of one answer (every group and the client); and the Rasa servers' memory.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import sys
import threading
import time
import urllib.error
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot import KNOWLEDGE_FILE, save_results
from bot.measure.common import percentile, rss_mib
from bot.ops.launcher import Servers, free_port, post_rest

CONVERSATIONS = 50
TURNS = 20
WARM_UP_TURNS = 2
ACTION_SERVERS = 2  # in every cluster
TIMEOUT_S = 30.0  # a reply later than this counts as a timeout
CPU_GROUPS = ("Rasa servers", "action servers", "PostgreSQL", "Redis", "HAProxy")
SHARED_CORES = 0.15  # "other" above this: something else ran on the machine meanwhile

# Three users, 20 turns each: conversation n follows SCRIPTS[n % 3].
SCRIPTS = [
    [
        "what do ML engineers earn?",
        "and the top 10%?",
        "which source is the median from?",
        "is that figure recent?",
        "what about indeed's number?",
        "what's the job outlook?",
        "and is it still growing after that?",
        "did the coronavirus change anything for this career?",
        "how do I get started?",
        "which courses?",
        "is it hard?",
        "can I do it at my own pace?",
        "what skills will I come out with?",
        "do i need a masters",
        "what if I do internships?",
        "what does an ML engineer do?",
        "so they're the middleman?",
        "what kinds of things is ML used for?",
        "what else is it used for?",
        "cheers, bye",
    ],
    [
        "hi",
        "I'm 17 and want this job one day. What's the plan?",
        "and once I've graduated?",
        "Tell me about the bachelor's route",
        "does it have to be in CS?",
        "is a coding background essential for this?",
        "Which math skills matter, and are there online certificates?",
        "and is there a course for that?",
        "How many hours a week does the Stanford course need?",
        "do people rate it highly?",
        "How much can I earn?",
        "Give me the median, not the average.",
        "is that this year's data?",
        "Future prospects for ML engineers?",
        "keep going",
        "Numbers on ML engineer vacancies?",
        "and is it still growing after that?",
        "was it really the best job of some year?",
        "who said so?",
        "thanks!",
    ],
    [
        "Where do I even begin if I want to be an ML engineer?",
        "tell me more",
        "can i skip college?",
        "what does a masters actually add for an ML engineer",
        "how much money is there in ML engineering",
        "and the average?",
        "where does that come from?",
        "Do ML engineers in Seattle earn six figures?",
        "how secure is this career long-term?",
        "are companies advertising more ML roles than before?",
        "what's the weather",
        "I want to take a machine learning course this fall",
        "is it hard?",
        "how long does it take?",
        "what skills do I need",
        "is programming or statistics more important?",
        "Real-world examples of ML, please",
        "how do online stores decide what to recommend to me",
        "who do ML engineers work with?",
        "cheers, bye",
    ],
]


@dataclass
class Setup:
    label: str
    rasa_servers: int  # 0: `make run`
    workers: int = 1  # SANIC_WORKERS
    action_servers: int = ACTION_SERVERS  # in a cluster
    direct: bool = False  # each conversation straight to one Rasa server, not through HAProxy

    @classmethod
    def parse(cls, spec: str) -> Setup:
        """`run` (make run), or R[xW][aA][d]: R Rasa servers of W workers, A action servers,
        d: conversations straight to the Rasa servers (n-th to server n % R)."""
        if spec == "run":
            return SETUPS[0]
        found = re.fullmatch(r"(\d+)(?:x(\d+))?(?:a(\d+))?(d?)", spec)
        if not found or int(found[1]) < 1:
            raise ValueError(f"a setup is `run` or R[xW][aA][d] (say 2x2, 2a1, 4d), not {spec!r}")
        servers, workers = int(found[1]), int(found[2] or 1)
        actions = int(found[3] or ACTION_SERVERS)
        label = (
            f"cluster: {servers} Rasa server{'s' if servers > 1 else ''}"
            + (f" x {workers} workers" if workers > 1 else "")
            + (f", {actions} action server{'s' if actions > 1 else ''}" if actions != ACTION_SERVERS else "")
            + (", conversations straight to a server" if found[4] else "")
        )
        return cls(label, servers, workers, actions, bool(found[4]))


SETUPS = [Setup("make run (1 Rasa server, SQLite)", 0, action_servers=1)] + [
    Setup.parse(spec) for spec in ("1", "2", "4", "1x2", "2x2")
]  # make bench's


@dataclass
class Load:
    """What the clients saw: every message's seconds and its error (None: answered)."""

    seconds: list[float] = field(default_factory=list)
    errors: list[str | None] = field(default_factory=list)
    elapsed: float = 0.0
    client_cpu_s: float = 0.0


def apology_text() -> str:
    from bot.knowledge import load_knowledge

    return load_knowledge(KNOWLEDGE_FILE).messages["action_failed"]


def send(url: str, sender: str, text: str, apology: str) -> str | None:
    """One message; None if the bot answered it, else what went wrong."""
    try:
        replies = post_rest(url, sender, text, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except urllib.error.URLError as error:
        return "timeout" if isinstance(error.reason, (socket.timeout, TimeoutError)) else "no connection"
    except TimeoutError:
        return "timeout"
    except (OSError, ValueError) as error:
        return type(error).__name__
    texts = [reply.get("text") for reply in replies if isinstance(reply, dict)]
    if not any(texts):
        return "no reply"
    return "apology" if apology in texts else None


def converse(urls: Sequence[str], prefix: str, conversations: int, turns: int, apology: str) -> Load:
    """`conversations` users at once, each sending `turns` messages one after another, the
    n-th to urls[n % len(urls)]."""
    load = Load()
    lock = threading.Lock()
    gate = threading.Barrier(conversations + 1)

    def user(number: int) -> None:
        script = SCRIPTS[number % len(SCRIPTS)]
        gate.wait()
        for turn in range(turns):
            started = time.perf_counter()
            error = send(urls[number % len(urls)], f"{prefix}-{number}", script[turn % len(script)], apology)
            with lock:
                load.seconds.append(time.perf_counter() - started)
                load.errors.append(error)

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(conversations)]
    for thread in threads:
        thread.start()
    cpu = time.process_time()  # this process, all its threads: the client
    gate.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    load.elapsed = time.perf_counter() - started
    load.client_cpu_s = time.process_time() - cpu
    return load


# -- where the CPU goes -------------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_s(pid: int) -> float:
    """CPU seconds of a process and its descendants (reaped ones included, through the
    cutime/cstime of whoever waited for them)."""
    total, stack = 0, [pid]
    while stack:
        one = stack.pop()
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
            for task in Path(f"/proc/{one}/task").iterdir():
                stack += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
    return total / TICK


def machine_cpu_s() -> tuple:
    """(busy, stolen, all) CPU seconds of the whole machine since boot, all cores
    (/proc/stat; stolen: by the hypervisor for other machines)."""
    user, nice, system, idle, iowait, irq, softirq, steal = [
        int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
    ]
    busy = user + nice + system + irq + softirq
    return busy / TICK, steal / TICK, (busy + steal + idle + iowait) / TICK


def cpu_snapshot(groups: dict[str, list[int]]) -> dict:
    snapshot = {name: sum(tree_cpu_s(pid) for pid in pids) for name, pids in groups.items()}
    snapshot["machine"], snapshot["machine_steal"], snapshot["machine_all"] = machine_cpu_s()
    return snapshot


def cores(before: dict, after: dict, load: Load, seconds: float) -> dict:
    """Cores busy on average over `seconds`, per group, the client, the rest, the machine."""
    used = {name: (after[name] - before[name]) / seconds for name in before if not name.startswith("machine")}
    used["client"] = load.client_cpu_s / seconds
    machine = (after["machine"] - before["machine"]) / seconds
    used["other"] = machine - sum(used.values())
    used["machine"] = machine
    used["steal"] = (after["machine_steal"] - before["machine_steal"]) / seconds
    used["machine_share"] = (after["machine"] - before["machine"]) / (after["machine_all"] - before["machine_all"])
    return {name: round(value, 2) for name, value in used.items()}


# -- one setup ----------------------------------------------------------------------------
def percentile_ms(seconds: list[float], share: float) -> float:
    return round(percentile(seconds, share) * 1000, 1)


def measure(
    setup: Setup, urls: Sequence[str], groups: dict[str, list[int]], started: float, tag: str, apology: str
) -> dict:
    """Start time (to the first answer), the warm-up, then the measured conversations."""
    first = send(urls[0], f"{tag}-first", "hello", apology)
    start_s = time.perf_counter() - started
    converse(urls, f"{tag}-warm", CONVERSATIONS, WARM_UP_TURNS, apology)
    before = cpu_snapshot(groups)
    load = converse(urls, tag, CONVERSATIONS, TURNS, apology)
    after = cpu_snapshot(groups)
    errors = Counter(error for error in load.errors if error)
    answered = len(load.errors) - sum(errors.values())
    cpu = cores(before, after, load, load.elapsed)
    return {
        "setup": setup.label,
        "rasa_servers": max(setup.rasa_servers, 1),
        "sanic_workers": setup.workers,
        "action_servers": setup.action_servers,
        "tracker_store": "PostgreSQL" if setup.rasa_servers else "SQLite",
        "messages": len(load.errors),
        "answered": answered,
        "answered_per_s": round(answered / load.elapsed, 1),
        "p50_ms": percentile_ms(load.seconds, 0.50),
        "p95_ms": percentile_ms(load.seconds, 0.95),
        "p99_ms": percentile_ms(load.seconds, 0.99),
        "mean_ms": round(statistics.mean(load.seconds) * 1000, 1),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "first_message": first or "answered",
        "startup_to_first_answer_s": round(start_s, 1),
        "measured_s": round(load.elapsed, 1),
        "cpu_cores": cpu,  # ours: every group and the client, not "other"
        "cpu_ms_per_answer": round((cpu["machine"] - cpu["other"]) * 1000 * load.elapsed / max(answered, 1), 1),
        "rss_mib_rasa_servers": round(sum(rss_mib(pid) for pid in groups["Rasa servers"]), 1),
    }


def run_make_run(setup: Setup, tmp: Path, tag: str, apology: str) -> dict:
    servers = Servers(
        free_port(),
        free_port(),
        tracker_db=tmp / "make-run" / "tracker.db",
        log_dir=tmp / "make-run",
        extra_env={"SANIC_WORKERS": "1"},
    )
    started = time.perf_counter()
    with servers:
        actions, bot = servers.processes
        return measure(
            setup, [servers.url], {"Rasa servers": [bot.pid], "action servers": [actions.pid]}, started, tag, apology
        )


def run_cluster(setup: Setup, tmp: Path, tag: str, apology: str) -> dict:
    from bot.ops.cluster import Cluster

    cluster = Cluster(
        free_port(),
        rasa_servers=setup.rasa_servers,
        action_servers=setup.action_servers,
        workers=setup.workers,
        directory=tmp / "cluster",
    )
    balancer_log = cluster.logs / "haproxy.log"
    balancer_log.unlink(missing_ok=True)  # the setup before's
    started = time.perf_counter()
    with cluster:
        groups = {
            "Rasa servers": [p.pid for s in cluster.rasa for p in s.processes],
            "action servers": [p.pid for s in cluster.actions for p in s.processes],
            **{service.name: [service.process.pid] for service in cluster.services},
            "HAProxy": [cluster.balancer.process.pid],
        }
        urls = [servers.url for servers in cluster.rasa] if setup.direct else [cluster.url]
        row = measure(setup, urls, groups, started, tag, apology)
    # a server that failed HAProxy's health check (GET /) twice is sent nothing until it passes
    row["marked_down"] = sum(
        line.startswith("Server rasa/") and " is DOWN" in line
        for line in balancer_log.read_text(errors="replace").splitlines()
    )
    return row


def prepare_postgres(tmp: Path) -> float:
    """Make the cluster's PostgreSQL data directory once (initdb, what the first `make
    cluster` does), so that every cluster's start is a later start's; its seconds."""
    from bot.ops.services import Postgres

    started = time.perf_counter()
    Postgres(tmp / "cluster" / "postgres", 0).prepare()
    return round(time.perf_counter() - started, 1)


def scale_out(setups: Sequence[Setup] = SETUPS, log=lambda line: print(line, file=sys.stderr, flush=True)) -> dict:
    """Every setup in turn on this machine; the results (printable with `table`)."""
    from bot.ops.services import MissingProgram, open_folder

    apology = apology_text()
    rows: list[dict] = []
    result = {
        "conversations": CONVERSATIONS,
        "turns": TURNS,
        "warm_up_turns": WARM_UP_TURNS,
        "nproc": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "setups": rows,
    }
    tmp = open_folder("careerbot-bench-")  # PostgreSQL (as the postgres user) must enter it
    missing = None  # a program no cluster can start without
    try:
        for number, setup in enumerate(setups):
            if missing:
                rows.append({"setup": setup.label, "not_measured": missing})
                continue
            log(f"scale-out: {setup.label} ...")
            try:
                if setup.rasa_servers:
                    if "initdb_s" not in result:
                        result["initdb_s"] = prepare_postgres(tmp)
                    row = run_cluster(setup, tmp, f"scale-{number}", apology)
                else:
                    row = run_make_run(setup, tmp, f"scale-{number}", apology)
            except Exception as error:  # noqa: BLE001 - the row says why; the other setups still run
                reason = str(error) if isinstance(error, RuntimeError) else repr(error)
                missing = reason if isinstance(error, MissingProgram) else None
                log(f"scale-out: {setup.label} not measured: {reason}")
                rows.append({"setup": setup.label, "not_measured": reason})
                continue
            rows.append(row)
            log(
                f"scale-out: {setup.label}: {row['answered_per_s']} answered/s, p95 {row['p95_ms']} ms, "
                f"{row['errors']} errors, CPU {row['cpu_cores']}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    base = next((r["answered_per_s"] for r in rows if r.get("tracker_store") == "SQLite"), None)
    for row in rows:
        if base and "answered_per_s" in row:
            row["ratio_to_make_run"] = round(row["answered_per_s"] / base, 2)
    return result


def down(row: dict) -> str:
    times = row.get("marked_down", 0)
    return f"; HAProxy took a Rasa server out {times} time{'s' if times > 1 else ''}" if times else ""


def table(result: dict) -> str:
    """The results as two markdown tables: the load, and where the CPU went."""
    conversations, rows = result["conversations"], result["setups"]
    lines = [
        f"{conversations} conversations at once, {result['turns']} turns each, after {result['warm_up_turns']} "
        f"turns of {conversations} others; {result['nproc']} cores, {result['memory_gib']} GiB; "
        f"PostgreSQL's initdb (done before, as by a first `make cluster`): {result.get('initdb_s', '-')} s.",
        "",
        "| setup | action servers | answered/s | × make run | p50 ms | p95 ms | p99 ms | errors | start s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "not_measured" in row:
            lines.append(f"| {row['setup']} | | not measured: {row['not_measured']} | | | | | | |")
            continue
        kinds = ", ".join(f"{kind}: {n}" for kind, n in row["errors_by_kind"].items())
        lines.append(
            f"| {row['setup']} | {row['action_servers']} | {row['answered_per_s']} | "
            f"{row.get('ratio_to_make_run', '')} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} | "
            f"{row['errors']}{f' ({kinds})' if kinds else ''}{down(row)} | "
            f"{row['startup_to_first_answer_s']} |"
        )
    names = list(CPU_GROUPS) + ["client", "other", "machine", "steal"]
    lines += [
        "",
        f"CPU while the conversations ran, in cores busy on average (of {result['nproc']}; "
        'steal: taken by the hypervisor); CPU ms per answer (ours: all but "other"); the Rasa '
        "servers' resident memory:",
        "",
        "| setup | " + " | ".join(names) + " | CPU ms / answer | Rasa MiB |",
        "|---" * (len(names) + 3) + "|",
    ]
    for row in rows:
        if "cpu_cores" in row:
            lines.append(
                f"| {row['setup']} | "
                + " | ".join(str(row["cpu_cores"].get(n, "")) for n in names)
                + f" | {row['cpu_ms_per_answer']} | {row['rss_mib_rasa_servers']} |"
            )
    shared = [
        f"{row['setup']} ({row['cpu_cores']['other']})"
        for row in rows
        if row.get("cpu_cores", {}).get("other", 0) > SHARED_CORES
    ]
    if shared:
        lines += [
            "",
            "Other processes took CPU during: "
            + ", ".join(shared)
            + "; compare those rows with care (the machine was shared).",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.measure.cluster_bench [SETUP ...]`: the given setups (see Setup.parse;
    `run 2 2a1 4d`, say), by default make bench's."""
    specs = sys.argv[1:] if argv is None else argv
    result = scale_out([Setup.parse(spec) for spec in specs] if specs else SETUPS)
    print(table(result))
    save_results("bench_scale_out.json", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
