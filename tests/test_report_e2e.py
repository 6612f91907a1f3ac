"""Issue 13's test of `make report`: conversations with declined, low-confidence, gap and 👎
turns are driven through REST against real servers (action server + rasa run on free
loopback ports) on a fresh SQLite store that already holds two weeks of generated
history (bot/measure/report_data.py: the development sets' conversations answered by the
real action, so the charts have days to show); the real `make report` target runs on it,
and its HTML is opened in Debian's chromium (tests/support/webchat_support.py).

The test's own conversations are today's and the history ends before today, so
`--since <today>` selects exactly them: each question must be in its group with the right
count. The full report (all days) is the one opened for the charts and the screenshot
(test-output/report/report.png, and report-questions.png at the questions; copied over
docs/screenshots/ with UPDATE_SCREENSHOTS=1).
"""

import os
import shutil
import subprocess
import time
import uuid

import pytest

from bot import PROJECT_ROOT
from bot.measure.report_data import generate
from bot.ops.launcher import Servers, free_port, post_rest
from tests.support.launcher_run import MAKE_ONLY, launcher_env
from tests.support.webchat_support import AXE, DOC_SCREENSHOTS, chromium

pytestmark = pytest.mark.servers

OUTPUT = PROJECT_ROOT / "test-output" / "report"
DECLINED = ["what's the weather like in Boston?", "what is the weather in boston today", "weather in Boston?"]
GAP = [
    "which programming language should I learn",
    "what programming language should i learn first?",
    "which programming language is best to learn",
]
UNSURE = ["tell me about pay", "talk about pay", "what about salary stuff", "any salary info"]  # answered, < 0.6
RATED = "what's the median salary for ML engineers?"
COMMENT = "not what I asked, too vague"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The store after the test's conversations (servers stopped): (folder, path)."""
    state = tmp_path_factory.mktemp("report-e2e")
    path = state / "tracker.db"
    generate(f"sqlite:///{path}", 1500, days=14, end=time.time() - 86400)
    servers = Servers(bot_port=free_port(), action_port=free_port(), tracker_db=path, log_dir=state / "logs")
    with servers:
        for number, text in enumerate(DECLINED + GAP + UNSURE):
            assert post_rest(servers.url, f"e2e-{number}-{uuid.uuid4().hex[:6]}", text)
        for sender, rating in (("e2e-down", "/feedback_bad"), ("e2e-up", "/feedback_good")):
            post_rest(servers.url, sender, RATED)
            post_rest(servers.url, sender, rating)
        asked = post_rest(servers.url, "e2e-down-2", RATED)
        assert any("/feedback_bad" in str(m.get("buttons")) for m in asked), asked
        assert "looking for" in str(post_rest(servers.url, "e2e-down-2", "/feedback_bad"))
        post_rest(servers.url, "e2e-down-2", COMMENT)
    return state, path


def make_report(state, path, *args):
    """`make report ARGS=...` (without make's set-up steps, as every test runs make) on the store."""
    out = state / f"report-{len(args)}.html"
    env = {**launcher_env(state), "TRACKER_DB": str(path), "SENDER_HASH_KEY": "e2e"}
    run = subprocess.run(
        [*MAKE_ONLY, "report", f"ARGS={' '.join(args)} --out {out}"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return out, run.stdout


def groups_in(page):
    """[(count, [question as typed, ...], its tags line)] of the report's question groups."""
    return page.evaluate("""() => [...document.querySelectorAll('section.group')].map(s =>
        [Number(s.dataset.count), [...s.querySelectorAll('ul.q li')].map(li => li.firstChild.textContent.trim()),
         s.querySelector('p').innerText])""")


def opened(browser, path):
    """A page on the file, recording every request it makes."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, bypass_csp=True)  # for axe below
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return context, page, requests


def test_todays_questions_are_grouped_with_their_counts(store):
    state, path = store
    today = time.strftime("%Y-%m-%d", time.gmtime())
    out, printed = make_report(state, path, "--since", today)
    assert "4 conversations" not in printed and "groups" in printed, printed
    with chromium() as browser:
        context, page, requests = opened(browser, out)
        groups = groups_in(page)
        context.close()
    for phrasings, reason in ((DECLINED, "declined 3"), (GAP, "gap 3"), (UNSURE, "low confidence 4")):
        found = [g for g in groups if set(phrasings) & set(g[1])]
        assert len(found) == 1, (phrasings, groups)
        count, asked, tags = found[0]
        assert count == len(phrasings) and sorted(asked) == sorted(phrasings), found
        assert tags.startswith(reason + " first"), tags
    assert requests == [out.as_uri()]
    assert "Thumbs down by fact: pay_median 2 (1 comments); thumbs up: 1" in printed, printed


def test_the_whole_report_renders_its_charts_offline_and_passes_axe(store):
    state, path = store
    out, printed = make_report(state, path)
    with chromium() as browser:
        context, page, requests = opened(browser, out)
        try:
            charts = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(svg => {
                const box = svg.getBoundingClientRect();
                const marks = [...svg.querySelectorAll('rect')].filter(r => {
                    const b = r.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
                return {key: svg.dataset.chart, width: box.width, height: box.height, marks: marks.length,
                        title: svg.querySelector('title').textContent, days: svg.querySelectorAll('text').length};
            })""")
            rated = page.locator('tr[data-fact="pay_median"]').inner_text()
            OUTPUT.mkdir(parents=True, exist_ok=True)
            shot, questions = OUTPUT / "report.png", OUTPUT / "report-questions.png"
            page.screenshot(path=str(shot))
            page.evaluate("document.getElementById('questions').scrollIntoView()")
            page.screenshot(path=str(questions))
            page.evaluate("window.scrollTo(0, 0)")
            page.add_script_tag(path=str(AXE))
            findings = page.evaluate("""async () => (await axe.run(document)).violations.map(v =>
                ({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' '))}))""")
        finally:
            context.close()
    assert [c["key"] for c in charts] == ["per-day", "answered-share", "topics", "channels"]
    for chart in charts:
        assert chart["width"] > 300 and chart["height"] > 50 and chart["title"], chart
    per_day = charts[0]
    assert per_day["marks"] >= 2 * 10, per_day  # messages and conversations on ten days at least
    assert all(chart["marks"] >= 2 for chart in charts), charts
    assert COMMENT in rated, rated
    assert requests == [out.as_uri()], requests  # axe was added by Playwright, not requested
    assert findings == [], findings
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for made in (shot, questions):
            shutil.copyfile(made, DOC_SCREENSHOTS / made.name)
