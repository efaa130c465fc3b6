"""Consent, data-subject request and audit APIs over HTTP: role tokens, attribute scope, the web
chat's ask-and-answer flow, errors that change nothing, and the OpenAPI document."""

from __future__ import annotations

import pytest

from tests.conftest import chat_client, signed_visitor


@pytest.fixture
def api(db_container):
    from app.api import create_app

    with chat_client(create_app(db_container)) as tc:
        yield tc, db_container


def bearer(c, role: str, subject: str) -> dict[str, str]:  # noqa: ANN001
    return {"authorization": f"Bearer {c.tokens.create(role, subject)}"}


def test_consents_are_visible_only_in_scope(api):
    tc, c = api
    url = "/v1/contacts/con-002/consents"
    assert tc.get(url).status_code == 401
    assert tc.get(url, headers={"authorization": "Bearer sa_forged"}).status_code == 401
    me = tc.get(url, headers=bearer(c, "customer", "con-002"))
    assert me.status_code == 200 and {g["purpose"] for g in me.json()["grants"]} >= {"service", "marketing"}
    assert tc.get(url, headers=bearer(c, "customer", "con-001")).status_code == 404
    assert tc.get(url, headers=bearer(c, "rep", "rep-001")).status_code == 404  # CN account, not Emily's
    assert tc.get(url, headers=bearer(c, "rep", "rep-002")).status_code == 200
    assert tc.get(url, headers=bearer(c, "reviewer", "ann")).status_code == 200
    revoked = tc.get("/v1/contacts/con-003/consents", headers=bearer(c, "admin", "root")).json()["grants"]
    assert any(g["status"] == "revoked" and g["revoked_at"] for g in revoked)


def test_recording_and_revoking_over_http(api):
    tc, c = api
    rep = bearer(c, "rep", "rep-001")
    body = {"purpose": "marketing", "data_categories": ["contact_details"], "channels": ["email"],
            "source": "phone_call", "given_in": "call with Sarah"}
    r = tc.post("/v1/contacts/con-001/consents", json=body, headers=rep)
    assert r.status_code == 201 and r.json()["recorded_by"] == "rep:rep-001" and r.json()["status"] == "active"
    assert c.policy.can_contact("con-001", "email", "marketing").allowed
    assert tc.post("/v1/contacts/con-002/consents", json=body, headers=rep).status_code == 404
    assert tc.post("/v1/contacts/con-001/consents", json=body, headers=bearer(c, "reviewer", "x")).status_code == 403
    for bad in ({**body, "purpose": "spying"}, {**body, "channels": []}, {**body, "channels": ["fax"]},
                {**body, "notice_hash": "0" * 64}):
        assert tc.post("/v1/contacts/con-001/consents", json=bad, headers=rep).status_code == 422
    # a misspelt field is an error, not "no purpose given" (which means every purpose)
    typo = tc.post("/v1/contacts/con-001/consents/revoke", json={"purposes": "marketing"},
                   headers=bearer(c, "customer", "con-001"))
    assert typo.status_code == 422 and "purposes" in typo.text
    assert c.policy.can_contact("con-001", "email", "marketing").allowed, "nothing was revoked"
    assert tc.post("/v1/contacts/con-001/consents", json={**body, "expires": "2030-01-01"}, headers=rep).status_code == 422
    r = tc.post("/v1/contacts/con-001/consents/revoke", json={"purpose": "marketing", "reason": "asked on call"},
                headers=bearer(c, "customer", "con-001"))
    assert r.status_code == 200 and [g["purpose"] for g in r.json()["revoked"]] == ["marketing"]
    assert not c.policy.can_contact("con-001", "email", "marketing").allowed
    assert c.audit.entries(action="consent.revoke")[-1].actor == "customer:con-001"


def test_web_chat_asks_and_records_the_answer(api):
    tc, c = api
    c.model.chat.script.append("您好")
    tc.post("/v1/conversations/chat-9/messages", json={"text": "你好", **signed_visitor("visitor-001")})
    ask = {"purpose": "profiling", "data_categories": ["social_behavioural"], "channels": ["web"]}
    assert tc.post("/v1/conversations/chat-9/consent-offers", json=ask).status_code == 401  # staff only
    offer = tc.post("/v1/conversations/chat-9/consent-offers", json=ask, headers=bearer(c, "rep", "rep-001"))
    assert offer.status_code == 201
    o = offer.json()
    assert o["notice"]["language"] == "zh" and "授权" in o["notice"]["text"]
    shown = tc.get(f"/v1/consent/notices/{o['notice']['hash']}")
    assert shown.status_code == 200 and shown.json()["text"] == o["notice"]["text"]
    url = f"/v1/conversations/chat-9/consent-offers/{o['offer_id']}"
    assert tc.post(f"/v1/conversations/other/consent-offers/{o['offer_id']}", json={"accept": True}).status_code == 404
    stranger = {"X-Conversation-Key": "0" * 40}  # only the customer's own chat client may answer
    assert tc.post(url, json={"accept": True}, headers=stranger).status_code == 404
    assert tc.get("/v1/conversations/chat-9/consent-offers", headers=stranger).status_code == 404
    r = tc.post(url, json={"accept": True})
    assert r.status_code == 200 and r.json()["accepted"]
    grant = r.json()["grant"]
    assert grant["given_in"] == "conversation:chat-9" and grant["notice_hash"] == o["notice"]["hash"]
    assert grant["recorded_by"] == "customer:con-002" and grant["source"] == "web_chat"
    assert tc.post(url, json={"accept": False}).status_code == 409
    unknown = tc.post("/v1/conversations/nobody/consent-offers", json=ask, headers=bearer(c, "rep", "rep-001"))
    assert unknown.status_code == 404
    n = tc.get("/v1/consent/notice", params={"purpose": "marketing", "data_categories": ["contact_details"],
                                              "channels": ["email", "sms"], "language": "en"})
    assert n.status_code == 200 and "text message" in n.json()["text"]
    assert tc.get("/v1/consent/notice", params={"purpose": "spying", "data_categories": ["contact_details"],
                                                 "channels": ["email"]}).status_code == 422


def test_data_subject_requests_over_http(api):
    tc, c = api
    admin, customer = bearer(c, "admin", "dpo"), bearer(c, "customer", "con-004")
    other = tc.post("/v1/dsr", json={"kind": "erase", "contact_id": "con-001"}, headers=customer)
    unknown = tc.post("/v1/dsr", json={"kind": "erase", "contact_id": "con-999"}, headers=bearer(c, "admin", "x"))
    assert other.status_code == unknown.status_code == 404, "another contact looks like no contact at all"
    assert other.json()["error"]["message"] == "no contact 'con-001'" and "con-999" in unknown.text
    r = tc.post("/v1/dsr", json={"kind": "export", "contact_id": "con-004"}, headers=customer)
    assert r.status_code == 201 and r.json()["requested_by"] == "customer:con-004"
    req = r.json()["id"]
    assert tc.get(f"/v1/dsr/{req}", headers=customer).status_code == 200
    assert tc.post(f"/v1/dsr/{req}/run", headers=customer).status_code == 403
    doc = tc.post(f"/v1/dsr/{req}/run", headers=admin).json()
    assert doc["crm"]["contact"]["id"] == "con-004" and doc["consents"]["grants"]
    erase = tc.post("/v1/dsr", json={"kind": "erase", "contact_id": "con-004", "source": "email"}, headers=admin)
    assert erase.status_code == 201 and erase.json()["status"] == "frozen"
    assert erase.json()["due"]["freeze"] and erase.json()["overdue"] == []
    done = tc.post(f"/v1/dsr/{erase.json()['id']}/run", headers=admin).json()
    assert done["status"] == "proven" and done["receipt"]["residue"] == 0
    assert tc.post(f"/v1/dsr/{erase.json()['id']}/run", headers=admin).status_code == 409
    assert tc.get("/v1/dsr?overdue=true", headers=admin).json() == []
    assert tc.get("/v1/dsr", headers=bearer(c, "reviewer", "ann")).status_code == 403
    assert tc.post("/v1/dsr", json={"kind": "erase", "contact_id": "con-999"}, headers=admin).status_code == 404
    assert tc.get("/v1/dsr/not-an-id", headers=admin).status_code == 422


def test_audit_over_http(api):
    tc, c = api
    tc.post("/v1/contacts/con-001/consents/revoke", json={"purpose": "profiling"}, headers=bearer(c, "admin", "x"))
    entries = tc.get("/v1/audit/entries", params={"subject": "contact:con-001"},
                     headers=bearer(c, "reviewer", "ann")).json()
    assert [e["action"] for e in entries] == ["consent.revoke"]
    assert tc.get("/v1/audit/entries", headers=bearer(c, "customer", "con-001")).status_code == 403
    v = tc.get("/v1/audit/verify", headers=bearer(c, "admin", "x")).json()
    assert v["ok"] is True and v["head"]["seq"] >= 1
    from sqlalchemy import text

    with c.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'admin:y' WHERE seq = 1"))
    v = tc.get("/v1/audit/verify", headers=bearer(c, "admin", "x")).json()
    assert v["ok"] is False and v["broken_seq"] == 1


def test_openapi_documents_the_compliance_endpoints(api):
    tc, _ = api
    paths = tc.get("/openapi.json").json()["paths"]
    for path in ("/v1/contacts/{contact_id}/consents", "/v1/contacts/{contact_id}/consents/revoke",
                 "/v1/consent/notice", "/v1/conversations/{conversation_id}/consent-offers",
                 "/v1/conversations/{conversation_id}/consent-offers/{offer_id}", "/v1/dsr", "/v1/dsr/{request_id}",
                 "/v1/dsr/{request_id}/run", "/v1/audit/entries", "/v1/audit/verify"):
        assert path in paths, path


def test_the_agent_asks_and_only_the_customers_click_grants(api):
    tc, c = api
    from langchain_core.messages import AIMessage

    def ask(n: int) -> AIMessage:
        return AIMessage(content="", tool_calls=[{"name": "ask_for_consent", "id": f"a{n}", "args": {
            "purpose": "marketing", "data_categories": ["contact_details"], "channels": ["email"]}}])

    c.model.chat.script += [ask(1), "I've asked for your permission to email you offers.", ask(2), "Asked again."]
    r = tc.post("/v1/conversations/ask-1/messages", json={"text": "send me offers", **signed_visitor("visitor-002")})
    assert r.status_code == 200
    assert not c.policy.can_contact("con-001", "email", "marketing").allowed  # asking is not agreeing
    tc.post("/v1/conversations/ask-1/messages", json={"text": "again", **signed_visitor("visitor-002")})
    [pending] = tc.get("/v1/conversations/ask-1/consent-offers").json()  # asked twice, shown once
    assert "news and offers" in pending["notice"]["text"] and pending["notice"]["language"] == "en"
    r = tc.post(f"/v1/conversations/ask-1/consent-offers/{pending['offer_id']}", json={"accept": True})
    assert r.json()["grant"]["notice_hash"] == pending["notice"]["hash"]
    assert c.policy.can_contact("con-001", "email", "marketing").allowed
    assert tc.get("/v1/conversations/ask-1/consent-offers").json() == []
    assert [e.detail["outcome"] for e in c.audit.entries(action="tool.ask_for_consent")] == ["ok", "ok"]
    # reps may not use it at all
    c.conversations.ensure("ask-rep", channel="slack", persona="rep", rep_id="rep-001")
    c.model.chat.script += [ask(3), "ok"]
    from agent.types import Inbound

    c.runner.handle(Inbound("ask-rep", "ask Sarah", channel="slack", persona="rep"))
    assert c.audit.entries(action="tool.ask_for_consent")[-1].detail["outcome"] == "refused"
