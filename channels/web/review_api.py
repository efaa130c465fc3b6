"""The review queue over JSON (`/v1/review/…`), for API clients and other surfaces such as Slack buttons.
Bearer token with the reviewer or admin role."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from agent.conversations import ConversationStore
from channels.request_bodies import STRICT
from channels.review import ReviewDesk
from channels.web.auth import requires
from channels.web.schemas import ErrorOut
from guardrails.access import Principal, TokenStore
from guardrails.verification.queue import DECIDED, OPEN, Conflict, NotFound, QueuedItem, QueueError

ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 409: {"model": ErrorOut},
          422: {"model": ErrorOut}}


class ItemOut(BaseModel):
    id: int
    kind: str = Field(description="reply_draft | tool_call | handoff")
    flow: str
    status: str = Field(description="pending | claimed | approved | edited | rejected | expired")
    conversation_id: str
    channel: str
    draft: str
    reasons: list[str]
    findings: list[str]
    citations: list[dict[str, Any]]
    tool_call: dict[str, Any]
    claimed_by: str
    lease_until: datetime | None
    assigned_to: str
    due_at: datetime | None
    escalation_level: int
    decided_by: str
    decision_reason: str
    final_text: str
    final_args: dict[str, Any]
    edit_ratio: float | None
    created_at: datetime | None
    decided_at: datetime | None


class ItemDetailOut(ItemOut):
    conversation: list[dict[str, Any]]
    consent: dict[str, Any]


class DecisionIn(BaseModel):
    model_config = STRICT
    decision: Literal["approve", "edit", "reject"]
    text: str | None = Field(None, description="edit of a reply draft: the text to send")
    args: dict[str, Any] | None = Field(None, description="edit of a tool call: the arguments to run it with")
    reason: str = Field("", max_length=2000, description="required for reject")


class ReassignIn(BaseModel):
    model_config = STRICT
    to: str = Field(..., min_length=1, max_length=64)


def _out(item: QueuedItem) -> ItemOut:
    return ItemOut(**{k: getattr(item, k) for k in ItemOut.model_fields})


def review_api_router(desk: ReviewDesk, conversations: ConversationStore, tokens: TokenStore) -> APIRouter:
    router = APIRouter(prefix="/v1/review", tags=["review"])
    reviewer = Depends(requires(tokens, "reviewer"))

    def run(fn, *args: Any, **kwargs: Any) -> QueuedItem:  # noqa: ANN001
        try:
            return fn(*args, **kwargs)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None
        except QueueError as exc:
            raise HTTPException(422, str(exc)) from None

    @router.get("/items", response_model=list[ItemOut], responses=ERRORS)
    def items(status: str = "open", kind: str | None = None, flow: str | None = None,
              who: Principal = reviewer) -> list[ItemOut]:
        """Items in the queue: `status` is open (default), all, or one state."""
        if status not in ("open", "all", *OPEN, *DECIDED):
            raise HTTPException(422, f"status must be open, all, or one of {', '.join((*OPEN, *DECIDED))}")
        statuses = {"open": OPEN, "all": None}.get(status, (status,))
        return [_out(i) for i in desk.queue.list(statuses=statuses, kind=kind, flow=flow)]

    @router.get("/items/{item_id}", response_model=ItemDetailOut, responses=ERRORS)
    def item(item_id: int, who: Principal = reviewer) -> ItemDetailOut:
        """One item with the conversation so far and the customer's consent status."""
        it = desk.queue.get(item_id)
        if it is None:
            raise HTTPException(404, f"no review item {item_id}")
        convo = [{"id": m.id, "role": m.role, "text": m.text, "status": m.status}
                 for m in conversations.messages(it.conversation_id)]
        return ItemDetailOut(**_out(it).model_dump(), conversation=convo,
                             consent=desk.consent_status(it.contact_id, it.channel))

    @router.post("/items/{item_id}/claim", response_model=ItemOut, responses=ERRORS)
    def claim(item_id: int, who: Principal = reviewer) -> ItemOut:
        """Hold the item for this reviewer for the lease time; 409 if someone else holds it."""
        got = desk.claim(who, item_id)
        if got is None and desk.queue.get(item_id) is None:
            raise HTTPException(404, f"no review item {item_id}")  # as a GET or a decision on it answers
        if got is None:
            raise HTTPException(409, f"item {item_id} is held by someone else, assigned elsewhere, or closed")
        return _out(got)

    @router.post("/next", response_model=ItemOut | None, responses=ERRORS)
    def next_item(who: Principal = reviewer) -> ItemOut | None:
        """Claim the most urgent free item (null when nothing waits)."""
        got = desk.claim(who)
        return _out(got) if got else None

    @router.post("/items/{item_id}/decision", response_model=ItemOut, responses=ERRORS)
    def decide(item_id: int, body: DecisionIn, who: Principal = reviewer) -> ItemOut:
        """Approve, edit or reject. Delivery (or resuming the paused run) is queued in the same transaction."""
        return _out(run(desk.decide, who, item_id, body.decision, text=body.text, args=body.args, reason=body.reason))

    @router.post("/items/{item_id}/reassign", response_model=ItemOut, responses=ERRORS)
    def reassign(item_id: int, body: ReassignIn, who: Principal = reviewer) -> ItemOut:
        return _out(run(desk.reassign, who, item_id, body.to))

    return router
