"""The review desk: claim, decide, reassign. A decision and the outbox rows that carry it out commit in
one transaction, so an approved reply can be neither lost nor sent without its decision on record."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from channels.outbox import OutboundMessage, Outbox
from guardrails.access import Principal
from guardrails.verification.breaker import CircuitBreaker, FlowHealth
from guardrails.verification.queue import QueuedItem, QueueError, ReviewQueue

log = logging.getLogger(__name__)

WITHDRAWN = {
    "en": "Thanks for waiting. A colleague from our team will follow up with you on this personally.",
    "zh": "感谢您的等待。我们团队的同事会就此问题亲自与您联系。",
}
ConsentStatus = Callable[[str | None, str], dict[str, Any]]


def consent_not_connected(contact_id: str | None, channel: str) -> dict[str, Any]:
    """Placeholder until the consent ledger is wired in: says so instead of pretending."""
    if not contact_id:
        return {"status": "anonymous", "detail": "visitor not linked to a CRM contact"}
    return {"status": "unknown", "detail": "consent ledger not connected"}


class ReviewDesk:
    def __init__(self, queue: ReviewQueue, outbox: Outbox, breaker: CircuitBreaker, *,
                 consent_status: ConsentStatus = consent_not_connected, breaker_every_s: float = 1.0):
        self.queue, self.outbox, self.breaker = queue, outbox, breaker
        self.consent_status = consent_status
        # A decision re-evaluates its flow's breaker at most this often (housekeeping catches up the rest).
        self.breaker_every_s = breaker_every_s
        self._evaluated: dict[str, float] = {}

    # -- decisions -------------------------------------------------------------------------------

    def claim(self, who: Principal, item_id: int | None = None) -> QueuedItem | None:
        return self.queue.claim(who.subject, item_id, is_admin=who.role == "admin")

    def release(self, who: Principal, item_id: int) -> bool:
        return self.queue.release(item_id, who.subject)

    def reassign(self, who: Principal, item_id: int, to: str) -> QueuedItem:
        if not to.strip():
            raise QueueError("say who the item goes to")
        return self.queue.reassign(item_id, to, who.subject, is_admin=who.role == "admin")

    def decide(self, who: Principal, item_id: int, decision: str, *, text: str | None = None,
               args: dict[str, Any] | None = None, reason: str = "") -> QueuedItem:
        item = self.queue.get(item_id)
        if item is not None and item.kind == "handoff" and decision == "approve":
            raise QueueError("a handoff has no draft to approve: write the answer (edit) or reject it")
        decided = self.queue.decide(item_id, who.subject, decision, text=text, args=args, reason=reason,
                                    is_admin=who.role == "admin", stage=self._stage_delivery)
        self.outbox.wakeup.set()
        now = time.monotonic()
        if decided.kind == "reply_draft" and now - self._evaluated.get(decided.flow, -1e9) >= self.breaker_every_s:
            self._evaluated[decided.flow] = now
            try:
                self.breaker.evaluate(decided.flow, on_change=self._alert_breaker)
            except Exception:  # the decision stands; the breaker is re-evaluated by the worker's housekeeping
                log.exception("circuit breaker evaluation failed for flow %s", decided.flow)
        return decided

    def _stage_delivery(self, s: Session, item: QueuedItem) -> None:
        source = f"review_item:{item.id}"
        common = {"recipient": item.conversation_id, "contact_id": item.contact_id, "source": source}
        if item.kind == "tool_call":
            decision: dict[str, Any] = {"type": {"approved": "approve", "edited": "edit",
                                                 "rejected": "reject"}[item.status]}
            if item.status == "edited":
                decision["edited_action"] = {"name": item.tool_call.get("name", ""), "args": item.final_args}
            if item.status == "rejected":
                decision["message"] = item.decision_reason
            self.outbox.stage(s, OutboundMessage(
                key=f"{source}:resume", channel="agent", kind="resume", purpose="service",
                payload={"conversation_id": item.conversation_id, "thread_id": item.tool_call.get("thread_id"),
                         "interrupt_id": item.tool_call.get("interrupt_id"), "decision": decision,
                         "message_id": item.message_id},
                recipient=item.conversation_id, source=source))
            return
        if item.status in ("approved", "edited"):
            self.outbox.stage(s, OutboundMessage(
                key=f"{source}:reply", channel=item.channel, kind="reply",
                payload={"conversation_id": item.conversation_id, "message_id": item.message_id if
                         item.kind == "reply_draft" else None, "text": item.final_text,
                         "citations": _kept_citations(item)},
                **common))
        elif item.kind == "reply_draft":  # rejected or expired: withdraw the held draft, tell the customer
            self.stage_withdrawal(s, item)

    def stage_withdrawal(self, s: Session, item: QueuedItem) -> None:
        self.outbox.stage(s, OutboundMessage(
            key=f"review_item:{item.id}:withdraw", channel=item.channel, kind="withdrawn",
            payload={"conversation_id": item.conversation_id, "message_id": item.message_id,
                     "text": WITHDRAWN.get(item.language, WITHDRAWN["en"]), "handoff": True},
            recipient=item.conversation_id, contact_id=item.contact_id, source=f"review_item:{item.id}"))

    # -- alerts ----------------------------------------------------------------------------------

    def _alert_breaker(self, s: Session, health: FlowHealth, event: str) -> None:
        self.outbox.stage(s, OutboundMessage(
            key=f"breaker:{health.flow}:{event}:{health.changed_at.isoformat() if health.changed_at else ''}",
            channel="staff", kind=f"breaker_{event}", recipient="admins", purpose="service",
            payload={"flow": health.flow, "bad_rate": health.bad_rate, "decided": health.decided,
                     "text": (f"Flow {health.flow} switched to always-review: {health.bad_rate:.0%} of "
                              f"{health.decided} recent drafts were rejected or heavily edited.") if event == "tripped"
                     else f"Flow {health.flow} is back to normal review ({health.bad_rate:.0%} rejected or "
                          f"heavily edited)."},
            source=f"flow:{health.flow}"))

    def _alert_escalation(self, s: Session, item: QueuedItem) -> None:
        self.outbox.stage(s, OutboundMessage(
            key=f"review_item:{item.id}:escalation:{item.escalation_level}", channel="staff", kind="sla_escalation",
            recipient="admins" if item.escalation_level > 1 else "reviewers", source=f"review_item:{item.id}",
            payload={"item_id": item.id, "level": item.escalation_level, "flow": item.flow,
                     "text": f"Review item #{item.id} ({item.kind}, {item.flow}) is past its SLA "
                             f"(escalation level {item.escalation_level})."}))

    def _on_expire(self, s: Session, item: QueuedItem) -> None:
        if item.kind == "reply_draft":
            self.stage_withdrawal(s, item)
        self.outbox.stage(s, OutboundMessage(
            key=f"review_item:{item.id}:expired", channel="staff", kind="review_expired", recipient="admins",
            source=f"review_item:{item.id}",
            payload={"item_id": item.id, "text": f"Review item #{item.id} expired undecided; nothing was sent."}))

    # -- housekeeping (run by a worker) ----------------------------------------------------------

    def housekeeping(self) -> dict[str, int]:
        reaped = self.queue.reap_leases()
        escalated = self.queue.escalate_overdue(on_escalate=self._alert_escalation)
        expired = self.queue.expire_stale(on_expire=self._on_expire)
        for flow in {*self.queue.flows(), *(h.flow for h in self.breaker.states())}:
            self.breaker.evaluate(flow, on_change=self._alert_breaker)
        if escalated or expired:
            self.outbox.wakeup.set()
        return {"reaped": reaped, "escalated": len(escalated), "expired": len(expired)}


def _kept_citations(item: QueuedItem) -> list[dict[str, Any]]:
    """After an edit, only the sources whose [n] marker the reviewer kept are still cited."""
    if item.final_text == item.draft:
        return item.citations
    return [c for n, c in enumerate(item.citations, start=1) if f"[{n}]" in item.final_text]
