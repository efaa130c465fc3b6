"""Data-subject requests and their deadlines. A request row holds ids, times and the receipt (hashes
and counts), never the personal data itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tools.sqlbase import new_metadata, utcnow


class DsrBase(DeclarativeBase):
    metadata = new_metadata()


class DsrRequest(DsrBase):
    __tablename__ = "dsr_requests"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # export | erase
    contact_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    # received | frozen | erased | proven (erase); received | completed (export); failed
    source: Mapped[str] = mapped_column(String(32), default="api")  # web_chat | wecom_chat | api | cli | email ...
    requested_by: Mapped[str] = mapped_column(String(160), default="")  # "customer:con-1", "admin:alice"
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    due_freeze_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_erase_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_proof_at: Mapped[datetime | None] = mapped_column(DateTime)  # erase: receipt; export: the document
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)
    proven_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    receipt_hash: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(Text, default="")  # operator notes and failures (no personal data)
