"""The audit chain over HTTP: read entries, verify the chain (first broken link), read the head to
anchor it elsewhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from channels.web.auth import requires
from channels.web.consent_api import ERRORS
from guardrails.access import Principal, TokenStore
from guardrails.audit import AuditLog


class EntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    purpose: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    broken_seq: int | None = None
    reason: str = ""
    head: dict[str, Any] | None = None


def audit_router(audit: AuditLog, tokens: TokenStore) -> APIRouter:
    router = APIRouter(prefix="/v1/audit", tags=["audit"])
    readers = requires(tokens, "reviewer", "admin")
    admin = requires(tokens, "admin")

    @router.get("/entries", response_model=list[EntryOut], responses=ERRORS)
    def entries(subject: str | None = Query(None, max_length=160), action: str | None = Query(None, max_length=64),
                after: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=1000),
                _: Principal = Depends(readers)) -> list[EntryOut]:
        """Entries in order, filtered by subject ("contact:con-001") or action prefix ("tool.", "consent.")."""
        return [EntryOut(seq=e.seq, at=e.at, actor=e.actor, action=e.action, subject=e.subject, purpose=e.purpose,
                         detail=e.detail, prev_hash=e.prev_hash, hash=e.hash)
                for e in audit.entries(subject, limit, action=action, after=after)]

    @router.get("/verify", response_model=VerifyOut, responses=ERRORS)
    def verify(_: Principal = Depends(admin)) -> VerifyOut:
        """Recompute the chain: ok, or the first broken link and why."""
        broken = audit.verify()
        head = audit.head()
        return VerifyOut(ok=broken is None, broken_seq=broken.seq if broken else None,
                         reason=broken.reason if broken else "", head=head.as_dict() if head else None)

    return router
