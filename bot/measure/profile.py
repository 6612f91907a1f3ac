"""Where a turn's time goes: `make profile` (BOT_SPEEDUPS=off for stock Rasa's calls).

Runs the Rasa agent in this process, with the SQLite tracker store and the real action
server on a free port, through one conversation of TURNS turns, and prints cProfile's
top entries (cumulative, then own time) for its last 20 turns, with the median time of
its first and last 20 turns, and how much of a turn the call to the action server takes
(everything an action answer costs more than a plain response would; `make bench` reports
it too). docs/performance.md keeps the results.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import logging
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import bot.rasa_ext.rasa_patched  # noqa: F401 - Rasa as the server runs it
from bot import DEFAULT_MODEL, PROJECT_ROOT
from bot.measure.common import QUESTIONS
from bot.ops.launcher import Servers, free_port
from bot.rasa_ext import patches
from bot.rasa_ext.patches.endpoint_session import close_sessions

TURNS = 300


async def conversation(agent, turns: int, profile: cProfile.Profile, sender: str = "profiled") -> tuple:
    """Milliseconds per turn, and per turn in the call to the action server."""
    from rasa.core.actions.action import RemoteAction

    calls = []
    run = RemoteAction.run

    async def timed(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return await run(self, *args, **kwargs)
        finally:
            calls[-1] += (time.perf_counter() - started) * 1000

    times = []
    RemoteAction.run = timed
    try:
        for turn in range(turns):
            if turn == turns - 20:
                profile.enable()
            calls.append(0.0)
            started = time.perf_counter()
            await agent.handle_text(QUESTIONS[turn % len(QUESTIONS)], sender_id=sender)
            times.append((time.perf_counter() - started) * 1000)
        profile.disable()
    finally:
        RemoteAction.run = run
    return times, calls


def agent_on(servers: Servers, db: Path):
    """The Rasa agent in this process, on the SQLite store at `db`, calling the action
    server of `servers` as endpoints.yml does; and that endpoint."""
    from rasa.core.agent import Agent
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_ext.tracker_store import RecentSQLTrackerStore

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    store = RecentSQLTrackerStore(domain, dialect="sqlite", db=str(db))  # as endpoints.yml
    endpoint = EndpointConfig(f"http://127.0.0.1:{servers.action_port}/webhook", enable_selective_domain=True)
    return Agent.load(str(DEFAULT_MODEL), tracker_store=store, action_endpoint=endpoint), endpoint


def in_process(turns: int, profile: cProfile.Profile) -> tuple:
    """One conversation through the Rasa agent in this process and the real action server."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        # the real action server, started (and stopped) as the launcher does it
        servers = Servers(free_port(), free_port(), tracker_db=Path(tmp) / "tracker.db", log_dir=Path(tmp))
        try:
            servers.start_actions()
            agent, endpoint = agent_on(servers, servers.tracker_db)

            async def run():
                try:
                    return await conversation(agent, turns, profile)
                finally:
                    await close_sessions(endpoint)

            return asyncio.run(run())
        finally:
            servers.stop()


def action_share(turns: int = 100) -> dict:
    """Median turn and median time in the action call, over the turns after the first 10."""
    times, calls = in_process(turns, cProfile.Profile())
    return {
        "turn_ms_median_in_process": round(statistics.median(times[10:]), 2),
        "action_call_ms_median": round(statistics.median(calls[10:]), 2),
        "turn_without_action_call_ms_median": round(
            statistics.median([t - c for t, c in zip(times[10:], calls[10:], strict=False)]), 2
        ),
    }


def main(turns: int = TURNS, top: int = 20) -> int:
    profile = cProfile.Profile()
    times, calls = in_process(turns, profile)
    print(
        f"speed fixes: {'on' if patches.speedups() else 'off'}; turns 1-20 median "
        f"{statistics.median(times[:20]):.1f} ms, turns {turns - 19}-{turns} median "
        f"{statistics.median(times[-20:]):.1f} ms (profiled); the action call: median "
        f"{statistics.median(calls[10:-20]):.1f} ms of a {statistics.median(times[10:-20]):.1f} ms turn "
        f"(turns 11-{turns - 20}, not profiled)"
    )
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
