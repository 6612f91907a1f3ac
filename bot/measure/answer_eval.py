"""Score the bot's answers, as users get them, on a question set in tests/answers/.

    python -m bot.measure.answer_eval dev               # scores, then every failure
    python -m bot.measure.answer_eval heldout           # scores only: the set is locked
    python -m bot.measure.answer_eval dev --url http://127.0.0.1:5005   # a running bot
    python -m bot.measure.answer_eval dev --in-process  # no servers: the same code in this process

Each case is a conversation; each turn has what the user says and what a right reply
looks like (`expect`), plus strings it must and must not contain (case ignored):

    answer     a cited fact answer: a [1] marker and a source link
    decline    outside the sources: no fact stated, no figure at all
    gap        a detail the sources lack: says so (the `gap` message), states no invented figure
    challenge  a figure pushed at the bot: says its sources don't support it (the
               `unsupported_figure` message) and never repeats it
    chitchat   greeting, thanks, bye, "are you a bot": no figure
    context    a set-up turn, not scored

Every scored turn must also pass the grounding check (bot.grounding). Without --url the
tool starts its own action server and bot on free loopback ports.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bot import DEFAULT_MODEL, PROJECT_ROOT, parse_yaml, save_results
from bot.grounding import numbers_in, stated_facts, ungrounded_numbers
from bot.knowledge import Knowledge

SETS_DIR = PROJECT_ROOT / "tests" / "answers"
LOCKED = {
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
}
EXPECTS = {"answer", "decline", "gap", "challenge", "chitchat", "context"}


@dataclass
class Turn:
    user: str
    expect: str
    must: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)


@dataclass
class Case:
    id: str
    category: str
    turns: list[Turn]


def load_cases(path: Path) -> list[Case]:
    raw = parse_yaml(Path(path).read_text(encoding="utf-8"))
    cases = []
    for item in raw["cases"]:
        turns = [
            Turn(t["user"], t["expect"], list(t.get("must") or []), list(t.get("must_not") or []))
            for t in item["turns"]
        ]
        for turn in turns:
            if turn.expect not in EXPECTS:
                raise ValueError(f"{path}: case {item['id']}: unknown expect {turn.expect!r}")
        cases.append(Case(item["id"], item["category"], turns))
    return cases


def _static_part(template: str) -> str:
    """The fixed opening of a message template, up to its first {placeholder}."""
    return template.split("{", 1)[0].strip()


def problems(turn: Turn, text: str, kb: Knowledge, buttons: str = "") -> list[str]:
    """What is wrong with `text` (and the titles of its quick replies, `buttons`) as the
    reply to `turn` (empty: right). What the reply must say must be in its text: a
    button offering a topic does not answer the question."""
    found = []
    folded = text.lower()
    found += [f"missing {s!r}" for s in turn.must if s.lower() not in folded]
    text = "\n".join([text, buttons]).strip()
    folded = text.lower()
    found += [f"contains {s!r}" for s in turn.must_not if s.lower() in folded]
    bad = ungrounded_numbers(text, kb)
    if bad:
        found.append(f"ungrounded numbers {sorted(bad)}")
    stated = stated_facts(text, kb)
    if turn.expect == "answer" and not ("[1]" in text and "](http" in text):
        found.append("no cited fact")
    if turn.expect in ("decline", "chitchat") and (stated or numbers_in(text)):
        found.append("states a fact or figure")
    if turn.expect == "gap" and _static_part(kb.messages["gap"]).lower() not in folded:
        found.append("does not say the sources lack this detail")
    if turn.expect == "challenge" and _static_part(kb.messages["unsupported_figure"]).lower() not in folded:
        found.append("does not say the sources don't support the figure")
    if not text.strip():
        found.append("no reply")
    return found


def reply_text(messages: list[dict]) -> str:
    return "\n".join(message.get("text") or "" for message in messages)


def button_titles(messages: list[dict]) -> str:
    return "\n".join(b.get("title", "") for m in messages for b in m.get("buttons") or [])


@dataclass
class Result:
    case: Case
    turn: Turn
    text: str
    problems: list[str]


def run(url: str, cases: list[Case], kb: Knowledge) -> list[Result]:
    from bot.ops.launcher import post_rest

    results = []
    for case in cases:
        sender = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
        for turn in case.turns:
            messages = post_rest(url, sender, turn.user)
            text, buttons = reply_text(messages), button_titles(messages)
            if turn.expect != "context":
                results.append(Result(case, turn, text, problems(turn, text, kb, buttons)))
    return results


class InProcessActions:
    """The action endpoint for an agent in this process: Rasa's call goes to the action
    server's own code (rasa_sdk's ActionExecutor with actions/, what its webhook runs)
    here, instead of over HTTP. The call and its answer go through JSON as on the wire."""

    def __init__(self):
        from rasa.utils.endpoints import EndpointConfig
        from rasa_sdk.executor import ActionExecutor

        self.endpoint = EndpointConfig("in-process://actions")  # Rasa reads its settings
        self.executor = ActionExecutor()
        self.executor.register_package("actions")

    def __getattr__(self, name):
        return getattr(self.endpoint, name)

    async def request(self, method: str = "post", subpath=None, content_type=None, compress=False, **kwargs):
        call = json.loads(json.dumps(kwargs["json"]))
        return json.loads(json.dumps(await self.executor.run(call)))


def in_process_agent(model: Path = DEFAULT_MODEL):
    """The served bot in this process: Rasa (patched as the server runs it) with its
    conversations in memory, calling the action in this process (InProcessActions)."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    import bot.rasa_ext.rasa_patched  # noqa: F401 - Rasa as the server runs it

    configure_structlog(logging.WARNING)  # Rasa's debug lines would print the set's questions
    return Agent.load(str(model), action_endpoint=InProcessActions())


def run_in_process(agent, cases: list[Case], kb: Knowledge) -> list[Result]:
    """The same conversations as `run`, handled by `agent` (in_process_agent) as the REST
    channel hands them to the server (bot.channels.rest.user_message): the same NLU,
    policies, action call, action and slots, so the same replies and the same score."""
    import asyncio

    from rasa.core.channels.channel import CollectingOutputChannel

    from bot.channels.rest import user_message

    async def talk():
        results = []
        for case in cases:
            sender = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
            for turn in case.turns:
                output = CollectingOutputChannel()
                await agent.handle_message(user_message({"sender": sender, "message": turn.user}, output))
                text, buttons = reply_text(output.messages), button_titles(output.messages)
                if turn.expect != "context":
                    results.append(Result(case, turn, text, problems(turn, text, kb, buttons)))
        return results

    return asyncio.run(talk())


def summary(results: list[Result]) -> dict:
    categories: dict[str, list[int]] = {}
    for result in results:
        tally = categories.setdefault(result.case.category, [0, 0])
        tally[0] += not result.problems
        tally[1] += 1
    passed = sum(p for p, _ in categories.values())
    total = sum(t for _, t in categories.values())
    return {
        "score": passed / total if total else 0.0,
        "passed": passed,
        "total": total,
        "categories": {c: {"passed": p, "total": t, "score": p / t} for c, (p, t) in sorted(categories.items())},
    }


def evaluate(name: str, url: str | None = None) -> list[Result]:
    """Run the set `name` (dev or heldout) against a bot at `url`, or one started here."""
    from bot.answers import load_answers
    from bot.ops.launcher import Servers, free_port

    kb = load_answers().kb
    cases = load_cases(SETS_DIR / f"{name}.yml")
    if url:
        return run(url, cases, kb)
    with tempfile.TemporaryDirectory() as tmp:
        with Servers(
            bot_port=free_port(),
            action_port=free_port(),
            tracker_db=Path(tmp) / "tracker.db",
            log_dir=Path(tmp) / "logs",
        ) as servers:
            return run(servers.url, cases, kb)


def overlap_with_others(name: str) -> set:
    """Turns of set `name` that are near-duplicates of another set's turns or of a training
    example (common short phrasings that independent writers share)."""
    from bot.measure.nlu_eval import near_duplicates, training_texts

    mine = [t.user for c in load_cases(SETS_DIR / f"{name}.yml") for t in c.turns]
    others = training_texts() + [
        t.user for p in SETS_DIR.glob("*.yml") if p.stem != name for c in load_cases(p) for t in c.turns
    ]
    return {text for text, _ in near_duplicates(mine, others)}


def report(name: str, results: list[Result], show_failures: bool) -> dict:
    total = summary(results)
    print(f"{name}: {total['passed']}/{total['total']} = {total['score']:.3f}")
    for category, row in total["categories"].items():
        print(f"  {category:<14} {row['passed']:>3}/{row['total']:<3} {row['score']:.3f}")
    shared = overlap_with_others(name)
    alone = summary([r for r in results if r.turn.user not in shared])
    total["without_shared_turns"] = alone
    print(
        f"{name} without the {total['total'] - alone['total']} turns near another set or the training "
        f"data: {alone['passed']}/{alone['total']} = {alone['score']:.3f}"
    )
    if show_failures:
        for result in results:
            if result.problems:
                print(
                    f"\n[{result.case.id}] {result.turn.user!r} ({result.turn.expect}): "
                    f"{'; '.join(result.problems)}\n  -> {result.text[:400]!r}"
                )
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("set", choices=sorted(p.stem for p in SETS_DIR.glob("*.yml")))
    parser.add_argument("--url", help="a running bot (default: start one on free ports)")
    parser.add_argument(
        "--in-process", action="store_true", help="no servers: Rasa NLU and the responder in this process (quicker)"
    )
    args = parser.parse_args(argv)
    if args.in_process:
        from bot.answers import load_answers

        results = run_in_process(in_process_agent(), load_cases(SETS_DIR / f"{args.set}.yml"), load_answers().kb)
    else:
        results = evaluate(args.set, args.url)
    total = report(args.set, results, show_failures=args.set not in LOCKED)
    save_results(f"answers_{args.set}.json", total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
