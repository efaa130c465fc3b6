"""What the model writes cannot ping or disguise links; long answers respect Slack's limits; 429s wait
for Retry-After; streaming refused falls back to edits; reps in customer channels answer privately."""

from __future__ import annotations

import json
import time

from tests.channels.slack.conftest import EMILY, SHARED, TEAM, new_ts
from tests.channels.slack.fake_slack import SECTION_LIMIT, TEXT_LIMIT


def ask(slack, text: str, channel: str = "D05K7EC1A2", **extra) -> str:
    ts = new_ts()
    r = slack.event({"type": "message", "channel": channel, "channel_type": "im", "user": EMILY, "team": TEAM,
                     "text": text, "ts": ts, "client_msg_id": f"m-{ts}", **extra})
    assert r.status_code == 200
    slack.settle()
    return ts


def test_model_output_cannot_mention_everyone_or_hide_links(slack):
    slack.script("Tell <!channel> and @here to click <https://evil.example/pay|the invoice> & [this](https://x.example) today.")
    ts = ask(slack, "Summarise the Northwind call")
    streamed = "".join(c.get("markdown_text") or "" for c in slack.fake.calls_to("chat.startStream")
                       + slack.fake.calls_to("chat.appendStream"))
    final = slack.fake.thread("D05K7EC1A2", ts)[-1]
    for shown in (streamed, final["text"], json.dumps(final["blocks"], ensure_ascii=False)):
        assert "<!channel>" not in shown and "<https://" not in shown and "@here" not in shown
        assert "&lt;!channel&gt;" in shown and "&amp;" in shown
    assert "\\[this\\](https://x.example)" in streamed, "markdown link syntax is escaped in the stream"
    assert "&lt;https://evil.example/pay|the invoice&gt;" in final["text"]


def test_a_very_long_answer_is_split_within_slack_limits(slack):
    long = " ".join(f"Point {i}: the analytics connector syncs data every five minutes." for i in range(800))
    assert len(long) > 45_000
    slack.script(long)
    ts = ask(slack, "Explain every connector setting")
    msgs = slack.fake.thread("D05K7EC1A2", ts)
    assert len(msgs) >= 2
    for m in msgs:
        assert len(m["text"]) <= TEXT_LIMIT and len(m["blocks"]) <= 50
        assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in m["blocks"] if b["type"] == "section")
    shown = " ".join(b["text"]["text"] for m in msgs for b in m["blocks"] if b["type"] == "section")
    assert "Point 0:" in shown and "Point 799:" in shown
    assert sum(len(c.get("markdown_text") or "") for c in slack.fake.calls_to("chat.appendStream")) <= 12_000


def test_rate_limited_calls_wait_for_retry_after_then_succeed(slack):
    slack.fake.rate_limit("chat.update", times=1, retry_after=1)
    ts = ask(slack, "How much is the Pro edition?")
    calls = [c for c in slack.fake.all_calls() if c.method == "chat.update"]
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0, "the retry waited for Retry-After"
    assert "[1]" in slack.fake.thread("D05K7EC1A2", ts)[-1]["text"]


def test_streaming_refused_falls_back_to_progressive_updates(slack):
    slack.fake.fail("chat.startStream", "not_allowed_token_type")
    ts = ask(slack, "Do you support SSO?")
    assert slack.fake.calls_to("chat.startStream") == []
    msgs = slack.fake.thread("D05K7EC1A2", ts)
    assert len(msgs) == 1 and msgs[0]["updates"] >= 1 and not msgs[0]["text"].endswith("…")
    assert slack.container.conversations.messages(f"slack:{TEAM}:D05K7EC1A2:{ts}")[-1].role == "assistant"


def test_a_rep_asking_in_a_customer_channel_gets_a_private_answer(slack):
    ts = new_ts()
    slack.event({"type": "app_mention", "channel": SHARED, "user": EMILY, "user_team": TEAM, "team": TEAM,
                 "text": "<@U0SALESBOT> what did Northwind buy last year?", "ts": ts}, shared=True)
    slack.settle()
    [private] = slack.fake.calls_to("chat.postEphemeral")
    assert private["user"] == EMILY and private["channel"] == SHARED and private["thread_ts"] == ts
    visible = [c for m in ("chat.postMessage", "chat.startStream", "chat.update", "assistant.threads.setStatus")
               for c in slack.fake.calls_to(m) if c.get("channel", c.get("channel_id")) == SHARED]
    assert visible == [], "nothing the rep asked is shown to the customer"
    convo = slack.container.conversations.get(f"slack:{TEAM}:{SHARED}:{ts}:{EMILY}")
    assert convo.persona == "rep" and "U0SALESBOT" not in slack.container.conversations.messages(convo.id)[0].text


def test_oversized_messages_get_a_clear_answer_and_one_turn_at_a_time_per_thread(slack):
    ts = ask(slack, "x" * 9000)
    [said] = slack.fake.calls_to("chat.postMessage")
    assert "9000 characters" in said["text"] and said["thread_ts"] == ts
    assert slack.slack.turns.replies == 0
    thread = new_ts()
    for i in range(3):  # three quick messages in one thread: answered in order, each once
        slack.event({"type": "message", "channel": "D05K7EC1A2", "channel_type": "im", "user": EMILY, "team": TEAM,
                     "text": ["Do you support SSO?", "How much is Pro?", "Any on-prem option?"][i],
                     "ts": f"{time.time():.6f}", "thread_ts": thread, "client_msg_id": f"q-{thread}-{i}"})
    slack.settle()
    roles = [m.role for m in slack.container.conversations.messages(f"slack:{TEAM}:D05K7EC1A2:{thread}")]
    assert roles == ["rep", "assistant"] * 3
