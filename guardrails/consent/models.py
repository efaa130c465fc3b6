"""Consent tables. A grant row is never deleted: revocation and expiry are columns, so the history of
what a contact allowed, when, where and on which notice stays visible."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tools.sqlbase import new_metadata, utcnow


class ConsentBase(DeclarativeBase):
    metadata = new_metadata()


class ConsentGrant(ConsentBase):
    __tablename__ = "consent_grants"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # provenance: where the grant was given, on which notice text, and who recorded it
    source: Mapped[str] = mapped_column(String(64), default="")  # contract | web_form | web_chat | wecom_chat | ...
    given_in: Mapped[str] = mapped_column(String(160), default="")  # e.g. "conversation:c-1", "import:tenant.json"
    notice_version: Mapped[str] = mapped_column(String(64), default="")  # label or template version
    notice_hash: Mapped[str] = mapped_column(String(64), default="")  # sha256 of the exact text shown
    recorded_by: Mapped[str] = mapped_column(String(160), default="")  # "customer:con-1", "rep:rep-2", "system"
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    replaces_id: Mapped[int | None] = mapped_column(Integer)  # a narrowed re-grant points at the grant it replaced
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str] = mapped_column(String(160), default="")
    revoke_reason: Mapped[str] = mapped_column(String(200), default="")


class ConsentNotice(ConsentBase):
    """The exact text a contact was shown, kept by hash so a grant can always be traced to its words."""

    __tablename__ = "consent_notices"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    template: Mapped[str] = mapped_column(String(64), default="")
    template_version: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ConsentOffer(ConsentBase):
    """A notice put in front of a contact in a conversation, waiting for their answer (one use)."""

    __tablename__ = "consent_offers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    contact_id: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    data_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8), default="en")
    notice_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    grant_id: Mapped[int | None] = mapped_column(Integer)
