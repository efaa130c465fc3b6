"""Past cases and won deals: consent decides what is indexed, text is anonymised first, and a contact's
vectors go when their consent does (or when they are erased)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db import upgrade
from app.demo.seed import load_tenant, seed_crm
from retrieval.cases import sync_case_knowledge
from tools.crm.models import Contact
from tools.crm.store import SqlCrmStore

EMAIL = re.compile(r"\S+@\S+")
PHONE = re.compile(r"\+?\d[\d ]{7,}\d")


def redact(text: str) -> str:
    """Stands in for the PII guardrail (issue 3): the injected callable is all this layer relies on."""
    return PHONE.sub("<PHONE_NUMBER>", EMAIL.sub("<EMAIL_ADDRESS>", text))


@pytest.fixture
def crm(tmp_path):  # noqa: ANN201
    from sqlalchemy import create_engine

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    upgrade(url)
    engine = create_engine(url)
    with Session(engine) as s:
        seed_crm(s, load_tenant())
    yield SqlCrmStore(engine)
    engine.dispose()


def _sources(kb, audience="internal"):  # noqa: ANN001, ANN202
    return {h.source for h in kb.searcher(audience).search("SSO login problem customer resolved", k=200)}


def test_nothing_is_indexed_without_a_consent_check(kb_factory, crm):
    kb = kb_factory()
    report = sync_case_knowledge(kb, crm, anonymise=redact)
    assert report.indexed == 0 and len(report.refused) > 10
    assert kb.store("internal", kb.cases_collection).count() == 0


def test_only_consenting_contacts_are_indexed_anonymised_and_internal(kb_factory, crm):
    kb = kb_factory()
    consenting = {"con-001", "con-002"}
    report = sync_case_knowledge(kb, crm, anonymise=redact, allowed=lambda cid: cid in consenting)
    # con-001: case-001 + two won deals; con-002: case-002 (+ any won deal of theirs)
    assert report.indexed >= 3
    metas = kb.store("internal", kb.cases_collection).col.get(include=["metadatas", "documents"])
    assert {m["contact_id"] for m in metas["metadatas"]} == consenting
    text = "\n".join(metas["documents"])
    assert "sarah.lindqvist@" not in text and "617 555 0142" not in text and "138 5712 4406" not in text
    assert "<EMAIL_ADDRESS>" in text and "<PHONE_NUMBER>" in text
    assert "Northwind" not in text  # the account name identifies the customer; deals keep industry/size only
    hits = kb.searcher("internal").search("Okta SAML audience mismatch", k=3)
    assert hits[0].source == "cases/case-001" and hits[0].meta["contact_id"] == "con-001"
    assert hits[0].audience == "internal"
    assert not any(h.source.startswith(("cases/", "deals/")) for h in kb.searcher("public").search("Okta SAML", k=50))


def test_unchanged_records_are_not_re_embedded(kb_factory, crm):
    kb = kb_factory()
    allowed = {"con-001"}.__contains__
    sync_case_knowledge(kb, crm, anonymise=redact, allowed=allowed)
    again = sync_case_knowledge(kb, crm, anonymise=redact, allowed=allowed)
    assert again.indexed == 0 and again.unchanged >= 3 and again.removed == 0


def test_revoked_consent_and_erasure_remove_the_contacts_vectors(kb_factory, crm):
    kb = kb_factory()
    consenting = {"con-001", "con-002", "con-003"}
    sync_case_knowledge(kb, crm, anonymise=redact, allowed=lambda cid: cid in consenting)
    col = kb.store("internal", kb.cases_collection).col

    def contacts() -> set[str]:
        return {m["contact_id"] for m in col.get(include=["metadatas"])["metadatas"]}

    assert contacts() == consenting
    # erasure (issue 4 freezes/erases the contact and calls this hook): every vector goes at once
    _erase(crm, "con-002")
    removed = kb.remove_contact("con-002")
    assert removed >= 1 and contacts() == {"con-001", "con-003"}
    assert "cases/case-002" not in _sources(kb)
    assert kb.remove_contact("con-002") == 0 and kb.remove_contact("") == 0
    # revocation: the next sync drops what is no longer allowed; the erased contact stays out even
    # though this (stale) consent check still says yes for them
    consenting.discard("con-003")
    report = sync_case_knowledge(kb, crm, anonymise=redact, allowed=lambda cid: cid in consenting)
    assert report.removed >= 1 and report.indexed == 0 and contacts() == {"con-001"}
    assert "cases/case-002" in report.refused and "cases/case-003" in report.refused


def _erase(crm: SqlCrmStore, contact_id: str) -> None:
    with crm.session() as s:
        s.execute(update(Contact).where(Contact.id == contact_id).values(erased_at=datetime(2026, 1, 1)))
        s.commit()
