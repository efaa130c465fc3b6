"""The CRM seam. Tools talk to `CrmStore`; `SqlCrmStore` is the built-in implementation.

An external CRM (HubSpot, Salesforce) plugs in by implementing the same protocol; see README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session, sessionmaker

from tools.crm.models import Account, Activity, Case, Contact, Deal, Lead, Rep

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
    def rep(self, rep_id: str) -> dict[str, Any] | None: ...


def as_dict(row: object) -> dict[str, Any]:
    table = row.__table__  # type: ignore[attr-defined]
    return {c.key: getattr(row, c.key) for c in table.columns}


class SqlCrmStore:
    """CrmStore on SQLAlchemy: SQLite by default, PostgreSQL by URL."""

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
