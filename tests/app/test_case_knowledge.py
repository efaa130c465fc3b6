"""Past cases reach the knowledge base only with `case_learning` consent, anonymised, and leave it on
revocation or erasure — wired end to end through the container (consent policy, PII, retrieval)."""

from __future__ import annotations

from sqlalchemy import select

from tools.crm.models import Case, Contact


def _case_chunks(c) -> list[dict]:
    store = c.kb.store("internal", c.kb.cases_collection)
    return [dict(m, text=d) for _, docs, metas in store.pages(include=["documents", "metadatas"])
            for d, m in zip(docs, metas, strict=True)]


def test_only_consenting_contacts_cases_are_indexed_anonymised_and_revocation_removes_them(seeded_container):
    c = seeded_container
    report = c.sync_case_knowledge()
    assert report.indexed > 0 and report.refused, "some contacts allow case learning, some do not"
    chunks = _case_chunks(c)
    contacts = {m["contact_id"] for m in chunks if m.get("contact_id")}
    assert contacts and all(c.policy.case_learning_allowed(cid) for cid in contacts)
    assert "con-003" not in contacts, "con-003 never granted case_learning"
    with c.crm.session() as s:
        phones = [row.phone for row in s.scalars(select(Contact))
                  if row.phone]
        bodies = [case.body for case in s.scalars(select(Case))]
    assert any(p in b for p in phones for b in bodies), "the demo cases mention phone numbers"
    assert not any(p in ch["text"] for p in phones for ch in chunks), "no raw phone number is embedded"

    victim = sorted(contacts)[0]
    c.consents.revoke(victim, "case_learning", by="admin:test", reason="test")
    assert victim not in {m.get("contact_id") for m in _case_chunks(c)}, "revocation removes their cases at once"
    hits = c.kb.searcher("internal").search(next(ch["text"] for ch in chunks if ch["contact_id"] == victim)[:200], k=10)
    assert all((h.meta or {}).get("contact_id") != victim for h in hits), "and the BM25 index forgot them too"
    again = c.sync_case_knowledge()
    assert victim not in {m.get("contact_id") for m in _case_chunks(c)} and again.indexed == 0
