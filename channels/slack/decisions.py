"""The one interface Slack uses to decide review items, and its implementation over the review desk.

`ReviewDecisions` is the seam; `DeskDecisions` sends every decision through the same `ReviewDesk` as the
web console and the review API, so a decision counts once (a conditional update in the queue) and its
delivery is an outbox row written in the same transaction — the outbox worker sends it exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from channels.review.desk import ReviewDesk
from guardrails.access import Principal
from guardrails.verification.queue import Conflict, NotFound, QueueError


@dataclass(frozen=True)
class Outcome:
    ok: bool
    item_id: int
    status: str = ""  # the item's status after the call
    by: str = ""  # who decided (the caller, or whoever decided first)
    text: str = ""  # what goes to the customer (approved / edited)
    error: str = ""


class ReviewDecisions(Protocol):
    def approve(self, item_id: int, by: str) -> Outcome: ...
    def edit(self, item_id: int, by: str, text: str) -> Outcome: ...
    def reject(self, item_id: int, by: str, reason: str) -> Outcome: ...


class DeskDecisions:
    """Slack reviewers act as the reviewer role (membership of the reviewers channel is the check)."""

    def __init__(self, desk: ReviewDesk, max_chars: int = 8000):
        self.desk, self.max_chars = desk, max_chars

    def approve(self, item_id: int, by: str) -> Outcome:
        item = self.desk.queue.get(item_id)
        if item is not None and not item.draft.strip() and item.kind != "tool_call":
            return Outcome(False, item_id, item.status, error="there is no draft to approve; write a reply with Edit")
        return self._decide(item_id, by, "approve")

    def edit(self, item_id: int, by: str, text: str) -> Outcome:
        text = text.strip()
        if not text:
            return Outcome(False, item_id, error="the reply is empty")
        if len(text) > self.max_chars:
            return Outcome(False, item_id, error=f"the reply is {len(text)} characters; the limit is {self.max_chars}")
        return self._decide(item_id, by, "edit", text=text)

    def reject(self, item_id: int, by: str, reason: str) -> Outcome:
        return self._decide(item_id, by, "reject", reason=reason.strip() or f"rejected in Slack by {by}")

    def _decide(self, item_id: int, by: str, decision: str, *, text: str | None = None, reason: str = "") -> Outcome:
        try:
            item = self.desk.decide(Principal("reviewer", by), item_id, decision, text=text, reason=reason)
        except NotFound:
            return Outcome(False, item_id, error="no such review item")
        except Conflict:
            now = self.desk.queue.get(item_id)
            status, who = (now.status, now.decided_by or now.claimed_by) if now else ("gone", "")
            return Outcome(False, item_id, status, who, error=f"already {status}" + (f" by {who}" if who else ""))
        except QueueError as exc:
            return Outcome(False, item_id, error=str(exc))
        return Outcome(True, item_id, item.status, by, item.final_text)
