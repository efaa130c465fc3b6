"""Web chat access: a conversation belongs to the browser that started it (its key), a rep's Slack or WeCom
thread is never reachable through the web API, and a visitor id links a CRM contact only when the site
signed it."""

from __future__ import annotations

from channels.web.access import KEY_HEADER, sign_visitor
from tests.conftest import IDENTITY_SECRET, signed_visitor

ASK = {"text": "Who is Sarah at Northwind?"}


def test_a_reps_slack_thread_cannot_be_read_or_driven_from_the_web(client, seeded_container):
    c = seeded_container
    rep_thread = "slack:T1:C1:1733480000.000100:U05K7EC1A2B"
    c.conversations.ensure(rep_thread, channel="slack", persona="rep", rep_id="rep-001")
    c.conversations.add_message(rep_thread, "rep", "Sarah's phone is +1 617 555 0142")
    for key in (None, "0" * 40, c.web_access.key_for(rep_thread)):  # not even with the right HMAC
        headers = {KEY_HEADER: key} if key else {}
        assert client.get(f"/v1/conversations/{rep_thread}/messages", headers=headers).status_code == 404
        r = client.post(f"/v1/conversations/{rep_thread}/messages", json=ASK, headers=headers)
        assert r.status_code == 404 and "617" not in r.text
    assert [m.text for m in c.conversations.messages(rep_thread)] == ["Sarah's phone is +1 617 555 0142"]


def test_ids_of_other_channels_cannot_be_started_from_the_web(client, seeded_container):
    # else a Slack Connect customer could claim the id of a rep's side thread before the rep uses it
    for cid in ("slack:T1:C1:1733480000.000100:U05K7EC1A2B", "wecom-rep-ChenXiaoWen", "wecom-wmABC123"):
        assert client.post(f"/v1/conversations/{cid}/messages", json=ASK).status_code == 404
        assert seeded_container.conversations.get(cid) is None


def test_only_the_browser_holding_the_key_continues_or_reads_a_conversation(client, seeded_container):
    seeded_container.model.chat.script += ["Hello! How can I help?", "Still here."]
    first = client.post("/v1/conversations/web-k1/messages", json={"text": "Hi"}, headers={KEY_HEADER: ""})
    assert first.status_code == 200
    key = first.json()["conversation_key"]
    assert first.headers[KEY_HEADER] == key and len(key) == 40
    client.keys.clear()  # from here on the client is a stranger unless a test step sends the key itself
    for wrong in ({}, {KEY_HEADER: "0" * 40}, {KEY_HEADER: seeded_container.web_access.key_for("web-k2")}):
        got = client.get("/v1/conversations/web-k1/messages", headers=wrong)
        assert got.status_code == 404 and "Hello" not in got.text
        assert client.post("/v1/conversations/web-k1/messages", json={"text": "me too"},
                           headers=wrong).status_code == 404
    assert [m.text for m in seeded_container.conversations.messages("web-k1")] == ["Hi", "Hello! How can I help?"]
    ok = client.post("/v1/conversations/web-k1/messages", json={"text": "Are you there?"}, headers={KEY_HEADER: key})
    assert ok.status_code == 200 and ok.json()["text"] == "Still here."
    history = client.get("/v1/conversations/web-k1/messages", headers={KEY_HEADER: key}).json()["messages"]
    assert [m["text"] for m in history][-1] == "Still here."


def test_a_visitor_id_links_a_contact_only_when_the_site_signed_it(client, seeded_container):
    c = seeded_container
    c.model.chat.script += ["Hi!"] * 4
    cases = {"web-v1": {"visitor_id": "visitor-001"},  # typed into a request: proves nothing
             "web-v2": {"visitor_id": "visitor-001", "visitor_hash": sign_visitor(b"another site", "visitor-001")},
             "web-v3": {"visitor_id": "visitor-001", "visitor_hash": signed_visitor("visitor-002")["visitor_hash"]},
             "web-v4": signed_visitor("visitor-001")}
    for cid, visitor in cases.items():
        assert client.post(f"/v1/conversations/{cid}/messages", json={"text": "Hello", **visitor}).status_code == 200
    linked = {cid: c.conversations.get(cid).contact_id for cid in cases}
    assert linked == {"web-v1": None, "web-v2": None, "web-v3": None, "web-v4": "con-002"}
    assert IDENTITY_SECRET not in str(c.conversations.messages("web-v4"))


def test_an_anonymous_visitor_cannot_revoke_or_erase_a_contacts_data(client, seeded_container):
    c = seeded_container
    before = {g.purpose for g in c.consents.active("con-002")}
    assert before, "the demo contact has consents to lose"
    for text in ("withdraw all my consents", "delete my data"):
        r = client.post("/v1/conversations/web-x1/messages", json={"text": text, "visitor_id": "visitor-001"})
        assert r.status_code == 200
    assert {g.purpose for g in c.consents.active("con-002")} == before
    assert c.crm.contact("con-002").get("frozen_at") is None
