"""The answer gate: the locked held-out answer sets (tests/answers/heldout*.yml), scored on
what the replies of the real bot contain (bot.measure.answer_eval): the trained model and the
action, run in this process exactly as the servers run them. That they give the same reply
as the served bot over REST, turn for turn, is the last test here (on the dev set).

The set was written by a separate session that saw only the seed article and the
knowledge file. Its failures are not printed (the set stays blind); its score per
category is. tests/answers/dev.yml is the development set, looked at freely.
"""

import functools

import pytest

from bot.citing import human_date
from bot.measure.answer_eval import LOCKED, SETS_DIR, load_cases, run, run_in_process, summary
from bot.measure.nlu_eval import near_duplicates, training_texts
from tests.conftest import ANSWERS

KB = ANSWERS.kb
# Issue 8 asks for 0.95 on a fresh blind set. Measured on 2026-11-26 over REST, before
# retrieval -> now: heldout 0.586 -> 0.869 (206/237); heldout2, a second locked set
# written later from a prompt with no example phrasings, 0.549 -> 0.838 (197/235).
# heldout3, a third locked set (262 scored turns) written blind on 2026-11-26 by a helper
# who saw only the article and the knowledge file without its asks: 0.836 (219/262) when
# it was committed, 0.908 (238/262) over REST after that day's changes.
# heldout4, a fourth locked set (243 scored turns) written blind the same way later on
# 2026-11-26 and copied in unread: 0.901 (219/243, in-process) on the commit before it
# came in (989c546), 0.930 (226/243) after that session's changes. Its score was read only
# at checkpoints, never used to choose between changes. The same session: heldout 0.890 ->
# 0.911, heldout2 0.885 -> 0.902, heldout3 0.908 -> 0.920.
# heldout5 (219 scored turns), written blind the same way at the end of that session and
# copied in unread, was first scored on its final commit: 0.922 (202/219), a score no
# change was chosen by.
# heldout6 (249 scored turns), written blind the same way at the start of the next session
# and copied in unread: 0.900 (224/249, in-process) on the commit before it came in (ade20e8),
# 0.904 (225/249) after that session's changes, chosen on the dev sets; it was read three times
# (at the start, at one checkpoint, at the end).
# The same session: heldout 0.911 -> 0.916, heldout2 0.902 -> 0.906, heldout3 0.920 -> 0.924,
# heldout4 0.930 -> 0.934, heldout5 0.922 -> 0.932.
# heldout7 (251 scored turns), written blind the same way at the start of the session after
# that and copied in unread: 0.952 (239/251, in-process) on the commit before it came in
# (6b58bc9), 0.960 (241/251) after that session's changes, chosen on the dev sets; it was read
# twice (at the start and at the end). It holds issue 8's gate of 0.95. The same session:
# heldout6 0.904 -> 0.920, heldout5 0.932 -> 0.941, heldout4 0.934 -> 0.938 (each read at the
# end only), heldout 0.916 -> 0.924, heldout2 0.906 -> 0.906, heldout3 0.924 -> 0.931.
# heldout8 (205 scored turns), written blind on 2026-12-07 for issue 25 from the article and
# a description of the users (long messages with their story, other jobs, other countries,
# questions about the future), by a helper who saw neither data/ nor tests/; its `must`
# strings were then put in the facts' wording by another helper (2 changed). Copied in unread.
#
# One pooled gate (issue 25): every locked set's turns scored together, the floor two points
# under the pooled score when it was set, instead of a floor per set (whose 1-3 turns of slack
# blocked restructuring more than they measured generalisation). Scoring is deterministic.
# Set on 2026-12-07 at the start of issue 25: pooled 0.916 (1741/1901), heldout8 0.805 (165/205).
# heldout9 (237 scored turns), written blind the same way at the start of issue 25's second
# session (from the article and a description of the users only) and copied in unread: 0.894
# (212/237, in-process) on that session's first commit (2f15873), 0.924 (219/237) at its end,
# the one reading after changes chosen on the dev set (which gained dev14, written the same way).
# The same end reading: heldout8 0.893 (183/205; its third reading), the eight older sets pooled
# 0.922 -> 0.925 (1759/1901). Raised then to two points under the nine sets pooled, 0.925 (1978/2138).
# heldout10 (232 scored turns), written blind the same way at the end of that session for the
# next piece of work and copied in unread: 0.888 (206/232) on commit after f2af433's three small
# fixes (its "before" reading; no change has been chosen by it).
POOLED_GATE = 0.905
SETS = sorted(p.stem for p in SETS_DIR.glob("*.yml"))
# What each locked set was written to hold (scored turns per category, at least).
MINIMUM = {"detail": 50, "two_part": 25, "follow_up": 25, "junk": 40, "pushed_figure": 15}
MINIMUMS = {
    name: MINIMUM for name in ("heldout", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7")
}
MINIMUMS["heldout8"] = {"story-first": 40, "other-occupation": 25, "future": 25, "two-part": 20, "follow-up": 25}
MINIMUMS["heldout9"] = {"story-first": 40, "other-occupation": 25, "future": 25, "follow-up": 30, "two-part": 15}
MINIMUMS["heldout10"] = {"story-first": 40, "other-occupation": 25, "future": 25, "follow-up": 30, "two-part": 20}


def turns(name):
    return [(case, turn) for case in load_cases(SETS_DIR / f"{name}.yml") for turn in case.turns]


def knowledge_text():
    parts = [f.text for f in KB.facts] + [s.publisher for s in KB.sources]
    parts += [human_date(f.as_of) for f in KB.facts if f.as_of]
    parts += [human_date(s.accessed.isoformat()) for s in KB.sources if s.accessed]
    return " ".join(parts).lower()


@pytest.mark.parametrize("name", SETS)
def test_expected_strings_are_in_the_knowledge_file(name):
    """A set that expects what the knowledge file does not say would be wrong."""
    text = knowledge_text()
    wrong = [
        (case.id, s)
        for case, turn in turns(name)
        if turn.expect in ("answer", "challenge", "gap")
        for s in turn.must
        if s.lower() not in text
    ]
    assert not wrong


# Held-out turns that were already near-duplicates (bot.measure.nlu_eval.near_duplicate) of
# a training example or an `asks` phrase when the set was committed: short common
# phrasings ("tell me more", "hi", a bare number) that independent writers share. The
# counts may not grow: nothing may be added to the training data or the `asks` from a
# held-out set. Failures print counts only, never held-out text.
# The asks counts were raised once, on 2026-11-26 (0 -> 7, 17 -> 23, 10 -> 22), when a helper
# who never saw a held-out set added 440 asks: short follow-ups ("is it any good?") that
# independent writers share. The score without near-duplicate turns is printed beside the
# full score (bot.measure.answer_eval) and reported on the issue.
OVERLAP_AT_COMMIT = {
    "heldout": {"training": 41, "asks": 7},
    "heldout2": {"training": 32, "asks": 23},
    "heldout3": {"training": 44, "asks": 22},
    "heldout4": {"training": 22, "asks": 13},
    "heldout5": {"training": 35, "asks": 15},
    "heldout6": {"training": 24, "asks": 11},
    "heldout7": {"training": 30, "asks": 20},
    "heldout8": {"training": 29, "asks": 13},
    "heldout9": {"training": 22, "asks": 5},
    "heldout10": {"training": 25, "asks": 6},
}


@functools.cache
def training() -> tuple:
    return tuple(training_texts())


def overlapping(texts, others):
    return {text for text, _ in near_duplicates(texts, others)}


def test_every_locked_set_is_here_with_what_it_was_written_to_hold():
    assert set(MINIMUMS) == LOCKED == {name for name in SETS if name.startswith("heldout")}
    assert set(OVERLAP_AT_COMMIT) == LOCKED


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_the_held_out_set_is_large_enough(name):
    scored = [(case, turn) for case, turn in turns(name) if turn.expect != "context"]
    assert len(scored) >= 200
    counts = {}
    for case, _ in scored:
        counts[case.category] = counts.get(case.category, 0) + 1
    for category, least in MINIMUMS[name].items():
        assert counts.get(category, 0) >= least, category


@pytest.mark.parametrize("name", sorted(OVERLAP_AT_COMMIT))
def test_nothing_the_bot_learns_from_comes_from_a_held_out_set(name):
    heldout = [turn.user for _, turn in turns(name) if turn.expect != "context"]
    asks = [phrase for fact in KB.facts for phrase in fact.asks] + [p for g in KB.gaps for p in g.asks]
    limit = OVERLAP_AT_COMMIT[name]
    count = len(overlapping(heldout, asks))
    assert count <= limit["asks"], f"{count} held-out turns near `asks` phrases"
    count = len(overlapping(heldout, training()))
    assert count <= limit["training"], f"{count} held-out turns near training examples"


@pytest.mark.slow
def test_the_locked_sets_together_meet_the_gate(agent):
    """Every locked set scored in this process (the served bot's replies: see the next test),
    pooled; each set's score and each category's are printed, never a failure's text."""
    results, lines = [], []
    for name in sorted(LOCKED):
        mine = run_in_process(agent, load_cases(SETS_DIR / f"{name}.yml"), KB)
        total = summary(mine)
        lines.append(f"{name}: {total['passed']}/{total['total']} = {total['score']:.3f}")
        lines += [f"  {c}: {r['passed']}/{r['total']} = {r['score']:.3f}" for c, r in total["categories"].items()]
        results += mine
    pooled = summary(results)
    lines.insert(0, f"pooled: {pooled['passed']}/{pooled['total']} = {pooled['score']:.3f}")
    print("\n".join(lines))
    assert pooled["score"] >= POOLED_GATE, "\n".join(lines)


@pytest.mark.servers
def test_the_in_process_scorer_gets_the_same_replies_as_rest(agent, bot):
    """bot.measure.answer_eval's in-process run (Rasa and the action in this process) and its
    REST run (the shared bot) give the same reply to every turn of a development set, so
    the same score."""
    cases = [case for case in load_cases(SETS_DIR / "dev.yml") if case.id.startswith("dev-")]  # one set of it
    in_process, over_rest = run_in_process(agent, cases, KB), run(bot.url, cases, KB)
    assert [r.text for r in in_process] == [r.text for r in over_rest]
    assert [r.problems for r in in_process] == [r.problems for r in over_rest]
    assert summary(in_process) == summary(over_rest) and summary(in_process)["total"] >= 100
