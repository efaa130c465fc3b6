"""The staff inbox: notifications for reps and admins (new lead routed, SLA escalation, circuit breaker)
kept in a table the console shows. Slack and WeCom adapters can take these over per recipient later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from channels.outbox.message import OutboundMessage, Receipt
from channels.outbox.store import OutboxBase
from tools.sqlbase import utcnow


class StaffNotification(OutboxBase):
    __tablename__ = "staff_notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # the outbox key: one notification per key
    recipient: Mapped[str] = mapped_column(String(160), index=True)  # "rep:rep-001", "admins", "reviewers"
    kind: Mapped[str] = mapped_column(String(32))
    event: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class StaffInbox:
    channel = "staff"

    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def deliver(self, message: OutboundMessage) -> Receipt:
        with self._sessions() as s:
            row = StaffNotification(key=message.key, recipient=message.recipient, kind=message.kind,
                                    event=message.payload)
            s.add(row)
            try:
                s.commit()
                return Receipt(f"staff:{row.id}")
            except IntegrityError:
                s.rollback()
        with self._sessions() as s:
            existing = s.scalar(select(StaffNotification.id).where(StaffNotification.key == message.key))
            return Receipt(f"staff:{existing}", duplicate=True)

    def unread(self, recipients: tuple[str, ...], limit: int = 20) -> list[dict[str, Any]]:
        with self._sessions() as s:
            rows = s.scalars(select(StaffNotification).where(StaffNotification.recipient.in_(recipients),
                                                             StaffNotification.read_at.is_(None))
                             .order_by(StaffNotification.id.desc()).limit(limit))
            return [{"id": r.id, "recipient": r.recipient, "kind": r.kind, "event": r.event,
                     "created_at": r.created_at} for r in rows]

    def mark_read(self, notification_id: int) -> None:
        with self._sessions() as s:
            s.execute(update(StaffNotification).where(StaffNotification.id == notification_id)
                      .values(read_at=utcnow()))
            s.commit()
