"""Where a turn's time goes: `make profile` (BOT_SPEEDUPS=off for stock Rasa's calls).

Runs the Rasa agent in this process, with the SQLite tracker store and the real action
server on a free port, through one conversation of TURNS turns, and prints cProfile's
top entries (cumulative, then own time) for its last 20 turns, with the median time of
its first and last 20 turns. docs/performance.md keeps the results.
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

from bot import PROJECT_ROOT
from bot.server import patches
from bot.server.launcher import DEFAULT_MODEL, Servers, free_port
from bot.tools.bench import QUESTIONS

TURNS = 300


async def conversation(agent, turns: int, profile: cProfile.Profile) -> list:
    times = []
    for turn in range(turns):
        if turn == turns - 20:
            profile.enable()
        started = time.perf_counter()
        await agent.handle_text(QUESTIONS[turn % len(QUESTIONS)], sender_id="profiled")
        times.append((time.perf_counter() - started) * 1000)
    profile.disable()
    return times


def main(turns: int = TURNS, top: int = 20) -> int:
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    patches.apply()
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    with tempfile.TemporaryDirectory() as tmp:
        # the real action server, started (and stopped) as the launcher does it
        servers = Servers(free_port(), free_port(), tracker_db=Path(tmp) / "tracker.db", log_dir=Path(tmp))
        try:
            servers.start_actions()
            domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
            store = SQLTrackerStore(domain, dialect="sqlite", db=str(servers.tracker_db))
            endpoint = EndpointConfig(f"http://127.0.0.1:{servers.action_port}/webhook", enable_selective_domain=True)
            agent = Agent.load(str(DEFAULT_MODEL), tracker_store=store, action_endpoint=endpoint)
            profile = cProfile.Profile()
            times = asyncio.run(conversation(agent, turns, profile))
        finally:
            servers.stop()
    print(f"speed fixes: {'on' if patches.speedups() else 'off'}; turns 1-20 median "
          f"{statistics.median(times[:20]):.1f} ms, turns {turns - 19}-{turns} median "
          f"{statistics.median(times[-20:]):.1f} ms (profiled)")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
