"""WeCom's own tables: seen nonces (replay window), received message ids (de-duplication), the
outbound queue (idempotent by key; also the send log that per-member pacing counts), small state."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Engine,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from tools.sqlbase import new_metadata


class WeComBase(DeclarativeBase):
    metadata = new_metadata()


class SeenNonce(WeComBase):
    __tablename__ = "wecom_nonces"
    __table_args__ = (UniqueConstraint("timestamp", "nonce"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    timestamp: Mapped[int] = mapped_column(Integer)
    nonce: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[float] = mapped_column(Float, index=True)


class InboundRecord(WeComBase):
    __tablename__ = "wecom_inbound"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    msg_key: Mapped[str] = mapped_column(String(160), unique=True)  # "msg:<MsgId>" | "kf:<msgid>"
    kind: Mapped[str] = mapped_column(String(24))
    from_user: Mapped[str] = mapped_column(String(128), default="")
    conversation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    open_kfid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="received")  # received | replied | busy | ignored | failed
    received_at: Mapped[float] = mapped_column(Float)


class OutboundRecord(WeComBase):
    __tablename__ = "wecom_outbound"
    __table_args__ = (Index("ix_wecom_outbound_member_sent", "to_user", "sent_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    to_user: Mapped[str] = mapped_column(String(128))
    open_kfid: Mapped[str | None] = mapped_column(String(64))  # set: customer service reply (kf/send_msg)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[float] = mapped_column(Float)
    sent_at: Mapped[float | None] = mapped_column(Float)


class StateValue(WeComBase):
    __tablename__ = "wecom_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Outbound:
    id: int
    idempotency_key: str
    to_user: str
    open_kfid: str | None
    text: str
    status: str
    attempts: int
    last_error: str
    sent_at: float | None

    @classmethod
    def of(cls, r: OutboundRecord) -> Outbound:
        return cls(r.id, r.idempotency_key, r.to_user, r.open_kfid, r.text, r.status, r.attempts, r.last_error,
                   r.sent_at)


class WeComStore:
    def __init__(self, engine: Engine):
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- replay window ----------------------------------------------------------------------

    def first_sight(self, timestamp: int, nonce: str, now: float, window_s: float) -> bool:
        """Record (timestamp, nonce); False when it was already seen. Forgets entries outside the window."""
        with self._sessions() as s:
            s.execute(delete(SeenNonce).where(SeenNonce.seen_at < now - 2 * window_s))
            s.add(SeenNonce(timestamp=timestamp, nonce=nonce[:64], seen_at=now))
            try:
                s.commit()
                return True
            except IntegrityError:
                s.rollback()
                return False

    # -- de-duplication ---------------------------------------------------------------------

    def claim(self, msg_key: str, kind: str, from_user: str, now: float) -> bool:
        """True the first time a message id is seen, False for a repeat (WeCom retries)."""
        with self._sessions() as s:
            s.add(InboundRecord(msg_key=msg_key[:160], kind=kind, from_user=from_user, received_at=now))
            try:
                s.commit()
                return True
            except IntegrityError:
                s.rollback()
                return False

    def mark_inbound(self, msg_key: str, status: str, **fields: object) -> None:
        with self._sessions() as s:
            s.execute(update(InboundRecord).where(InboundRecord.msg_key == msg_key).values(status=status, **fields))
            s.commit()

    def route(self, conversation_id: str) -> tuple[str, str | None] | None:
        """Where replies in a WeCom conversation go: (to_user, open_kfid) of its latest inbound message."""
        with self._sessions() as s:
            row = s.scalars(select(InboundRecord).where(InboundRecord.conversation_id == conversation_id)
                            .order_by(InboundRecord.id.desc()).limit(1)).first()
            return (row.from_user, row.open_kfid) if row else None

    def inbound_status(self, msg_key: str) -> str | None:
        with self._sessions() as s:
            return s.scalar(select(InboundRecord.status).where(InboundRecord.msg_key == msg_key))

    # -- outbound queue ---------------------------------------------------------------------

    def enqueue(self, key: str, to_user: str, text: str, now: float, open_kfid: str | None = None) -> Outbound:
        """Queue a message once per idempotency key; a repeat returns the existing entry unchanged."""
        with self._sessions() as s:
            row = OutboundRecord(idempotency_key=key, to_user=to_user, open_kfid=open_kfid, text=text, created_at=now)
            s.add(row)
            try:
                s.commit()
                return Outbound.of(row)
            except IntegrityError:
                s.rollback()
        existing = self.outbound(key)
        assert existing is not None
        return existing

    def outbound(self, key: str) -> Outbound | None:
        with self._sessions() as s:
            row = s.scalar(select(OutboundRecord).where(OutboundRecord.idempotency_key == key))
            return Outbound.of(row) if row else None

    def due(self, limit: int = 200) -> list[Outbound]:
        """Queued (and interrupted 'sending') messages, oldest first."""
        with self._sessions() as s:
            rows = s.scalars(select(OutboundRecord).where(OutboundRecord.status.in_(("queued", "sending")))
                             .order_by(OutboundRecord.id).limit(limit)).all()
            return [Outbound.of(r) for r in rows]

    def set_outbound(self, row_id: int, **fields: object) -> None:
        with self._sessions() as s:
            s.execute(update(OutboundRecord).where(OutboundRecord.id == row_id).values(**fields))
            s.commit()

    def sends_since(self, to_user: str, since: float) -> list[float]:
        """When app messages to this member went out (the pacing window), oldest first."""
        with self._sessions() as s:
            return list(s.scalars(
                select(OutboundRecord.sent_at).where(OutboundRecord.to_user == to_user,
                                                     OutboundRecord.open_kfid.is_(None),
                                                     OutboundRecord.sent_at > since)
                .order_by(OutboundRecord.sent_at)).all())

    def count(self, status: str | None = None) -> int:
        with self._sessions() as s:
            q = select(func.count()).select_from(OutboundRecord)
            if status:
                q = q.where(OutboundRecord.status == status)
            return int(s.scalar(q) or 0)

    # -- small state (the customer-service sync cursor) ---------------------------------------

    def get_state(self, key: str) -> str:
        with self._sessions() as s:
            row = s.get(StateValue, key)
            return row.value if row else ""

    def set_state(self, key: str, value: str) -> None:
        with self._sessions() as s:
            row = s.get(StateValue, key)
            if row is None:
                s.add(StateValue(key=key, value=value))
            else:
                row.value = value
            s.commit()
