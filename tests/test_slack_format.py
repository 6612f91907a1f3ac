"""The Slack channel's pure parts: Markdown -> mrkdwn, buttons -> blocks, text cleaning,
de-duplication memory, and the credentials entry the launcher reads."""

from pathlib import Path

import yaml

from bot import PROJECT_ROOT
from bot.channels.slack import Deliveries, Seen, buttons_to_blocks, clean_user_text, fallback_text, markdown_to_mrkdwn
from bot.ops.launcher import channel_credentials


def test_markdown_links_become_slack_links():
    text = "[1] Indeed: [Machine Learning Engineer Salary](https://www.indeed.com/career/x), accessed November 8, 2022"
    assert markdown_to_mrkdwn(text) == (
        "[1] Indeed: <https://www.indeed.com/career/x|Machine Learning Engineer Salary>, accessed November 8, 2022"
    )


def test_bold_italic_and_headings():
    assert markdown_to_mrkdwn("**Pay** and __outlook__") == "*Pay* and *outlook*"
    assert markdown_to_mrkdwn("an *important* point") == "an _important_ point"
    assert markdown_to_mrkdwn("## Getting started") == "*Getting started*"
    assert markdown_to_mrkdwn("5 * 3 = 15") == "5 * 3 = 15"


def test_special_characters_are_escaped_but_links_are_not():
    out = markdown_to_mrkdwn("R&D < AI > ML: [A & B <c>](https://example.com/a?b=1&c=2)")
    assert out == "R&amp;D &lt; AI &gt; ML: <https://example.com/a?b=1&c=2|A &amp; B &lt;c&gt;>"


def test_a_real_answer_keeps_its_lines_markers_and_bold_sources_heading(answers):
    # expected values from data/knowledge.yml: the fact that answers ask_pay_median,
    # its source, the sources heading and the "tell me more" prompt
    kb = answers.kb
    fact = kb.fact(kb.routes["ask_pay_median"].facts[0])
    source = kb.source(fact.sources[0])
    assert not set("&<>*_[]") & set(fact.text + source.publisher + source.title)  # nothing to convert
    text = answers.for_intent("ask_pay_median").text
    out = markdown_to_mrkdwn(text)
    lines = out.split("\n")
    assert len(lines) == len(text.split("\n")) and "" not in lines
    assert lines[0].startswith(fact.text.rstrip(".")) and lines[0].endswith(" [1].")
    assert lines[1] == f"*{kb.messages['sources_heading']}*"
    assert lines[2].startswith(f"[1] {source.publisher}: <{source.url}|{source.title}>, ")
    assert lines[-1] == kb.messages["more_prompt"]  # plain text passes unchanged


def test_every_source_line_of_the_knowledge_file_converts(answers):
    for intent in answers.kb.routes:
        out = markdown_to_mrkdwn(answers.for_intent(intent).text)
        assert "](" not in out, intent
        assert "<https://" in out, intent


def test_buttons_become_a_section_and_an_actions_block():
    buttons = [
        {"title": "What do ML engineers earn?", "payload": "/ask_pay"},
        {"title": "What's the job outlook?", "payload": "/ask_outlook"},
    ]
    blocks = buttons_to_blocks("Hi! I answer **questions**.", buttons)
    assert blocks[0] == {"type": "section", "text": {"type": "mrkdwn", "text": "Hi! I answer *questions*."}}
    assert blocks[1]["type"] == "actions"
    elements = blocks[1]["elements"]
    assert [e["value"] for e in elements] == ["/ask_pay", "/ask_outlook"]
    assert [e["text"] for e in elements] == [
        {"type": "plain_text", "text": "What do ML engineers earn?", "emoji": True},
        {"type": "plain_text", "text": "What's the job outlook?", "emoji": True},
    ]
    assert len({e["action_id"] for e in elements}) == 2  # unique within the block
    assert all(e["type"] == "button" for e in elements)


def test_buttons_without_text_have_no_empty_section_but_a_fallback_text():
    buttons = [{"title": "A", "payload": "/ask_pay"}]
    assert [b["type"] for b in buttons_to_blocks("", buttons)] == ["actions"]
    assert fallback_text("", buttons) == "Suggested questions: A"
    assert fallback_text("**Hi**", buttons) == "*Hi*"


def test_slack_limits_on_blocks():
    buttons = [{"title": "x" * 100, "payload": f"/p{i}"} for i in range(30)]
    blocks = buttons_to_blocks("line\n" * 1000, buttons)
    sections = [b for b in blocks if b["type"] == "section"]
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(sections) >= 2 and all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert [len(a["elements"]) for a in actions] == [25, 5]
    assert all(len(e["text"]["text"]) <= 75 for a in actions for e in a["elements"])


def test_suggestion_buttons_of_the_knowledge_file(answers):
    # expected blocks written out from data/knowledge.yml: the decline message as the
    # section (plain text: nothing to convert), one button per suggestion
    decline, suggestions = answers.kb.messages["decline"], answers.kb.suggestions
    assert not set("&<>*_[]#\n") & set(decline) and len(decline) <= 3000
    assert 0 < len(suggestions) <= 25 and all(len(s.title) <= 75 for s in suggestions)
    reply = answers.decline()
    blocks = buttons_to_blocks(reply.text, [{"title": b.title, "payload": b.payload} for b in reply.buttons])
    assert blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": decline}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": s.title, "emoji": True},
                    "value": s.payload,
                    "action_id": f"suggestion_{i}",
                }
                for i, s in enumerate(suggestions)
            ],
        },
    ]


def test_user_text_loses_the_bot_mention_and_slack_markup():
    assert clean_user_text("<@U0BOT> what do ML engineers earn?", ["U0BOT"]) == "what do ML engineers earn?"
    assert clean_user_text("so <@U0BOT|career-bot>, pay?", ["U0BOT"]) == "so , pay?"
    assert clean_user_text("<@U0BOT>", ["U0BOT"]) == ""
    assert clean_user_text("<@UXYZ> hi", [], leading_mention=True) == "hi"
    assert clean_user_text("ask <@UFRIEND> too", ["U0BOT"]) == "ask <@UFRIEND> too"
    assert clean_user_text("see <https://bls.gov|bls.gov> &amp; <https://x.org>") == "see bls.gov & https://x.org"


def test_seen_remembers_keys_and_ignores_empty_ones():
    seen = Seen()
    seen.add("Ev1", ("C1", "1.0"))
    assert seen.contains("Ev1")
    assert seen.contains("Ev2", ("C1", "1.0"))  # same message, other event
    assert not seen.contains("Ev2", ("C1", "2.0"))
    seen.add(None, ("C2", None))
    assert not seen.contains(None, ("C2", None))


def test_seen_forgets_after_its_limit():
    seen = Seen(limit=2)
    for key in ("a", "b", "c"):
        seen.add(key)
    assert not seen.contains("a")
    assert seen.contains("b") and seen.contains("c")


def test_a_delivery_is_answered_once_and_again_only_after_a_failure():
    deliveries = Deliveries()
    first = ("Ev1", ("C1", "1.0"))
    assert deliveries.start(*first)
    assert not deliveries.start(*first)  # a retry while the answer is being made
    assert not deliveries.start("Ev2", ("C1", "1.0"))  # the same message as another event
    deliveries.finish(first, answered=False)
    assert deliveries.start(*first)  # the answer failed: a retry is answered
    deliveries.finish(first, answered=True)
    assert not deliveries.start(*first)
    assert not deliveries.start("Ev3", ("C1", "1.0"))
    assert deliveries.start("Ev4", ("C1", "2.0"))  # another message


def test_a_delivery_without_usable_keys_cannot_be_recognised_and_is_not_refused():
    deliveries = Deliveries()
    for _ in range(2):
        assert deliveries.start(None, ("C1", None))
        deliveries.finish((None, ("C1", None)), answered=True)


def test_credentials_read_slack_secrets_from_the_environment_only(tmp_path: Path):
    source = PROJECT_ROOT / "credentials.yml"
    entry = yaml.safe_load(source.read_text(encoding="utf-8"))["bot.channels.slack.Slack"]
    assert entry == {"slack_token": "${SLACK_BOT_TOKEN}", "slack_signing_secret": "${SLACK_SIGNING_SECRET}"}

    notices = channel_credentials(source, tmp_path / "off.yml", {})
    assert [n for n in notices if n.startswith("Slack:")] == [
        "Slack: off (SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN not set; see README)."
    ]
    assert "bot.channels.slack.Slack" not in yaml.safe_load((tmp_path / "off.yml").read_text())

    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    assert not [n for n in channel_credentials(source, tmp_path / "on.yml", env) if n.startswith("Slack:")]
    assert "bot.channels.slack.Slack" in yaml.safe_load((tmp_path / "on.yml").read_text())


def test_manifest_subscribes_to_mentions_and_dms_only():
    manifest = yaml.safe_load((PROJECT_ROOT / "slack" / "manifest.yml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_mention", "message.im"]
    assert settings["event_subscriptions"]["request_url"].endswith("/webhooks/slack/webhook")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith("/webhooks/slack/webhook")
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {"app_mentions:read", "im:history", "chat:write"}
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
