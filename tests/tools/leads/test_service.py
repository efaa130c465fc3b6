"""LeadService on the demo CRM (SQLite and PostgreSQL): capture, score with consent, route and notify
through the real outbox, decline and SLA expiry re-route, the unassigned queue, and turns that survive
a restart."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tools.leads.service import LeadService

TUESDAY_NY_MORNING = datetime(2026, 11, 24, 15, 0)  # 10:00 New York; 23:00 Shanghai
TUESDAY_ASIA_MORNING = datetime(2026, 11, 24, 3, 0)  # 11:00 Shanghai and Singapore; 22:00 New York
KEYS = {"kind", "key", "lead_id", "summary", "account", "contact", "score", "score_reasons", "product_line",
        "estimated_value", "language", "reason", "sla_due_at", "sla_minutes"}


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def world(db_container):
    c = db_container
    sent: list[tuple[str, dict]] = []

    def notify(rep_id: str, event: dict) -> bool:
        sent.append((rep_id, event))
        return c.notify(rep_id, event)

    clock = Clock(TUESDAY_NY_MORNING)

    def service() -> LeadService:
        return LeadService(c.crm, notify=notify, sla_minutes=30, clock=clock,
                           profiling_allowed=lambda cid: c.policy.profiling(cid).allowed)

    return c, service, sent, clock


def test_capture_route_notify_in_english(world):
    c, service, sent, _ = world
    leads = service()
    lead = leads.create_lead("Northwind Robotics wants AI insights for 20 more users, budget $30k, by Q1.",
                             rep_id="rep-001", source="slack")
    assert (lead["account_id"], lead["region"], lead["language"], lead["product_line"]) == ("acc-001", "NA", "en",
                                                                                           "ai")
    assert lead["estimated_value"] == 30_000 and lead["bant"]["timeline"] and lead["created_by"] == "rep-001"
    routed = leads.route_lead(lead["id"])
    assert routed["rep_id"] == "rep-001" and routed["rep_name"] == "Emily Carter"
    assert "owns the account" in routed["reason"]
    [(rep, event)] = sent
    assert rep == "rep-001" and set(event) >= KEYS and event["kind"] == "lead_assigned"
    assert event["account"] == "Northwind Robotics" and event["score"] is not None and event["score_reasons"]
    assert event["sla_minutes"] == 30 and event["sla_due_at"] == (TUESDAY_NY_MORNING + timedelta(minutes=30)).isoformat()
    assert c.notify(rep, event) is False, "the outbox already holds this notification (idempotent by key)"
    stored = c.crm.lead(lead["id"])
    assert stored["status"] == "assigned" and stored["assigned_rep_id"] == "rep-001"
    assert [a["state"] for a in c.crm.assignments(lead["id"])] == ["offered"]
    assert c.crm.assignments(lead["id"])[0]["notified"] is True
    assert leads.route_lead(lead["id"])["already"] is True and len(sent) == 1  # routing twice does nothing


def test_chinese_lead_goes_to_the_chinese_speaking_owner(world):
    c, service, sent, clock = world
    clock.now = TUESDAY_ASIA_MORNING
    leads = service()
    lead = leads.create_lead("杭州云帆物流想把 AI 智能洞察推广到运营团队，约200个用户，预算 50万元，明年一季度。")
    assert (lead["account_id"], lead["language"], lead["region"]) == ("acc-002", "zh", "CN")
    assert leads.route_lead(lead["id"])["rep_id"] == "rep-002"
    assert sent[0][1]["language"] == "zh" and sent[0][1]["estimated_value"] == 500_000


def apac_lead(world, text: str) -> tuple[LeadService, dict, str]:  # noqa: ANN001
    """An APAC lead routed on an Asian morning, where rep-002 and rep-003 both qualify: (service, lead, rep)."""
    c, service, _, clock = world
    clock.now = TUESDAY_ASIA_MORNING
    leads = service()  # a new service each time, as after a restart: the turns live in the database
    lead = leads.create_lead(text)
    c.crm.update_lead(lead["id"], region="APAC")
    return leads, lead, leads.route_lead(lead["id"])["rep_id"]


def test_decline_and_sla_expiry_reroute_and_end_in_the_queue(world):
    c, _, sent, clock = world
    leads, lead, first = apac_lead(world, "A Singapore retailer needs analytics dashboards soon, budget $8k.")
    assert first in ("rep-002", "rep-003")
    second = "rep-003" if first == "rep-002" else "rep-002"
    assert leads.on_decline(lead["id"], "rep-001")["rep_id"] is None  # not their lead: nothing happens
    assert leads.on_decline(lead["id"], first)["rep_id"] == second
    assert leads.reroute_expired(clock.now + timedelta(minutes=29)) == 0
    assert leads.reroute_expired(clock.now + timedelta(minutes=31)) == 1
    stored = c.crm.lead(lead["id"])
    assert stored["status"] == "unassigned" and "declined" in stored["unassigned_reason"]
    assert [(a["rep_id"], a["state"]) for a in c.crm.assignments(lead["id"])] == [(first, "declined"),
                                                                                  (second, "expired")]
    assert [x["id"] for x in leads.unassigned()] == [lead["id"]]
    assert len({e["key"] for _, e in sent}) == 2
    assert leads.on_decline(lead["id"], second)["rep_id"] is None  # already settled: once only


def test_accept_keeps_the_lead_and_counts_toward_capacity(world):
    c, _, _, clock = world
    leads, lead, rep = apac_lead(world, "APAC logistics firm needs connectors to SAP.")
    assert leads.on_accept(lead["id"], rep)["accepted"] is True
    assert leads.reroute_expired(clock.now + timedelta(hours=2)) == 0
    assert c.crm.lead(lead["id"])["status"] == "accepted" and c.crm.open_loads()[rep] == 1


def test_queue_outside_working_hours_then_retry(world):
    c, service, _, clock = world
    clock.now = datetime(2026, 11, 28, 15, 0)  # Saturday
    leads = service()
    lead = leads.create_lead("Northwind Robotics asks about the connectors add-on.")
    routed = leads.route_lead(lead["id"])
    assert routed["rep_id"] is None and routed["queued"] and "working hours" in routed["reason"]
    assert c.crm.lead(lead["id"])["unassigned_reason"] == routed["reason"]
    assert leads.retry_unassigned(datetime(2026, 11, 29, 15, 0)) == 0  # Sunday still
    assert leads.retry_unassigned(datetime(2026, 11, 30, 15, 0)) == 1  # Monday 10:00 in New York
    assert c.crm.lead(lead["id"])["assigned_rep_id"] == "rep-001"


def test_round_robin_turns_survive_a_restart(world):
    picks = [apac_lead(world, f"APAC prospect {i} needs analytics.")[2] for i in range(4)]
    assert sorted(picks) == ["rep-002", "rep-002", "rep-003", "rep-003"]
    assert picks[0] != picks[1] and picks[2] != picks[3]


def test_scoring_needs_profiling_consent(world):
    c, service, _, _ = world
    leads = service()
    with_consent = leads.create_lead("Sarah wants 20 more Pro seats.", contact_id="con-001")
    without = leads.create_lead("Brightleaf wants to compare Starter and Pro.", contact_id="con-004")
    anonymous = leads.create_lead("Someone wants a demo of dashboards.")
    assert leads.score(with_consent["id"])["scored"] is True
    refused = leads.score(without["id"])
    assert refused["scored"] is False and "profiling" in refused["reason"]
    assert c.crm.lead(without["id"])["score"] is None
    assert leads.score(anonymous["id"])["scored"] is True  # no person, no profiling
    routed = leads.route_lead(without["id"])
    assert routed["rep_id"] == "rep-001" and c.crm.lead(without["id"])["score"] is None  # routed, not scored


def test_bad_input_is_refused_clearly(world):
    _, service, _, _ = world
    leads = service()
    with pytest.raises(ValueError, match="description"):
        leads.create_lead("   ")
    with pytest.raises(ValueError, match="unknown contact"):
        leads.create_lead("hello", contact_id="con-nope")
    with pytest.raises(LookupError):
        leads.route_lead("lead-nope")


def test_routing_the_same_lead_at_once_from_many_threads_offers_it_once(world):
    from concurrent.futures import ThreadPoolExecutor

    c, service, sent, clock = world
    clock.now = TUESDAY_ASIA_MORNING
    leads = service()
    lead = leads.create_lead("APAC prospect needs analytics.")
    c.crm.update_lead(lead["id"], region="APAC", score=50.0)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: leads.route_lead(lead["id"]), range(6)))
    offers = c.crm.assignments(lead["id"])
    assert len(offers) == 1 and len(sent) == 1
    assert {r["rep_id"] for r in results} == {offers[0]["rep_id"]}
    assert sum(c.crm.rotation()[r][0] for r in ("rep-002", "rep-003") if r in c.crm.rotation()) == 1
