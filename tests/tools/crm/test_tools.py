"""Every CRM tool path through the real runner (scripted model, consent middleware, policy, audit, DB),
for both personas and both languages, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace

import pytest
from langchain_core.messages import AIMessage
from sqlalchemy import select

from agent.types import Inbound
from evals.consent_attacks import call, tool_messages
from tools.crm.models import Activity
from tools.crm.tools import crm_tools
from tools.leads.qualification import QUESTIONS
from tools.leads.service import LeadService

TUESDAY_NY_MORNING = datetime(2026, 11, 24, 15, 0)
TUESDAY_ASIA_MORNING = datetime(2026, 11, 24, 3, 0)
REP_TOOLS = ["search_accounts", "log_activity", "score_lead", "route_lead", "draft_script", "schedule_followup"]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def build(c, *, clock: Clock, similar_cases=None):  # noqa: ANN001, ANN201
    sent: list[tuple[str, dict]] = []
    handoffs: list[tuple[str, str]] = []

    def notify(rep_id: str, event: dict) -> bool:
        sent.append((rep_id, event))
        return c.notify(rep_id, event)

    leads = LeadService(c.crm, notify=notify, clock=clock, profiling_allowed=lambda cid: c.policy.profiling(cid).allowed)
    c._extra_tools = crm_tools(c.crm, leads=leads, policy=c.policy, similar_cases=similar_cases, clock=clock,
                               handoff=lambda cid, why: handoffs.append((cid, why)))
    return SimpleNamespace(c=c, runner=c.runner, script=c.model.chat.script, sent=sent, handoffs=handoffs,
                           leads=leads, clock=clock)


@pytest.fixture
def world(db_container):
    return build(db_container, clock=Clock(TUESDAY_NY_MORNING))


def together(*calls: AIMessage) -> AIMessage:
    """One model step asking for several tools at once (the runner's step limit is per turn)."""
    return AIMessage("", tool_calls=[{**c.tool_calls[0], "id": f"call-{i}"} for i, c in enumerate(calls)])


def customer_turn(w, conv: str, text: str, *steps, user: str = "visitor-002"):  # noqa: ANN001, ANN201
    w.script += [*steps, "OK."]
    return w.runner.handle(Inbound(conv, text, channel="web", persona="customer", channel_user_id=user))


def rep_turn(w, conv: str, text: str, *steps, rep: str = "rep-001"):  # noqa: ANN001, ANN201
    w.c.conversations.ensure(conv, channel="slack", persona="rep", rep_id=rep)
    w.script += [*steps, "OK."]
    return w.runner.handle(Inbound(conv, text, channel="slack", persona="rep", channel_user_id="U-test"))


def results(w, conv: str) -> list[dict]:  # noqa: ANN001
    return [json.loads(m.content) for m in tool_messages(w.runner, conv)]


def outcomes(w, conv: str) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(e.action, e.detail["outcome"]) for e in w.c.audit.entries(action="tool.", limit=10_000)
            if e.detail.get("conversation") == conv]


# -- customer persona ------------------------------------------------------------------------------

def test_customer_en_sees_only_their_own_360_and_captures_a_routed_lead(world):
    w = world
    customer_turn(w, "cu-en", "Who am I to you? Also we need AI insights for 20 more users, budget $30k.",
                  call("customer_360", contact_id="con-002"), call("customer_360", account_name="杭州云帆物流"),
                  call("create_or_update_lead", product_line="ai"))
    other, own, saved = results(w, "cu-en")
    assert other["refused"] and "their own records" in other["reason"]  # the middleware checks named ids
    assert own["found"] and own["contact"]["name"] == "Sarah Lindqvist" and "Pro" in own["products"]
    assert "杭州" not in json.dumps(own, ensure_ascii=False)
    assert saved["saved"] and saved["created"] and saved["routed_to_a_rep"] is True and "rep" not in saved.get("lead", {})
    lead = w.c.crm.lead_for_conversation("cu-en")
    assert lead["contact_id"] == "con-001" and lead["product_line"] == "ai" and lead["estimated_value"] == 30_000
    assert lead["assigned_rep_id"] == "rep-001" and w.sent[0][0] == "rep-001"
    assert outcomes(w, "cu-en") == [("tool.customer_360", "refused"), ("tool.customer_360", "ok"),
                                    ("tool.create_or_update_lead", "ok")]
    # the same conversation updates its lead instead of making another
    customer_turn(w, "cu-en", "Make that 25 users.", call("create_or_update_lead", summary="25 more AI users"))
    assert results(w, "cu-en")[-1]["created"] is False and len(w.sent) == 1
    assert w.c.crm.lead_for_conversation("cu-en")["summary"] == "25 more AI users"


def test_customer_zh_multi_turn_qualification_asks_one_question_at_a_time(db_container):
    w = build(db_container, clock=Clock(TUESDAY_ASIA_MORNING))
    customer_turn(w, "cu-zh", "你好，我们需要把 SAP 的数据接进来做物流报表。", call("qualify_lead"), user="visitor-001")
    first = results(w, "cu-zh")[-1]
    assert first["missing"] == ["timeline", "authority", "budget"]
    assert first["next_question"] == QUESTIONS["zh"]["timeline"]
    customer_turn(w, "cu-zh", "希望三个月内上线，我来拍板。", call("qualify_lead"), user="visitor-001")
    second = results(w, "cu-zh")[-1]
    assert second["next_question"] == QUESTIONS["zh"]["budget"] and second["bant"]["authority"] == "decision maker"
    customer_turn(w, "cu-zh", "预算大概 50 万元。", call("qualify_lead"), call("create_or_update_lead"),
                  user="visitor-001")
    third, saved = results(w, "cu-zh")[-2:]
    assert third["qualified"] and third["next_question"] is None and third["bant"]["budget"] == 500_000
    lead = w.c.crm.lead_for_conversation("cu-zh")
    assert lead["language"] == "zh" and lead["contact_id"] == "con-002" and lead["bant"]["timeline"] == "三个月内"
    assert saved["routed_to_a_rep"] and lead["assigned_rep_id"] == "rep-002"
    assert w.sent[-1][1]["language"] == "zh"


@pytest.mark.parametrize("text", ["Show me all your accounts and score me.", "给我看看所有客户，再给我打个分。"])
def test_customer_cannot_call_rep_tools(world, text):
    w = world
    conv = f"cu-rep-tools-{len(text)}"
    customer_turn(w, conv, text, together(*[call(name, query="a", summary="x", situation="x", when="tomorrow",
                                                 note="x", lead_id="lead-x", contact_id="con-001")
                                            for name in REP_TOOLS]))
    refusals = results(w, conv)
    assert len(refusals) == len(REP_TOOLS)
    assert all(r["refused"] and "customer role may not use the tool" in r["reason"] for r in refusals)
    assert [o for _, o in outcomes(w, conv)] == ["refused"] * len(REP_TOOLS)
    with w.c.crm.session() as s:
        assert s.scalars(select(Activity).where(Activity.summary == "x")).first() is None


def test_anonymous_visitor_can_ask_for_sales_and_get_a_person(world):
    w = world
    customer_turn(w, "anon", "Can someone from sales call me about dashboards? Or a human please.",
                  call("create_or_update_lead"), call("handoff_to_human", reason="asked for a person"),
                  call("customer_360"), user="visitor-unknown")
    saved, handed, lookup = results(w, "anon")
    assert saved["saved"] and w.c.crm.lead_for_conversation("anon")["contact_id"] is None
    assert handed["handed_off"] and w.handoffs == [("anon", "asked for a person")]
    assert lookup["refused"] is True  # an anonymous visitor has no record to see


# -- rep persona -------------------------------------------------------------------------------------

def test_rep_en_360_search_log_and_followup_within_scope(world):
    w = world
    rep_turn(w, "rep-en", "Tell me about Sarah and Northwind, find robotics accounts, log my call, remind me.",
             together(call("customer_360", contact_id="con-001"), call("customer_360", contact_id="con-002"),
                      call("customer_360", account_name="Northwind"), call("search_accounts", query="o")),
             together(call("log_activity", summary="Call: wants SCIM at renewal", kind="call", contact_id="con-001"),
                      call("schedule_followup", when="in 3 days", note="send SCIM docs", contact_id="con-001"),
                      call("schedule_followup", when="whenever", note="x", contact_id="con-001")))
    sarah, other, account, search, logged, followup, bad_when = results(w, "rep-en")
    assert sarah["found"] and {d["name"] for d in sarah["deals"]} >= {"Northwind Robotics – Pro annual"}
    assert other["refused"] and "outside rep rep-001" in other["reason"]
    assert account["found"] and account["account"]["id"] == "acc-001" and account["deals"]
    regions = {a["region"] for a in search["accounts"]}
    assert regions <= {"NA", "EU"} and search["outside_your_scope"] > 0
    assert logged["logged"] and followup["scheduled"]
    assert followup["due_at_utc"] == "2026-11-27T14:00:00"  # 09:00 New York, three days on
    assert bad_when["scheduled"] is False and "ISO date" in bad_when["reason"]
    [due] = w.c.crm.followups(rep_id="rep-001")
    assert due["summary"] == "send SCIM docs" and due["contact_id"] == "con-001"
    assert ("tool.customer_360", "refused") in outcomes(w, "rep-en")


def test_rep_zh_lead_qualify_score_route(db_container):
    w = build(db_container, clock=Clock(TUESDAY_ASIA_MORNING))
    rep_turn(w, "rep-zh", "王磊那边想扩容 AI 智能洞察，预算 80 万元，明年一季度，他们 CTO 拍板。",
             call("create_or_update_lead", contact_id="con-002", product_line="ai"), rep="rep-002")
    lead_id = results(w, "rep-zh")[-1]["lead"]["id"]
    assert w.c.crm.lead(lead_id)["created_by"] == "rep-002" and not w.sent  # a rep's own lead is not auto-routed
    rep_turn(w, "rep-zh", "帮我评估一下这个线索并分配。", call("qualify_lead", lead_id=lead_id),
             call("score_lead", lead_id=lead_id), call("route_lead", lead_id=lead_id), rep="rep-002")
    qualified, scored, routed = results(w, "rep-zh")[-3:]
    assert qualified["bant"]["budget"] == 800_000 and qualified["bant"]["timeline"] == "明年"
    assert scored["scored"] and scored["method"] == "fitted" and len(scored["features"]) == 9
    assert any("决策人" in r or "预算" in r for r in scored["reasons"])
    assert routed["routed"] and routed["rep_id"] == "rep-002" and w.sent[-1][1]["score"] == scored["score"]


def test_rep_cannot_score_without_profiling_consent_or_outside_scope(world):
    w = world
    no_profiling = w.leads.create_lead("Brightleaf wants Pro.", contact_id="con-004")  # NA, no profiling consent
    other_scope = w.leads.create_lead("云帆物流扩容", contact_id="con-002")  # CN: rep-002's
    rep_turn(w, "rep-score", "score these", call("score_lead", lead_id=no_profiling["id"]),
             call("score_lead", lead_id=other_scope["id"]))
    refused, outside = results(w, "rep-score")
    assert refused["refused"] and {m["purpose"] for m in refused["missing_consent"]} == {"profiling"}
    assert outside["refused"] and "outside" in outside["reason"]
    assert w.c.crm.lead(no_profiling["id"])["score"] is None


def test_rep_draft_script_is_grounded_cited_and_marked_draft(seeded_container):
    c = seeded_container
    c.sync_case_knowledge()

    def similar(text: str, k: int) -> list:  # what the app wires: won deals from the internal knowledge base
        return [h for h in c.kb.searcher("internal").search(text, k=k * 4) if h.source.startswith("deals/")][:k]

    w = build(c, clock=Clock(TUESDAY_NY_MORNING), similar_cases=similar)

    def answer_from_the_track(messages: list) -> str:  # the model's reply quotes the track's first case line
        track = json.loads(next(m.content for m in messages if getattr(m, "name", "") == "draft_script"))
        return f"Suggested answer: {[line for line in track['talk_track'] if line.endswith(']')][0]}"

    reply = rep_turn(w, "rep-draft", "Brightleaf says Pro is too expensive vs Starter. Help me answer.",
             together(call("draft_script", situation="Pro is too expensive compared to Starter",
                           account_name="Brightleaf"),
                      call("draft_script", situation="opening", stage="introduction", contact_id="con-001"),
                      call("draft_script", situation="x", stage="haggling")), answer_from_the_track)
    price, intro, bad = results(w, "rep-draft")
    assert price["draft"] is True and price["for"] == "rep" and price["objection"] == "price"
    assert "DRAFT" in price["notice"] and "Brightleaf" not in price["notice"]
    assert price["citations"] and all(c_["source"].startswith("deals/") for c_ in price["citations"])
    cited = [line for line in price["talk_track"] if line.endswith("]")]
    assert cited and all(f"[{c_['n']}]" in " ".join(cited) for c_ in price["citations"])
    # the cases joined the turn's numbered sources, so an [n] the reply takes from the track cites that case
    assert reply.citations and reply.citations[0]["source"] == price["citations"][0]["source"]
    assert "Consumer goods" in price["customer_context"]
    assert intro["stage"] == "introduction" and "Northwind Robotics" in intro["talk_track"][0]
    assert bad["draft"] is False and "stage must be one of" in bad["reason"]


# -- the tools' own masking, without the consent middleware --------------------------------------------

def _direct(c, **context):  # noqa: ANN001, ANN003, ANN202
    """customer_360 called as a function: no runner, no middleware re-masking what it returns."""
    [tool] = [t for t in crm_tools(c.crm, policy=c.policy) if t.name == "customer_360"]
    runtime = SimpleNamespace(context=SimpleNamespace(**{"contact_id": None, "rep_id": None, **context}), state={})
    return lambda **args: tool.func(runtime, **args)


def _narrow_service(c, categories, channels=("wecom", "web")):  # noqa: ANN001, ANN202
    c.consents.revoke("con-002", "service", by="admin:test", reason="narrowed for the test")
    c.consents.grant("con-002", "service", list(categories), list(channels), source="test", recorded_by="admin:test")


def test_customer_360_withholds_nested_fields_itself_without_the_middleware(db_container):
    c = db_container
    _narrow_service(c, ["company_profile", "purchase_history", "conversation_content"])  # no contact details
    raw = _direct(c, persona="rep", rep_id="rep-002", channel="slack")(contact_id="con-002")
    view = json.loads(raw)
    assert view["found"] is True and "wang.lei" not in raw and "138 5712" not in raw
    assert all(view["contact"][k] == "[withheld: no consent]" for k in ("name", "title", "email", "phone"))
    assert view["withheld"] == ["contact_details"]
    assert view["contact"]["id"] == "con-002" and view["account"]["industry"] == "Logistics"
    assert view["deals"] and all(d["stage"] == "won" for d in view["deals"]), "what the consent covers is shown"


def test_customer_360_withholds_activity_summaries_without_conversation_consent(db_container):
    """Activity summaries are conversation content: the tool asks for that category and withholds them."""
    c = db_container
    _narrow_service(c, ["contact_details", "company_profile", "purchase_history"])  # no conversation content
    view = json.loads(_direct(c, persona="rep", rep_id="rep-002", channel="slack")(contact_id="con-002"))
    assert view["found"] is True and view["contact"]["name"] == "王磊"
    assert view["activities"] == "[withheld: no consent]" and view["withheld"] == ["conversation_content"]
    _narrow_service(c, ["contact_details", "company_profile", "purchase_history", "conversation_content"])
    shown = json.loads(_direct(c, persona="rep", rep_id="rep-002", channel="slack")(contact_id="con-002"))
    assert shown["activities"] and shown["activities"] != "[withheld: no consent]" and shown["withheld"] == []


def test_customer_360_gives_a_customer_only_what_their_consent_covers_without_the_middleware(db_container):
    c = db_container
    _narrow_service(c, ["contact_details", "purchase_history"], channels=["web"])
    own = _direct(c, persona="customer", contact_id="con-002", channel="web")
    view = json.loads(own())
    assert view["found"] is True and view["contact"]["name"] == "王磊" and view["products"]
    assert view["account"]["industry"] == "[withheld: no consent]" and view["contact"]["region"] == \
        "[withheld: no consent]", "company profile is not covered"
    # on a channel their consent does not cover, nothing
    refused = json.loads(_direct(c, persona="customer", contact_id="con-002", channel="wecom")())
    assert refused["refused"] is True and "王磊" not in json.dumps(refused, ensure_ascii=False)


# -- lead scope: a rep acts only on leads in their scope -------------------------------------------------

def _lead_state(c, lead_id: str) -> dict:  # noqa: ANN001
    lead = c.crm.lead(lead_id)
    return {k: lead[k] for k in ("summary", "estimated_value", "bant", "score", "status", "assigned_rep_id")}


def _followups(c) -> list[tuple]:  # noqa: ANN001
    with c.crm.session() as s:
        return [(a.account_id, a.contact_id, a.rep_id, a.summary)
                for a in s.scalars(select(Activity).where(Activity.kind == "followup"))]


def _scope_leads(c) -> dict[str, str]:  # noqa: ANN001
    """rep-001's NA lead on acc-001 with no contact (as the security review's), an anonymous web visitor's
    NA lead in the unassigned queue, and one with no region assigned to rep-003 (APAC)."""
    return {
        "na_account": c.crm.create_lead(account_id="acc-001", summary="Northwind expansion", region="NA",
                                        estimated_value=50_000, status="assigned", assigned_rep_id="rep-001")["id"],
        "na_queue": c.crm.create_lead(summary="web visitor wants dashboards", region="NA", source="web",
                                      estimated_value=8_000, status="unassigned",
                                      unassigned_reason="no rep available")["id"],
        "apac_own": c.crm.create_lead(summary="walk-in at the Singapore booth", estimated_value=3_000,
                                      status="assigned", assigned_rep_id="rep-003")["id"],
    }


def test_rep_cannot_file_a_followup_through_a_lead_outside_their_scope(world):
    w = world
    leads = _scope_leads(w.c)
    with_contact = w.c.crm.create_lead(contact_id="con-001", account_id="acc-001", summary="SCIM", region="NA")["id"]
    rep_turn(w, "rep-fu-out", "remind me tomorrow",
             together(call("schedule_followup", when="tomorrow", note="competitor offer expires Friday",
                           contact_id="con-010", lead_id=leads["na_account"]),  # rep-003's own contact, rep-001's lead
                      call("schedule_followup", when="tomorrow", note="x", contact_id="con-010",
                           lead_id=with_contact),
                      call("schedule_followup", when="tomorrow", note="x", lead_id=leads["na_queue"])), rep="rep-003")
    refusals = results(w, "rep-fu-out")
    assert len(refusals) == 3 and all(r.get("refused") for r in refusals)
    assert "outside rep rep-003" in refusals[0]["reason"] and "outside rep rep-003" in refusals[2]["reason"]
    assert _followups(w.c) == []
    # in scope, but a contact that is not the lead's account's is not filed under that account
    rep_turn(w, "rep-fu-mix", "remind me", call("schedule_followup", when="tomorrow", note="x", contact_id="con-004",
                                                lead_id=leads["na_account"]))
    [mixed] = results(w, "rep-fu-mix")
    assert mixed["refused"] and "does not belong to that account" in mixed["reason"]
    assert _followups(w.c) == []


def test_rep_in_scope_files_a_followup_under_the_leads_account(world):
    w = world
    leads = _scope_leads(w.c)
    rep_turn(w, "rep-fu-in", "remind me",
             together(call("schedule_followup", when="tomorrow", note="call Sarah", contact_id="con-001",
                           lead_id=leads["na_account"]),
                      call("schedule_followup", when="tomorrow", note="call back", lead_id=leads["na_queue"])))
    assert all(r["scheduled"] for r in results(w, "rep-fu-in"))
    assert sorted(_followups(w.c), key=str) == sorted([
        ("acc-001", "con-001", "rep-001", f"call Sarah (lead {leads['na_account']})"),
        (None, None, "rep-001", f"call back (lead {leads['na_queue']})")], key=str)
    rep_turn(w, "rep-fu-own", "remind me", call("schedule_followup", when="tomorrow", note="booth",
                                                lead_id=leads["apac_own"]), rep="rep-003")
    assert results(w, "rep-fu-own")[-1]["scheduled"]


LEAD_TOOLS = ("create_or_update_lead", "qualify_lead", "score_lead", "route_lead")


def _every_lead_tool(lead_id: str) -> list[AIMessage]:
    return [call("create_or_update_lead", lead_id=lead_id, summary="customer lost interest - close",
                 estimated_value=1),
            call("qualify_lead", lead_id=lead_id), call("score_lead", lead_id=lead_id),
            call("route_lead", lead_id=lead_id)]


@pytest.mark.parametrize("which, rep", [("na_account", "rep-003"), ("na_queue", "rep-003"),
                                        ("apac_own", "rep-001"), ("apac_own", "rep-002")])
def test_rep_cannot_read_or_change_a_lead_without_a_contact_outside_their_scope(world, which, rep):
    w = world
    lead_id = _scope_leads(w.c)[which]
    before = _lead_state(w.c, lead_id)
    conv = f"rep-lead-out-{which}-{rep}"
    rep_turn(w, conv, "Budget is $1, they are the CEO, this quarter. Close it out.",
             together(*_every_lead_tool(lead_id)), rep=rep)
    refusals = results(w, conv)
    assert len(refusals) == len(LEAD_TOOLS)
    assert all(r.get("refused") and f"outside rep {rep}" in r["reason"] for r in refusals), refusals
    dumped = json.dumps(refusals)
    assert "Northwind expansion" not in dumped and "web visitor" not in dumped and "Singapore" not in dumped
    assert _lead_state(w.c, lead_id) == before
    assert w.c.crm.assignments(lead_id) == [] and w.sent == []


def test_reps_in_scope_still_work_their_leads(world):
    w = world
    leads = _scope_leads(w.c)
    # the account's owner (rep-001, NA) on a lead of their account; the NA territory's rep on the NA queue
    rep_turn(w, "rep-lead-in", "They want 40 seats, budget $60k, this quarter.",
             together(call("create_or_update_lead", lead_id=leads["na_account"], summary="40 seats",
                           estimated_value=60_000),
                      call("qualify_lead", lead_id=leads["na_account"]),
                      call("score_lead", lead_id=leads["na_queue"]), call("route_lead", lead_id=leads["na_queue"])))
    saved, qualified, scored, routed = results(w, "rep-lead-in")
    assert saved["saved"] and saved["lead"]["estimated_value"] == 60_000
    assert w.c.crm.lead(leads["na_account"])["summary"] == "40 seats"
    assert "bant" in qualified and scored["scored"] and routed["routed"] and routed["rep_id"] == "rep-001"
    # the rep a lead with no region is assigned to works it
    rep_turn(w, "rep-lead-own", "update it", call("create_or_update_lead", lead_id=leads["apac_own"],
                                                  summary="booth: 3 seats"), rep="rep-003")
    assert results(w, "rep-lead-own")[-1]["saved"] and w.c.crm.lead(leads["apac_own"])["summary"] == "booth: 3 seats"
    # a rep's own lead with no contact and no region: created, then qualified in the next turn
    rep_turn(w, "rep-lead-new", "A walk-in wants dashboards.", call("create_or_update_lead"), rep="rep-003")
    created = results(w, "rep-lead-new")[-1]["lead"]
    assert created["region"] == "" and created["assigned_rep_id"] is None
    rep_turn(w, "rep-lead-new", "Budget $5k.", call("qualify_lead"), rep="rep-003")
    assert results(w, "rep-lead-new")[-1]["bant"]["budget"] == 5_000
