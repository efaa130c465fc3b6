"""The Slack channel's own durable state: requests already seen, review messages, lead DMs, deliveries.

Everything here is keyed by other packages' ids only. Each state change that must happen once (an
event handled, an item delivered, a lead accepted) is a conditional write, so two processes or two
clicks cannot both win.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from tools.sqlbase import new_metadata, utcnow

SIGNATURE_TTL = timedelta(minutes=10)  # Slack refuses timestamps older than 5 minutes; keep twice that
EVENT_TTL = timedelta(days=2)  # Slack retries within minutes; two days also covers a long outage


class SlackBase(DeclarativeBase):
    metadata = new_metadata()


class SeenRequest(SlackBase):
    """A signed request or an event id we have already accepted (replay and retry protection)."""

    __tablename__ = "slack_seen_requests"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)  # sig:<sha256> | evt:<event_id>
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class ReviewPost(SlackBase):
    """The reviewers-channel message of one review queue item."""

    __tablename__ = "slack_review_posts"
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(32))
    ts: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(16), default="posting", index=True)  # posting | open | closed
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Delivery(SlackBase):
    """An approved review item sent to its Slack thread: written before sending, so it is sent once."""

    __tablename__ = "slack_deliveries"
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(32), default="")
    ts: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(16), default="sending")  # sending | sent
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LeadNotice(SlackBase):
    """A lead DM'd to a rep with Accept / Decline, and its SLA."""

    __tablename__ = "slack_lead_notices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(String(64), index=True)
    rep_id: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(32), default="")
    ts: Mapped[str] = mapped_column(String(32), default="")
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending|accepted|declined|expired
    event: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)


@dataclass(frozen=True)
class Notice:
    id: int
    lead_id: str
    rep_id: str
    channel: str
    ts: str
    sla_due_at: datetime | None
    state: str
    event: dict[str, Any]

    @classmethod
    def of(cls, row: LeadNotice) -> Notice:
        return cls(row.id, row.lead_id, row.rep_id, row.channel, row.ts, row.sla_due_at, row.state,
                   dict(row.event or {}))


def signature_key(signature: str) -> str:
    return "sig:" + hashlib.sha256(signature.encode()).hexdigest()


class SlackStore:
    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- requests: replay and retry protection ------------------------------------------------

    def admit(self, signature: str | None, event_id: str | None) -> str:
        """'new', 'replay' (this exact signed request came before) or 'duplicate' (event seen before)."""
        keys = ([signature_key(signature)] if signature else []) + ([f"evt:{event_id}"] if event_id else [])
        if not keys:
            return "new"
        for _ in range(3):  # a concurrent writer can win the race; then look again
            with self._sessions() as s:
                seen = set(s.scalars(select(SeenRequest.key).where(SeenRequest.key.in_(keys))).all())
                if signature and signature_key(signature) in seen:
                    return "replay"
                verdict = "duplicate" if event_id and f"evt:{event_id}" in seen else "new"
                s.add_all(SeenRequest(key=k) for k in keys if k not in seen)
                try:
                    s.commit()
                    return verdict
                except IntegrityError:
                    s.rollback()
        return "replay" if signature else "duplicate"

    def prune(self, now: datetime | None = None) -> int:
        now = now or utcnow()
        with self._sessions() as s:
            gone = s.execute(delete(SeenRequest).where(
                ((SeenRequest.key.like("sig:%")) & (SeenRequest.seen_at < now - SIGNATURE_TTL))
                | (SeenRequest.seen_at < now - EVENT_TTL))).rowcount
            s.commit()
            return gone or 0

    # -- review posts ---------------------------------------------------------------------------

    def claim_review_post(self, item_id: int, channel: str) -> bool:
        with self._sessions() as s:
            s.add(ReviewPost(item_id=item_id, channel=channel))
            try:
                s.commit()
                return True
            except IntegrityError:
                s.rollback()
                return False

    def posted(self, item_id: int, ts: str) -> None:
        with self._sessions() as s:
            s.execute(update(ReviewPost).where(ReviewPost.item_id == item_id).values(ts=ts, state="open"))
            s.commit()

    def unclaim_review_post(self, item_id: int) -> None:
        with self._sessions() as s:
            s.execute(delete(ReviewPost).where(ReviewPost.item_id == item_id, ReviewPost.state == "posting"))
            s.commit()

    def review_post(self, item_id: int) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.get(ReviewPost, item_id)
            return {"item_id": row.item_id, "channel": row.channel, "ts": row.ts, "state": row.state} if row else None

    def posted_item_ids(self, item_ids: list[int]) -> set[int]:
        with self._sessions() as s:
            return set(s.scalars(select(ReviewPost.item_id).where(ReviewPost.item_id.in_(item_ids))).all())

    def open_review_posts(self, limit: int = 200) -> list[dict[str, Any]]:
        with self._sessions() as s:
            rows = s.scalars(select(ReviewPost).where(ReviewPost.state == "open").limit(limit)).all()
            return [{"item_id": r.item_id, "channel": r.channel, "ts": r.ts} for r in rows]

    def close_review_post(self, item_id: int) -> bool:
        """True for the one caller that closes it (the message is updated once)."""
        with self._sessions() as s:
            n = s.execute(update(ReviewPost).where(ReviewPost.item_id == item_id, ReviewPost.state == "open")
                          .values(state="closed")).rowcount
            s.commit()
            return bool(n)

    # -- deliveries -----------------------------------------------------------------------------

    def claim_delivery(self, item_id: int, channel: str) -> bool:
        with self._sessions() as s:
            s.add(Delivery(item_id=item_id, channel=channel))
            try:
                s.commit()
                return True
            except IntegrityError:
                s.rollback()
                return False

    def delivered(self, item_id: int, ts: str) -> None:
        with self._sessions() as s:
            s.execute(update(Delivery).where(Delivery.item_id == item_id).values(ts=ts, state="sent"))
            s.commit()

    def release_delivery(self, item_id: int) -> None:
        """Sending failed: let a later attempt try again."""
        with self._sessions() as s:
            s.execute(delete(Delivery).where(Delivery.item_id == item_id, Delivery.state == "sending"))
            s.commit()

    def delivery(self, item_id: int) -> dict[str, Any] | None:
        with self._sessions() as s:
            row = s.get(Delivery, item_id)
            return {"channel": row.channel, "ts": row.ts, "state": row.state} if row else None

    # -- lead notices ---------------------------------------------------------------------------

    def add_notice(self, *, lead_id: str, rep_id: str, sla_due_at: datetime | None, event: dict[str, Any]) -> int:
        with self._sessions() as s:
            row = LeadNotice(lead_id=lead_id, rep_id=rep_id, sla_due_at=sla_due_at, event=event)
            s.add(row)
            s.commit()
            return row.id

    def notice_sent(self, notice_id: int, channel: str, ts: str) -> None:
        with self._sessions() as s:
            s.execute(update(LeadNotice).where(LeadNotice.id == notice_id).values(channel=channel, ts=ts))
            s.commit()

    def notice(self, notice_id: int) -> Notice | None:
        with self._sessions() as s:
            row = s.get(LeadNotice, notice_id)
            return Notice.of(row) if row else None

    def decide_notice(self, notice_id: int, state: str) -> bool:
        """pending → accepted | declined | expired, once; False when it was already decided."""
        with self._sessions() as s:
            n = s.execute(update(LeadNotice).where(LeadNotice.id == notice_id, LeadNotice.state == "pending")
                          .values(state=state, decided_at=utcnow())).rowcount
            s.commit()
            return bool(n)

    def overdue_notices(self, now: datetime | None = None) -> list[Notice]:
        now = now or utcnow()
        with self._sessions() as s:
            rows = s.scalars(select(LeadNotice).where(LeadNotice.state == "pending", LeadNotice.sla_due_at.is_not(None),
                                                      LeadNotice.sla_due_at < now)).all()
            return [Notice.of(r) for r in rows]

    def notices_for_rep(self, rep_id: str, states: tuple[str, ...] = ("pending", "accepted"),
                        limit: int = 20) -> list[Notice]:
        with self._sessions() as s:
            rows = s.scalars(select(LeadNotice).where(LeadNotice.rep_id == rep_id, LeadNotice.state.in_(states))
                             .order_by(LeadNotice.id.desc()).limit(limit)).all()
            return [Notice.of(r) for r in rows]
