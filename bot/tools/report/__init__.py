"""`make report`: what users asked that the bot could not answer, and their ratings.

    python -m bot.tools.report [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--channel NAME]
                               [--out reports/report.html]

Reads the tracker store (bot/storage/tracker_db.py: TRACKER_DB_URL, else the SQLite file
TRACKER_DB) and writes one self-contained HTML file (inline CSS and SVG, no script, opens
offline) and a short summary on stdout:
- the questions the bot declined, answered with a gap ("My sources don't cover ..."), or
  answered although the classifier's own first intent was under 0.6, grouped by wording
  (groups.py), each with its closest facts and intent and a YAML snippet to add;
- ratings by fact (👎 with the comments typed after them, and 👍);
- charts: conversations and messages per day, answered/gap/declined share per day, top
  topics, messages per channel (page.py).
Dates are UTC days, both ends included. Senders appear only as tracker_db.sender_hash
(what `make forget` takes); message text is shown as typed (HTML-escaped).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import date, datetime, timezone
from pathlib import Path

DEFAULT_OUT = Path("reports/report.html")
TOP = 5  # groups named in the summary


def day_start(text: str) -> float:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make report ARGS=...", description=__doc__.split("\n")[0])
    parser.add_argument("--since", type=day_start, help="first day (UTC), YYYY-MM-DD")
    parser.add_argument("--until", type=day_start, help="last day (UTC, included), YYYY-MM-DD")
    parser.add_argument("--channel", help="only this channel: rest, socketio (web chat), slack, cmdline (shell)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the HTML file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.since is not None and args.until is not None and args.until < args.since:
        parser.error("--until is before --since")
    return args


def retention_note(env=os.environ) -> str:
    """What the report says about how long conversations are kept: what the launcher
    makes of TRACKER_RETENTION_DAYS (bot/storage/retention.py), or that its value is one
    the launcher refuses."""
    from bot.storage.retention import VARIABLE, days_from

    try:
        days = days_from(env)
    except ValueError as error:
        kept = f"{error}: `make run` will not start with it, and nothing is deleted."
    else:
        kept = (
            f"Conversations idle for more than {days:g} days are deleted ({VARIABLE}={days:g})."
            if days is not None
            else f"{VARIABLE} is not set: conversations are kept until deleted."
        )
    return (
        f"This report shows what users typed. {kept} To delete one conversation: make forget "
        "SENDER=<its id or the hash shown here>."
    )


def selection_of(args: argparse.Namespace) -> str:
    def day(at):
        return time.strftime("%Y-%m-%d", time.gmtime(at))

    span = (
        f"{day(args.since) if args.since is not None else 'the first message'} to "
        f"{day(args.until) if args.until is not None else 'the last'} (UTC)"
    )
    return f"Messages from {span}, " + (f"channel {args.channel}" if args.channel else "all channels")


def summary(contents, groups, out: Path, empty: str | None) -> str:
    lines = [f"Report: {out}"]
    if empty:
        return "\n".join(lines + [empty])
    reasons = {r: sum(1 for q in contents.questions if q.reason == r) for r in ("declined", "gap", "low confidence")}
    lines.append(
        f"{len(contents.all_conversations())} conversations, {contents.total_messages} user messages; "
        f"{len(contents.questions)} to look at ({reasons['declined']} declined, {reasons['gap']} with a gap, "
        f"{reasons['low confidence']} answered with low confidence) in {len(groups)} groups"
    )
    for group in groups[:TOP]:
        advice = f" -> {group.suggestion.summary}" if group.suggestion else ""
        lines.append(f"  {group.count:>5}x  {' '.join(group.wording.split())[:70]}{advice}")
    down = {}
    for rating in contents.ratings:
        if rating.rating == "down" and rating.comment is None:
            for fact in rating.facts or ["(no fact)"]:
                down[fact] = down.get(fact, 0) + 1
    ups = sum(1 for r in contents.ratings if r.rating == "up")
    comments = sum(1 for r in contents.ratings if r.comment is not None)
    worst = ", ".join(f"{fact} {n}" for fact, n in sorted(down.items(), key=lambda i: (-i[1], i[0]))[:TOP])
    lines.append(f"Thumbs down by fact: {worst or 'none'} ({comments} comments); thumbs up: {ups}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with warnings.catch_warnings():  # Rasa's and spaCy's imports warn about their own dependencies
        warnings.simplefilter("ignore")
        return report(args)


def report(args: argparse.Namespace) -> int:
    from bot.storage import tracker_db
    from bot.tools.report.groups import Background
    from bot.tools.report.page import render
    from bot.tools.report.store import DAY, read

    url = tracker_db.store_url()
    grouper = Background()  # loads while the store is read
    try:
        engine = tracker_db.open_store(url, must_exist=True)
        key = tracker_db.hash_key()
        until = args.until + DAY if args.until is not None else None
        try:
            contents = read(engine, lambda sender: tracker_db.sender_hash(sender, key), args.since, until, args.channel)
        finally:
            engine.dispose()
    except tracker_db.TrackerDBError as error:
        grouper.stop()
        print(f"report: {error}", file=sys.stderr)
        return 1
    except BaseException:
        grouper.stop()
        raise
    empty = None
    if not contents.total_messages:
        if args.channel and contents.channels_seen and args.channel not in contents.channels_seen:
            empty = (
                f"No messages on channel {args.channel!r} in this selection (channels there: "
                f"{', '.join(sorted(contents.channels_seen))})."
            )
        elif args.since is not None or args.until is not None or args.channel:
            empty = "No messages in this selection."
        else:
            empty = "The store holds no conversations yet."
    if contents.questions:
        try:
            groups = grouper.group(contents.questions)
        except (RuntimeError, EOFError) as error:  # a broken knowledge file, a child that died or hung
            print(f"report: cannot group the questions: {error or 'the grouping process ended'}", file=sys.stderr)
            return 1
    else:
        groups = []
        grouper.stop()
    html = render(contents, groups, selection_of(args), tracker_db.shown(url), retention_note(), empty)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(html, encoding="utf-8")
    print(summary(contents, groups, args.out, empty))
    print(retention_note())
    return 0
