"""The rep's agent thread end to end: signed events into the real app, the scripted model, the fake Slack."""

from __future__ import annotations

import re

from tests.channels.slack.conftest import EMILY, SHARED, STRANGER, TEAM, new_ts


def test_thread_started_greets_with_suggested_prompts_then_a_question_streams_a_cited_answer(slack):
    dm, thread_ts = "D05K7EC1A2", new_ts()
    r = slack.event({"type": "assistant_thread_started", "event_ts": thread_ts, "assistant_thread": {
        "user_id": EMILY, "channel_id": dm, "thread_ts": thread_ts,
        "context": {"channel_id": SHARED, "team_id": TEAM, "enterprise_id": None}}})
    assert r.status_code == 200
    slack.settle()
    greeting = slack.fake.wait_for("chat.postMessage")[-1]
    assert greeting["channel"] == dm and greeting["thread_ts"] == thread_ts and "Emily" in greeting["text"]
    prompts = slack.fake.wait_for("assistant.threads.setSuggestedPrompts")[-1]
    assert prompts["thread_ts"] == thread_ts and 1 <= len(prompts["prompts"]) <= 4

    msg_ts = new_ts()
    r = slack.event({"type": "message", "channel": dm, "channel_type": "im", "user": EMILY, "team": TEAM,
                     "text": "How much is the Pro edition?", "ts": msg_ts, "thread_ts": thread_ts,
                     "client_msg_id": "c0ffee01-0000-4000-8000-000000000001"})
    assert r.status_code == 200
    slack.settle()
    methods = slack.fake.methods()
    status_at = methods.index("assistant.threads.setStatus")
    start_at = methods.index("chat.startStream")
    assert status_at < start_at < methods.index("chat.stopStream") < len(methods)
    status = slack.fake.calls_to("assistant.threads.setStatus")[0]
    assert status["thread_ts"] == thread_ts and status["status"]
    title = slack.fake.calls_to("assistant.threads.setTitle")[0]
    assert title["title"] == "How much is the Pro edition?"
    started = slack.fake.calls_to("chat.startStream")[0]
    assert started["thread_ts"] == thread_ts and started["markdown_text"].strip()

    streamed_ts = slack.fake.responses_to("chat.startStream")[0]["ts"]
    final = slack.fake.thread(dm, thread_ts)[-1]
    assert final["ts"] == streamed_ts and final["updates"] == 1, "the streamed message becomes the final answer"
    assert "[1]" in final["text"] and re.search(r"\$\s?\d", final["text"]), final["text"]
    assert final["blocks"][-1]["type"] == "context" and ".md" in final["blocks"][-1]["elements"][0]["text"]

    convo = slack.container.conversations.get(f"slack:{TEAM}:{dm}:{thread_ts}")
    assert convo.persona == "rep" and convo.rep_id == "rep-001" and convo.channel == "slack"
    stored = slack.container.conversations.messages(convo.id)
    assert [m.role for m in stored] == ["rep", "assistant"]
    assert stored[-1].text in final["text"].replace("&amp;", "&")


def test_unknown_colleague_gets_a_polite_refusal_and_the_agent_never_runs(slack):
    dm, ts = "D0NOBODY01", new_ts()
    r = slack.event({"type": "message", "channel": dm, "channel_type": "im", "user": STRANGER, "team": TEAM,
                     "text": "What discounts can I give Northwind?", "ts": ts})
    assert r.status_code == 200
    slack.settle()
    said = slack.fake.wait_for("chat.postMessage")[-1]
    assert said["channel"] == dm and "isn't linked to a rep" in said["text"]
    assert "chat.startStream" not in slack.fake.methods()
    assert slack.container.conversations.get(f"slack:{TEAM}:{dm}:{ts}") is None


def test_a_question_whose_thread_stays_busy_elsewhere_is_told_to_send_again(slack, monkeypatch):
    """A turn of the thread running in another process holds its lease past the wait: nothing is stored and
    the rep is asked to resend, instead of hearing nothing."""
    from agent.turns import TurnLeases
    from app.db import make_engine
    from channels.slack.i18n import t

    monkeypatch.setattr("channels.slack.turns.QUEUED_TURN_WAIT_S", 0.3)
    dm, thread_ts = "D05K7EC1A2", new_ts()
    cid = f"slack:{TEAM}:{dm}:{thread_ts}"
    engine = make_engine(slack.container.settings.database_url)
    with TurnLeases(engine).hold(cid):
        r = slack.event({"type": "message", "channel": dm, "channel_type": "im", "user": EMILY, "team": TEAM,
                         "text": "How much is the Pro edition?", "ts": new_ts(), "thread_ts": thread_ts,
                         "client_msg_id": "c0ffee01-0000-4000-8000-000000000099"})
        assert r.status_code == 200
        slack.settle()
    engine.dispose()
    final = slack.fake.thread(dm, thread_ts)[-1]
    assert final["text"] == t("busy", "en"), final["text"]
    assert slack.container.conversations.messages(cid) == []
