"""The transactional outbox: rows written in the same transaction as the decision that causes them, then
claimed by workers (a lease per row) and marked delivered, retried with backoff, refused, or failed."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, Text, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from channels.outbox.message import OutboundMessage, Receipt
from tools.sqlbase import begin_write, new_metadata, utcnow

AuditFn = Callable[..., int]  # guardrails.audit.AuditLog.append_in


class OutboxBase(DeclarativeBase):
    metadata = new_metadata()


class OutboxRow(OutboxBase):
    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(160), default="")
    contact_id: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(32), default="service")
    source: Mapped[str] = mapped_column(String(160), default="", index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending → delivering (leased) → delivered | refused | failed; delivering with a lapsed lease is pending again
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    locked_by: Mapped[str] = mapped_column(String(64), default="")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)


class Outbox:
    def __init__(self, engine: Engine, *, audit_in: AuditFn | None = None, max_attempts: int = 10,
                 backoff_base_s: float = 1.0, backoff_max_s: float = 300.0):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._audit_in = audit_in
        self.max_attempts = max_attempts
        self.backoff_base_s, self.backoff_max_s = backoff_base_s, backoff_max_s
        self.wakeup = threading.Event()  # set after new rows commit, so an in-process worker need not wait a poll

    # -- writing ---------------------------------------------------------------------------------

    def stage(self, s: Session, message: OutboundMessage) -> None:
        """Add a message inside the caller's transaction: it exists exactly when the caller commits."""
        s.add(_row(message))
        s.flush()

    def enqueue(self, message: OutboundMessage) -> bool:
        """Add a message on its own. False when a message with this key already exists (nothing added)."""
        with self._sessions() as s:
            try:
                s.add(_row(message))
                s.commit()
            except IntegrityError:
                s.rollback()
                return False
        self.wakeup.set()
        return True

    # -- the worker's side -----------------------------------------------------------------------

    def _due(self, now: datetime):  # noqa: ANN202 - SQL expression
        return or_(and_(OutboxRow.status == "pending", OutboxRow.next_attempt_at <= now),
                   and_(OutboxRow.status == "delivering", OutboxRow.locked_until < now))

    def claim(self, worker: str, limit: int = 20, lease_s: float = 30.0) -> list[OutboundMessage]:
        now = utcnow()
        with self._sessions() as s:
            # look before taking the write lock: idle polls must not queue up behind (or starve) real writers
            if s.scalar(select(OutboxRow.id).where(self._due(now)).limit(1)) is None:
                return []
            s.rollback()
            begin_write(s)
            q = select(OutboxRow.id).where(self._due(now)).order_by(OutboxRow.id).limit(limit)
            if self._engine.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            ids = list(s.scalars(q))
            if not ids:
                s.rollback()
                return []
            s.execute(update(OutboxRow).where(OutboxRow.id.in_(ids), self._due(now))
                      .values(status="delivering", locked_by=worker, locked_until=now + timedelta(seconds=lease_s),
                              attempts=OutboxRow.attempts + 1).execution_options(synchronize_session=False))
            rows = list(s.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids), OutboxRow.locked_by == worker,
                                                          OutboxRow.status == "delivering")))
            s.commit()
            return [_message(r) for r in rows]

    def _finish(self, message: OutboundMessage, worker: str, action: str, detail: dict[str, Any],
                **values: Any) -> bool:
        """Record an outcome if this worker still holds the row (else another worker took it over)."""
        with self._sessions() as s:
            begin_write(s)
            done = s.execute(update(OutboxRow).where(OutboxRow.id == message.id, OutboxRow.status == "delivering",
                                                     OutboxRow.locked_by == worker)
                             .values(locked_until=None, **values).execution_options(synchronize_session=False))
            if done.rowcount != 1:
                s.rollback()
                return False
            if self._audit_in is not None and action:
                self._audit_in(s, actor=f"worker:{worker}", action=action, subject=message.source or
                               f"outbox:{message.id}", purpose=message.purpose,
                               detail={"key": message.key, "channel": message.channel, "kind": message.kind,
                                       "attempt": message.attempts, **detail})
            s.commit()
            return True

    def mark_delivered(self, message: OutboundMessage, worker: str, receipt: Receipt) -> bool:
        return self._finish(message, worker, "outbox.delivered", {"duplicate": receipt.duplicate},
                            status="delivered", delivered_at=utcnow(), receipt=receipt.as_dict(), last_error="")

    def mark_refused(self, message: OutboundMessage, worker: str, reason: str) -> bool:
        return self._finish(message, worker, "outbox.refused", {"reason": reason}, status="refused",
                            last_error=reason[:2000])

    def mark_failed(self, message: OutboundMessage, worker: str, error: str) -> bool:
        return self._finish(message, worker, "outbox.failed", {"error": error[:300]}, status="failed",
                            last_error=error[:2000])

    def mark_retry(self, message: OutboundMessage, worker: str, error: str) -> bool:
        if message.attempts >= self.max_attempts:
            return self.mark_failed(message, worker, f"gave up after {message.attempts} attempts: {error}")
        return self._finish(message, worker, "", {}, status="pending", last_error=error[:2000],
                            next_attempt_at=utcnow() + timedelta(seconds=self.backoff(message.attempts)))

    def backoff(self, attempts: int) -> float:
        """Exponential with full jitter in the upper half, so retries of many rows do not stampede."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempts - 1))
        return ceiling * (0.5 + random.random() / 2)

    def retry_now(self, message_id: int) -> bool:
        """Put a failed or refused message back in line (an admin decided it should go after all)."""
        with self._sessions() as s:
            done = s.execute(update(OutboxRow).where(OutboxRow.id == message_id,
                                                     OutboxRow.status.in_(("failed", "refused")))
                             .values(status="pending", attempts=0, next_attempt_at=utcnow()))
            s.commit()
        self.wakeup.set()
        return done.rowcount == 1

    # -- reading ---------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._sessions() as s:
            return dict(s.execute(select(OutboxRow.status, func.count()).group_by(OutboxRow.status)).all())

    def by_source(self, source: str) -> list[dict[str, Any]]:
        with self._sessions() as s:
            return [_row_dict(r) for r in s.scalars(select(OutboxRow).where(OutboxRow.source == source)
                                                     .order_by(OutboxRow.id))]

    def recent(self, statuses: tuple[str, ...] = ("failed", "refused"), limit: int = 50) -> list[dict[str, Any]]:
        with self._sessions() as s:
            return [_row_dict(r) for r in s.scalars(select(OutboxRow).where(OutboxRow.status.in_(statuses))
                                                     .order_by(OutboxRow.id.desc()).limit(limit))]

    def latencies(self, since: datetime | None = None) -> list[float]:
        """Seconds from staging (the decision) to delivery, for delivered rows."""
        with self._sessions() as s:
            q = select(OutboxRow.created_at, OutboxRow.delivered_at).where(OutboxRow.status == "delivered")
            if since is not None:
                q = q.where(OutboxRow.created_at >= since)
            return [(d - c).total_seconds() for c, d in s.execute(q) if c and d]


def _row(m: OutboundMessage) -> OutboxRow:
    return OutboxRow(key=m.key, channel=m.channel, kind=m.kind, recipient=m.recipient, contact_id=m.contact_id,
                     purpose=m.purpose, source=m.source, payload=m.payload, created_at=utcnow(),
                     next_attempt_at=utcnow())


def _message(r: OutboxRow) -> OutboundMessage:
    return OutboundMessage(key=r.key, channel=r.channel, kind=r.kind, payload=dict(r.payload or {}),
                           recipient=r.recipient, contact_id=r.contact_id, purpose=r.purpose, source=r.source,
                           id=r.id, attempts=r.attempts, created_at=r.created_at)


def _row_dict(r: OutboxRow) -> dict[str, Any]:
    return {"id": r.id, "key": r.key, "channel": r.channel, "kind": r.kind, "recipient": r.recipient,
            "status": r.status, "attempts": r.attempts, "last_error": r.last_error, "receipt": r.receipt,
            "created_at": r.created_at, "delivered_at": r.delivered_at}
