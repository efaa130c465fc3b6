"""The durable review queue: drafts and risky actions wait here for a human decision.

States: pending → claimed (a lease) → approved | edited | rejected, or expired when nobody decided in
time. A lease that runs out puts the item back to pending. Every write is one transaction with a
conditional UPDATE (and SKIP LOCKED on PostgreSQL), so several reviewers in several processes never
hold or decide the same item. A decision's follow-up (the outbox rows that deliver it) is written by a
callback inside the same transaction, and so is its audit entry.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Float, Integer, String, Text, and_, or_, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from guardrails.verification.rules import QueueRules
from tools.sqlbase import begin_write, new_metadata, utcnow

OPEN = ("pending", "claimed")
DECIDED = ("approved", "edited", "rejected", "expired")
DECISIONS = {"approve": "approved", "edit": "edited", "reject": "rejected"}


class VerificationBase(DeclarativeBase):
    metadata = new_metadata()


class ReviewItem(VerificationBase):
    __tablename__ = "review_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24), default="reply_draft")  # reply_draft | tool_call | handoff
    flow: Mapped[str] = mapped_column(String(64), default="", index=True)  # e.g. "web:customer"
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[str | None] = mapped_column(String(64), index=True)
    rep_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    language: Mapped[str] = mapped_column(String(8), default="en")
    draft: Mapped[str] = mapped_column(Text)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    findings: Mapped[list[str]] = mapped_column(JSON, default=list)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tool_call: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # name, args, interrupt_id, thread_id
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    assigned_to: Mapped[str] = mapped_column(String(64), default="")  # reassigned: only they (or an admin) may take it
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    final_text: Mapped[str] = mapped_column(Text, default="")
    final_args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    edit_diff: Mapped[str] = mapped_column(Text, default="")
    edit_ratio: Mapped[float | None] = mapped_column(Float)  # 0 = unchanged … 1 = rewritten
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


@dataclass(frozen=True)
class QueuedItem:
    id: int
    kind: str
    flow: str
    conversation_id: str
    draft: str
    reasons: list[str]
    status: str
    channel: str = "web"
    language: str = "en"
    message_id: int | None = None
    contact_id: str | None = None
    rep_id: str | None = None
    rules: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    tool_call: dict[str, Any] = field(default_factory=dict)
    claimed_by: str = ""
    lease_until: datetime | None = None
    assigned_to: str = ""
    due_at: datetime | None = None
    expires_at: datetime | None = None
    escalation_level: int = 0
    decided_by: str = ""
    decision_reason: str = ""
    final_text: str = ""
    final_args: dict[str, Any] = field(default_factory=dict)
    edit_diff: str = ""
    edit_ratio: float | None = None
    created_at: datetime | None = None
    decided_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        return self.status in OPEN and self.due_at is not None and self.due_at < now


QueuedDraft = QueuedItem  # the skeleton's name


class QueueError(Exception):
    """A queue operation that cannot be done as asked; the message says why."""


class NotFound(QueueError):
    pass


class Conflict(QueueError):
    """Someone else holds the item, or it was already decided."""


# Called inside the decision's transaction: write the outbox rows (and anything else that must commit with it).
StageFn = Callable[[Session, QueuedItem], None]
AuditFn = Callable[..., int]  # AuditLog.append_in


def edit_stats(before: str, after: str) -> tuple[str, float]:
    """A unified diff of the reviewer's edit, and how much changed (0 = nothing, 1 = everything)."""
    diff = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), "draft", "sent", lineterm=""))
    ratio = 1.0 - difflib.SequenceMatcher(None, before, after, autojunk=False).ratio()
    return diff, round(ratio, 4)


class ReviewQueue:
    def __init__(self, engine: Engine, rules: QueueRules | None = None, *, audit_in: AuditFn | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.rules = rules or QueueRules()
        self._audit_in = audit_in
        self.now = clock

    def _audit(self, s: Session, actor: str, action: str, item: ReviewItem, **detail: Any) -> None:
        if self._audit_in is not None:
            self._audit_in(s, actor=actor, action=action, subject=f"review_item:{item.id}",
                           purpose="service", detail={"conversation": item.conversation_id, "kind": item.kind,
                                                      "flow": item.flow, **detail})

    # -- writing items ---------------------------------------------------------------------------

    def enqueue(self, *, conversation_id: str, draft: str, reasons: list[str], message_id: int | None = None,
                contact_id: str | None = None, channel: str = "web", citations: list[dict[str, Any]] | None = None,
                kind: str = "reply_draft", flow: str = "", rules: list[str] | None = None,
                findings: list[str] | None = None, tool_call: dict[str, Any] | None = None,
                rep_id: str | None = None, language: str = "en") -> QueuedItem:
        now = self.now()
        sla = self.rules.sla_for(list(rules or []))
        with self._sessions() as s:
            begin_write(s)
            row = ReviewItem(kind=kind, flow=flow or f"{channel}:customer", conversation_id=conversation_id,
                             message_id=message_id, contact_id=contact_id, rep_id=rep_id, channel=channel,
                             language=language, draft=draft, reasons=list(reasons), rules=list(rules or []),
                             findings=list(findings or []), citations=citations or [], tool_call=tool_call or {},
                             created_at=now, due_at=now + timedelta(seconds=sla),
                             expires_at=now + timedelta(hours=self.rules.expire_hours))
            s.add(row)
            s.flush()
            self._audit(s, "agent", "review.enqueued", row, rules=row.rules)
            s.commit()
            return _view(row)

    def claim(self, reviewer: str, item_id: int | None = None, *, is_admin: bool = False,
              lease_s: int | None = None) -> QueuedItem | None:
        """Take an item (the given one, or the most urgent free one) for `lease_s` seconds. None: nothing free."""
        now = self.now()
        lease = timedelta(seconds=lease_s or self.rules.lease_seconds)
        for _ in range(5):  # lost races on SQLite retry with the next candidate
            with self._sessions() as s:
                begin_write(s)
                q = select(ReviewItem.id).where(self._claimable(reviewer, now, is_admin))
                if item_id is not None:  # this item (re-claiming one's own renews the lease)
                    q = q.where(ReviewItem.id == item_id)
                else:  # the most urgent item nobody (not even this reviewer) holds
                    q = q.where(or_(ReviewItem.status == "pending", ReviewItem.lease_until < now)) \
                        .order_by(ReviewItem.due_at, ReviewItem.id).limit(1)
                if self._engine.dialect.name == "postgresql":
                    q = q.with_for_update(skip_locked=True)
                target = s.scalar(q)
                if target is None:
                    return None
                done = s.execute(update(ReviewItem).where(ReviewItem.id == target,
                                                          self._claimable(reviewer, now, is_admin))
                                 .values(status="claimed", claimed_by=reviewer, lease_until=now + lease)
                                 .execution_options(synchronize_session=False))
                if done.rowcount != 1:
                    s.rollback()
                    continue
                row = s.get(ReviewItem, target)
                self._audit(s, f"reviewer:{reviewer}", "review.claimed", row)
                s.commit()
                return _view(row)
        return None

    @staticmethod
    def _claimable(reviewer: str, now: datetime, is_admin: bool):  # noqa: ANN205 - SQL expression
        free = or_(ReviewItem.status == "pending",
                   and_(ReviewItem.status == "claimed",
                        or_(ReviewItem.claimed_by == reviewer, ReviewItem.lease_until < now)))
        if is_admin:
            return free
        return and_(free, or_(ReviewItem.assigned_to == "", ReviewItem.assigned_to == reviewer))

    def release(self, item_id: int, reviewer: str) -> bool:
        """Give a claimed item back to the queue."""
        with self._sessions() as s:
            begin_write(s)
            done = s.execute(update(ReviewItem).where(ReviewItem.id == item_id, ReviewItem.status == "claimed",
                                                      ReviewItem.claimed_by == reviewer)
                             .values(status="pending", claimed_by="", lease_until=None))
            s.commit()
            return done.rowcount == 1

    def decide(self, item_id: int, reviewer: str, decision: str, *, text: str | None = None,
               args: dict[str, Any] | None = None, reason: str = "", is_admin: bool = False,
               stage: StageFn | None = None) -> QueuedItem:
        """Approve, edit or reject. The reviewer must hold the item's claim, or it must be free (then the
        claim and the decision are one step). `stage` runs in the same transaction."""
        if decision not in DECISIONS:
            raise QueueError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
        now = self.now()
        with self._sessions() as s:
            begin_write(s)
            row = s.get(ReviewItem, item_id)
            if row is None:
                raise NotFound(f"no review item {item_id}")
            if row.status in DECIDED:
                raise Conflict(f"item {item_id} was already {row.status} by {row.decided_by or 'the system'}")
            if decision == "edit":
                self._check_edit(row, text, args)
            if decision == "reject" and not reason.strip():
                raise QueueError("a rejection needs a reason")
            values: dict[str, Any] = {"status": DECISIONS[decision], "decided_by": reviewer, "decided_at": now,
                                      "decision_reason": reason.strip(), "claimed_by": reviewer, "lease_until": None}
            if row.kind == "tool_call":
                values["final_args"] = dict(args) if decision == "edit" and args is not None else \
                    dict(row.tool_call.get("args", {}))
                before, after = _args_text(row.tool_call.get("args", {})), _args_text(values["final_args"])
            else:
                values["final_text"] = text if decision == "edit" and text is not None else row.draft
                before, after = row.draft, values["final_text"]
            if decision == "edit":
                values["edit_diff"], values["edit_ratio"] = edit_stats(before, after)
            elif decision == "approve":
                values["edit_ratio"] = 0.0
            done = s.execute(update(ReviewItem).where(ReviewItem.id == item_id, self._claimable(reviewer, now, is_admin))
                             .values(**values).execution_options(synchronize_session=False))
            if done.rowcount != 1:
                s.rollback()
                raise self._held_elsewhere(item_id)
            s.refresh(row)
            item = _view(row)
            self._audit(s, f"reviewer:{reviewer}", f"review.{DECISIONS[decision]}", row, reason=reason.strip(),
                        edit_ratio=row.edit_ratio, tool=row.tool_call.get("name"))
            if stage is not None:
                stage(s, item)
            s.commit()
            return item

    @staticmethod
    def _check_edit(row: ReviewItem, text: str | None, args: dict[str, Any] | None) -> None:
        if row.kind == "tool_call":
            if not isinstance(args, dict):
                raise QueueError("editing a tool call needs the new arguments as a JSON object")
        elif text is None or not text.strip():
            raise QueueError("an edit needs the text to send")

    def reassign(self, item_id: int, to: str, by: str, *, is_admin: bool = False) -> QueuedItem:
        """Hand an open item to `to` (it drops any claim). Only who could claim it may: an admin, or a reviewer
        it is assigned to (or to nobody) while no one else holds a live lease on it."""
        now = self.now()
        with self._sessions() as s:
            begin_write(s)
            done = s.execute(update(ReviewItem).where(ReviewItem.id == item_id, self._claimable(by, now, is_admin))
                             .values(assigned_to=to.strip(), status="pending", claimed_by="", lease_until=None)
                             .execution_options(synchronize_session=False))
            if done.rowcount != 1:
                s.rollback()
                raise self._held_elsewhere(item_id, "reassigned")
            row = s.get(ReviewItem, item_id)
            self._audit(s, f"reviewer:{by}", "review.reassigned", row, to=to.strip())
            s.commit()
            return _view(row)

    def _held_elsewhere(self, item_id: int, verb: str = "decided") -> QueueError:
        """Why a conditional write on the item matched nothing: it is gone, closed, or someone else's."""
        holder = self.get(item_id)
        if holder is None:
            return NotFound(f"no review item {item_id}")
        if holder.status in DECIDED:
            return Conflict(f"item {item_id} is {holder.status}; only open items can be {verb}")
        if holder.status == "claimed" and holder.lease_until is not None and holder.lease_until >= self.now():
            return Conflict(f"item {item_id} is claimed by {holder.claimed_by}")
        return Conflict(f"item {item_id} is assigned to {holder.assigned_to}")

    # -- housekeeping (the worker runs these periodically) ----------------------------------------

    def reap_leases(self) -> int:
        """Claims whose lease ran out go back to pending (they were claimable already; this makes it visible)."""
        with self._sessions() as s:
            begin_write(s)
            done = s.execute(update(ReviewItem).where(ReviewItem.status == "claimed",
                                                      ReviewItem.lease_until < self.now())
                             .values(status="pending", claimed_by="", lease_until=None))
            s.commit()
            return done.rowcount

    def escalate_overdue(self, on_escalate: StageFn | None = None) -> list[QueuedItem]:
        """Open items past their SLA go up one level (again each further SLA period they wait)."""
        now = self.now()
        out = []
        with self._sessions() as s:
            begin_write(s)
            rows = s.scalars(select(ReviewItem).where(ReviewItem.status.in_(OPEN), ReviewItem.due_at < now)).all()
            sla = timedelta(seconds=self.rules.sla_seconds)
            for row in rows:
                row.escalation_level += 1
                row.escalated_at = now
                row.due_at = now + sla
                s.flush()
                item = _view(row)
                self._audit(s, "system", "review.escalated", row, level=row.escalation_level)
                if on_escalate is not None:
                    on_escalate(s, item)
                out.append(item)
            s.commit()
        return out

    def expire_stale(self, on_expire: StageFn | None = None) -> list[QueuedItem]:
        """Open items nobody decided before `expires_at` become expired: nothing of theirs is sent."""
        now = self.now()
        out = []
        with self._sessions() as s:
            begin_write(s)
            rows = s.scalars(select(ReviewItem).where(ReviewItem.status.in_(OPEN), ReviewItem.expires_at < now)).all()
            for row in rows:
                row.status, row.decided_at, row.decided_by, row.lease_until = "expired", now, "", None
                s.flush()
                item = _view(row)
                self._audit(s, "system", "review.expired", row)
                if on_expire is not None:
                    on_expire(s, item)
                out.append(item)
            s.commit()
        return out

    # -- reading ---------------------------------------------------------------------------------

    def get(self, item_id: int) -> QueuedItem | None:
        with self._sessions() as s:
            row = s.get(ReviewItem, item_id)
            return _view(row) if row else None

    def pending(self, limit: int = 100) -> list[QueuedItem]:
        return self.list(statuses=("pending",), limit=limit)

    def list(self, *, statuses: tuple[str, ...] | None = OPEN, kind: str | None = None, flow: str | None = None,
             assigned_to: str | None = None, conversation_id: str | None = None, overdue: bool = False,
             limit: int = 200) -> list[QueuedItem]:
        q = select(ReviewItem)
        if statuses:
            q = q.where(ReviewItem.status.in_(statuses))
        if kind:
            q = q.where(ReviewItem.kind == kind)
        if flow:
            q = q.where(ReviewItem.flow == flow)
        if assigned_to is not None:
            q = q.where(ReviewItem.assigned_to == assigned_to)
        if conversation_id:
            q = q.where(ReviewItem.conversation_id == conversation_id)
        if overdue:
            q = q.where(ReviewItem.due_at < self.now())
        order = (ReviewItem.due_at, ReviewItem.id) if statuses and set(statuses) <= set(OPEN) else \
            (ReviewItem.id.desc(),)
        with self._sessions() as s:
            return [_view(r) for r in s.scalars(q.order_by(*order).limit(limit))]

    def flows(self) -> list[str]:
        with self._sessions() as s:
            return sorted(f for f in s.scalars(select(ReviewItem.flow).distinct()) if f)

    def session(self) -> Session:
        return self._sessions()


def _args_text(args: dict[str, Any]) -> str:
    import json

    return json.dumps(args, ensure_ascii=False, sort_keys=True, indent=1, default=str)


def _view(row: ReviewItem) -> QueuedItem:
    return QueuedItem(
        id=row.id, kind=row.kind, flow=row.flow, conversation_id=row.conversation_id, draft=row.draft,
        reasons=list(row.reasons or []), status=row.status, channel=row.channel, language=row.language,
        message_id=row.message_id, contact_id=row.contact_id, rep_id=row.rep_id, rules=list(row.rules or []),
        findings=list(row.findings or []), citations=list(row.citations or []), tool_call=dict(row.tool_call or {}),
        claimed_by=row.claimed_by, lease_until=row.lease_until, assigned_to=row.assigned_to, due_at=row.due_at,
        expires_at=row.expires_at, escalation_level=row.escalation_level, decided_by=row.decided_by,
        decision_reason=row.decision_reason, final_text=row.final_text, final_args=dict(row.final_args or {}),
        edit_diff=row.edit_diff, edit_ratio=row.edit_ratio, created_at=row.created_at, decided_at=row.decided_at)
