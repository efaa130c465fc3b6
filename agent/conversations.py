"""Conversations and their messages: the durable record of what was said, by whom, and its state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    Row,
    String,
    Text,
    UniqueConstraint,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from tools.sqlbase import new_metadata, utcnow


class ConversationBase(DeclarativeBase):
    metadata = new_metadata()


class Conversation(ConversationBase):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    persona: Mapped[str] = mapped_column(String(16), default="customer")  # customer | rep
    channel_user_id: Mapped[str] = mapped_column(String(128), default="")
    contact_id: Mapped[str | None] = mapped_column(String(64), index=True)
    rep_id: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8), default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | handoff | closed
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Message(ConversationBase):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("conversation_id", "channel_message_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # customer | rep | assistant | system
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24), default="sent")  # sent | pending_review | rejected | failed
    channel_message_id: Mapped[str | None] = mapped_column(String(128))
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: str
    role: str
    text: str
    status: str
    citations: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    @classmethod
    def of(cls, row: Message) -> StoredMessage:
        return cls(row.id, row.conversation_id, row.role, row.text, row.status,
                   list(row.citations or []), dict(row.meta or {}), row.created_at)


class DuplicateMessage(Exception):
    """The channel delivered a message we already have (retries, replays)."""


class ConversationStore:
    def __init__(self, engine: Engine):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def engine(self) -> Engine:
        return self._engine

    def get(self, conversation_id: str) -> Conversation | None:
        with self._sessions() as s:
            return s.get(Conversation, conversation_id)

    def ensure(self, conversation_id: str, **fields: Any) -> Conversation:
        """Return the conversation, creating it with `fields` on first use."""
        with self._sessions() as s:
            row = s.get(Conversation, conversation_id)
            if row is None:
                row = Conversation(id=conversation_id, **fields)
                s.add(row)
                try:
                    s.commit()
                except IntegrityError:  # created concurrently by another request
                    s.rollback()
                    row = s.get(Conversation, conversation_id)
            return row

    def update(self, conversation_id: str, **fields: Any) -> None:
        with self._sessions() as s:
            row = s.get(Conversation, conversation_id)
            if row is not None:
                for key, value in fields.items():
                    setattr(row, key, value)
                s.commit()

    def add_message(self, conversation_id: str, role: str, text: str, *, status: str = "sent",
                    channel_message_id: str | None = None, citations: list[dict[str, Any]] | None = None,
                    meta: dict[str, Any] | None = None) -> StoredMessage:
        # one INSERT … RETURNING (two per turn): the ORM's unit of work cost a millisecond each
        values = {"conversation_id": conversation_id, "role": role, "text": text, "status": status,
                  "channel_message_id": channel_message_id, "citations": citations or [], "meta": meta or {},
                  "created_at": utcnow()}
        try:
            with self._engine.begin() as conn:
                new_id = conn.execute(insert(Message).values(**values).returning(Message.id)).scalar_one()
        except IntegrityError as exc:
            raise DuplicateMessage(channel_message_id) from exc
        return StoredMessage(new_id, conversation_id, role, text, status, list(values["citations"]),
                             dict(values["meta"]), values["created_at"])

    def get_message(self, message_id: int) -> StoredMessage | None:
        with self._sessions() as s:
            row = s.get(Message, message_id)
            return StoredMessage.of(row) if row else None

    def set_message(self, message_id: int, **fields: Any) -> StoredMessage | None:
        with self._sessions() as s:
            row = s.get(Message, message_id)
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            s.commit()
            return StoredMessage.of(row)

    def transcript(self, conversation_id: str, limit: int = 200) -> list[Row[tuple[str, str, str]]]:
        """The newest `limit` messages as (role, status, text) rows, oldest first: what the per-turn checks
        read, without loading citations and metadata."""
        with self._sessions() as s:
            rows = s.execute(select(Message.role, Message.status, Message.text).where(
                Message.conversation_id == conversation_id).order_by(Message.id.desc()).limit(limit)).all()
        return rows[::-1]

    def messages(self, conversation_id: str, limit: int = 200) -> list[StoredMessage]:
        with self._sessions() as s:
            rows = s.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id).limit(limit)
            ).all()
            return [StoredMessage.of(r) for r in rows]
