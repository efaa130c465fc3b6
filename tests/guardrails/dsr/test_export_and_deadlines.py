"""Export (one JSON document with everything held about a contact) and the due times of requests."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from agent.types import Inbound
from guardrails.dsr import DsrError, Eraser
from guardrails.dsr.deadlines import due_times, overdue_steps


def test_export_holds_everything_about_the_contact(db_container):
    c = db_container
    c.model.chat.script.append("您好！")
    c.runner.handle(Inbound("exp-1", "你好，我的微信是 wanglei_yf88", channel_user_id="visitor-001"))
    c.consent_offers.answer(c.consent_offers.offer(
        conversation_id="exp-1", contact_id="con-002", purpose="profiling", data_categories=["social_behavioural"],
        channels=["web"], language="zh").id, conversation_id="exp-1", accept=True)
    c.queue.enqueue(conversation_id="exp-1", draft="held draft", reasons=["test"], contact_id="con-002")

    reply = c.runner.handle(Inbound("exp-1", "导出我的数据", channel_user_id="visitor-001"))
    [req] = c.dsr.list(contact_id="con-002")
    assert req.kind == "export" and req.status == "received" and req.id in reply.text
    doc = c.dsr.export(req.id, actor="admin:dpo")
    json.dumps(doc, ensure_ascii=False, default=str)  # one JSON document

    assert doc["contact_id"] == "con-002" and doc["crm"]["contact"]["wechat_id"] == "wanglei_yf88"
    assert doc["crm"]["account"]["id"] == "acc-002" and doc["crm"]["cases"] and doc["crm"]["activities"]
    [convo] = doc["messages"]
    assert convo["id"] == "exp-1" and any("wanglei_yf88" in m["text"] for m in convo["messages"])
    grants = doc["consents"]["grants"]
    chat_grant = next(g for g in grants if g["given_in"] == "conversation:exp-1")
    assert chat_grant["recorded_by"] == "customer:con-002" and chat_grant["status"] == "active"
    assert "您" in doc["consents"]["notices"][chat_grant["notice_hash"]]["text"]  # the words they agreed to
    assert any(g["status"] == "active" and g["given_in"] == "import:tenant.json" for g in grants)
    actions = {e["action"] for e in doc["audit"]}
    assert {"consent.grant", "dsr.export.open"} <= actions
    assert [q["draft"] for q in doc["review_queue"]] == ["held draft"]
    assert doc["data_subject_requests"][0]["id"] == req.id

    done = c.dsr.get(req.id)
    assert done.status == "completed" and done.receipt["document_sha256"] == done.receipt_hash
    assert c.audit.entries(action="dsr.export.done")[-1].detail["document_sha256"] == done.receipt_hash
    # other customers are not in it
    assert "Sarah Lindqvist" not in json.dumps(doc, ensure_ascii=False, default=str)


def test_due_times_follow_the_rules():
    from tools.sqlbase import utcnow

    t0 = utcnow()
    due = due_times("erase", t0)
    assert (due.freeze - t0, due.erase - t0, due.proof - t0) == (timedelta(hours=2), timedelta(hours=24),
                                                                 timedelta(hours=72))
    late = overdue_steps(kind="erase", due=due, frozen_at=t0, erased_at=None, proven_at=None, completed_at=None,
                         now=t0 + timedelta(hours=25))
    assert late == ["erase"]
    assert overdue_steps(kind="erase", due=due, frozen_at=None, erased_at=None, proven_at=None,
                         completed_at=None, now=t0 + timedelta(hours=80)) == ["freeze", "erase", "proof"]
    assert overdue_steps(kind="export", due=due_times("export", t0), frozen_at=None, erased_at=None,
                         proven_at=None, completed_at=None, now=t0 + timedelta(hours=73)) == ["export"]


def test_overdue_requests_are_listed(db_container):
    from tools.sqlbase import utcnow

    c = db_container
    erase = c.dsr.open(kind="erase", contact_id="con-004", source="email", requested_by="admin:dpo")
    export = c.dsr.open(kind="export", contact_id="con-005", source="email", requested_by="admin:dpo")
    assert c.dsr.list(overdue=True) == []
    tomorrow = utcnow() + timedelta(hours=25)
    assert [(v.id, v.overdue) for v in c.dsr.list(overdue=True, now=tomorrow)] == [(erase.id, ["erase"])]
    in_four_days = utcnow() + timedelta(days=4)
    assert {v.id for v in c.dsr.list(overdue=True, now=in_four_days)} == {erase.id, export.id}
    c.dsr.erase(erase.id, actor="admin:dpo")
    assert [v.id for v in c.dsr.list(overdue=True, now=in_four_days)] == [export.id]


def test_bad_requests_are_refused(db_container):
    with pytest.raises(DsrError, match="no contact"):
        db_container.dsr.open(kind="erase", contact_id="con-999", source="api", requested_by="admin:x")
    with pytest.raises(DsrError, match="unknown request kind"):
        db_container.dsr.open(kind="rectify", contact_id="con-001", source="api", requested_by="admin:x")
    with pytest.raises(DsrError):
        db_container.dsr.erase("dsr-000000000000", actor="admin:x")


def test_a_failing_store_keeps_the_contact_frozen_and_recoverable(db_container):
    c = db_container
    req = c.dsr.open(kind="erase", contact_id="con-001", source="api", requested_by="admin:dpo")

    def broken(subject):  # noqa: ANN001, ANN202
        raise ConnectionError(f"vector store down for {subject.contact_id}")

    c.dsr.erasers.insert(0, Eraser("flaky_store", broken))
    with pytest.raises(ConnectionError):
        c.dsr.erase(req.id, actor="admin:dpo")
    view = c.dsr.get(req.id)
    assert view.status == "failed" and "ConnectionError" in view.note
    assert c.crm.contact("con-001")["name"] == "Sarah Lindqvist"  # still there to be found on the re-run
    assert not c.policy.can_contact("con-001", "email", "service").allowed  # and still frozen
    c.dsr.erasers.pop(0)
    assert c.dsr.erase(req.id, actor="admin:dpo").status == "proven"
    with pytest.raises(DsrError, match="nothing to do"):
        c.dsr.erase(req.id, actor="admin:dpo")


def test_asking_twice_is_one_request(db_container):
    c = db_container
    first = c.runner.handle(Inbound("twice", "Please delete my data", channel_user_id="visitor-003"))
    second = c.runner.handle(Inbound("twice", "I said: delete my data!", channel_user_id="visitor-003"))
    [req] = c.dsr.list(contact_id="con-004")
    assert req.id in first.text and req.id in second.text and req.status == "frozen"


def test_an_unknown_visitor_is_not_matched_to_anyone(db_container):
    c = db_container
    reply = c.runner.handle(Inbound("anon", "删除我的信息", channel_user_id="visitor-nobody"))
    assert reply.language == "zh" and "邮箱" in reply.text
    assert c.dsr.list() == []
    assert c.audit.entries(action="consent.request_unmatched")[-1].subject == "conversation:anon"
