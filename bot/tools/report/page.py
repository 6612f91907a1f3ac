"""The report as one HTML file: inline CSS, charts as inline SVG drawn here, no script.

Hand-written SVG rather than matplotlib: four bar charts need a few dozen lines, the text
stays text (the page's own font, selectable, read by screen readers), each chart gets a
<title> and <desc> and its numbers as a table, and nothing heavy is imported (matplotlib
would add about a second to every run and its SVG is many times larger).
Every text from the store is HTML-escaped where it is written (`esc`), its bidirectional
controls shown as their code points: a stored "\u202e" would otherwise display a question,
or the YAML to paste, reversed.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from html import escape

from bot.tools.report.groups import Group
from bot.tools.report.store import DAY, Contents

COLOURS = {
    "answered": "#2b6cb0",
    "gap": "#d69e2e",
    "declined": "#c53030",
    "other": "#a0aec0",
    "messages": "#2b6cb0",
    "conversations": "#38a169",
}
CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a202c;margin:0;background:#f7fafc}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{margin-top:32px;border-bottom:2px solid #e2e8f0;padding-bottom:4px}
.meta{color:#4a5568}.note{background:#fffbea;border:1px solid #f6e05e;padding:8px 12px;border-radius:6px}
.empty{background:#edf2f7;padding:16px;border-radius:6px;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 16px;min-width:120px}
.card b{display:block;font-size:1.5em}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
figure{background:#fff;border:1px solid #e2e8f0;border-radius:8px;margin:0;padding:12px}
figcaption{font-weight:600;margin-bottom:6px}svg.chart{width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:#2d3748}
table{border-collapse:collapse;margin:6px 0;background:#fff}th,td{border:1px solid #e2e8f0;padding:3px 8px;
text-align:left;vertical-align:top}td.n,th.n{text-align:right}
.group{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 16px;margin:12px 0}
.group h3{margin:0 0 6px;font-size:1.1em}.count{display:inline-block;background:#2b6cb0;color:#fff;
border-radius:12px;padding:0 10px;margin-right:8px}
.tag{display:inline-block;border-radius:4px;padding:0 6px;margin-right:4px;font-size:.85em;background:#edf2f7}
.tag.declined{background:#fed7d7}.tag.gap{background:#fefcbf}.tag.low{background:#e9d8fd}
pre{background:#1a202c;color:#f7fafc;padding:8px 12px;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere}
ul.q,ul.comments{margin:4px 0;padding-left:20px}details summary{cursor:pointer;color:#2b6cb0}
code{background:#edf2f7;padding:0 3px;border-radius:3px}
"""


# the explicit direction marks, embeddings, overrides and isolates of Unicode's bidi algorithm
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def esc(value: object) -> str:
    shown = BIDI_CONTROLS.sub(lambda control: f"<U+{ord(control.group()):04X}>", str(value))
    return escape(shown, quote=True)


def day_name(day: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(day * DAY))


def when(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(at))


def numbers_table(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col"{" class=n" if i else ""}>{esc(h)}</th>' for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i else ''}>{esc(v)}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return (
        f"<details><summary>The numbers: {esc(caption)}</summary><table><caption class=meta>{esc(caption)}"
        f"</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def figure(key: str, title: str, desc: str, svg_body: str, width: int, height: int, legend: str, table: str) -> str:
    return (
        f'<figure><figcaption id="{key}-t">{esc(title)}</figcaption>'
        f'<svg role="img" aria-labelledby="{key}-title {key}-desc" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{key}">'
        f'<title id="{key}-title">{esc(title)}</title><desc id="{key}-desc">{esc(desc)}</desc>'
        f"{svg_body}</svg>{legend}{table}</figure>"
    )


def legend_of(names: Sequence[str]) -> str:
    items = "".join(
        f'<span class=tag><svg width="10" height="10" aria-hidden="true"><rect width="10" height="10" '
        f'fill="{COLOURS[n]}"/></svg> {esc(n)}</span>'
        for n in names
    )
    return f'<div class="legend">{items}</div>'


def nice(peak: float) -> float:
    """The axis' top: the peak rounded up to 4 ticks of 1, 2, 2.5 or 5 times a power of ten."""
    step = 10 ** math.floor(math.log10(max(peak, 1) / 4))
    for factor in (1, 2, 2.5, 5, 10):
        if step * factor * 4 >= peak:
            return step * factor * 4
    return peak


def day_bars(
    key: str,
    title: str,
    desc: str,
    days: Sequence[int],
    series: Sequence[tuple[str, Sequence[float]]],
    stacked: bool,
    percent: bool = False,
) -> str:
    """Vertical bars per day: side by side, or stacked (to 100% when `percent`)."""
    width, height, left, bottom, top = 640, 260, 44, 36, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    totals = [sum(values[i] for _, values in series) for i in range(len(days))]
    peak = 100.0 if percent else nice(max((totals if stacked else [v for _, vs in series for v in vs]) or [1]))
    slot = plot_w / max(len(days), 1)
    bar = slot * 0.8 / (1 if stacked else len(series))
    parts = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#718096"/>']
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        label = f"{value:.0f}%" if percent else f"{value:.0f}"
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#edf2f7"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    label_every = max(1, round(len(days) / 8))
    for i, day in enumerate(days):
        x = left + i * slot + slot * 0.1
        base = top + plot_h
        for number, (name, values) in enumerate(series):
            value = values[i] * 100.0 / totals[i] if percent and totals[i] else values[i]
            h = plot_h * value / peak
            bx = x if stacked else x + number * bar
            y = base - h if stacked else top + plot_h - h
            parts.append(
                f'<rect x="{bx:.1f}" y="{y:.1f}" width="{max(bar - 0.5, 0.5):.1f}" height="{h:.1f}" '
                f'fill="{COLOURS[name]}"><title>{day_name(day)} {esc(name)}: '
                f"{value:.0f}{'%' if percent else ''}</title></rect>"
            )
            if stacked:
                base -= h
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + slot * 0.4:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                f"{day_name(day)[5:]}</text>"
            )
    header = ["day"] + [name for name, _ in series] + (["answered share"] if percent else [])
    rows = []
    for i, day in enumerate(days):
        row = [day_name(day)] + [int(values[i]) for _, values in series]
        if percent:
            row.append(f"{series[0][1][i] * 100.0 / totals[i]:.0f}%" if totals[i] else "-")
        rows.append(row)
    return figure(
        key,
        title,
        desc,
        "".join(parts),
        width,
        height,
        legend_of([n for n, _ in series]),
        numbers_table(title, header, rows),
    )


def hbars(key: str, title: str, desc: str, items: Sequence[tuple[str, int]], unit: str) -> str:
    """Horizontal bars, one per item, largest first."""
    width, row, left = 640, 22, 170
    height = row * max(len(items), 1) + 10
    peak = max((v for _, v in items), default=1) or 1
    parts = []
    for i, (name, value) in enumerate(items):
        y = 5 + i * row
        w = (width - left - 60) * value / peak
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{esc(name)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="#2b6cb0">'
            f"<title>{esc(name)}: {value}</title></rect>"
            f'<text x="{left + w + 4:.1f}" y="{y + 14}">{value}</text>'
        )
    return figure(
        key,
        title,
        desc,
        "".join(parts),
        width,
        height,
        "",
        numbers_table(title, ["", unit], [(n, v) for n, v in items]),
    )


def charts(contents: Contents) -> str:
    if not contents.messages:
        return ""
    first, last = min(contents.messages), max(contents.messages)
    days = list(range(first, last + 1))
    messages = [contents.messages.get(d, 0) for d in days]
    conversations = [len(contents.conversations.get(d, ())) for d in days]
    share: dict[str, list[int]] = defaultdict(list)
    for d in days:
        kinds = contents.kinds.get(d, Counter())
        answered = kinds["answer"] + kinds["follow_up"]
        share["answered"].append(answered)
        share["gap"].append(kinds["gap"])
        share["declined"].append(kinds["decline"])
        share["other"].append(sum(kinds.values()) - answered - kinds["gap"] - kinds["decline"])
    topics = contents.topics.most_common(12)
    channels = [(name, count) for name, count in contents.channels.most_common()]
    total = contents.total_messages
    return (
        "<div class=charts>"
        + "".join(
            [
                day_bars(
                    "per-day",
                    "Conversations and messages per day",
                    f"{len(days)} days from {day_name(first)} to {day_name(last)}: {total} user messages in "
                    f"{len(contents.all_conversations())} conversations; the busiest day had {max(messages)} messages.",
                    days,
                    [("messages", messages), ("conversations", conversations)],
                    stacked=False,
                ),
                day_bars(
                    "answered-share",
                    "Answered, gap and declined share per day",
                    "Share of each day's user messages by what the reply was: answered (a fact answer or a "
                    "follow-up), a gap (the sources lack the detail asked), declined, other (greetings, ratings).",
                    days,
                    [(name, share[name]) for name in ("answered", "gap", "declined", "other")],
                    stacked=True,
                    percent=True,
                ),
                hbars(
                    "topics",
                    "Top topics",
                    "Fact answers per topic, the 12 most asked."
                    + (f" First: {topics[0][0]} with {topics[0][1]}." if topics else " None."),
                    topics,
                    "answers",
                ),
                hbars(
                    "channels",
                    "Messages per channel",
                    "User messages per channel: " + ", ".join(f"{n} {v}" for n, v in channels) + ".",
                    channels,
                    "messages",
                ),
            ]
        )
        + "</div>"
    )


def group_html(number: int, group: Group) -> str:
    reasons = group.reasons()
    tags = "".join(
        f'<span class="tag {("low" if r == "low confidence" else r)}">{esc(r)} {n}</span>'
        for r, n in reasons.most_common()
    )
    examples = "".join(
        f"<li>{esc(text)}" + (f" <span class=meta>({count}×)</span>" if count > 1 else "") + "</li>"
        for text, count in group.examples()
    )
    facts = (
        "".join(
            f"<li><code>{esc(fid)}</code> ({esc(kind)}, {coverage:.0%} of the question): "
            f"{esc(text[:160] + ('…' if len(text) > 160 else ''))}</li>"
            for kind, fid, text, coverage in group.facts
        )
        or "<li>none shares a word with it</li>"
    )
    intents = []
    if group.stored_intent:
        intents.append(f"stored: <code>{esc(group.stored_intent[0])}</code> ({group.stored_intent[1]:.2f})")
    if group.read_intent:
        intents.append(f"part classifier: <code>{esc(group.read_intent[0])}</code> ({group.read_intent[1]:.2f})")
    suggestion = group.suggestion
    advice = (
        (
            f"<p><b>Suggestion:</b> add {esc(suggestion.summary)} (<code>{esc(suggestion.file)}</code>):</p>"
            f"<pre>{esc(suggestion.snippet)}</pre>"
        )
        if suggestion
        else "<p><b>Suggestion:</b> none: no word of these messages could be taught.</p>"
    )
    senders = len({q.sender for q in group.questions})
    return (
        f'<section class=group data-count="{group.count}" aria-labelledby="g{number}">'
        f'<h3 id="g{number}"><span class=count>{group.count}×</span>{esc(group.wording)}</h3>'
        f"<p>{tags} <span class=meta>first {when(group.first)}, last {when(group.last)} (UTC); "
        f"channel: {esc(', '.join(group.channels()))}; {senders} conversation{'s' if senders != 1 else ''}"
        f"</span></p><p>Asked as:</p><ul class=q>{examples}</ul>"
        f"<p>Closest facts:</p><ul>{facts}</ul>"
        f"<p>Closest intent: {'; '.join(intents) or 'none'}</p>{advice}</section>"
    )


def ratings_html(contents: Contents) -> str:
    up, down = Counter(), Counter()
    comments: dict[str, list] = defaultdict(list)
    for rating in contents.ratings:
        for fact in rating.facts or ["(no fact)"]:
            if rating.comment is not None:
                comments[fact].append(rating)
            elif rating.rating == "up":
                up[fact] += 1
            else:
                down[fact] += 1
    facts = sorted(set(up) | set(down) | set(comments), key=lambda f: (-down[f], -len(comments[f]), -up[f], f))
    if not facts:
        return "<p class=empty>No answer was rated in this selection.</p>"
    rows = []
    for fact in facts:
        said = "".join(
            f"<li>“{esc(r.comment)}” <span class=meta>({when(r.at)}, conversation {esc(r.sender)})</span></li>"
            for r in sorted(comments[fact], key=lambda r: r.at)
        )
        rows.append(
            f'<tr data-fact="{esc(fact)}"><td><code>{esc(fact)}</code></td><td class=n>{down[fact]}</td>'
            f"<td class=n>{up[fact]}</td><td><ul class=comments>{said}</ul></td></tr>"
        )
    return (
        "<table id=ratings><caption class=meta>Ratings by fact (an answer stating several facts counts for "
        "each)</caption><thead><tr><th scope=col>fact</th><th scope=col class=n>not helpful</th>"
        "<th scope=col class=n>helpful</th><th scope=col>comments after a 👎</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def render(
    contents: Contents, groups: list[Group], selection: str, store: str, retention: str, empty: str | None
) -> str:
    total, conversations = contents.total_messages, len(contents.all_conversations())
    cards = [
        ("conversations", conversations),
        ("user messages", total),
        ("questions to look at", len(contents.questions)),
        ("groups", len(groups)),
        ("rated not helpful", sum(1 for r in contents.ratings if r.rating == "down" and r.comment is None)),
        ("rated helpful", sum(1 for r in contents.ratings if r.rating == "up")),
    ]
    body = [
        f"<h1>What users asked, and what the bot could not answer</h1><p class=meta>{esc(selection)}. "
        f"Store: <code>{esc(store)}</code>. Made {when(time.time())} UTC.</p>",
        f"<p class=note>{esc(retention)}</p>",
    ]
    if empty:
        body.append(f"<p class=empty id=empty>{esc(empty)}</p>")
    else:
        body.append(
            "<div class=cards>" + "".join(f"<div class=card><b>{v}</b>{esc(k)}</div>" for k, v in cards) + "</div>"
        )
        body.append("<h2>Activity</h2>" + charts(contents))
        body.append(
            "<h2 id=questions>Questions the bot declined, answered unsure, or answered with a gap</h2>"
            "<p class=meta>Grouped by wording; “low confidence”: the classifier's own first intent was under "
            "0.6, yet the bot answered. Senders appear only as hashes (what <code>make forget "
            "SENDER=…</code> takes).</p>"
        )
        body.append(
            "".join(group_html(i, g) for i, g in enumerate(groups, 1))
            or "<p class=empty>Every question in this selection was answered confidently.</p>"
        )
        body.append("<h2 id=feedback>Ratings of answers</h2>" + ratings_html(contents))
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        "<title>Career bot report</title><style>"
        + CSS
        + "</style></head><body><main>"
        + "".join(body)
        + "</main></body></html>"
    )
