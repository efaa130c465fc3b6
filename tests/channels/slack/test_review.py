"""Slack Connect customers get the customer persona; risky drafts wait for a reviewer in Slack, and
Approve / Edit / Reject there deliver the reply to the customer's thread exactly once."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from channels.review.desk import WITHDRAWN
from tests.channels.slack.conftest import (
    CUSTOMER_TEAM,
    EMILY,
    REVIEWER,
    REVIEWERS,
    SARAH,
    SHARED,
    TEAM,
    new_ts,
)

DRAFT = "Good news: we can offer you a 20% discount on the Pro edition if you sign this month."


def customer_asks(slack, text: str) -> str:
    ts = new_ts()
    r = slack.event({"type": "message", "channel": SHARED, "channel_type": "channel", "user": SARAH,
                     "user_team": CUSTOMER_TEAM, "source_team": CUSTOMER_TEAM, "team": CUSTOMER_TEAM,
                     "text": text, "ts": ts, "client_msg_id": f"cust-{ts}"}, shared=True)
    assert r.status_code == 200
    slack.settle()
    return ts


def click(slack, action_id: str, item_id: int, post_ts: str, user: str = REVIEWER, ts: int | None = None):
    payload = {"type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": TEAM},
               "api_app_id": "A0SALES001", "token": "unused", "trigger_id": f"trig.{time.monotonic_ns()}",
               "team": {"id": TEAM, "domain": "lumen"}, "channel": {"id": REVIEWERS, "name": "sales-review"},
               "container": {"type": "message", "message_ts": post_ts, "channel_id": REVIEWERS, "is_ephemeral": False},
               "message": {"type": "message", "ts": post_ts, "text": "review"},
               "response_url": slack.fake.hook_url("review"),
               "actions": [{"action_id": action_id, "block_id": f"review_{item_id}", "value": str(item_id),
                            "type": "button", "action_ts": str(time.time())}]}
    return slack.interaction(payload, ts=ts)


def submit(slack, callback_id: str, private_metadata: str, values: dict, user: str = REVIEWER, ts: int | None = None):
    payload = {"type": "view_submission", "team": {"id": TEAM, "domain": "lumen"},
               "user": {"id": user, "username": user.lower(), "team_id": TEAM}, "api_app_id": "A0SALES001",
               "token": "unused", "trigger_id": f"trig.{time.monotonic_ns()}",
               "view": {"id": "V000000001", "team_id": TEAM, "type": "modal", "callback_id": callback_id,
                        "private_metadata": private_metadata, "state": {"values": values}, "hash": "1.x"}}
    return slack.interaction(payload, ts=ts)


def review_post(slack, item_id: int) -> dict:
    posts = [p for p in slack.fake.calls_to("chat.postMessage") if p["channel"] == REVIEWERS
             and any(b.get("block_id") == f"review_{item_id}" for b in p["blocks"])]
    assert len(posts) == 1, f"review #{item_id} should be posted once, saw {len(posts)}"
    ts = next(r["ts"] for r in slack.fake.responses_to("chat.postMessage") if r["channel"] == REVIEWERS
              and r["message"].get("blocks") == posts[0]["blocks"])
    return {**posts[0], "ts": ts}


def customer_thread(slack, thread_ts: str) -> list[dict]:
    return [c for c in slack.fake.calls_to("chat.postMessage") if c["channel"] == SHARED
            and c.get("thread_ts") == thread_ts]


def test_customer_draft_is_held_reviewed_in_slack_and_approved_once(slack):
    slack.script(DRAFT)
    asked = customer_asks(slack, "Can you do anything on price for the Pro edition?")
    holding = customer_thread(slack, asked)
    assert len(holding) == 1 and "colleague is checking" in holding[0]["text"], "the customer gets the holding reply"
    assert "discount" not in json.dumps(slack.fake.calls_to("chat.startStream") + holding)
    convo = slack.container.conversations.get(f"slack:{TEAM}:{SHARED}:{asked}")
    assert convo.persona == "customer" and convo.contact_id == "con-001", "Slack Connect user → known contact"
    [item] = slack.container.queue.pending()
    assert item.channel == "slack" and item.draft == DRAFT and any("commitment" in r for r in item.reasons)

    slack.run(slack.slack.tick)
    slack.run(slack.slack.tick)  # a second sync posts nothing new
    post = review_post(slack, item.id)
    text = json.dumps(post["blocks"])
    assert "Can you do anything on price" in text and "20% discount" in text
    assert [e["action_id"] for e in post["blocks"][-1]["elements"]] == ["review_approve", "review_edit", "review_reject"]

    now = int(time.time())
    with ThreadPoolExecutor(2) as pool:  # two reviewers click Approve at the same moment
        results = list(pool.map(lambda i: click(slack, "review_approve", item.id, post["ts"], ts=now + i), range(2)))
    assert [r.status_code for r in results] == [200, 200]
    slack.settle()
    click(slack, "review_approve", item.id, post["ts"], ts=now + 5)  # and a late third click
    slack.settle()

    delivered = customer_thread(slack, asked)[1:]
    assert len(delivered) == 1, f"approved reply must be delivered exactly once, got {len(delivered)}"
    assert delivered[0]["text"].startswith("Good news: we can offer you a 20% discount")
    updates = [u for u in slack.fake.calls_to("chat.update") if u["ts"] == post["ts"]]
    assert len(updates) == 1 and f"Approved by <@{REVIEWER}>" in json.dumps(updates[0]["blocks"])
    assert all(b["type"] != "actions" for b in updates[0]["blocks"]), "no buttons after the decision"
    told = [e for e in slack.fake.calls_to("chat.postEphemeral") if e["user"] == REVIEWER]
    assert len(told) == 2 and all("already approved" in e["text"] for e in told)
    decided = slack.container.queue.get(item.id)
    assert decided.status == "approved" and decided.decided_by == f"slack:{REVIEWER}"
    stored = [m for m in slack.container.conversations.messages(convo.id) if m.role == "assistant"]
    assert stored[-1].status == "sent" and stored[-1].text == DRAFT


def test_edit_in_a_modal_and_reject_and_decisions_made_elsewhere(slack):
    slack.script(DRAFT, "We'll waive the onboarding fee and guarantee 99.99% uptime.", DRAFT)
    first, second, third = (customer_asks(slack, q) for q in
                            ("Any discount?", "What about onboarding costs?", "And for the Enterprise edition?"))
    items = slack.container.queue.pending()
    assert len(items) == 3
    slack.run(slack.slack.tick)
    edit_item, reject_item, web_item = items

    post = review_post(slack, edit_item.id)
    assert click(slack, "review_edit", edit_item.id, post["ts"]).status_code == 200
    slack.settle()
    modal = slack.fake.calls_to("views.open")[-1]
    assert modal["trigger_id"].startswith("trig.") and modal["view"]["callback_id"] == "review_edit_submit"
    assert modal["view"]["blocks"][0]["element"]["initial_value"] == DRAFT
    meta = modal["view"]["private_metadata"]
    empty = submit(slack, "review_edit_submit", meta, {"reply": {"text": {"type": "plain_text_input", "value": " "}}})
    assert empty.status_code == 200 and empty.json()["response_action"] == "errors"
    edited = "Our list prices are on the pricing page; a colleague will call you about volume pricing."
    values = {"reply": {"text": {"type": "plain_text_input", "value": edited}}}
    now = int(time.time())
    assert submit(slack, "review_edit_submit", meta, values, ts=now).status_code == 200
    assert submit(slack, "review_edit_submit", meta, values, ts=now + 1).status_code == 200  # double submit
    slack.settle()
    sent = customer_thread(slack, first)[1:]
    assert [m["text"] for m in sent] == [edited]
    assert slack.container.queue.get(edit_item.id).status == "edited"
    assert "Edited and sent by" in json.dumps(slack.fake.calls_to("chat.update")[-1]["blocks"])

    post = review_post(slack, reject_item.id)
    click(slack, "review_reject", reject_item.id, post["ts"])
    slack.settle()
    meta = slack.fake.calls_to("views.open")[-1]["view"]["private_metadata"]
    submit(slack, "review_reject_submit", meta, {"reason": {"text": {"type": "plain_text_input",
                                                                     "value": "we never waive fees"}}})
    slack.settle()
    # a rejected draft never reaches the customer; they are told a colleague will follow up instead
    assert [m["text"] for m in customer_thread(slack, second)[1:]] == [WITHDRAWN["en"]]
    rejected = slack.container.queue.get(reject_item.id)
    assert rejected.status == "rejected" and rejected.decision_reason == "we never waive fees"

    # The reviewer console (or anything else) decides through the same interface; Slack catches up.
    outcome = slack.slack.decisions.approve(web_item.id, "web:alice")
    assert outcome.ok and outcome.status == "approved"
    assert slack.slack.decisions.approve(web_item.id, "web:bob").ok is False
    slack.settle()
    slack.run(slack.slack.tick)
    assert [m["text"] for m in customer_thread(slack, third)[1:]] == [DRAFT]
    web_post = review_post(slack, web_item.id)
    closing = [u for u in slack.fake.calls_to("chat.update") if u["ts"] == web_post["ts"]]
    assert len(closing) == 1 and "Approved by web:alice" in json.dumps(closing[0]["blocks"])


def test_review_buttons_only_work_in_the_reviewers_channel(slack):
    slack.script(DRAFT)
    customer_asks(slack, "Any discount?")
    slack.run(slack.slack.tick)
    [item] = slack.container.queue.pending()
    post = review_post(slack, item.id)
    payload_channel = {"id": "C0GENERAL1", "name": "general"}
    r = slack.interaction({"type": "block_actions", "user": {"id": EMILY, "team_id": TEAM}, "api_app_id": "A0SALES001",
                           "token": "unused", "trigger_id": "trig.x", "team": {"id": TEAM}, "channel": payload_channel,
                           "container": {"type": "message", "message_ts": post["ts"], "channel_id": "C0GENERAL1"},
                           "actions": [{"action_id": "review_approve", "value": str(item.id), "type": "button",
                                        "block_id": f"review_{item.id}", "action_ts": "1"}]})
    assert r.status_code == 200
    slack.settle()
    assert slack.container.queue.get(item.id).status == "pending"
