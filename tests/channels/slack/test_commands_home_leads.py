"""/sales, App Home and lead DMs, through signed requests into the real app."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tests.channels.slack.conftest import EMILY, STRANGER, TEAM, XIAOWEN
from tools.crm.models import Lead
from tools.sqlbase import utcnow


def test_help_is_bilingual_and_strangers_are_refused(slack):
    en = slack.command("help").json()
    assert en["response_type"] == "ephemeral" and "/sales 360" in en["text"] and "my pending reviews" in en["text"]
    assert "客户 360 视图" in slack.command("help", user=XIAOWEN).json()["text"], "rep-002 speaks Chinese first"
    assert "/sales 360 <account>" in slack.command("help en", user=XIAOWEN).json()["text"]
    assert "客户 360 视图" in slack.command("帮助").json()["text"]
    assert "客户 360 视图" in slack.command("help zh").json()["text"]
    unknown = slack.command("frobnicate now").json()["text"]
    assert "don't know `frobnicate`" in unknown and "/sales draft" in unknown
    assert "needs some text" in slack.command("draft").json()["text"]
    assert "isn't linked to a rep" in slack.command("help", user=STRANGER).json()["text"]
    slack.slack.command.create_lead = None  # an app without lead capture says so instead of failing
    assert "isn't connected" in slack.command("lead Acme wants 50 seats").json()["text"]
    slack.settle()
    assert [m for m in slack.fake.methods() if m != "auth.test"] == []


def test_360_answers_in_a_dm_thread_and_queue_lists_my_reviews(slack):
    r = slack.command("360 Northwind Robotics")
    assert r.status_code == 200 and "direct messages" in r.json()["text"]
    slack.settle()
    [opened] = slack.fake.calls_to("conversations.open")
    assert opened["users"] == EMILY
    root = slack.fake.calls_to("chat.postMessage")[0]
    assert root["text"] == "360 view: Northwind Robotics" and "thread_ts" not in root
    root_ts = slack.fake.responses_to("chat.postMessage")[0]["ts"]
    assert slack.fake.calls_to("chat.startStream")[0]["thread_ts"] == root_ts
    convo = slack.container.conversations.get(f"slack:{TEAM}:{root['channel']}:{root_ts}")
    assert convo.persona == "rep" and convo.rep_id == "rep-001"
    asked = slack.container.conversations.messages(convo.id)[0].text
    assert "360 view" in asked and "Northwind Robotics" in asked

    mine = slack.container.queue.enqueue(conversation_id="web-c1", draft="Pro is 30% off for you", reasons=["commitment"],
                                         contact_id="con-001", channel="web")  # acc-001 belongs to rep-001
    slack.container.queue.enqueue(conversation_id="web-c2", draft="not Emily's", reasons=["x"], contact_id="con-002")
    slack.command("queue")
    slack.settle()
    [answer] = slack.fake.calls_to("response_url")
    assert answer["response_type"] == "ephemeral" and f"#{mine.id}" in answer["text"] and "not Emily" not in answer["text"]


def test_lead_command_creates_and_routes_through_the_injected_callables(slack):
    made, routed = [], []

    def create_lead(text: str, *, rep_id: str, source: str) -> dict:
        made.append((text, rep_id, source))
        return {"id": "lead-0042"}

    def route_lead(lead_id: str) -> dict:
        routed.append(lead_id)
        return {"rep_id": "rep-002", "rep_name": "Chen Xiaowen"}

    slack.slack.command.create_lead, slack.slack.command.route_lead = create_lead, route_lead
    assert slack.command("lead Acme GmbH wants 50 analytics seats, budget approved").status_code == 200
    slack.settle()
    assert made == [("Acme GmbH wants 50 analytics seats, budget approved", "rep-001", "slack")]
    assert routed == ["lead-0042"]
    [answer] = slack.fake.calls_to("response_url")
    assert "lead-0042" in answer["text"] and "routed to Chen Xiaowen" in answer["text"]


def test_lead_dm_accept_decline_and_sla_expiry_call_back_once(slack):
    declined, accepted = [], []
    leads = slack.slack.leads
    leads.on_decline, leads.on_accept = (lambda lead, rep: declined.append((lead, rep))), \
        (lambda lead, rep: accepted.append((lead, rep)))
    event = {"lead_id": "lead-0100", "account": "Northwind Robotics", "summary": "Wants <!channel> AI Insights for 3 plants",
             "score": 82, "score_reasons": ["budget confirmed", "decision maker engaged"], "product_line": "ai",
             "sla_due_at": (utcnow() + timedelta(minutes=30)).isoformat()}
    assert leads.notify("rep-001", event) is True
    dm = slack.fake.calls_to("chat.postMessage")[-1]
    blocks = json.dumps(dm["blocks"])
    assert dm["channel"].startswith("D") and "budget confirmed" in blocks and "&lt;!channel&gt;" in blocks
    actions = dm["blocks"][-1]["elements"]
    assert [a["action_id"] for a in actions] == ["lead_accept", "lead_decline"]
    dm_ts = slack.fake.responses_to("chat.postMessage")[-1]["ts"]

    def press(action: str, user: str, value: str, channel: str, ts: str) -> None:
        r = slack.interaction({"type": "block_actions", "user": {"id": user, "team_id": TEAM}, "api_app_id": "A0SALES001",
                               "token": "unused", "trigger_id": "trig.l", "team": {"id": TEAM},
                               "channel": {"id": channel}, "container": {"type": "message", "message_ts": ts},
                               "actions": [{"action_id": action, "value": value, "type": "button",
                                            "block_id": "lead", "action_ts": "1"}]})
        assert r.status_code == 200

    press("lead_decline", XIAOWEN, actions[1]["value"], dm["channel"], dm_ts)  # not the notified rep
    slack.settle()
    assert declined == []
    press("lead_decline", EMILY, actions[1]["value"], dm["channel"], dm_ts)
    slack.settle()  # the two clicks' background tasks may otherwise run in either order
    press("lead_accept", EMILY, actions[0]["value"], dm["channel"], dm_ts)  # too late: already declined
    slack.settle()
    assert declined == [("lead-0100", "rep-001")] and accepted == []
    update = slack.fake.calls_to("chat.update")[-1]
    assert update["ts"] == dm_ts and "re-routed" in update["text"]
    assert all(b["type"] != "actions" for b in update["blocks"])

    assert leads.notify("rep-002", {"lead_id": "lead-0101", "summary": "杭州客户需要私有化部署", "sla_minutes": -1})
    assert "您有新线索" in slack.fake.calls_to("chat.postMessage")[-1]["text"]
    assert slack.run(leads.sweep_once) == 1 and slack.run(leads.sweep_once) == 0
    assert declined[-1] == ("lead-0101", "rep-002") and len(declined) == 2
    assert "超过响应时限" in slack.fake.calls_to("chat.update")[-1]["text"]
    assert leads.notify("rep-404", {"lead_id": "lead-x"}) is False  # unknown rep: routing is not broken


def test_app_home_shows_my_leads_with_sla_and_my_reviews(slack):
    with Session(slack.container.engine) as s:
        s.add(Lead(id="lead-0200", summary="Kestrel Fintech: SSO rollout for 400 analysts", status="assigned",
                   assigned_rep_id="rep-001", assigned_at=utcnow()))
        s.commit()
    slack.slack.leads.notify("rep-001", {"lead_id": "lead-0200", "summary": "Kestrel Fintech", "sla_minutes": 45})
    item = slack.container.queue.enqueue(conversation_id="web-h1", draft="Enterprise is 25% off", reasons=["commitment"],
                                         contact_id="con-001")
    slack.event({"type": "app_home_opened", "user": EMILY, "channel": "D05K7EC1A2", "tab": "home",
                 "event_ts": "1.0"})
    slack.event({"type": "app_home_opened", "user": EMILY, "channel": "D05K7EC1A2", "tab": "messages",
                 "event_ts": "1.1"})
    slack.settle()
    [published] = slack.fake.calls_to("views.publish")
    text = json.dumps(published["view"]["blocks"], ensure_ascii=False)
    assert published["user_id"] == EMILY
    assert "lead-0200" in text and "SSO rollout" in text and "due in 4" in text
    assert f"#{item.id}" in text and "home_refresh" in text and "/review" in text

    slack.event({"type": "app_home_opened", "user": STRANGER, "channel": "D0NOBODY01", "tab": "home",
                 "event_ts": "1.2"})
    slack.settle()
    assert "isn't linked to a rep" in json.dumps(slack.fake.calls_to("views.publish")[-1]["view"])


def test_lead_command_runs_the_real_lead_service_and_decline_reroutes(slack):
    """The app's wiring: /sales lead → LeadService creates, scores and routes → the rep gets a DM →
    Decline hands it to routing again, which never offers it to the same rep twice."""
    leads = slack.container.leads
    leads.clock = lambda: datetime(2026, 11, 24, 15, 0)  # a Tuesday: 10:00 in New York, 23:00 in Shanghai
    assert slack.command("lead Acme GmbH in Germany wants 50 analytics seats, budget approved, "
                         "decision this quarter").status_code == 200
    slack.settle()
    [answer] = slack.fake.calls_to("response_url")
    [lead] = slack.container.crm.leads(limit=10)
    assert lead["id"] in answer["text"] and "routed to Emily Carter" in answer["text"]
    assert lead["assigned_rep_id"] == "rep-001" and lead["created_by"] == "rep-001" and lead["source"] == "slack"
    dm = slack.fake.calls_to("chat.postMessage")[-1]
    assert dm["channel"].startswith("D") and "Acme GmbH" in json.dumps(dm["blocks"])
    decline = next(a for a in dm["blocks"][-1]["elements"] if a["action_id"] == "lead_decline")
    r = slack.interaction({"type": "block_actions", "user": {"id": EMILY, "team_id": TEAM}, "api_app_id": "A0SALES001",
                           "token": "unused", "trigger_id": "trig.d", "team": {"id": TEAM},
                           "channel": {"id": dm["channel"]},
                           "container": {"type": "message", "message_ts": slack.fake.responses_to("chat.postMessage")[-1]["ts"]},
                           "actions": [{"action_id": "lead_decline", "value": decline["value"], "type": "button",
                                        "block_id": "lead", "action_ts": "1"}]})
    assert r.status_code == 200
    slack.settle()
    # the other reps are asleep in Shanghai and Singapore: the lead waits in the queue with the reason
    after = slack.container.crm.lead(lead["id"])
    assert after["assigned_rep_id"] is None and after["status"] == "unassigned"
    assert "working hours" in after["unassigned_reason"]
    assert leads.unassigned() and leads.unassigned()[0]["id"] == lead["id"]
    # the staff inbox has the first offer on record as well (the outbox carried it)
    assert any(n["event"].get("lead_id") == lead["id"] for n in slack.container.staff_inbox.unread(("rep:rep-001",)))
