"""Whose value is it, and may this recipient see it? Answered from the CRM: a value equal to a contact's
email, phone, WeChat id or name belongs to that contact; a rep may see values of contacts on the
accounts the rep owns (`owner_rep_id`); a customer may see their own record's values and what they
typed in this conversation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from guardrails.pii.vault import Entry
from tools.crm.models import Account, Contact, Rep


@dataclass(frozen=True)
class Recipient:
    persona: str  # customer | rep
    contact_id: str | None = None
    rep_id: str | None = None


class CrmOwnership:
    def __init__(self, crm):  # noqa: ANN001 - tools.crm.store.SqlCrmStore (any store with .session())
        self._crm = crm

    def owner_of(self, value: str, entity_type: str) -> str:
        session = getattr(self._crm, "session", None)
        if session is None:
            return "unknown"
        needle = value.strip()
        with session() as s:
            contact = s.scalar(select(Contact.id).where(or_(Contact.email == needle, Contact.phone == needle,
                                                            Contact.wechat_id == needle, Contact.name == needle)))
            if contact:
                return f"contact:{contact}"
            rep = s.scalar(select(Rep.id).where(or_(Rep.email == needle, Rep.name == needle)))
            return f"rep:{rep}" if rep else "unknown"

    def rep_owns_contact(self, rep_id: str, contact_id: str) -> bool:
        session = getattr(self._crm, "session", None)
        if session is None:
            return False
        with session() as s:
            owner = s.scalar(select(Account.owner_rep_id).join(Contact, Contact.account_id == Account.id)
                             .where(Contact.id == contact_id))
            return owner == rep_id

    def may_see(self, entry: Entry, who: Recipient) -> bool:
        if entry.owner == "source:public":
            return True
        if who.persona == "customer":
            return entry.typed_by == "customer" or (who.contact_id is not None
                                                   and entry.owner == f"contact:{who.contact_id}")
        if who.persona == "rep":
            if entry.typed_by or entry.owner == "source:internal" or entry.owner == f"rep:{who.rep_id}":
                return True
            if entry.owner.startswith("contact:") and who.rep_id:
                return self.rep_owns_contact(who.rep_id, entry.owner.removeprefix("contact:"))
        return False
