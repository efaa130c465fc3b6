"""CRM tables. This package owns them; other packages refer to rows by id only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tools.sqlbase import new_metadata, utcnow


class CrmBase(DeclarativeBase):
    metadata = new_metadata()


class Rep(CrmBase):
    __tablename__ = "crm_reps"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    slack_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    wecom_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    territories: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_lines: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=20)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    work_start_hour: Mapped[int] = mapped_column(Integer, default=9)
    work_end_hour: Mapped[int] = mapped_column(Integer, default=18)
    started_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)


class Account(CrmBase):
    __tablename__ = "crm_accounts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    industry: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(32), default="")
    country: Mapped[str] = mapped_column(String(64), default="")
    employees: Mapped[int] = mapped_column(Integer, default=0)
    tier: Mapped[str] = mapped_column(String(32), default="")
    owner_rep_id: Mapped[str | None] = mapped_column(ForeignKey("crm_reps.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Contact(CrmBase):
    __tablename__ = "crm_contacts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("crm_accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    wechat_id: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    region: Mapped[str] = mapped_column(String(32), default="")
    web_visitor_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    wecom_external_userid: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)


class Lead(CrmBase):
    __tablename__ = "crm_leads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("crm_contacts.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("crm_accounts.id"))
    source: Mapped[str] = mapped_column(String(32), default="web")
    status: Mapped[str] = mapped_column(String(32), default="new")
    product_line: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    region: Mapped[str] = mapped_column(String(32), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    bant: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    estimated_value: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float | None] = mapped_column(Float)
    score_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    assigned_rep_id: Mapped[str | None] = mapped_column(ForeignKey("crm_reps.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    unassigned_reason: Mapped[str] = mapped_column(Text, default="")
    # the conversation the lead came from (one lead per conversation) and the rep who typed it in, if any
    conversation_id: Mapped[str | None] = mapped_column(String(128), index=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class LeadAssignment(CrmBase):
    """Every time routing offers a lead to a rep: offered → accepted | declined | expired. The history
    is what re-routing reads (who already said no) and what makes each notification's key unique."""

    __tablename__ = "crm_lead_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("crm_leads.id"), index=True)
    rep_id: Mapped[str] = mapped_column(ForeignKey("crm_reps.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="offered", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    offered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)
    notified: Mapped[bool] = mapped_column(default=False)


class RepRotation(CrmBase):
    """Round-robin state: how many leads each rep has been offered and when last, so equal reps take
    turns across restarts and processes."""

    __tablename__ = "crm_rep_rotation"
    rep_id: Mapped[str] = mapped_column(ForeignKey("crm_reps.id"), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    last_offered_at: Mapped[datetime | None] = mapped_column(DateTime)


class Deal(CrmBase):
    __tablename__ = "crm_deals"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("crm_accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("crm_contacts.id"))
    rep_id: Mapped[str | None] = mapped_column(ForeignKey("crm_reps.id"))
    name: Mapped[str] = mapped_column(String(200))
    product_line: Mapped[str] = mapped_column(String(64), default="")
    edition: Mapped[str] = mapped_column(String(64), default="")
    amount: Mapped[float] = mapped_column(Float, default=0.0)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    stage: Mapped[str] = mapped_column(String(32), default="open")  # open | won | lost
    closed_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")


class Activity(CrmBase):
    __tablename__ = "crm_activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("crm_contacts.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("crm_accounts.id"))
    rep_id: Mapped[str | None] = mapped_column(ForeignKey("crm_reps.id"))
    kind: Mapped[str] = mapped_column(String(32), default="note")
    summary: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Case(CrmBase):
    __tablename__ = "crm_cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("crm_accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("crm_contacts.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    product_line: Mapped[str] = mapped_column(String(64), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(32), default="closed")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
