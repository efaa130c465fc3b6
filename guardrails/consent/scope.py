"""What the access rules need to know about a contact, an account and a rep, read from the CRM.

A protocol so an external CRM adapter can supply it; `SqlScopes` reads the built-in CRM tables.
Only ids, regions and flags cross this seam, never personal fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, select

from tools.crm.models import Account, Contact, Rep


@dataclass(frozen=True)
class AccountScope:
    account_id: str
    region: str
    owner_rep_id: str | None


@dataclass(frozen=True)
class ContactScope:
    contact_id: str
    account: AccountScope | None
    frozen: bool
    erased: bool


@dataclass(frozen=True)
class RepScope:
    rep_id: str
    territories: frozenset[str]
    active: bool


class Scopes(Protocol):
    def contact(self, contact_id: str) -> ContactScope | None: ...
    def account(self, account_id: str) -> AccountScope | None: ...
    def rep(self, rep_id: str) -> RepScope | None: ...


class SqlScopes:
    def __init__(self, engine: Engine):
        self._engine = engine  # plain connections, no ORM session: this is on every tool call's path

    def contact(self, contact_id: str) -> ContactScope | None:
        with self._engine.connect() as s:
            row = s.execute(
                select(Contact.id, Contact.frozen_at, Contact.erased_at, Account.id, Account.region, Account.owner_rep_id)
                .outerjoin(Account, Account.id == Contact.account_id).where(Contact.id == contact_id)
            ).first()
        if row is None:
            return None
        account = AccountScope(row[3], row[4] or "", row[5]) if row[3] else None
        return ContactScope(row[0], account, row[1] is not None, row[2] is not None)

    def account(self, account_id: str) -> AccountScope | None:
        with self._engine.connect() as s:
            row = s.execute(select(Account.id, Account.region, Account.owner_rep_id)
                            .where(Account.id == account_id)).first()
        return AccountScope(row[0], row[1] or "", row[2]) if row else None

    def rep(self, rep_id: str) -> RepScope | None:
        with self._engine.connect() as s:
            row = s.execute(select(Rep.id, Rep.territories, Rep.active).where(Rep.id == rep_id)).first()
        return RepScope(row[0], frozenset(row[1] or ()), bool(row[2])) if row else None
