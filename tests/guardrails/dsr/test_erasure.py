"""Erasure leaves zero traces. A customer's data is spread the way real use spreads it — CRM rows,
two conversations (one from before we knew who they were), checkpoints, a held reply in the review
queue, vector entries from their cases, a colleague's note on another contact, a consent offer, a
sign-in token — then they ask for erasure in chat. Afterwards an independent scan of every column of
every table (by reflection), every Chroma collection, the checkpoint file's bytes (and the SQLite
database's), and the log output finds none of their values. SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from sqlalchemy.orm import Session

from agent.types import Inbound
from evals.consent_attacks import VICTIM as VALUE_OF
from evals.consent_attacks import VICTIM_ID, call, found_in, scan_chroma, scan_file, scan_tables
from guardrails.dsr import hook_eraser
from tools.crm.models import Activity, Contact
from tools.policy import Actor

VICTIM = VICTIM_ID
VALUES = VALUE_OF
PHONE_DIGITS = "13857124406"


def sqlite_file(c):  # noqa: ANN001, ANN201
    from pathlib import Path

    from sqlalchemy.engine import make_url

    return Path(make_url(c.settings.database_url).database)


@pytest.fixture
def spread(db_container):
    """The victim's data in every store the product has."""
    c = db_container
    script = c.model.chat.script
    # 1. a web chat where they type their own phone and WeChat id, and the agent looks them up
    script += [call("customer_360"), "好的，王先生，已经为您记录。"]
    c.runner.handle(Inbound("web-1", f"我的手机是 {VALUES['phone']}，微信 {VALUES['wechat_id']}，请回电。",
                            channel_user_id=VALUES["web_visitor_id"]))
    # 2. a reply that waits for a reviewer (a discount is a commitment only a person may make)
    script.append(f"王磊您好，我们可以给您 20% 的折扣，稍后打 {PHONE_DIGITS} 联系您。")
    c.runner.handle(Inbound("web-1", "能打折吗？", channel_user_id=VALUES["web_visitor_id"]))
    assert c.queue.pending(), "the discount reply should wait for review"
    # 3. a WeCom conversation from before the CRM knew this external user id
    c.conversations.ensure("wecom-0", channel="wecom", persona="customer",
                           channel_user_id=VALUES["wecom_external_userid"])
    c.conversations.add_message("wecom-0", "customer", f"my email is {VALUES['email']}")
    # 4. another customer's conversation, which must survive
    script.append("Hello Sarah!")
    c.runner.handle(Inbound("web-other", "hi", channel_user_id="visitor-002"))
    # 5. vector entries: their case (indexed with its contact id), a chunk quoting their email, a stranger's
    col = c.chroma.get_or_create_collection("cases_internal", embedding_function=None)
    col.add(ids=["case-002", "case-001", "note-x"], embeddings=[[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]],
            documents=["企业微信群收不到看板推送，麻烦回电 138 5712 4406", "SAML SSO audience mismatch",
                       f"follow up with {VALUES['email']}"],
            metadatas=[{"contact_id": VICTIM, "case_id": "case-002"}, {"contact_id": "con-001"}, {"kind": "note"}])
    # 6. a colleague's note on another contact of the same account that mentions them
    with Session(c.engine) as s:
        s.add(Activity(contact_id="con-003", account_id="acc-002", rep_id="rep-002", kind="note",
                       summary=f"王磊 asked us to copy {VALUES['email']} on the renewal."))
        s.commit()
    # 7. an open consent offer and a customer sign-in token
    c.consent_offers.offer(conversation_id="web-1", contact_id=VICTIM, purpose="profiling",
                           data_categories=["social_behavioural"], channels=["web"], language="zh")
    c.tokens.create("customer", VICTIM, label=f"token for {VALUES['name']}")
    assert scan_tables(c.engine) and scan_chroma(c.chroma)
    # checkpoints live in the app's database on PostgreSQL (langgraph-checkpoint-postgres), else in their file
    assert scan_file(c.settings.checkpoint_path) if c.engine.dialect.name == "sqlite" else \
        any(table.startswith("checkpoint") for table, _, _ in scan_tables(c.engine))
    if c.engine.dialect.name == "sqlite":
        assert set(scan_file(sqlite_file(c))) >= {"name", "email", "phone"}
    return c


def test_erasure_leaves_zero_traces(spread, caplog):
    caplog.set_level(logging.DEBUG)
    c = spread
    vault_calls: list[tuple[str, str]] = []
    c.dsr.erasers.insert(0, hook_eraser(
        "pii_vault", by_contact=lambda cid: vault_calls.append(("contact", cid)) or 2,
        by_conversation=lambda cid: vault_calls.append(("conversation", cid)) or 1))

    # the customer asks in chat; the request is carried out in code, in their language
    reply = c.runner.handle(Inbound("web-1", "请删除我的信息", channel_user_id=VALUES["web_visitor_id"]))
    assert reply.language == "zh" and "24 小时" in reply.text
    [request] = c.dsr.list(contact_id=VICTIM)
    assert request.kind == "erase" and request.status == "frozen" and request.done["frozen"]
    assert reply.text.count(request.id) == 1

    # frozen at once: no tool, outbound message or retrieval may use them any more
    assert not c.policy.decide(Actor("customer", VICTIM, "web"), contact_id=VICTIM, purpose="service",
                               categories=["contact_details"]).allowed
    assert not c.policy.can_contact(VICTIM, "wecom", "service").allowed
    assert not c.policy.case_learning_allowed(VICTIM)
    assert c.chroma.get_collection("cases_internal").get(where={"contact_id": VICTIM})["ids"] == []  # freeze hook

    done = c.dsr.erase(request.id, actor="admin:dpo")
    assert done.status == "proven", done.note
    receipt = done.receipt
    assert receipt["residue"] == 0 and receipt["residue_at"] == []
    stores = {r["store"]: r for r in receipt["removed"]}
    assert {"pii_vault", "chroma", "checkpoints", "messages", "review_queue", "consent", "access_tokens",
            "crm_records", "free_text", "crm_contact"} <= set(stores)
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["sha256"]) for r in receipt["removed"])
    assert stores["messages"]["detail"]["conversations"] == 2  # the WeCom one found by its channel id
    assert stores["checkpoints"]["items"] == 2 and stores["review_queue"]["items"] >= 1
    assert stores["free_text"]["detail"] == {"crm_activities": 2}  # the colleague's note, name and email
    assert ("contact", VICTIM) in vault_calls and ("conversation", "web-1") in vault_calls
    assert not found_in(json.dumps(done.as_dict(), ensure_ascii=False, default=str))

    # the independent scan: every table and column, every vector, the checkpoint file, the logs
    assert scan_tables(c.engine) == []
    assert scan_chroma(c.chroma) == []
    assert scan_file(c.settings.checkpoint_path) == []
    if c.engine.dialect.name == "sqlite":
        assert scan_file(sqlite_file(c)) == [], "deleted bytes left in the database file"
    assert found_in(caplog.text) == []

    # what must stay: a tombstone, other people's data, the audit chain intact
    with Session(c.engine) as s:
        tomb = s.get(Contact, VICTIM)
        assert tomb is not None and tomb.erased_at is not None and tomb.name == "" and tomb.account_id is None
        assert s.get(Contact, "con-001").name == "Sarah Lindqvist"
    assert c.conversations.get("web-other") is not None and c.conversations.get("web-1") is None
    assert c.chroma.get_collection("cases_internal").get()["ids"] == ["case-001"]
    assert c.runner.agent.get_state({"configurable": {"thread_id": "web-other"}}).values.get("messages")
    assert c.audit.verify() is None
    actions = [e.action for e in c.audit.entries(subject=f"contact:{VICTIM}")]
    assert "dsr.erase.open" in actions and "dsr.freeze" in actions and "dsr.erase.done" in actions
    with pytest.raises(Exception, match="already erased"):
        c.dsr.open(kind="export", contact_id=VICTIM, source="api", requested_by="admin:dpo")
