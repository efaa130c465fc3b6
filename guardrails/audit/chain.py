"""Append-only audit entries, each carrying the hash of the one before it, and a signed head.

Entries hold ids and placeholders, never raw personal data. `verify()` finds the first broken link:
an edited entry no longer matches its own hash; a deleted one breaks the next entry's `prev_hash` or
leaves a gap in the sequence. Deleting the *last* entries leaves no later link to break, so the chain
also keeps its head (last seq and hash) in a separate row, updated in the same transaction and signed
with a key kept outside the database: a head that is ahead of the entries, or whose signature does not
match, shows the tail was cut. Anchors (`head()` saved elsewhere, e.g. by `salesagent audit anchor`)
also catch a database rolled back wholesale to an older, self-consistent state.

A chain starts with a signed genesis head (seq 0), written by `start()` when the database is set up, so
even an empty chain has a head: a missing head means the chain (entries and head) was deleted. A keyed log
never signs a head it did not start, so the next entry after such a wipe does not make the chain look new.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from tools.sqlbase import new_metadata, utcnow

log = logging.getLogger(__name__)
GENESIS = "0" * 64


class AuditBase(DeclarativeBase):
    metadata = new_metadata()


class AuditEntry(AuditBase):
    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(160))  # "customer:con-1", "rep:rep-2", "agent", "system"
    action: Mapped[str] = mapped_column(String(64), index=True)  # "tool.customer_360", "consent.grant", ...
    subject: Mapped[str] = mapped_column(String(160), default="", index=True)  # "contact:con-1"
    purpose: Mapped[str] = mapped_column(String(32), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(AuditBase):
    """One row: the chain's last seq and hash, with an HMAC over both when a key is configured."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def entry_hash(seq: int, at: datetime, actor: str, action: str, subject: str, purpose: str,
               detail: dict[str, Any], prev_hash: str) -> str:
    canonical = json.dumps([seq, at.isoformat(timespec="microseconds"), actor, action, subject, purpose, detail,
                            prev_hash], ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Broken:
    seq: int
    reason: str


@dataclass(frozen=True)
class Anchor:
    """A head saved outside the database: the chain must still contain this entry, unchanged."""

    seq: int
    hash: str
    at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at}


class AuditLog:
    def __init__(self, engine: Engine, *, key: bytes | None = None):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._key = key

    def _mac(self, seq: int, hash_: str) -> str:
        if not self._key:
            return ""
        return hmac.new(self._key, f"{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()

    def _lock(self, s: Session) -> None:
        # One appender at a time, across processes: the chain has a single head.
        if self._engine.dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(7345001)"))
        elif self._engine.dialect.name == "sqlite":
            s.execute(text("BEGIN IMMEDIATE"))

    def append(self, *, actor: str, action: str, subject: str = "", purpose: str = "",
               detail: dict[str, Any] | None = None) -> int:
        with self._sessions() as s:
            self._lock(s)
            seq = self._add(s, actor=actor, action=action, subject=subject, purpose=purpose, detail=detail)
            s.commit()
            return seq

    def append_in(self, s: Session, *, actor: str, action: str, subject: str = "", purpose: str = "",
                  detail: dict[str, Any] | None = None) -> int:
        """Append inside the caller's transaction, so the entry commits (or not) with what it records.

        On SQLite the caller's transaction must already hold the write lock (`tools.sqlbase.begin_write`).
        """
        if self._engine.dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(7345001)"))
        return self._add(s, actor=actor, action=action, subject=subject, purpose=purpose, detail=detail)

    def start(self) -> bool:
        """Write the genesis head (seq 0, signed) of a chain that has neither entries nor a head; called once,
        when the database is set up. False when the chain has already started (or was wiped: see verify)."""
        with self._sessions() as s:
            self._lock(s)
            if s.get(AuditHead, 1) is not None or s.scalar(select(AuditEntry.seq).limit(1)) is not None:
                return False
            s.add(AuditHead(id=1, seq=0, hash=GENESIS, mac=self._mac(0, GENESIS), at=utcnow()))
            s.commit()
            return True

    def _add(self, s: Session, *, actor: str, action: str, subject: str, purpose: str,
             detail: dict[str, Any] | None) -> int:
        detail = json.loads(json.dumps(detail or {}, default=str))  # what the JSON column will give back
        head = s.get(AuditHead, 1)
        if head is not None:
            # continue from the head, not from the last row: a deleted tail must stay a visible gap
            seq, prev = head.seq + 1, head.hash
        else:
            last = s.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())
                             .limit(1)).first()
            seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
            if self._key:
                # No head: the chain was deleted (a database set up by `start()` always has one). The entry is
                # still kept, but no head is made and signed for it: that would make a wiped chain look new.
                log.warning("the audit chain has no head record; appending entry %d without one", seq)
            else:  # unsigned (tests, tools): a head only speeds up appends, it proves nothing
                head = AuditHead(id=1, seq=0, hash=GENESIS)
                s.add(head)
        at = utcnow()
        digest = entry_hash(seq, at, actor, action, subject, purpose, detail, prev)
        s.add(AuditEntry(seq=seq, at=at, actor=actor, action=action, subject=subject, purpose=purpose,
                         detail=detail, prev_hash=prev, hash=digest))
        if head is not None:
            head.seq, head.hash, head.mac, head.at = seq, digest, self._mac(seq, digest), at
        s.flush()
        return seq

    def entries(self, subject: str | None = None, limit: int = 1000, *, subjects: Sequence[str] | None = None,
                action: str | None = None, after: int = 0) -> list[AuditEntry]:
        with self._sessions() as s:
            q = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq)
            if subject is not None:
                q = q.where(AuditEntry.subject == subject)
            if subjects is not None:
                q = q.where(AuditEntry.subject.in_(list(subjects)))
            if action is not None:
                q = q.where(AuditEntry.action.startswith(action, autoescape=True))
            return list(s.scalars(q.limit(limit)))

    def head(self) -> Anchor | None:
        with self._sessions() as s:
            row = s.get(AuditHead, 1)
            return Anchor(row.seq, row.hash, row.at.isoformat()) if row and row.seq else None

    def verify(self, anchors: Iterable[Anchor] = ()) -> Broken | None:
        """None when intact, else the first broken link."""
        pending = {a.seq: a for a in anchors}
        prev, expected_seq = GENESIS, 1
        with self._sessions() as s:
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
                if e.seq != expected_seq:
                    return Broken(expected_seq, f"entry {expected_seq} is missing (next is {e.seq})")
                if e.prev_hash != prev:
                    return Broken(e.seq, "prev_hash does not match the previous entry")
                if entry_hash(e.seq, e.at, e.actor, e.action, e.subject, e.purpose, e.detail, e.prev_hash) != e.hash:
                    return Broken(e.seq, "contents do not match the entry's hash")
                anchor = pending.pop(e.seq, None)
                if anchor is not None and anchor.hash != e.hash:
                    return Broken(e.seq, "the entry differs from the anchored copy of the chain")
                prev, expected_seq = e.hash, e.seq + 1
            last = expected_seq - 1
            head = s.get(AuditHead, 1)
        if pending:
            seq = min(pending)
            return Broken(seq, f"entry {seq} is missing: an anchor saved earlier records it")
        if head is None:
            return Broken(1, "the chain has entries but no head record" if last else
                          "the chain has no head record, not even its genesis: its entries and head were deleted")
        if head.seq > last:
            return Broken(last + 1, f"entry {last + 1} is missing: the head records {head.seq} entries")
        if head.seq < last or head.hash != prev:
            return Broken(head.seq, "the head record does not match the last entry")
        if self._key and not hmac.compare_digest(head.mac, self._mac(head.seq, head.hash)):
            return Broken(head.seq, "the head record's signature does not match")
        return None
