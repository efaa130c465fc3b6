"""Who a Slack user is: a rep (`crm_reps.slack_user_id`), a customer contact (`crm_contacts.slack_user_id`)
or nobody we know. Also the few CRM reads Slack views need. A seam: swap it when the CRM grows an API."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import select

from tools.crm.models import Account, Contact, Lead, Rep
from tools.crm.store import SqlCrmStore, as_dict

OPEN_LEAD_STATES = ("new", "assigned", "accepted", "contacted", "working", "qualified")


class Directory(Protocol):
    def rep_by_slack_user(self, slack_user_id: str) -> dict[str, Any] | None: ...
    def rep(self, rep_id: str) -> dict[str, Any] | None: ...
    def contact_by_slack_user(self, slack_user_id: str) -> dict[str, Any] | None: ...
    def account_owner_of_contact(self, contact_id: str) -> str | None: ...
    def open_leads_for_rep(self, rep_id: str, limit: int = 10) -> list[dict[str, Any]]: ...


class CrmDirectory:
    """Read-only lookups through the CRM store's own session."""

    def __init__(self, crm: SqlCrmStore):
        self.crm = crm

    def rep_by_slack_user(self, slack_user_id: str) -> dict[str, Any] | None:
        if not slack_user_id:
            return None
        with self.crm.session() as s:
            row = s.scalar(select(Rep).where(Rep.slack_user_id == slack_user_id))
            return as_dict(row) if row is not None and row.active else None

    def rep(self, rep_id: str) -> dict[str, Any] | None:
        return self.crm.rep(rep_id)

    def contact_by_slack_user(self, slack_user_id: str) -> dict[str, Any] | None:
        return self.crm.contact_by_channel("slack", slack_user_id)

    def account_owner_of_contact(self, contact_id: str) -> str | None:
        with self.crm.session() as s:
            contact = s.get(Contact, contact_id)
            account = s.get(Account, contact.account_id) if contact and contact.account_id else None
            return account.owner_rep_id if account else None

    def open_leads_for_rep(self, rep_id: str, limit: int = 10) -> list[dict[str, Any]]:
        with self.crm.session() as s:
            rows = s.scalars(select(Lead).where(Lead.assigned_rep_id == rep_id, Lead.status.in_(OPEN_LEAD_STATES))
                             .order_by(Lead.assigned_at.desc()).limit(limit)).all()
            return [as_dict(r) for r in rows]
