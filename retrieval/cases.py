"""Past cases and won deals from the CRM as internal knowledge, under consent and anonymised.

Only records whose contact granted `case_learning` are indexed (`allowed(contact_id)` is the consent
check, injected by the app; the default refuses everything), and only after `anonymise(text)` (the
PII guardrail, injected) has removed personal data. Each chunk keeps the contact it came from, so
revoking consent or erasing the contact removes every vector derived from them (`remove_contact`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from retrieval.knowledge import KnowledgeBase
from retrieval.loaders.document import Document, Section
from tools.crm.models import Account, Case, Contact, Deal
from tools.crm.store import SqlCrmStore

CASES_AUDIENCE = "internal"


def refuse_all(contact_id: str) -> bool:  # noqa: ARG001 - the safe default until a consent check is wired
    return False


@dataclass
class CaseSyncReport:
    indexed: int = 0
    unchanged: int = 0
    removed: int = 0
    refused: list[str] = field(default_factory=list)  # record ids left out for lack of consent


def _case_document(case: Case, anonymise: Callable[[str], str]) -> Document:
    sections = [Section(("Problem",), anonymise(case.body))] if case.body.strip() else []
    if case.resolution.strip():
        sections.append(Section(("Resolution",), anonymise(case.resolution)))
    return Document(f"cases/{case.id}", anonymise(case.subject), sections, language=case.language or "")


def _deal_document(deal: Deal, account: Account | None, anonymise: Callable[[str], str]) -> Document:
    # the account's name identifies the customer; its industry, region and size are what make it comparable
    about = ", ".join(x for x in (account.industry, account.region, f"{account.employees} employees"
                                  if account.employees else "") if x) if account else ""
    facts = (f"Won {deal.edition or deal.product_line} deal: {deal.amount:,.0f} {deal.currency}"
             f"{f', closed {deal.closed_on.isoformat()}' if deal.closed_on else ''}{f'; customer: {about}' if about else ''}.")
    body = f"{facts}\n\n{anonymise(deal.notes)}" if deal.notes.strip() else facts
    return Document(f"deals/{deal.id}", f"Won deal: {deal.product_line or 'product'} {deal.edition}".strip(),
                    [Section((), body)])


def sync_case_knowledge(kb: KnowledgeBase, crm: SqlCrmStore, *, anonymise: Callable[[str], str],
                        allowed: Callable[[str], bool] = refuse_all, audience: str = CASES_AUDIENCE,
                        collection: str = "") -> CaseSyncReport:
    """Bring the cases collection in line with the CRM and the consents: index what is allowed and
    new or changed; remove what is no longer allowed, erased or deleted. Safe to run repeatedly."""
    collection = collection or kb.cases_collection
    store = kb.store(audience, collection)
    existing: dict[str, str] = {}
    for _, _, metas in store.pages(include=["metadatas"]):
        for m in metas:
            existing[m["source"]] = m.get("file_hash", "")
    report = CaseSyncReport()
    wanted: dict[str, tuple[Document, dict[str, str]]] = {}
    with crm.session() as s:
        erased = {cid for (cid,) in s.execute(select(Contact.id).where(Contact.erased_at.is_not(None)))}
        records: list[tuple[str, str | None, Callable[[], Document], str]] = []
        for case in s.scalars(select(Case).where(Case.status == "closed")):
            raw = "\n".join((case.subject, case.body, case.resolution, case.language or ""))
            records.append((f"cases/{case.id}", case.contact_id, lambda c=case: _case_document(c, anonymise), raw))
        for deal in s.scalars(select(Deal).where(Deal.stage == "won")):
            account = s.get(Account, deal.account_id) if deal.account_id else None
            raw = "\n".join(map(str, (deal.name, deal.edition, deal.product_line, deal.amount, deal.currency,
                                      deal.closed_on, deal.notes, account and account.industry,
                                      account and account.region, account and account.employees)))
            records.append((f"deals/{deal.id}", deal.contact_id,
                            lambda d=deal, a=account: _deal_document(d, a, anonymise), raw))
        for source, contact_id, build, raw in records:
            if not contact_id or contact_id in erased or not allowed(contact_id):
                report.refused.append(source)
                continue
            digest = hashlib.sha256(raw.encode()).hexdigest()[:16]
            if existing.get(source) == digest:
                report.unchanged += 1
                wanted[source] = (None, {})  # type: ignore[assignment] - kept as is
                continue
            wanted[source] = (build(), {"contact_id": contact_id, "kind": source.split("/")[0],
                                        "file_hash": digest})
    stale = [src for src in existing if src not in wanted or wanted[src][0] is not None]
    for source in stale:
        store.delete_where({"source": source})
    report.removed = sum(1 for src in stale if src not in wanted)
    fresh = [(doc, extra) for doc, extra in wanted.values() if doc is not None]
    if fresh:
        kb.add_documents(audience, fresh, collection=collection)
        report.indexed = len(fresh)
    elif stale:
        store.bump()
    return report
