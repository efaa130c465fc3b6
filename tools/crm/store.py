"""The CRM seam. Tools talk to `CrmStore`; `SqlCrmStore` is the built-in implementation.

Two protocols: `CrmStore` is the system of record (contacts, accounts, leads, activities, deal history)
and is what an external CRM adapter implements; `RoutingState` is lead routing's own bookkeeping
(assignments, round-robin turns) and can stay in our database beside any CRM. docs/crm_adapters.md
describes a HubSpot or Salesforce adapter.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine, func, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from tools.crm.models import Account, Activity, Case, Contact, Deal, Lead, LeadAssignment, Rep, RepRotation
from tools.sqlbase import begin_write, utcnow

CHANNEL_ID_COLUMNS = {
    "web": "web_visitor_id",
    "slack": "slack_user_id",
    "wecom": "wecom_external_userid",
}


@dataclass(frozen=True)
class Customer360:
    contact: dict[str, Any]
    account: dict[str, Any] | None
    deals: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    activities: list[dict[str, Any]] = field(default_factory=list)
    leads: list[dict[str, Any]] = field(default_factory=list)


class CrmStore(Protocol):
    def contact_by_channel(self, channel: str, channel_user_id: str) -> dict[str, Any] | None: ...
    def contact(self, contact_id: str) -> dict[str, Any] | None: ...
    def customer_360(self, contact_id: str) -> Customer360 | None: ...
    def search_accounts(self, text: str, limit: int = 10) -> list[dict[str, Any]]: ...
    def account_360(self, account_id: str) -> dict[str, Any] | None: ...
    def rep(self, rep_id: str) -> dict[str, Any] | None: ...
    def reps(self, *, active_only: bool = True) -> list[dict[str, Any]]: ...
    def account(self, account_id: str) -> dict[str, Any] | None: ...
    def match_account(self, text: str) -> dict[str, Any] | None: ...
    # leads
    def create_lead(self, **fields: Any) -> dict[str, Any]: ...
    def update_lead(self, lead_id: str, **fields: Any) -> dict[str, Any] | None: ...
    def lead(self, lead_id: str) -> dict[str, Any] | None: ...
    def lead_for_conversation(self, conversation_id: str) -> dict[str, Any] | None: ...
    def leads(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]: ...
    # activities and follow-ups
    def add_activity(self, *, kind: str, summary: str, contact_id: str | None = None, account_id: str | None = None,
                     rep_id: str | None = None, due_at: datetime | None = None) -> dict[str, Any]: ...
    def followups(self, *, rep_id: str | None = None, due_before: datetime | None = None) -> list[dict[str, Any]]: ...
    # history scoring learns from
    def closed_deals(self) -> list[dict[str, Any]]: ...
    def account_activity_count(self, account_id: str) -> int: ...


class RoutingState(Protocol):
    """Lead routing's bookkeeping: who was offered which lead, and whose turn it is."""

    def open_loads(self) -> dict[str, int]: ...
    def rotation(self) -> dict[str, tuple[int, datetime | None]]: ...
    def assign(self, lead_id: str, rep_id: str, *, reason: str, sla_due_at: datetime | None,
               now: datetime | None = None) -> dict[str, Any] | None: ...
    def unassign(self, lead_id: str, reason: str) -> None: ...
    def settle(self, lead_id: str, rep_id: str, state: str, now: datetime | None = None) -> bool: ...
    def assignments(self, lead_id: str) -> list[dict[str, Any]]: ...
    def expired_offers(self, now: datetime | None = None) -> list[dict[str, Any]]: ...
    def mark_notified(self, assignment_id: int) -> None: ...


def as_dict(row: object) -> dict[str, Any]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.key: getattr(row, c.key) for c in table.columns}


OPEN_LEAD_STATES = ("assigned", "accepted")  # a rep's load: leads offered to them or taken
LEAD_FIELDS = frozenset(c.key for c in Lead.__table__.columns) - {"id", "created_at", "updated_at"}


class SqlCrmStore:
    """CrmStore and RoutingState on SQLAlchemy: SQLite by default, PostgreSQL by URL."""

    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    def contact_by_channel(self, channel: str, channel_user_id: str) -> dict[str, Any] | None:
        column = CHANNEL_ID_COLUMNS.get(channel)
        if column is None or not channel_user_id:
            return None
        with self._sessions() as s:
            row = s.scalar(select(Contact).where(getattr(Contact, column) == channel_user_id))
            return as_dict(row) if row and row.erased_at is None else None

    def contact(self, contact_id: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.get(Contact, contact_id)
            return as_dict(row) if row and row.erased_at is None else None

    def rep(self, rep_id: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.get(Rep, rep_id)
            return as_dict(row) if row else None

    def customer_360(self, contact_id: str) -> Customer360 | None:
        with self._sessions() as s:
            contact = s.get(Contact, contact_id)
            if contact is None or contact.erased_at is not None:
                return None
            account = s.get(Account, contact.account_id) if contact.account_id else None
            by_account = Deal.account_id == contact.account_id if account else Deal.contact_id == contact_id
            deals = s.scalars(select(Deal).where(by_account)).all()
            cases = s.scalars(select(Case).where(Case.contact_id == contact_id)).all()
            acts = s.scalars(
                select(Activity).where(Activity.contact_id == contact_id).order_by(Activity.occurred_at.desc()).limit(10)
            ).all()
            leads = s.scalars(select(Lead).where(Lead.contact_id == contact_id)).all()
            return Customer360(
                contact=as_dict(contact),
                account=as_dict(account) if account else None,
                deals=[as_dict(d) for d in deals],
                cases=[as_dict(c) for c in cases],
                activities=[as_dict(a) for a in acts],
                leads=[as_dict(lead) for lead in leads],
            )

    def search_accounts(self, text: str, limit: int = 10) -> list[dict[str, Any]]:
        needle = f"%{text.strip()}%"
        with self._sessions() as s:
            rows = s.scalars(
                select(Account).where(or_(Account.name.ilike(needle), Account.industry.ilike(needle))).limit(limit)
            ).all()
            return [as_dict(r) for r in rows]

    def account(self, account_id: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.get(Account, account_id)
            return as_dict(row) if row else None

    def account_360(self, account_id: str) -> dict[str, Any] | None:
        """The account with its (not erased) contacts, deals, recent activities and leads."""
        with self._sessions() as s:
            account = s.get(Account, account_id)
            if account is None:
                return None
            contacts = s.scalars(select(Contact).where(Contact.account_id == account_id,
                                                       Contact.erased_at.is_(None))).all()
            deals = s.scalars(select(Deal).where(Deal.account_id == account_id).order_by(Deal.closed_on)).all()
            acts = s.scalars(select(Activity).where(Activity.account_id == account_id)
                             .order_by(Activity.occurred_at.desc()).limit(10)).all()
            leads = s.scalars(select(Lead).where(Lead.account_id == account_id)).all()
            return {"account": as_dict(account), "contacts": [as_dict(c) for c in contacts],
                    "deals": [as_dict(d) for d in deals], "activities": [as_dict(a) for a in acts],
                    "leads": [as_dict(lead) for lead in leads]}

    def match_account(self, text: str) -> dict[str, Any] | None:
        """The account whose name appears in the text (the longest, when several do)."""
        if not text.strip():
            return None
        with self._sessions() as s:
            hit = s.scalars(select(Account).where(func.length(Account.name) >= 3,
                                                  literal(text.lower()).contains(func.lower(Account.name)))
                            .order_by(func.length(Account.name).desc()).limit(1)).first()
            return as_dict(hit) if hit else None

    def reps(self, *, active_only: bool = True) -> list[dict[str, Any]]:
        with self._sessions() as s:
            query = select(Rep).order_by(Rep.id)
            if active_only:
                query = query.where(Rep.active.is_(True))
            return [as_dict(r) for r in s.scalars(query)]

    # -- leads ----------------------------------------------------------------------------------

    def create_lead(self, **fields: Any) -> dict[str, Any]:
        unknown = set(fields) - LEAD_FIELDS
        if unknown:
            raise ValueError(f"unknown lead fields: {', '.join(sorted(unknown))}")
        with self._sessions() as s:
            row = Lead(id=f"lead-{uuid.uuid4().hex[:12]}", **fields)
            s.add(row)
            s.commit()
            return as_dict(row)

    def update_lead(self, lead_id: str, **fields: Any) -> dict[str, Any] | None:
        unknown = set(fields) - LEAD_FIELDS
        if unknown:
            raise ValueError(f"unknown lead fields: {', '.join(sorted(unknown))}")
        with self._sessions() as s:
            row = s.get(Lead, lead_id)
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            row.updated_at = utcnow()
            s.commit()
            return as_dict(row)

    def lead(self, lead_id: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.get(Lead, lead_id)
            return as_dict(row) if row else None

    def lead_for_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.scalars(select(Lead).where(Lead.conversation_id == conversation_id)
                            .order_by(Lead.created_at.desc()).limit(1)).first()
            return as_dict(row) if row else None

    def leads(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        with self._sessions() as s:
            query = select(Lead).order_by(Lead.created_at, Lead.id).limit(limit)
            if status is not None:
                query = query.where(Lead.status == status)
            return [as_dict(r) for r in s.scalars(query)]

    # -- activities and follow-ups ----------------------------------------------------------------

    def add_activity(self, *, kind: str, summary: str, contact_id: str | None = None, account_id: str | None = None,
                     rep_id: str | None = None, due_at: datetime | None = None) -> dict[str, Any]:
        with self._sessions() as s:
            if contact_id and account_id is None:
                contact = s.get(Contact, contact_id)
                account_id = contact.account_id if contact else None
            row = Activity(kind=kind, summary=summary, contact_id=contact_id or None, account_id=account_id or None,
                           rep_id=rep_id, due_at=due_at)
            s.add(row)
            s.commit()
            return as_dict(row)

    def followups(self, *, rep_id: str | None = None, due_before: datetime | None = None) -> list[dict[str, Any]]:
        with self._sessions() as s:
            query = select(Activity).where(Activity.kind == "followup").order_by(Activity.due_at)
            if rep_id is not None:
                query = query.where(Activity.rep_id == rep_id)
            if due_before is not None:
                query = query.where(Activity.due_at <= due_before)
            return [as_dict(r) for r in s.scalars(query)]

    # -- history ------------------------------------------------------------------------------------

    def closed_deals(self) -> list[dict[str, Any]]:
        """Won and lost deals with their account's profile, oldest first (what scoring learns from)."""
        with self._sessions() as s:
            rows = s.execute(select(Deal, Account).join(Account, Deal.account_id == Account.id)
                             .where(Deal.stage.in_(("won", "lost"))).order_by(Deal.closed_on, Deal.id)).all()
            return [{**as_dict(deal), "account": as_dict(account)} for deal, account in rows]

    def account_activity_count(self, account_id: str) -> int:
        with self._sessions() as s:
            return int(s.scalar(select(func.count()).select_from(Activity)
                                .where(Activity.account_id == account_id)) or 0)

    # -- RoutingState -------------------------------------------------------------------------------

    def open_loads(self) -> dict[str, int]:
        with self._sessions() as s:
            rows = s.execute(select(Lead.assigned_rep_id, func.count()).where(
                Lead.status.in_(OPEN_LEAD_STATES), Lead.assigned_rep_id.is_not(None)).group_by(Lead.assigned_rep_id))
            return {rep: int(n) for rep, n in rows}

    def rotation(self) -> dict[str, tuple[int, datetime | None]]:
        with self._sessions() as s:
            return {r.rep_id: (r.offered, r.last_offered_at) for r in s.scalars(select(RepRotation))}

    def assign(self, lead_id: str, rep_id: str, *, reason: str, sla_due_at: datetime | None,
               now: datetime | None = None) -> dict[str, Any] | None:
        """Offer the lead to the rep, in one transaction: the lead's owner, the offer, the rep's turn.
        None when the lead is gone or already offered to someone who has not answered yet."""
        now = now or utcnow()
        with self._sessions() as s:
            begin_write(s)
            lead = s.scalars(select(Lead).where(Lead.id == lead_id).with_for_update()).first()
            if lead is None or lead.status in ("assigned", "accepted"):
                return None
            lead.assigned_rep_id, lead.assigned_at, lead.status, lead.unassigned_reason = rep_id, now, "assigned", ""
            lead.updated_at = now
            offer = LeadAssignment(lead_id=lead_id, rep_id=rep_id, state="offered", reason=reason, offered_at=now,
                                   sla_due_at=sla_due_at)
            s.add(offer)
            turn = s.get(RepRotation, rep_id, with_for_update=True)
            if turn is None:
                s.add(RepRotation(rep_id=rep_id, offered=1, last_offered_at=now))
            else:
                turn.offered, turn.last_offered_at = turn.offered + 1, now
            s.commit()
            return as_dict(offer)

    def unassign(self, lead_id: str, reason: str) -> None:
        """Park the lead in the unassigned queue with the reason nobody could take it."""
        with self._sessions() as s:
            s.execute(update(Lead).where(Lead.id == lead_id, Lead.status.not_in(OPEN_LEAD_STATES)).values(
                status="unassigned", assigned_rep_id=None, assigned_at=None, unassigned_reason=reason,
                updated_at=utcnow()))
            s.commit()

    def settle(self, lead_id: str, rep_id: str, state: str, now: datetime | None = None) -> bool:
        """The rep's open offer becomes accepted, declined or expired. False when there is no open offer to
        that rep (already settled elsewhere): the caller then does nothing, so each offer settles once."""
        if state not in ("accepted", "declined", "expired"):
            raise ValueError(f"unknown assignment state {state!r}")
        now = now or utcnow()
        with self._sessions() as s:
            begin_write(s)
            changed = s.execute(update(LeadAssignment).where(
                LeadAssignment.lead_id == lead_id, LeadAssignment.rep_id == rep_id,
                LeadAssignment.state == "offered").values(state=state, settled_at=now)).rowcount
            if changed:
                lead = s.get(Lead, lead_id)
                if lead is not None and lead.assigned_rep_id == rep_id:
                    if state == "accepted":
                        lead.status = "accepted"
                    else:
                        lead.status, lead.assigned_rep_id, lead.assigned_at = "rerouting", None, None
                    lead.updated_at = now
            s.commit()
            return bool(changed)

    def assignments(self, lead_id: str) -> list[dict[str, Any]]:
        with self._sessions() as s:
            rows = s.scalars(select(LeadAssignment).where(LeadAssignment.lead_id == lead_id)
                             .order_by(LeadAssignment.id))
            return [as_dict(r) for r in rows]

    def expired_offers(self, now: datetime | None = None) -> list[dict[str, Any]]:
        with self._sessions() as s:
            rows = s.scalars(select(LeadAssignment).where(LeadAssignment.state == "offered",
                                                          LeadAssignment.sla_due_at.is_not(None),
                                                          LeadAssignment.sla_due_at <= (now or utcnow()))
                             .order_by(LeadAssignment.sla_due_at))
            return [as_dict(r) for r in rows]

    def mark_notified(self, assignment_id: int) -> None:
        with self._sessions() as s:
            s.execute(update(LeadAssignment).where(LeadAssignment.id == assignment_id).values(notified=True))
            s.commit()
