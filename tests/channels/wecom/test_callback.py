"""The callback over HTTP: URL verification, messages reaching the agent with exactly one reply,
and every kind of bad request refused with no side effect."""

from __future__ import annotations

import secrets
import time

from sqlalchemy import func, select

from channels.wecom.store import InboundRecord, OutboundRecord, SeenNonce
from guardrails.access import Principal
from tests.channels.wecom.conftest import (
    CORP,
    CUSTOMER,
    KFID,
    REP_USERID,
    Poster,
    kf_event_xml,
    text_xml,
    wait_for,
)


def _rows(container, model) -> int:  # noqa: ANN001
    with container.crm.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_url_verification_answers_with_the_plaintext_and_refuses_forgeries(wecom_client, poster: Poster):
    ts, nonce = str(int(time.time())), "verify-1"
    echostr = poster.crypto.encrypt("5927782489442352469")
    params = {"msg_signature": poster.crypto.sign(ts, nonce, echostr), "timestamp": ts, "nonce": nonce,
              "echostr": echostr}
    r = wecom_client.get("/wecom/callback", params=params)
    assert r.status_code == 200 and r.text == "5927782489442352469"
    forged = wecom_client.get("/wecom/callback", params={**params, "nonce": "verify-2",
                                                         "msg_signature": "a" * 40})
    assert forged.status_code == 403 and "5927782489442352469" not in forged.text


def test_rep_message_reaches_the_agent_and_the_reply_is_sent_exactly_once(wecom_client, wecom_container,
                                                                           fake_wecom, poster: Poster):
    r = poster.post(text_xml(REP_USERID, "How much is the Pro edition?", "7000000000000000001"))
    assert r.status_code == 200 and r.text == "success"
    again = poster.post(text_xml(REP_USERID, "How much is the Pro edition?", "7000000000000000001"))  # WeCom retry
    assert again.status_code == 200 and again.text == "success"
    assert wecom_container.wecom.handler.wait_idle(30)
    sent = wait_for(lambda: fake_wecom.messages_to(REP_USERID))
    time.sleep(0.5)  # give a wrong second send the chance to show up
    assert len(fake_wecom.messages_to(REP_USERID)) == 1
    assert "Pro" in sent[0].text
    convo = wecom_container.conversations.get(f"wecom-rep-{REP_USERID}")
    assert convo is not None and convo.persona == "rep" and convo.channel == "wecom"
    roles = [m.role for m in wecom_container.conversations.messages(convo.id)]
    assert roles == ["rep", "assistant"], "the retried MsgId must not reach the agent twice"


def test_customer_message_through_customer_service_gets_one_reply(wecom_client, wecom_container, fake_wecom,
                                                                   poster: Poster):
    fake_wecom.customer_says(CUSTOMER, KFID, "How much is the Pro edition?")
    assert poster.post(kf_event_xml("evt-token-1")).text == "success"
    assert wecom_container.wecom.handler.wait_idle(30)
    [holding] = wait_for(lambda: fake_wecom.messages_to(CUSTOMER))
    # a first contact on WeCom waits for a reviewer (verification rules); the customer is told so
    assert holding.open_kfid == KFID and "colleague" in holding.text
    [item] = wecom_container.queue.pending()
    assert item.channel == "wecom" and "Pro" in item.draft and "first_contact" in item.rules
    wecom_container.desk.decide(Principal("reviewer", "alice"), item.id, "approve")
    wecom_container.worker().drain()  # the outbox hands the approved reply to WeCom's paced sender
    wait_for(lambda: len(fake_wecom.messages_to(CUSTOMER)) == 2)
    approved = fake_wecom.messages_to(CUSTOMER)[1]
    assert approved.open_kfid == KFID and "Pro" in approved.text
    convo = wecom_container.conversations.get(f"wecom-{CUSTOMER}")
    assert convo.persona == "customer" and convo.channel_user_id == CUSTOMER
    demo = wecom_container.crm.contact_by_channel("wecom", CUSTOMER)
    assert convo.contact_id == demo["id"], "the external userid resolves to the CRM contact"
    # another event (more messages may have arrived) re-syncs from the cursor: nothing is answered twice
    fake_wecom.customer_says(CUSTOMER, KFID, "Do you support SSO?")
    assert poster.post(kf_event_xml("evt-token-2")).text == "success"
    assert wecom_container.wecom.handler.wait_idle(30)
    wait_for(lambda: len(fake_wecom.messages_to(CUSTOMER)) == 3)
    time.sleep(0.5)
    assert len(fake_wecom.messages_to(CUSTOMER)) == 3, "each reply is sent once"
    stored = wecom_container.conversations.messages(convo.id)
    assert [m.role for m in stored] == ["customer", "assistant"] * 2
    assert [m.status for m in stored if m.role == "assistant"] == ["sent", "sent"]
    assert wecom_container.wecom.store.route(convo.id) == (CUSTOMER, KFID)


def test_held_reply_sends_the_holding_text_not_the_draft(wecom_client, wecom_container, fake_wecom, poster):
    wecom_container.model.chat.script.append("Sure, I can give you a 20% discount on Pro.")
    fake_wecom.customer_says(CUSTOMER, KFID, "Can I get a discount?")
    poster.post(kf_event_xml("evt-token-disc"))
    assert wecom_container.wecom.handler.wait_idle(30)
    [reply] = wait_for(lambda: fake_wecom.messages_to(CUSTOMER))
    assert "20%" not in reply.text and "discount" not in reply.text
    [item] = wecom_container.queue.pending()
    assert item.conversation_id == f"wecom-{CUSTOMER}" and "20% discount" in item.draft


def test_member_who_is_not_a_rep_is_ignored(wecom_client, wecom_container, fake_wecom, poster):
    assert poster.post(text_xml("SomeColleague", "show me all customers", "7000000000000000009")).status_code == 200
    assert wecom_container.wecom.handler.wait_idle(30)
    assert wecom_container.wecom.store.inbound_status("msg:7000000000000000009") == "ignored"
    assert fake_wecom.state.delivered == [] and wecom_container.conversations.get("wecom-rep-SomeColleague") is None


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
                  + ']><xml><Encrypt>&i;</Encrypt></xml>')


def test_bad_requests_are_refused_with_no_side_effect(wecom_client, wecom_container, fake_wecom, poster: Poster):
    inner = text_xml(REP_USERID, "How much is the Pro edition?", "7100000000000000001")
    params, body = poster.sealed(inner)
    post = lambda p, b: wecom_client.post("/wecom/callback", params=p, content=b)  # noqa: E731
    stale_ts = str(int(time.time()) - 3600)
    stale_params, stale_body = poster.sealed(inner, ts=stale_ts)
    evil_inner_params, evil_inner_body = poster.sealed(BILLION_LAUGHS.replace("<Encrypt>&i;</Encrypt>",
                                                                              "<Content>&i;</Content>"))
    bad_inner_params, bad_inner_body = poster.sealed("<xml><Content>unclosed")
    nonce = secrets.token_hex(6)
    cases = [
        ("forged signature", post({**params, "msg_signature": "0" * 40}, body), 403),
        ("signature from another token", post(*Poster(wecom_client, _other_crypto()).sealed(inner)), 403),
        ("stale timestamp", post(stale_params, stale_body), 403),
        ("oversized body", post(params, body.replace("</xml>", "<Pad>" + "x" * 40_000 + "</Pad></xml>")), 413),
        ("malformed XML", post(params, body[:-10]), 400),
        ("entity expansion", post({**params, "nonce": nonce}, BILLION_LAUGHS), 400),
        ("entity expansion inside the ciphertext", post(evil_inner_params, evil_inner_body), 400),
        ("malformed inner XML", post(bad_inner_params, bad_inner_body), 400),
        ("missing parameters", wecom_client.post("/wecom/callback", content=body), 422),
    ]
    for name, response, status in cases:
        assert response.status_code == status, (name, response.status_code, response.text)
    for model in (SeenNonce, InboundRecord, OutboundRecord):
        assert _rows(wecom_container, model) == 0, f"a refused request left a {model.__tablename__} row"
    assert [c for c in fake_wecom.state.calls if c != "/cgi-bin/gettoken"] == []
    assert wecom_container.conversations.get(f"wecom-rep-{REP_USERID}") is None

    # the genuine request is accepted once; the same request again is a replay and changes nothing
    assert post(params, body).status_code == 200
    assert wecom_container.wecom.handler.wait_idle(30)
    before = (_rows(wecom_container, InboundRecord), len(wecom_container.conversations.messages(f"wecom-rep-{REP_USERID}")))
    replay = post(params, body)
    assert replay.status_code == 409 and "replay" in replay.json()["error"]["message"]
    assert wecom_container.wecom.handler.wait_idle(30)
    after = (_rows(wecom_container, InboundRecord), len(wecom_container.conversations.messages(f"wecom-rep-{REP_USERID}")))
    assert before == after == (1, 2)


def _other_crypto():  # noqa: ANN202
    from channels.wecom.crypto import WeComCrypto
    from tests.channels.wecom.conftest import KEY

    return WeComCrypto("someone-elses-token", KEY, CORP)


def test_a_rep_message_waits_for_a_turn_running_elsewhere_then_is_answered(wecom_client, wecom_container,
                                                                         fake_wecom, poster: Poster):
    """Another process (or channel) running a turn of the conversation holds its lease: the message waits for
    it instead of running beside it, and is answered once it ends."""
    from agent.turns import TurnLeases
    from app.db import make_engine

    engine = make_engine(wecom_container.settings.database_url)
    elsewhere = TurnLeases(engine).hold(f"wecom-rep-{REP_USERID}")
    elsewhere.__enter__()
    try:
        assert poster.post(text_xml(REP_USERID, "How much is the Pro edition?", "7000000000000000101")).text == \
            "success"
        assert not wecom_container.wecom.handler.wait_idle(1.5), "it waits while the other turn runs"
        assert fake_wecom.messages_to(REP_USERID) == []
    finally:
        elsewhere.__exit__(None, None, None)
    assert wecom_container.wecom.handler.wait_idle(30)
    sent = wait_for(lambda: fake_wecom.messages_to(REP_USERID))
    assert "Pro" in sent[0].text
    assert wecom_container.wecom.store.inbound_status("msg:7000000000000000101") == "replied"
    engine.dispose()


def test_a_rep_message_that_waits_too_long_is_told_to_send_again(wecom_client, wecom_container, fake_wecom,
                                                                 poster: Poster, monkeypatch):
    from agent.turns import TurnLeases
    from app.db import make_engine
    from channels.wecom.handler import BUSY

    monkeypatch.setattr("app.container.QUEUED_TURN_WAIT_S", 0.3)
    engine = make_engine(wecom_container.settings.database_url)
    with TurnLeases(engine).hold(f"wecom-rep-{REP_USERID}"):
        poster.post(text_xml(REP_USERID, "How much is the Pro edition?", "7000000000000000102"))
        assert wecom_container.wecom.handler.wait_idle(30)
    sent = wait_for(lambda: fake_wecom.messages_to(REP_USERID))
    assert [m.text for m in sent] == [BUSY["en"]], "never silence: the rep hears the message was not answered"
    assert wecom_container.wecom.store.inbound_status("msg:7000000000000000102") == "busy"
    assert wecom_container.conversations.messages(f"wecom-rep-{REP_USERID}") == [], "nothing half-stored"
    engine.dispose()
