"""Exporters: one per store, each returning what that store holds about a subject as plain JSON values.
Stores owned by other packages (conversations, ...) plug in the same way, wired by the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import sessionmaker

from guardrails.audit import AuditLog
from guardrails.consent.ledger import ConsentLedger
from guardrails.dsr.subject import Subject
from guardrails.verification.queue import ReviewItem
from tools.crm.models import Account, Activity, Case, Contact, Deal, Lead
from tools.crm.store import as_dict


@dataclass(frozen=True)
class Exporter:
    section: str
    export: Callable[[Subject], Any]


def crm_exporter(engine: Engine) -> Exporter:
    sessions = sessionmaker(engine)

    def export(subject: Subject) -> dict[str, Any]:
        cid = subject.contact_id
        with sessions() as s:
            contact = s.get(Contact, cid)
            account = s.get(Account, contact.account_id) if contact and contact.account_id else None
            return {
                "contact": as_dict(contact) if contact else None,
                "account": as_dict(account) if account else None,
                "deals": [as_dict(r) for r in s.scalars(select(Deal).where(Deal.contact_id == cid))],
                "leads": [as_dict(r) for r in s.scalars(select(Lead).where(Lead.contact_id == cid))],
                "cases": [as_dict(r) for r in s.scalars(select(Case).where(Case.contact_id == cid))],
                "activities": [as_dict(r) for r in s.scalars(select(Activity).where(Activity.contact_id == cid)
                                                             .order_by(Activity.occurred_at))],
            }

    return Exporter("crm", export)


def consent_exporter(ledger: ConsentLedger) -> Exporter:
    """Every grant with its provenance, and the exact text of every notice they answered."""

    def export(subject: Subject) -> dict[str, Any]:
        grants = [g.as_dict() for g in ledger.history(subject.contact_id)]
        notices = {}
        for g in grants:
            if g["notice_hash"] and g["notice_hash"] not in notices and (n := ledger.notice(g["notice_hash"])):
                notices[n.hash] = {"language": n.language, "template_version": n.template_version, "text": n.text}
        return {"grants": grants, "notices": notices}

    return Exporter("consents", export)


def audit_exporter(audit: AuditLog) -> Exporter:
    def export(subject: Subject) -> list[dict[str, Any]]:
        subjects = [f"contact:{subject.contact_id}", *(f"conversation:{c}" for c in subject.conversation_ids)]
        return [{"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "subject": e.subject,
                 "purpose": e.purpose, "detail": e.detail, "hash": e.hash}
                for e in audit.entries(subjects=subjects, limit=100_000)]

    return Exporter("audit", export)


def queue_exporter(engine: Engine) -> Exporter:
    sessions = sessionmaker(engine)

    def export(subject: Subject) -> list[dict[str, Any]]:
        cond = ReviewItem.contact_id == subject.contact_id
        if subject.conversation_ids:
            cond = cond | ReviewItem.conversation_id.in_(subject.conversation_ids)
        with sessions() as s:
            return [as_dict(r) for r in s.scalars(select(ReviewItem).where(cond).order_by(ReviewItem.id))]

    return Exporter("review_queue", export)
