"""`make report` (bot/tools/report) on tracker stores written here as Rasa writes them
(bot/measure/report_data.py Store): grouping, counts, first and last seen, filters,
hashed senders, escaping, an empty store, a missing one, and PostgreSQL."""

import io
import re
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

import pytest

from bot.measure.report_data import Reply, Store
from bot.storage import tracker_db
from bot.tools import report
from bot.tools.report.groups import Grouper

# a report run starts its grouping child (bot/tools/report/groups.py), and one test uses PostgreSQL
pytestmark = pytest.mark.servers

KEY = "test-key"
DAY1 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc).timestamp()
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(2)> bootcamp price?"
BOOTCAMP = ["how much does an ML bootcamp cost", "price of machine learning bootcamps", "bootcamp cost for ml", HOSTILE]
REMOTE = ["are there remote ML jobs?", "Remote ml jobs??"]
DECLINE = Reply("Sorry, that's outside what my sources cover.", "decline")


def answer(*facts, topic="pay"):
    return Reply("The median is $131,490 [1].", "answer", list(facts), topic)


def write_store(url):
    """Three conversations on two days and three channels: bootcamp prices asked four ways
    (declined), remote work twice (a gap, then a low-confidence answer), answers rated."""
    store = Store(url)
    try:
        web = store.conversation("web:session-one", "socketio", DAY1)
        web.say(BOOTCAMP[0], DECLINE, "out_of_scope", 0.8)
        rated = web.say("what's the median pay?", answer("pay_median"))
        web.rate(rated, "down", "I wanted the starting salary")
        web.say(
            REMOTE[0],
            Reply("My sources don't cover remote work.", "gap", ["role_overview"], "role", ["remote_work"]),
            "ask_role",
            0.9,
        )
        rest = store.conversation("rest:ana@example.com", "rest", DAY1 + 86400)
        rest.say(BOOTCAMP[1], DECLINE, "ask_courses", 0.3, [("ask_courses", 0.3), ("ask_pay", 0.2)])
        rest.say(HOSTILE, DECLINE, "out_of_scope", 0.9)
        rest.say(REMOTE[1], answer("role_overview", topic="role"), "ask_role", 0.45)
        rest.rate(rest.say("and the average?", answer("pay_average")), "up")
        rest.say("/ask_pay", answer("pay_median"), "ask_pay", 1.0)
        slack = store.conversation("slack:U0SECRET", "slack", DAY1 + 86400 + 3600)
        slack.say(BOOTCAMP[2], DECLINE, "out_of_scope", 0.7)
        slack.rate(slack.say("median salary", answer("pay_median")), "down")
    finally:
        store.close()


def report_env(monkeypatch, folder) -> str:
    """The report's environment: the SQLite store in `folder` (its URL returned), the key."""
    path = folder / "tracker.db"
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(path))
    monkeypatch.setenv("SENDER_HASH_KEY", KEY)
    monkeypatch.delenv("TRACKER_RETENTION_DAYS", raising=False)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_url(tmp_path, monkeypatch):
    return report_env(monkeypatch, tmp_path)


class Written(NamedTuple):
    folder: Path  # holds the SQLite store
    report: tuple  # the report of all of it, as `run` returns it


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Written:
    """write_store's store and its report, shared by the tests that only read them. (Its
    folder's name holds "postgresql": Rasa's create_engine_kwargs took such a SQLite URL
    for a PostgreSQL one; tracker_db no longer uses it.)"""
    folder = tmp_path_factory.mktemp("written-postgresql")
    with pytest.MonkeyPatch.context() as monkeypatch:
        write_store(report_env(monkeypatch, folder))
        out = folder / "report.html"
        with redirected() as captured:
            code = report.main(["--out", str(out)])
    return Written(folder, (code, out.read_text(encoding="utf-8"), captured["out"], captured["err"]))


@contextmanager
def redirected():
    """stdout and stderr into strings, as {"out": ..., "err": ...} once done."""
    out, err, captured = io.StringIO(), io.StringIO(), {}
    with redirect_stdout(out), redirect_stderr(err):
        yield captured
    captured.update(out=out.getvalue(), err=err.getvalue())


def run(tmp_path, capsys, *args):
    out = tmp_path / "report.html"
    code = report.main(["--out", str(out), *args])
    captured = capsys.readouterr()
    return code, (out.read_text(encoding="utf-8") if out.exists() else ""), captured.out, captured.err


class Groups(HTMLParser):
    """The report's question groups: [(count, [question as typed, ...])], and its tags."""

    def __init__(self, html):
        super().__init__()
        self.groups, self.tags, self._in = [], set(), None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        if tag == "section" and "data-count" in attrs:
            self.groups.append((int(attrs["data-count"]), []))
        if tag == "li" and self.groups and self._in == "q":
            self.groups[-1][1].append("")
        if tag == "ul":
            self._in = "q" if attrs.get("class") == "q" else None

    def handle_endtag(self, tag):
        if tag in ("ul", "section"):
            self._in = None

    def handle_data(self, data):
        if self._in == "q" and self.groups and self.groups[-1][1]:
            self.groups[-1][1][-1] += data

    def group_of(self, text):
        found = [(count, asked) for count, asked in self.groups if any(a.startswith(text) for a in asked)]
        assert len(found) == 1, (text, self.groups)
        return found[0]


def test_questions_are_grouped_with_counts_first_last_seen_and_channels(written):
    code, html, out, err = written.report
    assert code == 0 and not err
    groups = Groups(html)
    count, asked = groups.group_of(BOOTCAMP[0])
    assert count == 4 and sorted(a.split(" (")[0] for a in asked) == sorted(BOOTCAMP)
    assert groups.group_of(REMOTE[0]) == groups.group_of(REMOTE[1])
    assert groups.group_of(REMOTE[0])[0] == 2
    assert sum(count for count, _ in groups.groups) == 6  # the answered and confident turns are not there
    section = re.search(r'<section class=group data-count="4".*?</section>', html, re.S).group(0)
    assert "first 2026-11-02 09:00, last 2026-11-03 10:00" in section  # the first and the last of the four
    assert "channel: rest, slack, socketio" in section and "declined 4" in section
    assert "3 conversations" in section
    remote = re.search(r'<section class=group data-count="2".*?</section>', html, re.S).group(0)
    assert "gap 1" in remote and "low confidence 1" in remote
    assert (
        "3 conversations, 14 user messages; 6 to look at (4 declined, 1 with a gap, 1 answered with low "
        "confidence) in 2 groups" in out
    )


def test_a_group_gets_its_closest_facts_intent_and_a_yaml_suggestion(written):
    _, html, out, _ = written.report
    remote = re.search(r'<section class=group data-count="2".*?</section>', html, re.S).group(0)
    assert "Closest intent: stored: <code>ask_role</code>" in remote and "<pre>" in remote
    assert "data/nlu/" in remote or "data/knowledge.yml" in remote
    bootcamp = re.search(r'<section class=group data-count="4".*?</section>', html, re.S).group(0)
    assert re.search(r"<code>\w+</code> \((fact|gap), \d+% of the question\)", bootcamp), bootcamp
    assert "4x" in out and "->" in out


def test_questions_declined_for_scope_are_one_group_per_reason_naming_the_subjects(sqlite_url, tmp_path, capsys):
    """ "ML pay in Germany" shares its words with "what do they earn?" once the place is left
    out: declines for scope are grouped by their reason, apart from the wording."""
    store = Store(sqlite_url)
    try:
        talk = store.conversation("rest:abroad", "rest", DAY1)
        for text, subject in (
            ("ml engineer pay in germany", "Germany"),
            ("ml engineer salary in the uk", "the UK"),
            ("what do ml engineers earn in germany?", "Germany"),
        ):
            talk.say(
                text,
                Reply(
                    "My sources only cover US figures.",
                    "decline",
                    scope={"reason": "out_of_region", "subject": subject},
                ),
                "ask_pay",
                0.9,
            )
        talk.say(
            "how much do nurses earn",
            Reply(
                "My sources only cover ML engineers.",
                "decline",
                scope={"reason": "other_occupation", "subject": "nurses"},
            ),
            "out_of_scope",
            0.9,
        )
        talk.say("and what do they earn", answer("pay_median"), "ask_pay", 0.5)
    finally:
        store.close()
    _, html, out, _ = run(tmp_path, capsys)
    groups = Groups(html)
    assert groups.group_of("ml engineer pay in germany")[0] == 3
    assert groups.group_of("how much do nurses earn")[0] == 1
    assert groups.group_of("and what do they earn")[0] == 1
    abroad = re.search(r'<section class=group data-count="3".*?</section>', html, re.S).group(0)
    assert "another country" in abroad and "Germany (2), the UK (1)" in abroad


def test_low_confidence_is_the_classifiers_own_first_intent_under_0_6(tmp_path):
    from bot.tools.report.store import own_intent, reason_for

    fallback = {
        "intent": {"name": "nlu_fallback", "confidence": 0.4},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_pay", "confidence": 0.35}],
    }
    assert own_intent(fallback) == ("ask_pay", 0.35)
    assert reason_for("answer", "what do they earn", 0.59) == "low confidence"
    assert reason_for("answer", "what do they earn", 0.6) is None
    assert reason_for("answer", "/ask_pay", 0.0) is None  # a button
    assert reason_for("chitchat", "hmm", 0.2) is None
    assert reason_for("decline", "weather?", 0.99) == "declined"
    assert reason_for("gap", "bootcamp?", 0.99) == "gap"


def test_filters_by_day_and_channel(written, tmp_path, capsys, monkeypatch):
    report_env(monkeypatch, written.folder)
    _, _, out, _ = run(tmp_path, capsys, "--until", "2026-11-02")
    assert "1 conversations, 5 user messages; 2 to look at" in out
    _, _, out, _ = run(tmp_path, capsys, "--since", "2026-11-03")
    assert "2 conversations, 9 user messages; 4 to look at" in out
    _, html, out, _ = run(tmp_path, capsys, "--channel", "slack")
    assert "1 conversations, 3 user messages; 1 to look at" in out
    assert "Thumbs down by fact: pay_median 1 (0 comments); thumbs up: 0" in out
    _, html, out, _ = run(tmp_path, capsys, "--channel", "teams")
    assert "No messages on channel 'teams' in this selection (channels there: rest, slack, socketio)." in out
    assert "No messages on channel" in html
    _, html, out, _ = run(tmp_path, capsys, "--since", "2027-01-01")
    assert "No messages in this selection." in out and "id=empty" in html


def test_ratings_by_fact_with_comments(written):
    _, html, out, _ = written.report
    assert "Thumbs down by fact: pay_median 2 (1 comments); thumbs up: 1" in out
    row = re.search(r'<tr data-fact="pay_median">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td class=n>(\d+)</td>", row) == ["2", "0"]
    assert "I wanted the starting salary" in row
    row = re.search(r'<tr data-fact="pay_average">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"<td class=n>(\d+)</td>", row) == ["0", "1"]


def test_senders_appear_only_hashed_and_text_is_escaped(written):
    _, html, out, _ = written.report
    for sender in ("web:session-one", "rest:ana@example.com", "slack:U0SECRET"):
        for shown in (html, out):
            assert sender not in shown and sender.split(":")[1] not in shown
    assert tracker_db.sender_hash("web:session-one", KEY.encode()) in html  # the comment's conversation
    parsed = Groups(html)
    assert parsed.tags <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "main",
        "h1",
        "h2",
        "h3",
        "p",
        "code",
        "div",
        "b",
        "span",
        "figure",
        "figcaption",
        "svg",
        "desc",
        "line",
        "text",
        "rect",
        "details",
        "summary",
        "table",
        "caption",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "section",
        "ul",
        "li",
        "pre",
    }, parsed.tags
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert HOSTILE in parsed.group_of(HOSTILE[:20])[1][0] or any(HOSTILE in a for a in parsed.group_of(BOOTCAMP[0])[1])


def test_an_empty_store_says_so(sqlite_url, tmp_path, capsys):
    Store(sqlite_url).close()  # Rasa's table, no row
    code, html, out, err = run(tmp_path, capsys)
    assert code == 0 and not err
    assert "The store holds no conversations yet." in out and "The store holds no conversations yet." in html
    assert "<section" not in html and "<svg" not in html


def test_a_missing_database_is_named_and_exits_1(sqlite_url, tmp_path, capsys):
    code, html, out, err = run(tmp_path, capsys)
    assert code == 1 and not html and not out
    assert (
        err == f"report: no tracker database at {tmp_path / 'tracker.db'} (the bot has not stored a "
        "conversation yet?)\n"
    )


@pytest.mark.parametrize(
    "args, says",
    [
        (["--since", "2026-13-01"], "not a date (YYYY-MM-DD): '2026-13-01'"),
        (["--since", "2026-11-03", "--until", "2026-11-02"], "--until is before --since"),
    ],
)
def test_bad_dates_are_named(sqlite_url, tmp_path, capsys, args, says):
    with pytest.raises(SystemExit) as exit_:
        report.main(args)
    assert exit_.value.code == 2 and says in capsys.readouterr().err


def test_grouping_keeps_rephrasings_together_and_apart():
    from bot.tools.report.store import Question

    asked = {
        "bootcamp": [
            "how much does an ML bootcamp cost",
            "price of machine learning bootcamps",
            "bootcamp cost for ml",
        ],
        "visa": [
            "do companies sponsor H1B for ML engineers?",
            "will employers sponsor my visa",
            "visa sponsorship for machine learning jobs",
        ],
        "weather": ["what's the weather like today", "whats the weather", "weather in boston tomorrow"],
        "hours": ["do ml engineers work long hours?", "ml engineer working hours"],
    }
    questions = [
        Question(text, time.time(), "h", "rest", "declined", None, 0.0) for texts in asked.values() for text in texts
    ]
    label = {text: name for name, texts in asked.items() for text in texts}
    groups = Grouper().group(questions)
    for group in groups:
        assert len({label[q.text] for q in group.questions}) == 1, [q.text for q in group.questions]
    sizes = sorted((len(g.questions) for g in groups), reverse=True)
    assert sizes[:2] == [3, 3] and len(groups) <= 7, sizes


def test_the_same_report_from_a_postgresql_store(postgres_server, postgres_url, written, tmp_path, capsys, monkeypatch):
    _, sqlite_html, sqlite_out, _ = written.report
    write_store(postgres_url)
    report_env(monkeypatch, tmp_path)
    monkeypatch.setenv("TRACKER_DB_URL", postgres_url)
    code, html, out, err = run(tmp_path, capsys)
    assert code == 0 and not err
    assert "postgresql://careerbot:***@127.0.0.1" in html and postgres_server.password not in html
    assert out == sqlite_out.replace(str(written.folder / "report.html"), str(tmp_path / "report.html"))
    assert Groups(html).groups == Groups(sqlite_html).groups


@pytest.mark.parametrize(
    "value, said",
    [
        (None, "TRACKER_RETENTION_DAYS is not set: conversations are kept until deleted."),
        ("30", "Conversations idle for more than 30 days are deleted (TRACKER_RETENTION_DAYS=30)."),
        ("0.5", "more than 0.5 days"),
        ("a month", "must be a positive number of days"),
    ],
)
def test_the_report_says_how_long_conversations_are_kept(value, said):
    from bot.tools.report import retention_note

    note = retention_note({} if value is None else {"TRACKER_RETENTION_DAYS": value})
    assert said in note and "make forget" in note


def test_a_broken_knowledge_file_is_named_without_a_traceback(sqlite_url, tmp_path, capsys, monkeypatch):
    write_store(sqlite_url)
    broken = tmp_path / "knowledge.yml"
    broken.write_text("facts: [", encoding="utf-8")
    monkeypatch.setenv("KNOWLEDGE_FILE", str(broken))  # read by the grouping child
    code, html, out, err = run(tmp_path, capsys)
    assert code == 1 and html == ""
    assert err.startswith("report: cannot group the questions:") and str(broken) in err and "Traceback" not in err


def test_bidirectional_controls_in_stored_text_are_shown_not_obeyed():
    """A stored "\u202e" (right-to-left override) would display the rest of a question, or
    the YAML suggested for it, reversed; the page shows each such control as its code point."""
    from bot.tools.report.page import esc

    controls = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    shown = esc(f"what do <b>ML</b> engineers earn?{controls}")
    assert not any(c in shown for c in controls)
    assert shown.startswith("what do &lt;b&gt;ML&lt;/b&gt; engineers earn?&lt;U+061C&gt;&lt;U+200E&gt;")
    assert shown.endswith("&lt;U+2069&gt;") and esc("مهندس") == "مهندس"  # right-to-left letters stay
