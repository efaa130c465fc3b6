"""Erasers: one per store, each removing what that store holds about a subject and saying what it
removed (a count and a digest, never the values). This module has the SQL stores guardrails and the CRM
own; `guardrails.dsr.stores` has those reached through objects the app hands in (Chroma, checkpoints,
hooks). Stores owned by other packages plug in the same way (`Eraser(name, erase, residue)`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import sessionmaker

from guardrails.access.tokens import AccessToken
from guardrails.consent.ledger import ConsentLedger
from guardrails.consent.models import ConsentOffer
from guardrails.dsr.subject import Subject
from guardrails.verification.queue import ReviewItem
from tools.crm.models import Activity, Case, Contact, Deal, Lead
from tools.crm.store import as_dict
from tools.sqlbase import utcnow


@dataclass(frozen=True)
class Erased:
    store: str
    items: int  # rows, documents, threads... removed or blanked
    digest: str  # sha256 over what was removed (whole records, so it reveals nothing on its own)
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class Eraser:
    name: str
    erase: Callable[[Subject], Erased]
    residue: Callable[[Subject], list[str]] | None = None  # where traces remain, e.g. ["chroma:kb_cases"]


def digest_of(records: list[Any]) -> str:
    canonical = json.dumps(records, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- guardrails' own and the CRM's stores --------------------------------------------------------

def crm_records_eraser(engine: Engine) -> Eraser:
    """Delete the contact's activities, cases and leads (their free text is about the person) and unlink
    their deals (the account's business records stay)."""
    sessions = sessionmaker(engine)

    def erase(subject: Subject) -> Erased:
        cid = subject.contact_id
        removed: dict[str, list[dict[str, Any]]] = {}
        with sessions() as s:
            for name, model in (("activities", Activity), ("cases", Case), ("leads", Lead)):
                removed[name] = [as_dict(r) for r in s.scalars(select(model).where(model.contact_id == cid))]
                s.execute(delete(model).where(model.contact_id == cid))
            deals = list(s.scalars(select(Deal.id).where(Deal.contact_id == cid)))
            s.execute(update(Deal).where(Deal.contact_id == cid).values(contact_id=None))
            s.commit()
        return Erased("crm_records", sum(len(v) for v in removed.values()), digest_of([removed, deals]),
                      {**{k: len(v) for k, v in removed.items()}, "deals_unlinked": len(deals)})

    return Eraser("crm_records", erase)


def contact_tombstone(engine: Engine) -> Eraser:
    """Blank the contact row to a tombstone: id and created/frozen/erased times. Runs last, once nothing
    else holds their values: until then the row is what says what to look for."""
    sessions = sessionmaker(engine)

    def erase(subject: Subject) -> Erased:
        with sessions() as s:
            contact = s.get(Contact, subject.contact_id)
            if contact is None:
                return Erased("crm_contact", 0, digest_of([None]))
            before = as_dict(contact)
            for column in ("name", "title", "email", "phone", "wechat_id", "language", "region"):
                setattr(contact, column, "")
            contact.web_visitor_id = contact.slack_user_id = contact.wecom_external_userid = None
            contact.account_id = None
            contact.frozen_at = contact.frozen_at or utcnow()
            contact.erased_at = utcnow()
            s.commit()
        return Erased("crm_contact", 1, digest_of([before]), {"kept": "tombstone"})

    return Eraser("crm_contact", erase)


def queue_eraser(engine: Engine) -> Eraser:
    """Review items about the contact or their conversations."""
    sessions = sessionmaker(engine)

    def erase(subject: Subject) -> Erased:
        cond = ReviewItem.contact_id == subject.contact_id
        if subject.conversation_ids:
            cond = cond | ReviewItem.conversation_id.in_(subject.conversation_ids)
        with sessions() as s:
            rows = [as_dict(r) for r in s.scalars(select(ReviewItem).where(cond))]
            s.execute(delete(ReviewItem).where(cond))
            s.commit()
        return Erased("review_queue", len(rows), digest_of(rows))

    return Eraser("review_queue", erase)


def consent_eraser(ledger: ConsentLedger, engine: Engine) -> Eraser:
    """Revoke every active grant (the history stays: it holds ids, provenance and notice hashes only, and
    proves what the contact had allowed) and drop open consent offers."""
    sessions = sessionmaker(engine)

    def erase(subject: Subject) -> Erased:
        revoked = ledger.revoke(subject.contact_id, by="system:dsr", reason="data erased on request",
                                source="dsr")
        with sessions() as s:
            offers = [as_dict(r) for r in s.scalars(select(ConsentOffer)
                                                     .where(ConsentOffer.contact_id == subject.contact_id))]
            s.execute(delete(ConsentOffer).where(ConsentOffer.contact_id == subject.contact_id))
            s.commit()
        return Erased("consent", len(revoked) + len(offers), digest_of([[g.id for g in revoked], offers]),
                      {"grants_revoked": len(revoked), "offers_deleted": len(offers)})

    return Eraser("consent", erase)


def token_eraser(engine: Engine) -> Eraser:
    """Customer sign-in tokens of the contact: revoked, labels cleared."""
    sessions = sessionmaker(engine)

    def erase(subject: Subject) -> Erased:
        with sessions() as s:
            rows = s.scalars(select(AccessToken).where(AccessToken.role == "customer",
                                                       AccessToken.subject == subject.contact_id)).all()
            for row in rows:
                row.revoked_at = row.revoked_at or utcnow()
                row.label = ""
            s.commit()
            ids = [r.id for r in rows]
        return Erased("access_tokens", len(ids), digest_of(ids))

    return Eraser("access_tokens", erase)
