"""The vault on SQLite and PostgreSQL: stable placeholders, encryption at rest, ownership from the CRM,
restoration per recipient, and the erasure hooks."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db import make_engine, upgrade
from app.demo.seed import load_tenant, seed_crm
from guardrails.pii import CrmOwnership, PiiGuard, Recipient, Vault, get_scanner
from guardrails.pii.vault import VaultRow
from tools.crm.store import SqlCrmStore


@pytest.fixture
def engine(db_url):  # noqa: ANN001, ANN201
    upgrade(db_url)
    eng = make_engine(db_url)
    with Session(eng) as s:
        seed_crm(s, load_tenant())
    yield eng
    eng.dispose()


def guard_on(engine, key: str = "k") -> PiiGuard:  # noqa: ANN001
    return PiiGuard(scanner=get_scanner, vault=Vault(engine, key), ownership=CrmOwnership(SqlCrmStore(engine)))


def test_placeholders_are_stable_per_conversation_and_encrypted_at_rest(engine):  # noqa: ANN001
    guard = guard_on(engine)
    a = guard.pseudonymise("Call me on 13812345678 or 13900001111.", conversation_id="c1", source="customer")
    b = guard.pseudonymise("Again: 13812345678", conversation_id="c1", source="customer")
    assert a == "Call me on <PHONE_NUMBER_1> or <PHONE_NUMBER_2>." and b == "Again: <PHONE_NUMBER_1>"
    other = guard.pseudonymise("13900001111", conversation_id="c2", source="customer")
    assert other == "<PHONE_NUMBER_1>", "numbering is per conversation"
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT value FROM pii_vault")).scalars().all()
    assert stored and not any("1381234" in v for v in stored), "values must be encrypted at rest"
    fresh = Vault(engine, "k")  # another process reads the same mapping back
    assert fresh.entries("c1")["<PHONE_NUMBER_1>"].value == "13812345678"


def test_tool_values_are_owned_by_their_crm_record_and_restored_per_recipient(engine):  # noqa: ANN001
    guard = guard_on(engine)
    cid = "c-own"
    typed = guard.pseudonymise("my email is sarah.lindqvist@northwind-robotics.example.com", conversation_id=cid,
                               source="customer", default_owner="contact:con-001")
    tool = guard.pseudonymise('{"colleague": "liu.fang@yunfan-logistics.example.cn"}', conversation_id=cid,
                              source="tool")
    entries = guard.vault.entries(cid)
    assert entries["<EMAIL_ADDRESS_2>"].owner == "contact:con-003"
    draft = f"{typed.split()[-1]} and {tool.split()[-1][1:-2]}"
    sarah = Recipient("customer", contact_id="con-001")
    out, blocked = guard.restore_for(draft, conversation_id=cid, recipient=sarah)
    assert "sarah.lindqvist@" in out and "liu.fang" not in out and blocked == ["<EMAIL_ADDRESS_2>"]
    owner_rep = Recipient("rep", rep_id="rep-002")  # acc-002 (con-003's account) is rep-002's
    out, blocked = guard.restore_for(draft, conversation_id=cid, recipient=owner_rep)
    assert "liu.fang@" in out and blocked == []
    other_rep = Recipient("rep", rep_id="rep-001")
    assert guard.restore_for(draft, conversation_id=cid, recipient=other_rep)[1] == ["<EMAIL_ADDRESS_2>"]


def test_erasure_hooks_remove_mappings(engine):  # noqa: ANN001
    guard = guard_on(engine)
    guard.pseudonymise("liu.fang@yunfan-logistics.example.cn", conversation_id="e1", source="tool")
    guard.pseudonymise("13812345678", conversation_id="e1", source="customer")
    guard.pseudonymise("13812345678", conversation_id="e2", source="customer")
    assert guard.erase_contact("con-003") == 1
    assert [e.owner for e in guard.vault.entries("e1").values()] == ["unknown"]
    assert guard.erase_conversation("e1") == 1
    with Session(engine) as s:
        assert s.scalars(select(VaultRow.conversation_id)).all() == ["e2"]
