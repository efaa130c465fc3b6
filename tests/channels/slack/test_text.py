"""Escaping and splitting of untrusted text for Slack."""

from __future__ import annotations

from channels.slack.text import (
    MESSAGE_LIMIT,
    SECTION_LIMIT,
    WORD_JOINER,
    escape_markdown,
    escape_mrkdwn,
    escaped_length,
    reply_messages,
    split_text,
)


def test_mrkdwn_escaping_defuses_mentions_links_and_broadcasts():
    raw = "<!channel> <!here|here> <@U123> <https://evil.example|Your invoice> a & b @everyone email@here.com"
    out = escape_mrkdwn(raw)
    assert "<" not in out and ">" not in out
    assert out.count("&amp;") == 1 and "&lt;!channel&gt;" in out
    assert f"@{WORD_JOINER}everyone" in out and "email@here.com" in out, "only bare broadcast words change"
    assert escape_mrkdwn("AT&amp;T") == "AT&amp;amp;T", "already-escaped text is escaped again, shown as typed"


def test_markdown_escaping_also_defuses_link_brackets():
    out = escape_markdown("see [docs](https://evil.example) <b> & @here")
    assert "\\[docs\\](https://evil.example)" in out and "&lt;b&gt;" in out and f"@{WORD_JOINER}here" in out


def test_split_respects_limits_after_escaping_and_prefers_boundaries():
    text = ("Paragraph one & more.\n\n" + "word " * 5000 + "\n\n" + "<" * 2000).strip()
    pieces = split_text(text, SECTION_LIMIT)
    assert all(escaped_length(p) <= SECTION_LIMIT for p in pieces)
    assert pieces[0].startswith("Paragraph one & more.") and pieces[0].endswith("word"), "cut between words"
    assert set(pieces[-1]) == {"<"} and escaped_length(pieces[-1]) == 4 * len(pieces[-1])
    alpha, beta = ("alpha " * 400).strip() + ".", ("beta " * 400).strip() + "."
    assert split_text(alpha + "\n\n" + beta, SECTION_LIMIT) == [alpha, beta], "a paragraph break wins"
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    emoji = "😀" * 2500  # 5,000 UTF-16 units: Slack counts these twice
    assert [escaped_length(p) for p in split_text(emoji, SECTION_LIMIT)] == [3000, 2000]
    assert split_text("", 10) == [] and split_text("short", 10) == ["short"]


def test_reply_messages_keep_every_slack_limit_and_put_sources_last():
    long = "Sentence about pricing and seats. " * 4000  # ~136,000 characters
    msgs = reply_messages(long, [{"source": "billing.md", "heading": "Plans"}])
    assert len(msgs) >= 4
    for m in msgs:
        assert len(m["text"]) <= MESSAGE_LIMIT and len(m["blocks"]) <= 50
        assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in m["blocks"] if b["type"] == "section")
    assert msgs[-1]["blocks"][-1]["type"] == "context" and "billing.md — Plans" in str(msgs[-1]["blocks"][-1])
    assert all(b["type"] == "section" for m in msgs[:-1] for b in m["blocks"])
    assert reply_messages("")[0]["blocks"][0]["text"]["text"].strip() == ""
