"""The app hands the agent its CRM tools fully wired: the model sees only what the turn's actor may call,
a customer's request for a person reaches the queue, and a rep's lead is routed by the real service."""

from __future__ import annotations

from datetime import datetime

from agent.types import Inbound
from evals.consent_attacks import call

REP_ONLY = {"search_accounts", "log_activity", "draft_script", "schedule_followup", "score_lead", "route_lead"}


def _names(tools: list) -> set[str]:  # noqa: ANN001
    return {getattr(t, "name", None) or t.get("function", {}).get("name") for t in tools}


def test_a_customer_sees_no_rep_tools_and_can_ask_for_a_person(seeded_container):
    c = seeded_container
    c.model.chat.script += [call("handoff_to_human", reason="wants to talk to sales"),
                            "I've asked a colleague to take over; they will reply here."]
    reply = c.runner.handle(Inbound("web-h1", "Can I talk to a human please?", channel_user_id="visitor-001"))
    shown = _names(c.model.chat.bound_tools)
    assert "handoff_to_human" in shown and "customer_360" in shown
    assert not shown & REP_ONLY, f"a customer's model was shown rep tools: {shown & REP_ONLY}"
    assert c.conversations.get("web-h1").status == "handoff"
    [item] = [i for i in c.queue.pending() if i.conversation_id == "web-h1"]
    assert item.kind == "handoff" and "wants to talk to sales" in item.reasons[0]
    assert reply.text


def test_a_rep_sees_the_rep_tools_and_routes_a_lead_through_the_service(seeded_container):
    c = seeded_container
    c.leads.clock = lambda: datetime(2026, 11, 24, 15, 0)  # a Tuesday, New York office hours
    c.model.chat.script += [
        call("create_or_update_lead", summary="Acme GmbH wants 50 analytics seats", product_line="analytics"),
        "Lead created.",
    ]
    c.runner.handle(Inbound("slack-r1", "Log a lead: Acme GmbH wants 50 analytics seats", channel="slack",
                            persona="rep", channel_user_id="U05K7EC1A2B"))
    assert _names(c.model.chat.bound_tools) >= REP_ONLY
    [lead] = c.crm.leads(limit=5)
    assert "Acme GmbH" in lead["summary"]
    routed = c.leads.route_lead(lead["id"])
    assert routed["rep_id"] == "rep-001"
    assert any(n["event"].get("lead_id") == lead["id"] for n in _staff_rows(c, "rep:rep-001"))


def _staff_rows(c, recipient: str) -> list[dict]:  # noqa: ANN001
    c.worker().drain(10)
    return c.staff_inbox.unread((recipient,))
