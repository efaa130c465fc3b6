"""The pseudonymisation vault: per conversation, one stable placeholder per value (`<PHONE_NUMBER_1>`),
with whose value it is, so restoring a reply can be decided per recipient.

Values are encrypted at rest (Fernet) when a key is configured (`SALESAGENT_PII_VAULT_KEY`); lookups go
through a keyed hash either way, so the table never needs the plain value to find a placeholder.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Engine, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from tools.sqlbase import new_metadata, utcnow


class PiiBase(DeclarativeBase):
    metadata = new_metadata()


class VaultRow(PiiBase):
    __tablename__ = "pii_vault"
    __table_args__ = (UniqueConstraint("conversation_id", "placeholder", name="uq_pii_vault_placeholder"),
                      UniqueConstraint("conversation_id", "value_hash", name="uq_pii_vault_value_hash"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    placeholder: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    value_hash: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)  # Fernet token when a key is set
    owner: Mapped[str] = mapped_column(String(128), index=True)  # contact:<id> | rep:<id> | source:public|internal | unknown
    typed_by: Mapped[str] = mapped_column(String(16), default="")  # customer | rep when the speaker wrote it here
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class Entry:
    placeholder: str
    value: str
    entity_type: str
    owner: str
    typed_by: str


class Vault:
    def __init__(self, engine: Engine, key: str = ""):
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._mac_key = hashlib.sha256(b"salesagent-pii-vault:" + key.encode()).digest()
        self._fernet = None
        if key:
            from cryptography.fernet import Fernet

            self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))
        self._cache: dict[str, dict[str, Entry]] = {}  # conversation -> placeholder -> entry
        self._lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------------------
    def entries(self, conversation_id: str) -> dict[str, Entry]:
        with self._lock:
            cached = self._cache.get(conversation_id)
        if cached is not None:
            return cached
        with self._sessions() as s:
            rows = s.scalars(select(VaultRow).where(VaultRow.conversation_id == conversation_id)).all()
            loaded = {r.placeholder: Entry(r.placeholder, self._open(r.value), r.entity_type, r.owner, r.typed_by)
                      for r in rows}
        with self._lock:
            self._cache[conversation_id] = loaded
        return loaded

    # -- writing ----------------------------------------------------------------------------------
    def assign(self, conversation_id: str, value: str, entity_type: str, *, owner: str, typed_by: str = "") -> str:
        """The placeholder for `value` in this conversation, creating it on first sight."""
        known = self.entries(conversation_id)
        for entry in known.values():
            if entry.value == value:
                if typed_by and not entry.typed_by:
                    self._mark_typed(conversation_id, entry, typed_by)
                return entry.placeholder
        n = 1 + sum(1 for e in known.values() if e.entity_type == entity_type)
        placeholder = f"<{entity_type}_{n}>"
        row = VaultRow(conversation_id=conversation_id, placeholder=placeholder, entity_type=entity_type,
                       value_hash=self._hash(value), value=self._seal(value), owner=owner, typed_by=typed_by)
        with self._sessions() as s:
            s.add(row)
            try:
                s.commit()
            except IntegrityError:  # another process assigned it (or this number) first: reload and retry
                s.rollback()
                self.forget(conversation_id)
                return self.assign(conversation_id, value, entity_type, owner=owner, typed_by=typed_by)
        with self._lock:
            self._cache.setdefault(conversation_id, {})[placeholder] = Entry(placeholder, value, entity_type, owner,
                                                                             typed_by)
        return placeholder

    def _mark_typed(self, conversation_id: str, entry: Entry, typed_by: str) -> None:
        with self._sessions() as s:
            row = s.scalar(select(VaultRow).where(VaultRow.conversation_id == conversation_id,
                                                  VaultRow.placeholder == entry.placeholder))
            if row is not None:
                row.typed_by = typed_by
                s.commit()
        with self._lock:
            self._cache.setdefault(conversation_id, {})[entry.placeholder] = Entry(
                entry.placeholder, entry.value, entry.entity_type, entry.owner, typed_by)

    # -- erasure hooks (data-subject requests) ------------------------------------------------------
    def erase_conversation(self, conversation_id: str) -> int:
        with self._sessions() as s:
            n = s.execute(delete(VaultRow).where(VaultRow.conversation_id == conversation_id)).rowcount
            s.commit()
        self.forget(conversation_id)
        return int(n or 0)

    def erase_contact(self, contact_id: str) -> int:
        """Every mapping of a value that belongs to this contact, in any conversation."""
        with self._sessions() as s:
            n = s.execute(delete(VaultRow).where(VaultRow.owner == f"contact:{contact_id}")).rowcount
            s.commit()
        self.forget()
        return int(n or 0)

    def forget(self, conversation_id: str | None = None) -> None:
        with self._lock:
            if conversation_id is None:
                self._cache.clear()
            else:
                self._cache.pop(conversation_id, None)

    # -- at rest --------------------------------------------------------------------------------
    def _hash(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def _seal(self, value: str) -> str:
        if self._fernet is None:
            return value
        return self._fernet.encrypt(value.encode("utf-8", "surrogatepass")).decode()

    def _open(self, stored: str) -> str:
        if self._fernet is None:
            return stored
        return self._fernet.decrypt(stored.encode()).decode("utf-8", "surrogatepass")
